"""Release packages for the registry end-to-end test: a stand-in for the package
`make release` builds (dist/durable-bedrock-<version>.tar.gz), until that
builder is in this repository; then build_release_package() should call it.

The package holds what a consumer's `init` needs: the root module's .tf files,
modules/, lambda_src/, packaging/, examples/, README.md (and LICENSE and
CHANGELOG.md when present): the tracked files (git ls-files), as they are in
the work tree, in a tar.gz with fixed owners, modes and times."""

from __future__ import annotations

import gzip
import io
import subprocess
import tarfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# ":(glob)": "*" does not cross "/", so only the root module's own .tf files (the folders bring theirs).
PACKAGE_PATHS = (
    ":(glob)*.tf",
    "modules",
    "lambda_src",
    "packaging",
    "examples",
    "README.md",
    "LICENSE",
    "CHANGELOG.md",
)


def package_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "--", *PACKAGE_PATHS], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    return sorted(listed)


def write_package(out: Path, files: dict[str, bytes]) -> Path:
    """A tar.gz of {path: content}, the same bytes for the same files."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for name in sorted(files):
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(files[name]), 0o644, 0
            archive.addfile(info, io.BytesIO(files[name]))
    out.write_bytes(gzip.compress(buffer.getvalue(), mtime=0))
    return out


def build_release_package(out: Path) -> dict[str, bytes]:
    """Writes the stand-in package of the work tree to `out`; returns its files."""
    files = {name: (REPO / name).read_bytes() for name in package_files() if (REPO / name).is_file()}
    write_package(out, files)
    return files
