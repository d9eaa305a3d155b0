"""Shared by the release tests: the scripts, a fixed commit date, git with a throwaway identity, and a
package build of one commit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
RELEASE = REPO / "devkit" / "release" / "release.py"
PACKAGE = REPO / "devkit" / "release" / "package.py"
# The throwaway repository's one commit: its date is the changelog date a release writes.
COMMIT_DATE = "2026-01-02T03:04:05+00:00"
UNRELEASED = "## [Unreleased]"
TEST_ENTRY = "- The release tests' own entry."
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Release Test", "GIT_AUTHOR_EMAIL": "release@example.invalid",
    "GIT_COMMITTER_NAME": "Release Test", "GIT_COMMITTER_EMAIL": "release@example.invalid",
    "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
}  # fmt: skip


def git(repo: Path, *args: str, env: dict[str, str] | None = None) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True,
        env={**os.environ, **GIT_ENV, **(env or {})},
    ).stdout  # fmt: skip


def build(repo: Path, out_dir: Path, commit: str = "HEAD", version: str = "1.2.3") -> Path:
    """package.py's build of the commit as `version`, run from another folder and time zone."""
    out_dir.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [sys.executable, str(PACKAGE), "--version", version, "--commit", commit, "--repo", str(repo),
         "--out-dir", str(out_dir)],
        capture_output=True, text=True, check=False, cwd=out_dir, env={**os.environ, "TZ": "Asia/Tokyo"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return out_dir / f"durable-bedrock-{version}.tar.gz"
