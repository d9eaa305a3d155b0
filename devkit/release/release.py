"""make release VERSION=x.y.z: check, date the changelog, commit, package, tag (locally; pushing is yours).

Every check runs before anything is written: a clean working tree, a semantic version above the last
v* tag, entries under the changelog's [Unreleased]. The changelog's date is the committer date (UTC) of
the commit being released, not today: the release is then a function of that commit alone, and running
it again from the same commit (after an aborted run, or elsewhere) writes the same changelog.

Usage: release.py VERSION [--repo DIR]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from changelog import release_changelog
from gitrepo import ReleaseError, git
from package import build_package
from versions import parse_version, require_newer

CHANGELOG = "CHANGELOG.md"


def require_clean(repo: Path) -> None:
    """Refuse uncommitted changes and untracked files: the release must be exactly a commit."""
    changes = git(repo, "status", "--porcelain", "--untracked-files=normal").splitlines()
    if changes:
        shown = "\n  ".join(changes[:10]) + ("\n  ..." if len(changes) > 10 else "")
        raise ReleaseError(f"the working tree is not clean: commit or stash these first:\n  {shown}")


def release(repo: Path, version_text: str) -> None:
    parse_version(version_text)
    version = version_text
    print(f"release: {version}: checking the working tree, the version and {CHANGELOG}")
    require_clean(repo)
    require_newer(parse_version(version), repo)
    released_commit = git(repo, "rev-parse", "--verify", "HEAD^{commit}").strip()
    date = git(repo, "log", "-1", "--format=%cd", "--date=format-local:%Y-%m-%d", released_commit,
               env={"TZ": "UTC"}).strip()  # fmt: skip
    changelog_path = repo / CHANGELOG
    if not changelog_path.is_file():
        raise ReleaseError(f"{CHANGELOG} is missing: the release dates its [Unreleased] entries")
    updated = release_changelog(changelog_path.read_text(), version, date)

    print(f"  changelog  [Unreleased] -> [{version}] - {date} (the date of {released_commit[:12]})")
    changelog_path.write_text(updated)
    git(repo, "add", "--", CHANGELOG)
    git(repo, "commit", "--quiet", "-m", f"Release {version}", "--", CHANGELOG)
    commit = git(repo, "rev-parse", "HEAD").strip()
    print(f"  commit     {commit[:12]} Release {version}")

    tag = f"v{version}"
    try:
        path, count = build_package(repo, commit, version, repo / "dist")
        git(repo, "tag", "--annotate", "-m", f"durable-bedrock {version}", tag, commit)
    except ReleaseError as error:
        raise ReleaseError(f"{error}\n  the release commit {commit[:12]} is made but not tagged:"
                           " undo it with `git reset --hard HEAD~1`, fix the cause, run again") from error  # fmt: skip
    size = path.stat().st_size
    print(f"  package    {path.relative_to(repo)}: {count} files, {size} bytes ({size / 1024:.1f} KiB)")
    print(f"  tag        {tag} -> {commit[:12]} (local; publish with: git push origin HEAD {tag})")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("version", help="x.y.z, above the last v* tag")
    parser.add_argument("--repo", type=Path, default=Path(__file__).resolve().parents[2])
    args = parser.parse_args(argv)
    try:
        release(args.repo.resolve(), args.version.strip())
    except ReleaseError as error:
        print(f"make release: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
