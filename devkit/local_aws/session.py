"""A private local AWS for a test session or a benchmark run: started on a
free loopback port with its own state folder, stopped (workers included) at
the end. Used by the pytest plugin (pytest_local_aws.py) and devkit/bench/."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

EMULATOR_SCRIPT = Path(__file__).resolve().parent / "emulator.sh"


@dataclass(frozen=True)
class LocalAws:
    port: int
    state_dir: Path
    # Keep the emulator's state across a restart (LOCAL_AWS_PERSIST=1 in emulator.sh).
    persist: bool = False
    # Enforce IAM (LOCAL_AWS_AUTH=1 in emulator.sh: ministack's AUTH=true, root is test/test).
    auth: bool = False

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def free_loopback_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _emulator(session: LocalAws, action: str) -> None:
    env = {**os.environ, "LOCAL_AWS_PORT": str(session.port), "LOCAL_AWS_STATE": str(session.state_dir)}
    if session.persist:
        env["LOCAL_AWS_PERSIST"] = "1"
    env["LOCAL_AWS_AUTH"] = "1" if session.auth else "0"
    subprocess.run([EMULATOR_SCRIPT, action], env=env, check=True)


@contextmanager
def local_aws_session(state_dir: Path, persist: bool = False, auth: bool = False):
    """Requires EMULATOR_PYTHON (the Makefile sets it). persist=True keeps the
    emulator's state in state_dir across restart(). auth=True enforces IAM:
    requests are authorized against the caller's policies (test/test is the
    account root, allowed everything)."""
    if not os.environ.get("EMULATOR_PYTHON"):
        raise RuntimeError("EMULATOR_PYTHON is not set: run this through make (it runs `make setup`)")
    session = LocalAws(port=free_loopback_port(), state_dir=state_dir, persist=persist, auth=auth)
    _emulator(session, "up")
    try:
        yield session
    finally:
        _emulator(session, "down")


def restart(session: LocalAws, down_for: float = 0) -> None:
    """Stops local AWS (SIGTERM: it saves its state; its Lambda workers die with
    it) and starts it again, down_for seconds later, on the same port and state
    folder. Without persist=True the restarted emulator starts empty."""
    _emulator(session, "down")
    time.sleep(down_for)
    _emulator(session, "up")
