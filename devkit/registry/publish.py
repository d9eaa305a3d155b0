"""Publish a release package to a boring-registry private module registry
(`make publish`).

    python devkit/registry/publish.py --package dist/durable-bedrock-1.2.3.tar.gz --version 1.2.3 \\
        --namespace acme [--name durable-bedrock] [--system aws]

boring-registry has no upload endpoint: its `upload module` command writes the
module archive straight into the registry's storage (docs, tasks/publish-modules.md),
so this needs the registry's storage settings (BORING_REGISTRY_STORAGE_S3_BUCKET,
and _REGION, _ENDPOINT, _PATHSTYLE, _PREFIX as the registry's server uses them) and
write access to its bucket (the AWS SDK's default credentials). The command
archives a folder holding a boring-registry.hcl metadata block: the package is
unpacked into a temporary folder, the block written beside its files and left out
of the archive (--exclude), so consumers get exactly the package's files.
--ignore-existing=false: a version already published is refused, never replaced
(a version's content must not change under the consumers that pinned it).

The registry answers at https://<its host>/<namespace>/<name>/<system>, version
constraints and all, as soon as the upload returns: it lists the bucket on every
versions request (S3Storage.ListModuleVersions)."""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

# Semantic Versioning 2.0.0 (https://semver.org/#is-there-a-suggested-regular-expression-regex-to-check-a-semver-string),
# without build metadata: Terraform ignores it when matching constraints, so two packages could not be told apart.
SEMVER = re.compile(
    r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-((0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(\.(0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
)
# The module registry protocol's address parts (namespace/name/system): letters, digits, dashes and underscores,
# as the public registry names them; boring-registry uses them as S3 key parts.
ADDRESS_PART = re.compile(r"[0-9A-Za-z](?:[0-9A-Za-z_-]{0,62}[0-9A-Za-z])?")
SPEC_FILE = "boring-registry.hcl"  # cmd/uploadmodule.go, ModuleSpecFileName


class PublishError(Exception):
    pass


def check_arguments(package: Path, version: str, namespace: str, name: str, system: str) -> None:
    if not SEMVER.fullmatch(version):
        raise PublishError(f"VERSION must be a semantic version such as 1.2.3 or 1.3.0-rc.1; got {version!r}")
    for what, part in (("namespace", namespace), ("name", name), ("system", system)):
        if not ADDRESS_PART.fullmatch(part):
            raise PublishError(
                f"the registry {what} must be 1-64 letters, digits, '-' or '_', starting and ending with a letter "
                f"or digit; got {part!r}"
            )
    if not package.is_file():
        raise PublishError(f"no release package {package}: build it first (make release VERSION={version})")
    if not os.environ.get("BORING_REGISTRY_STORAGE_S3_BUCKET"):
        raise PublishError(
            "BORING_REGISTRY_STORAGE_S3_BUCKET is not set: name the registry's bucket "
            "(and BORING_REGISTRY_STORAGE_S3_REGION, _ENDPOINT, _PATHSTYLE, _PREFIX as its server has them)"
        )


def publish(binary: str, package: Path, version: str, namespace: str, name: str, system: str) -> None:
    check_arguments(package, version, namespace, name, system)
    with tempfile.TemporaryDirectory(prefix="durable-bedrock-publish-") as folder:
        root = Path(folder)
        with tarfile.open(package, "r:gz") as archive:
            # The "data" filter refuses absolute paths, links out of the folder and device files.
            archive.extractall(root, filter="data")
        (root / SPEC_FILE).write_text(
            f'metadata {{\n  namespace = "{namespace}"\n  name      = "{name}"\n  provider  = "{system}"\n}}\n'
        )
        command = [
            binary, "upload", "module", "--recursive=false", "--ignore-existing=false",
            "--version", version, "--exclude", SPEC_FILE, str(root),
        ]  # fmt: skip
        result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise PublishError(f"boring-registry upload failed ({result.returncode}): {result.stderr.strip()}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--package", type=Path, required=True)
    parser.add_argument("--version", required=True)
    parser.add_argument("--namespace", required=True)
    parser.add_argument("--name", default="durable-bedrock")
    parser.add_argument("--system", default="aws")
    parser.add_argument("--boring-registry", default=os.environ.get("BORING_REGISTRY", "boring-registry"))
    args = parser.parse_args(argv)
    try:
        publish(args.boring_registry, args.package, args.version, args.namespace, args.name, args.system)
    except PublishError as problem:
        print(f"publish: {problem}", file=sys.stderr)
        return 2
    print(f"  published {args.namespace}/{args.name}/{args.system} {args.version} ({args.package})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
