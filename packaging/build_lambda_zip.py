#!/usr/bin/env python3
"""Builds the Lambda deployment package, byte-identical on every machine.

The module runs this at plan time (hashicorp/local's `local_command` data
source) and reads one JSON object from stdout: the zip's path and base64 SHA-256.
Same sources and pins in, same bytes out, whatever the machine, directory,
umask, clock or zlib build:

- entries sorted by path, each with a fixed timestamp (1980-01-01) and
  permissions 0644, no directory entries, no extra fields;
- stored, not deflated: compressed bytes differ between zlib builds (zlib-ng
  distributions), and most of the payload (botocore's .json.gz) does not
  compress anyway;
- dependencies come from pure-Python wheels whose sha256 is pinned in the
  requirements file, fetched with the standard library (no pip needed) from
  the package index (PIP_INDEX_URL, default PyPI) and cached by hash;
- botocore's service models are pruned to the services the code calls;
- several source folders (the module's library and the user's code) and
  several requirements files (the library's pins and the user's) merge into
  one package; a file in two of them, or one distribution pinned two ways,
  stops the build with a message instead of one silently winning;
- a folder linked inside a source folder is packaged as if it were copied
  there; a link that leaves the source folder, is broken or loops is refused;
- each handler the functions will run (--handler module.function) must be a
  module of the package that binds that name, so a wrong handler fails the
  plan rather than the first invocation.

Only the Python standard library is used, so a consumer needs nothing but
python3 (3.9+) next to terraform or tofu.
"""

from __future__ import annotations

import argparse
import ast
import base64
import hashlib
import io
import json
import os
import re
import sys
import time
import urllib.request
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any, TypedDict

FIXED_TIMESTAMP = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o100644  # regular file, rw-r--r--
IGNORED_PARTS = {"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"}
IGNORED_SUFFIXES = {".pyc", ".pyo"}
_PIN = re.compile(
    r"^(?P<name>[A-Za-z0-9._-]+)==(?P<version>[A-Za-z0-9.+!_-]+)\s+--hash=sha256:(?P<sha256>[0-9a-f]{64})$"
)


class PackagingError(Exception):
    pass


class Pin(TypedDict):
    """One line of the requirements file: name==version --hash=sha256:..."""

    name: str
    version: str
    sha256: str


class BuiltPackage(TypedDict):
    """What build() prints as JSON for the module (package.tf reads path and base64sha256;
    the module tests read modules)."""

    path: str
    base64sha256: str
    size_bytes: int
    files: int
    modules: list[str]  # the importable top-level names: packages and single-file modules
    build_seconds: float


def _source_files(source_dir: Path) -> list[tuple[PurePosixPath, Path]]:
    """(path in the package, file) for every file under source_dir, following linked folders.

    A link is followed only when it resolves inside source_dir: the package is then what a copy
    of the linked folder would give, and it depends on nothing outside source_dir. A link that
    leaves source_dir, is broken, or points at a folder it sits in (a loop) is refused.
    """
    root = source_dir.resolve()
    found: list[tuple[PurePosixPath, Path]] = []

    def walk(directory: Path, relative: PurePosixPath, real_parents: tuple[Path, ...]) -> None:
        for path in sorted(directory.iterdir()):
            inside = relative / path.name
            if path.name in IGNORED_PARTS:
                continue
            if path.is_symlink():
                target = path.resolve()
                where = f"{source_dir}: {inside} links to {os.readlink(path)}"
                if not target.exists():
                    raise PackagingError(f"{where}, which does not exist")
                if not target.is_relative_to(root):
                    raise PackagingError(
                        f"{where}, outside the source folder: only what lies inside it is packaged; "
                        "copy the files in, or point source_dir at a folder that holds both"
                    )
                if target in real_parents:
                    raise PackagingError(f"{where}, a folder it is inside of: the link loops")
            if path.is_dir():
                walk(path, inside, (*real_parents, path.resolve()))
            elif path.suffix not in IGNORED_SUFFIXES:
                found.append((inside, path))

    walk(source_dir, PurePosixPath(), (root,))
    return found


