"""Release tests work on a throwaway git repository holding this working tree's tracked files (one
commit with a fixed date), never on the clone itself: a release commits and tags."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from release_repo import COMMIT_DATE, GIT_ENV, RELEASE, REPO, TEST_ENTRY, UNRELEASED, git


@pytest.fixture(scope="session")
def seed_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A repository whose one commit is this working tree's tracked files (uncommitted edits included)."""
    seed = tmp_path_factory.mktemp("seed")
    for name in git(REPO, "ls-files", "-z").split("\0"):
        source = REPO / name
        if name and source.is_file():
            (seed / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, seed / name)
    # An entry of its own under [Unreleased]: the repository's may be empty right after a release.
    changelog = seed / "CHANGELOG.md"
    changelog.write_text(changelog.read_text().replace(UNRELEASED, f"{UNRELEASED}\n\n### Fixed\n\n{TEST_ENTRY}", 1))
    git(seed, "init", "--quiet", "--initial-branch=main")
    git(seed, "add", "--all")
    dated = {"GIT_AUTHOR_DATE": COMMIT_DATE, "GIT_COMMITTER_DATE": COMMIT_DATE}
    git(seed, "commit", "--quiet", "--no-verify", "-m", "module", env=dated)
    return seed


@pytest.fixture
def module_repo(seed_repo: Path, tmp_path: Path) -> Path:
    """A fresh clone of the seed for one test (the release writes commits, tags and dist/)."""
    clone = tmp_path / "module"
    git(tmp_path, "clone", "--quiet", str(seed_repo), str(clone))
    return clone


@pytest.fixture
def run_release() -> Callable[..., subprocess.CompletedProcess[str]]:
    def run(repo: Path, version: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, str(RELEASE), version, "--repo", str(repo)],
            capture_output=True, text=True, check=False, env={**os.environ, **GIT_ENV},
        )  # fmt: skip

    return run
