"""devkit/local_aws/emulator.sh keeps checkouts apart: `up` never reuses a local AWS
(or anything else) already listening on its port for another state folder, and
says whose it is and the two ways out; `down` never stops another's."""

import os
import socket
import subprocess
import urllib.request

from session import EMULATOR_SCRIPT, free_loopback_port


def emulator(command: str, port: int, state_dir) -> subprocess.CompletedProcess:
    env = {**os.environ, "LOCAL_AWS_PORT": str(port), "LOCAL_AWS_STATE": str(state_dir)}
    return subprocess.run([EMULATOR_SCRIPT, command], env=env, capture_output=True, text=True, timeout=120)


def healthy(port: int) -> bool:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/_ministack/health", timeout=5) as answer:
        return answer.status == 200


def test_up_names_the_other_checkouts_local_aws_and_the_ways_out(local_aws, tmp_path):
    other_checkout = tmp_path / "other-clone" / ".local-aws"

    started = emulator("up", local_aws.port, other_checkout)

    assert started.returncode == 1, started.stdout + started.stderr
    assert f"state folder {local_aws.state_dir.resolve()}" in started.stderr
    assert "make down" in started.stderr and "LOCAL_AWS_PORT=" in started.stderr
    assert not (other_checkout / f"ministack-{local_aws.port}.pid").exists()
    assert healthy(local_aws.port), "the other checkout's local AWS must keep running"


def test_down_leaves_the_other_checkouts_local_aws_running(local_aws, tmp_path):
    stopped = emulator("down", local_aws.port, tmp_path / "other-clone" / ".local-aws")

    assert stopped.returncode == 0
    assert "not this checkout's (pid " in stopped.stdout
    assert healthy(local_aws.port)


def test_up_refuses_a_port_another_program_listens_on(tmp_path):
    port = free_loopback_port()
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", port))
        listener.listen()

        started = emulator("up", port, tmp_path / ".local-aws")

    assert started.returncode == 1, started.stdout + started.stderr
    assert "taken by another program" in started.stderr
    assert "LOCAL_AWS_PORT=" in started.stderr