def source_entries(source_dir: Path) -> dict[str, bytes]:
    """Every file under source_dir (caches left out), keyed by its POSIX path."""
    if not source_dir.is_dir():
        raise PackagingError(f"source directory {source_dir} does not exist")
    entries = {}
    for relative, path in _source_files(source_dir):
        if relative.as_posix() == "requirements.txt":
            continue  # the pins are bundled as installed packages, not as text
        entries[relative.as_posix()] = path.read_bytes()
    if not entries:
        raise PackagingError(f"source directory {source_dir} holds no files")
    return entries


def read_pins(requirements: Path) -> list[Pin]:
    pins: list[Pin] = []
    for number, raw in enumerate(requirements.read_text().splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        match = _PIN.match(line)
        if not match:
            raise PackagingError(
                f"{requirements}:{number}: expected 'name==version --hash=sha256:<64 hex>', got {line!r}"
            )
        pins.append(Pin(name=match["name"], version=match["version"], sha256=match["sha256"]))
    return pins


def merged_pins(requirements_files: list[Path]) -> list[Pin]:
    """The pins of every file, each distribution once; one pinned two ways is refused (the first
    file is the module's own: its library was tested with those versions)."""
    chosen: dict[str, tuple[Pin, Path]] = {}
    for requirements in requirements_files:
        for pin in read_pins(requirements):
            earlier = chosen.setdefault(_normalized(pin["name"]), (pin, requirements))
            if (earlier[0]["version"], earlier[0]["sha256"]) != (pin["version"], pin["sha256"]):
                raise PackagingError(
                    f"{pin['name']} is pinned twice: {earlier[0]['version']} in {earlier[1]} and {pin['version']} "
                    f"in {requirements} (or the same version with another hash); pin it as {earlier[1]} does, "
                    "or leave it out of the second file"
                )
    return [pin for pin, _ in chosen.values()]


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _wheel_url(index_url: str, pin: Pin) -> str:
    """URL of the pinned pure-Python wheel, from the index's PEP 691 JSON page."""
    page = f"{index_url.rstrip('/')}/{_normalized(pin['name'])}/"
    request = urllib.request.Request(page, headers={"Accept": "application/vnd.pypi.simple.v1+json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        files: list[dict[str, Any]] = json.load(response)["files"]  # raw JSON from the index (PEP 691)
    for candidate in files:
        if candidate.get("hashes", {}).get("sha256") == pin["sha256"]:
            filename = candidate["filename"]
            if not re.search(r"-py(2\.)?py3-none-any\.whl$|-py3-none-any\.whl$", filename):
                raise PackagingError(
                    f"{pin['name']}=={pin['version']}: {filename} is not a pure-Python wheel; "
                    "only py3-none-any wheels can be bundled portably"
                )
            url: str = candidate["url"]
            return url
    raise PackagingError(f"{pin['name']}=={pin['version']}: no file with sha256 {pin['sha256']} on {page}")


def fetch_wheel(pin: Pin, cache_dir: Path, index_url: str) -> bytes:
    """The wheel's bytes, from the cache or the index, verified against the pin."""
    cached = cache_dir / f"{pin['sha256']}.whl"
    if cached.is_file():
        data = cached.read_bytes()
    else:
        print(f"downloading {pin['name']}=={pin['version']}", file=sys.stderr)
        with urllib.request.urlopen(_wheel_url(index_url, pin), timeout=300) as response:
            data = response.read()
    if hashlib.sha256(data).hexdigest() != pin["sha256"]:
        cached.unlink(missing_ok=True)
        raise PackagingError(f"{pin['name']}=={pin['version']}: downloaded wheel does not match its pinned sha256")
    if not cached.is_file():
        cache_dir.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(f".{os.getpid()}.partial")
        partial.write_bytes(data)
        partial.replace(cached)
    return data


def _kept(path: str, botocore_services: set[str] | None) -> bool:
    """False for botocore service models the code does not call."""
    parts = PurePosixPath(path).parts
    if botocore_services is None or parts[:2] != ("botocore", "data") or len(parts) < 4:
        return True
    return parts[2] in botocore_services


def wheel_entries(wheel: bytes, botocore_services: set[str] | None) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(wheel)) as archive:
        return {
            info.filename: archive.read(info)
            for info in archive.infolist()
            if not info.is_dir() and _kept(info.filename, botocore_services)
        }


def check_handler(handler: str, entries: dict[str, bytes]) -> None:
    """A handler module.function must name a module of the package that binds the function at its
    top level (def, class, assignment or import); a module that defines __getattr__ or imports with *
    is given the benefit of the doubt."""
    module, _, function = handler.rpartition(".")
    candidates = [f"{module.replace('.', '/')}.py", f"{module.replace('.', '/')}/__init__.py"]
    found = next((name for name in candidates if name in entries), None)
    if found is None:
        raise PackagingError(f"handler {handler}: the package has no module {module} ({' or '.join(candidates)})")
    try:
        tree = ast.parse(entries[found], filename=found)
    except SyntaxError as error:
        raise PackagingError(f"handler {handler}: {found} is not valid Python: {error}") from None
    bound: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            bound.update(target.id for target in targets if isinstance(target, ast.Name))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
    if function not in bound and not {"*", "__getattr__"} & bound:
        raise PackagingError(f"handler {handler}: {found} defines no {function} at its top level")


def importable_modules(entries: dict[str, bytes]) -> list[str]:
    """Top-level names `import` finds at the package root: folders and .py files named like identifiers."""
    names = set()
    for name in entries:
        first = name.split("/", 1)[0]
        stem = first[: -len(".py")] if "/" not in name and first.endswith(".py") else first
        if ("/" in name or first.endswith(".py")) and stem.isidentifier():
            names.add(stem)
    return sorted(names)


def deterministic_zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=FIXED_TIMESTAMP)
            info.create_system = 3  # Unix, so external_attr carries the mode
            info.external_attr = FILE_MODE << 16
            archive.writestr(info, entries[name])
    return buffer.getvalue()


def build(args: argparse.Namespace) -> BuiltPackage:
    started = time.monotonic()
    entries: dict[str, bytes] = {}
    origin: dict[str, str] = {}  # where each entry came from, to name both sides of a clash

    def add(name: str, data: bytes, source: str) -> None:
        if name in entries:
            raise PackagingError(f"{name} is in {origin[name]} and in {source}: rename or remove one of them")
        entries[name], origin[name] = data, source

    for source_dir in args.source_dir:
        for name, data in source_entries(Path(source_dir)).items():
            add(name, data, f"source folder {source_dir}")
    services = None if args.botocore_services == "*" else set(filter(None, args.botocore_services.split(",")))
    requirements_files = [Path(path) for path in args.requirements if path]
    if requirements_files:
        index_url = os.environ.get("PIP_INDEX_URL", "https://pypi.org/simple")
        for pin in merged_pins(requirements_files):
            for name, data in wheel_entries(fetch_wheel(pin, Path(args.wheel_cache), index_url), services).items():
                add(name, data, f"{pin['name']}=={pin['version']}")
    for handler in args.handler:
        check_handler(handler, entries)
    package = deterministic_zip(entries)
    digest = hashlib.sha256(package).digest()
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{digest.hex()[:20]}.zip"
    if not path.is_file() or path.read_bytes() != package:
        partial = path.with_suffix(f".{os.getpid()}.partial")
        partial.write_bytes(package)
        partial.replace(path)
    return {
        "path": path.as_posix(),
        "base64sha256": base64.b64encode(digest).decode(),
        "size_bytes": len(package),
        "files": len(entries),
        "modules": importable_modules(entries),
        "build_seconds": round(time.monotonic() - started, 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--source-dir", required=True, action="append", help="directory whose files go to the zip root (repeatable)"
    )
    parser.add_argument(
        "--requirements", action="append", default=[], help="pinned requirements with hashes (repeatable; '' for none)"
    )
    parser.add_argument(
        "--handler", action="append", default=[], help="module.function that must be in the package (repeatable)"
    )
    parser.add_argument("--out-dir", required=True, help="where the zip is written (named by its hash)")
    parser.add_argument(
        "--wheel-cache",
        default=os.environ.get("DURABLE_BEDROCK_WHEEL_CACHE")
        or str(Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "durable-bedrock-tf" / "wheels"),
        help="where downloaded wheels are kept, by hash (env DURABLE_BEDROCK_WHEEL_CACHE)",
    )
    parser.add_argument(
        "--botocore-services",
        default="*",
        help="comma-separated botocore service models to keep, or * for all",
    )
    args = parser.parse_args(argv)
    try:
        print(json.dumps(build(args)))
    except (PackagingError, OSError) as error:
        print(f"build_lambda_zip: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
