"""make release refuses, before writing anything, a dirty tree, a version that is not x.y.z, one not
above the last v* tag, and a changelog with nothing to release; a good version is released."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

from release_repo import COMMIT_DATE, TEST_ENTRY, git


def unchanged(repo: Path, head: str) -> bool:
    """Nothing written: the same HEAD, no new tag, no package."""
    return git(repo, "rev-parse", "HEAD") == head and not (repo / "dist").exists()


def test_a_good_version_dates_the_changelog_commits_packages_and_tags(module_repo, run_release):
    released = git(module_repo, "rev-parse", "HEAD").strip()

    done = run_release(module_repo, "0.1.0")

    assert done.returncode == 0, done.stderr
    head = git(module_repo, "rev-parse", "HEAD").strip()
    assert git(module_repo, "rev-parse", "HEAD~1").strip() == released
    assert git(module_repo, "log", "-1", "--format=%s").strip() == "Release 0.1.0"
    assert git(module_repo, "rev-parse", "v0.1.0^{commit}").strip() == head
    assert git(module_repo, "cat-file", "-t", "v0.1.0").strip() == "tag"  # annotated
    changelog = (module_repo / "CHANGELOG.md").read_text()
    # The date of the released commit (2026-01-02), not today's.
    assert f"## [Unreleased]\n\n## [0.1.0] - {COMMIT_DATE[:10]}\n\n### Fixed\n\n{TEST_ENTRY}\n" in changelog
    package = module_repo / "dist" / "durable-bedrock-0.1.0.tar.gz"
    with tarfile.open(package) as archive:
        shipped = archive.extractfile("CHANGELOG.md")
        assert shipped is not None and shipped.read().decode() == changelog
    assert "package    dist/durable-bedrock-0.1.0.tar.gz: " in done.stdout and " files, " in done.stdout
    assert git(module_repo, "status", "--porcelain") == "", "dist/ must be ignored: the tree stays clean"


@pytest.mark.parametrize("dirt", ["modified", "untracked"])
def test_a_dirty_tree_is_refused(module_repo, run_release, dirt):
    head = git(module_repo, "rev-parse", "HEAD")
    if dirt == "modified":
        (module_repo / "main.tf").write_text("# edited\n", encoding="utf-8")
    else:
        (module_repo / "notes.txt").write_text("draft\n", encoding="utf-8")

    done = run_release(module_repo, "0.1.0")

    assert done.returncode == 1
    assert "the working tree is not clean: commit or stash these first" in done.stderr
    assert ("main.tf" if dirt == "modified" else "notes.txt") in done.stderr
    assert unchanged(module_repo, head) and git(module_repo, "tag") == ""


NOT_SEMANTIC = "is not a semantic version x.y.z"
NOT_NEWER = "is not newer than the last release tag v0.2.0"
LAST_TAGS = ["v0.2.0", "v0.1.0", "v-not-a-release"]  # the last release is the highest v<x.y.z> tag


@pytest.mark.parametrize(
    ("version", "tags", "message"),
    [(v, [], f"VERSION={v} {NOT_SEMANTIC}") for v in ("0.1", "v0.1.0", "01.2.3", "1.2.3-rc.1", "1.2.3.4", "x.y.z")]
    + [("", [], "VERSION is not set: make release VERSION=x.y.z")]
    + [(v, LAST_TAGS, f"VERSION={v} {NOT_NEWER}") for v in ("0.2.0", "0.1.9", "0.0.1")],
)
def test_a_version_not_x_y_z_or_not_above_the_last_tag_is_refused(module_repo, run_release, version, tags, message):
    for tag in tags:
        git(module_repo, "tag", tag)
    head = git(module_repo, "rev-parse", "HEAD")

    done = run_release(module_repo, version)

    assert done.returncode == 1
    assert message in done.stderr
    assert unchanged(module_repo, head) and sorted(git(module_repo, "tag").split()) == sorted(tags)


def test_versions_compare_as_numbers_not_text(module_repo, run_release):
    git(module_repo, "tag", "v0.9.0")

    done = run_release(module_repo, "0.10.0")

    assert done.returncode == 0, done.stderr


def test_a_changelog_with_nothing_unreleased_is_refused(module_repo, run_release):
    assert run_release(module_repo, "0.1.0").returncode == 0
    head = git(module_repo, "rev-parse", "HEAD")

    done = run_release(module_repo, "0.1.1")

    assert done.returncode == 1
    assert "CHANGELOG.md: nothing under [Unreleased] to release" in done.stderr
    assert git(module_repo, "rev-parse", "HEAD") == head and git(module_repo, "tag").split() == ["v0.1.0"]
