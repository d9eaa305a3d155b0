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
- botocore's service models are pruned to the services the code calls.

Only the Python standard library is used, so a consumer needs nothing but
python3 (3.9+) next to terraform or tofu.
"""

from __future__ import annotations

import argparse
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
    """What build() prints as JSON for the module (package.tf reads path and base64sha256)."""

    path: str
    base64sha256: str
    size_bytes: int
    files: int
    build_seconds: float


def source_entries(source_dir: Path) -> dict[str, bytes]:
    """Every file under source_dir (caches left out), keyed by its POSIX path."""
    if not source_dir.is_dir():
        raise PackagingError(f"source directory {source_dir} does not exist")
    entries = {}
    for path in sorted(source_dir.rglob("*")):
        relative = path.relative_to(source_dir)
        if path.is_dir() or IGNORED_PARTS & set(relative.parts) or path.suffix in IGNORED_SUFFIXES:
            continue
        if relative.name == "requirements.txt" and len(relative.parts) == 1:
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
    entries = source_entries(Path(args.source_dir))
    services = None if args.botocore_services == "*" else set(filter(None, args.botocore_services.split(",")))
    if args.requirements:
        index_url = os.environ.get("PIP_INDEX_URL", "https://pypi.org/simple")
        for pin in read_pins(Path(args.requirements)):
            for name, data in wheel_entries(fetch_wheel(pin, Path(args.wheel_cache), index_url), services).items():
                if name in entries:
                    raise PackagingError(f"{name} is in the sources and in {pin['name']}; rename one of them")
                entries[name] = data
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
        "build_seconds": round(time.monotonic() - started, 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--source-dir", required=True, help="directory whose files go to the zip root")
    parser.add_argument("--requirements", default="", help="pinned requirements with hashes ('' for none)")
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
