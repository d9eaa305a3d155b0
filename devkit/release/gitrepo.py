"""Git as the release reads and writes it: commands in one repository that fail with git's own message."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path


class ReleaseError(Exception):
    """A release refused or stopped: the message says why and what to do."""


def git(repo: Path, *args: str, env: dict[str, str] | None = None) -> str:
    """Run git in repo and return its standard output (text); a failure raises ReleaseError."""
    return git_bytes(repo, *args, env=env).decode()


def git_bytes(repo: Path, *args: str, env: dict[str, str] | None = None) -> bytes:
    """Run git in repo and return its standard output as bytes (file contents are not text)."""
    done = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, check=False, env={**os.environ, **(env or {})}
    )
    if done.returncode != 0:
        raise ReleaseError(f"git {' '.join(args)} failed: {done.stderr.decode().strip()}")
    return done.stdout
