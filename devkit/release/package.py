"""The module package a registry serves: dist/durable-bedrock-<version>.tar.gz, built from one commit's
tree (never the working tree, so local state cannot slip in) and byte-for-byte reproducible: entries
sorted, every mtime the commit's time, uid/gid 0 without names, modes 0644 or 0755, gzip header mtime 0.
The archive's root is the module's root (no top-level folder), as a registry's download is unpacked.

Usage: package.py --version x.y.z [--commit REV] [--out-dir DIR] [--repo DIR]
"""

from __future__ import annotations

import argparse
import gzip
import io
import sys
import tarfile
from pathlib import Path, PurePosixPath

from gitrepo import ReleaseError, git, git_bytes
from versions import parse_version

PACKAGE_NAME = "durable-bedrock"
# What a consumer needs: the root module's .tf files, these folders and these files. docs/ ships too:
# the README embeds docs/review-page.png and links docs/ARCHITECTURE.md (49 KB together). Not shipped:
# tests/, devkit/ (local AWS, toolchain, bench), cli/ (for users of a clone), Makefile, tool configuration.
SHIPPED_FOLDERS = ("docs", "examples", "lambda_src", "modules", "packaging")
SHIPPED_FILES = ("CHANGELOG.md", "LICENSE", "README.md")
# Local state that must never ship even if committed by mistake: Terraform working folders and state,
# override files (make's local_aws_override.tf, the end-to-end tests' e2e_*_override.tf), Python caches.
LOCAL_FOLDERS = {".terraform", "terraform.tfstate.d", "__pycache__"}
LOCAL_SUFFIXES = ("_override.tf", "_override.tf.json", ".tfstate", ".tfstate.backup", ".pyc", ".terraform.lock.hcl")
# git's file modes: plain and executable files only (a link or submodule has no place in the module).
MODES = {"100644": 0o644, "100755": 0o755}


def ships(path: str) -> bool:
    """Whether a tracked file belongs in the package."""
    parts = PurePosixPath(path).parts
    if LOCAL_FOLDERS.intersection(parts) or path.endswith(LOCAL_SUFFIXES):
        return False
    if len(parts) == 1:
        return path in SHIPPED_FILES or path.endswith(".tf")
    return parts[0] in SHIPPED_FOLDERS


def shipped_entries(repo: Path, commit: str) -> list[tuple[str, int, str]]:
    """(path, mode, blob id) of every shipped file in the commit's tree, sorted by path."""
    entries = []
    for record in git(repo, "ls-tree", "-r", "-z", "--full-tree", commit).split("\0"):
        if not record:
            continue
        meta, path = record.split("\t", 1)
        mode, kind, blob = meta.split()
        if not ships(path):
            continue
        if kind != "blob" or mode not in MODES:
            raise ReleaseError(f"{path}: git mode {mode} ({kind}): the package holds plain files only")
        entries.append((path, MODES[mode], blob))
    return sorted(entries)


def package_bytes(repo: Path, commit: str) -> tuple[bytes, int]:
    """The gzipped tar of the commit's shipped files, and how many files it holds."""
    commit_time = int(git(repo, "log", "-1", "--format=%ct", commit).strip())
    tar_buffer = io.BytesIO()
    entries = shipped_entries(repo, commit)
    with tarfile.open(fileobj=tar_buffer, mode="w", format=tarfile.USTAR_FORMAT) as archive:
        for path, mode, blob in entries:
            content = git_bytes(repo, "cat-file", "blob", blob)
            info = tarfile.TarInfo(path)
            info.size, info.mode, info.mtime = len(content), mode, commit_time
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            archive.addfile(info, io.BytesIO(content))
    gz_buffer = io.BytesIO()
    # filename="" and mtime=0: the gzip header names no file and no time.
    with gzip.GzipFile(filename="", mode="wb", fileobj=gz_buffer, compresslevel=9, mtime=0) as compressed:
        compressed.write(tar_buffer.getvalue())
    return gz_buffer.getvalue(), len(entries)


def build_package(repo: Path, commit: str, version: str, out_dir: Path) -> tuple[Path, int]:
    """Write dist/durable-bedrock-<version>.tar.gz (replaced whole) and return it with its file count."""
    parse_version(version)
    data, count = package_bytes(repo, commit)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{PACKAGE_NAME}-{version}.tar.gz"
    partial = target.with_name(target.name + ".partial")
    partial.write_bytes(data)
    partial.replace(target)
    return target, count


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", required=True, help="x.y.z: the package is named after it")
    parser.add_argument("--commit", default="HEAD", help="the commit whose tree is packaged (default HEAD)")
    parser.add_argument("--repo", type=Path, default=Path(__file__).resolve().parents[2])
    parser.add_argument("--out-dir", type=Path, help="where the package goes (default <repo>/dist)")
    args = parser.parse_args(argv)
    try:
        path, count = build_package(args.repo, args.commit, args.version, args.out_dir or args.repo / "dist")
    except ReleaseError as error:
        print(f"package: {error}", file=sys.stderr)
        return 1
    print(f"  package  {path} ({path.stat().st_size} bytes, {count} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
