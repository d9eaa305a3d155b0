"""Two builds of one commit are byte-for-byte the same package, whatever the clock, the working
folder or the user: sorted entries, the commit's time on every entry, owner 0 without names, modes
0644/0755, a gzip header without a name or a time."""

from __future__ import annotations

import gzip
import os
import tarfile

from release_repo import build, git


def test_two_builds_of_one_commit_are_identical(module_repo, tmp_path):
    first = build(module_repo, tmp_path / "first")
    # Between the builds: a later commit checked out elsewhere, files touched, another umask.
    for path in (module_repo / "lambda_src").rglob("*.py"):
        os.utime(path, (1, 1))
    old_umask = os.umask(0o077)
    try:
        second = build(module_repo, tmp_path / "second")
    finally:
        os.umask(old_umask)

    assert first.read_bytes() == second.read_bytes()


def test_the_package_records_no_build_time_owner_or_local_mode(module_repo, tmp_path):
    package = build(module_repo, tmp_path / "out")
    commit_time = int(git(module_repo, "log", "-1", "--format=%ct").strip())

    raw = package.read_bytes()
    assert raw[:2] == b"\x1f\x8b" and raw[4:8] == b"\0\0\0\0", "gzip header mtime must be 0"
    assert not raw[3] & 0x08, "the gzip header must name no file"
    with tarfile.open(package) as archive:
        members = archive.getmembers()
    names = [member.name for member in members]
    assert names == sorted(names)
    assert {(m.mtime, m.uid, m.gid, m.uname, m.gname) for m in members} == {(commit_time, 0, 0, "", "")}
    assert {m.mode for m in members} <= {0o644, 0o755} and all(m.isfile() for m in members)
    # The archive holds the tar stream alone (gzip of it at level 9), nothing appended.
    assert gzip.decompress(raw)[:100].rstrip(b"\0").decode() == names[0]


def test_a_different_commit_is_a_different_package(module_repo, tmp_path):
    before = build(module_repo, tmp_path / "before")
    (module_repo / "CHANGELOG.md").write_text((module_repo / "CHANGELOG.md").read_text() + "\n- More.\n")
    git(module_repo, "commit", "--quiet", "-am", "more")

    after = build(module_repo, tmp_path / "after")

    assert before.read_bytes() != after.read_bytes()
