"""CHANGELOG.md in Keep a Changelog form: a release moves the entries under [Unreleased] to a
'## [x.y.z] - YYYY-MM-DD' section and leaves [Unreleased] empty for the next changes."""

from __future__ import annotations

import re

from gitrepo import ReleaseError

UNRELEASED = "## [Unreleased]"
# The next version heading after [Unreleased] ends its entries.
VERSION_HEADING = re.compile(r"^## \[", re.MULTILINE)


def release_changelog(text: str, version: str, date: str) -> str:
    """The changelog with [Unreleased]'s entries under the version's heading, dated."""
    start = text.find(UNRELEASED + "\n")
    if start < 0:
        raise ReleaseError(f"CHANGELOG.md has no '{UNRELEASED}' heading: the release moves its entries")
    if f"## [{version}]" in text:
        raise ReleaseError(f"CHANGELOG.md already has a section for {version}")
    body_start = start + len(UNRELEASED) + 1
    following = VERSION_HEADING.search(text, body_start)
    body_end = following.start() if following else len(text)
    entries = text[body_start:body_end].strip("\n")
    if not entries.strip():
        raise ReleaseError("CHANGELOG.md: nothing under [Unreleased] to release: add the changes there first")
    released = f"{UNRELEASED}\n\n## [{version}] - {date}\n\n{entries}\n"
    rest = text[body_end:]
    return text[:start] + released + ("\n" + rest if rest else "")
