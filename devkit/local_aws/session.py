"""A private local AWS for a test session or a benchmark run: started on a
free loopback port with its own state folder, stopped (workers included) at
the end. Used by the pytest plugin (pytest_local_aws.py) and devkit/bench/."""

from __future__ import annotations

import os
import socket
import subprocess
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

EMULATOR_SCRIPT = Path(__file__).resolve().parent / "emulator.sh"


@dataclass(frozen=True)
class LocalAws:
    port: int
    state_dir: Path

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def free_loopback_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def local_aws_session(state_dir: Path):
    """Requires EMULATOR_PYTHON (the Makefile sets it)."""
    if not os.environ.get("EMULATOR_PYTHON"):
        raise RuntimeError("EMULATOR_PYTHON is not set: run this through make (it runs `make setup`)")
    session = LocalAws(port=free_loopback_port(), state_dir=state_dir)
    env = {**os.environ, "LOCAL_AWS_PORT": str(session.port), "LOCAL_AWS_STATE": str(state_dir)}
    subprocess.run([EMULATOR_SCRIPT, "up"], env=env, check=True)
    try:
        yield session
    finally:
        subprocess.run([EMULATOR_SCRIPT, "down"], env=env, check=True)
