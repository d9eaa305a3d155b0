"""A private module registry on loopback for a test session: boring-registry
(built by `make setup` from its Go module, pinned in devkit/toolchain/versions.env),
serving HTTPS with a throwaway CA's certificate (throwaway_tls.py) from a bucket
in local AWS's S3, stopped (by its own process id) at the end.

boring-registry keeps no state of its own: a module version is the object
modules/<namespace>/<name>/<provider>/<namespace>-<name>-<provider>-<version>.tar.gz
in its bucket (its docs, configuration/storage-layout.md). Its server answers the
module registry protocol (service discovery and the versions and download
endpoints); `boring-registry upload module`
(publish.py) writes that object straight to the bucket."""

from __future__ import annotations

import json
import os
import secrets
import signal
import ssl
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import boto3

from session import LocalAws, free_loopback_port
from throwaway_tls import TlsFiles, make_throwaway_tls

BUCKET = "module-registry"
REGION = "us-east-1"
START_SECONDS = 30
STOP_SECONDS = 10


def boring_registry_binary() -> str:
    """The Makefile exports BORING_REGISTRY (the binary `make setup` built)."""
    binary = os.environ.get("BORING_REGISTRY", "")
    if not binary or not os.access(binary, os.X_OK):
        raise RuntimeError(
            f"BORING_REGISTRY={binary!r} is not an executable: run this through make (make setup builds it)"
        )
    return binary


def storage_environment(local_aws: LocalAws) -> dict[str, str]:
    """boring-registry's S3 settings (its BORING_REGISTRY_STORAGE_S3_* variables, docs
    configuration/storage-backends/aws-s3.md) for local AWS, with the emulator's test credentials
    for the AWS SDK's default chain. Path style: the bucket is not a DNS name on loopback."""
    return {
        "AWS_ACCESS_KEY_ID": "test",  # loopback emulator only
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_REGION": REGION,
        "BORING_REGISTRY_STORAGE_S3_BUCKET": BUCKET,
        "BORING_REGISTRY_STORAGE_S3_REGION": REGION,
        "BORING_REGISTRY_STORAGE_S3_ENDPOINT": local_aws.endpoint,
        "BORING_REGISTRY_STORAGE_S3_PATHSTYLE": "true",
    }


@dataclass(frozen=True)
class Registry:
    host: str  # the module source's hostname part: 127.0.0.1:<port> (a registry hostname must contain a dot)
    tls: TlsFiles
    storage: dict[str, str]  # storage_environment(): what `boring-registry upload` needs too
    token: str  # the API token it requires (--auth-static-token): a private registry, not an open one
    log: Path

    def cli_config(self, base: Path, out: Path) -> Path:
        """A Terraform/OpenTofu CLI configuration: `base` (the provider mirror's) plus the registry's
        token in a credentials block for its host (CLI configuration docs, "Credentials")."""
        out.write_text(f'{base.read_text()}\ncredentials "{self.host}" {{\n  token = "{self.token}"\n}}\n')
        return out

    def module_address(self, namespace: str, name: str, system: str) -> str:
        return f"{self.host}/{namespace}/{name}/{system}"

    def get_json(self, path: str) -> object:
        """GET https://<host><path>, trusting the throwaway CA only."""
        context = ssl.create_default_context(cafile=str(self.tls.ca_cert))
        request = urllib.request.Request(
            f"https://{self.host}{path}", headers={"Authorization": f"Bearer {self.token}"}
        )
        with urllib.request.urlopen(request, context=context, timeout=5) as response:
            return json.loads(response.read())


def _wait_until_serving(registry: Registry, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_SECONDS
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"boring-registry exited with {process.returncode}: {registry.log.read_text()[-2000:]}")
        try:
            registry.get_json("/.well-known/terraform.json")
            return
        except OSError as not_yet:
            if time.monotonic() > deadline:
                log = registry.log.read_text()[-2000:]
                raise RuntimeError(f"boring-registry not serving after {START_SECONDS} s: {log}") from not_yet
            time.sleep(0.2)


@contextmanager
def running_registry(local_aws: LocalAws, folder: Path) -> Iterator[Registry]:
    """boring-registry on https://127.0.0.1:<free port>, its bucket in local_aws's S3; stopped afterwards."""
    folder.mkdir(parents=True, exist_ok=True)
    s3 = boto3.client(
        "s3",
        region_name=REGION,
        endpoint_url=local_aws.endpoint,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    s3.create_bucket(Bucket=BUCKET)  # us-east-1: no CreateBucketConfiguration (S3 CreateBucket API)
    tls = make_throwaway_tls(folder / "tls")
    port, telemetry_port = free_loopback_port(), free_loopback_port()
    token = secrets.token_hex(16)
    registry = Registry(f"127.0.0.1:{port}", tls, storage_environment(local_aws), token, folder / "boring-registry.log")
    command = [
        boring_registry_binary(), "server",
        "--listen-address", f"127.0.0.1:{port}", "--listen-telemetry-address", f"127.0.0.1:{telemetry_port}",
        "--tls-cert-file", str(tls.server_cert), "--tls-key-file", str(tls.server_key),
        # Modules only: no provider network mirror (on by default since v0.12.0, docs provider-network-mirror.md).
        "--network-mirror=false",
    ]  # fmt: skip
    with registry.log.open("wb") as log:
        # The token through the environment (--auth-static-token's variable), not the command line others can read.
        environment = {**os.environ, **registry.storage, "BORING_REGISTRY_AUTH_STATIC_TOKEN": token}
        process = subprocess.Popen(command, env=environment, stdout=log, stderr=log)
    try:
        _wait_until_serving(registry, process)
        yield registry
    finally:
        process.send_signal(signal.SIGTERM)  # its own process only: it shuts its server down gracefully
        try:
            process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
