"""Shared pytest fixtures: a private local AWS emulator for the session."""

import os
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
EMULATOR_SCRIPT = REPO / "local_aws" / "emulator.sh"


def _free_loopback_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class LocalAws:
    port: int
    state_dir: Path

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture(scope="session")
def local_aws(tmp_path_factory):
    """Starts the emulator (with the compatibility layer unless
    LOCAL_AWS_COMPAT=off) on a free loopback port for this test session and
    stops it afterwards, Lambda workers included."""
    python = os.environ.get("EMULATOR_PYTHON")
    if not python:
        pytest.fail("EMULATOR_PYTHON is not set: run the tests through `make test` (it runs `make setup`)")
    env = {
        **os.environ,
        "LOCAL_AWS_PORT": str(_free_loopback_port()),
        "LOCAL_AWS_STATE": str(tmp_path_factory.mktemp("local-aws")),
    }
    subprocess.run([EMULATOR_SCRIPT, "up"], env=env, check=True)
    try:
        yield LocalAws(port=int(env["LOCAL_AWS_PORT"]), state_dir=Path(env["LOCAL_AWS_STATE"]))
    finally:
        subprocess.run([EMULATOR_SCRIPT, "down"], env=env, check=True)
