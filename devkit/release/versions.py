"""Release versions: x.y.z (semantic versions without pre-release or build parts, as the Terraform
registry's module tags are: "x.y.z tags for releases", optionally prefixed with v), and the newest v* tag."""

from __future__ import annotations

import re
from pathlib import Path

from gitrepo import ReleaseError, git

# Three whole numbers, no leading zeros (semver.org, 2. "MUST NOT contain leading zeroes").
SEMANTIC = re.compile(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)")

Version = tuple[int, int, int]


def parse_version(text: str) -> Version:
    """The version given as VERSION, or ReleaseError saying what is allowed."""
    match = SEMANTIC.fullmatch(text)
    if not text:
        raise ReleaseError("VERSION is not set: make release VERSION=x.y.z (for example VERSION=0.1.0)")
    if match is None:
        raise ReleaseError(
            f"VERSION={text} is not a semantic version x.y.z: three whole numbers without leading zeros,"
            " no 'v' prefix (the tag gets it), no pre-release or build suffix; for example VERSION=0.1.0"
        )
    return (int(match[1]), int(match[2]), int(match[3]))


def latest_release(repo: Path) -> tuple[Version, str] | None:
    """The highest version among the repository's v<x.y.z> tags, with its tag (None before the first)."""
    found = []
    for tag in git(repo, "tag", "--list", "v*").split():
        match = SEMANTIC.fullmatch(tag[1:])
        if match is not None:  # tags such as v-test are not releases
            found.append(((int(match[1]), int(match[2]), int(match[3])), tag))
    return max(found, default=None)


def require_newer(version: Version, repo: Path) -> None:
    """Refuse a version that is not above every released one (so a tag is never moved or reused)."""
    latest = latest_release(repo)
    if latest is not None and version <= latest[0]:
        shown = ".".join(map(str, version))
        raise ReleaseError(
            f"VERSION={shown} is not newer than the last release tag {latest[1]}: choose a higher version"
        )
