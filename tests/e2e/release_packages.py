"""Release packages for the registry end-to-end test, built by `make release`'s own builder
(devkit/release/package.py, run as a script as the Makefile runs it) from commits: the first release
from HEAD, a patch release from a throwaway clone of HEAD with one change committed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGE_BUILDER = REPO / "devkit" / "release" / "package.py"
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Registry Test", "GIT_AUTHOR_EMAIL": "registry@example.invalid",
    "GIT_COMMITTER_NAME": "Registry Test", "GIT_COMMITTER_EMAIL": "registry@example.invalid",
    "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
}  # fmt: skip


def release_package(repo: Path, version: str, out_dir: Path) -> Path:
    """dist-style durable-bedrock-<version>.tar.gz of the repository's HEAD, as `make release` builds it."""
    built = subprocess.run(
        [sys.executable, str(PACKAGE_BUILDER), "--version", version, "--commit", "HEAD", "--repo", str(repo),
         "--out-dir", str(out_dir)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert built.returncode == 0, built.stdout + built.stderr
    return out_dir / f"durable-bedrock-{version}.tar.gz"


def patched_release(version: str, out_dir: Path, path: str, old: str, new: str) -> Path:
    """The release of HEAD with `old` replaced by `new` in `path`, committed in a clone of its own."""
    clone = out_dir / f"clone-{version}"
    subprocess.run(["git", "clone", "--quiet", "--shared", str(REPO), str(clone)], check=True)
    changed = clone / path
    text = changed.read_text()
    assert text.count(old) == 1, f"{path} no longer holds {old!r} once: update the test"
    changed.write_text(text.replace(old, new))
    env = {**os.environ, **GIT_IDENTITY}
    subprocess.run(["git", "-C", str(clone), "commit", "--quiet", "-am", f"Patch {version}"], check=True, env=env)
    return release_package(clone, version, out_dir)
