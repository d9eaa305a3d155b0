"""devkit/local_aws/emulator.sh keeps checkouts apart: `up` never reuses a local AWS
(or anything else) already listening on its port for another state folder, and
says whose it is and the two ways out; `down` never stops another's. With
LOCAL_AWS_AUTH=1 it enforces IAM, with test/test as the account root whatever
credentials the calling shell exports."""

import contextlib
import json
import os
import socket
import subprocess
import urllib.request

import boto3
import pytest
from botocore.exceptions import ClientError

from durable_api import CLIENT_KWARGS
from session import EMULATOR_SCRIPT, free_loopback_port, local_aws_session


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


@pytest.fixture(scope="module")
def local_aws_with_auth(tmp_path_factory):
    """A private local AWS with LOCAL_AWS_AUTH=1, started from a shell that
    exports other credentials and a profile (which must not reach it)."""
    # A developer's shell: other keys, a session token, a profile.
    stray = {"AWS_ACCESS_KEY_ID": "AKIASTRAYSHELLKEY000", "AWS_SECRET_ACCESS_KEY": "x", "AWS_SESSION_TOKEN": "y"}
    with contextlib.ExitStack() as stack:
        with pytest.MonkeyPatch.context() as env:
            for name, value in {**stray, "AWS_PROFILE": "someone-elses-profile"}.items():
                env.setenv(name, value)
            session = stack.enter_context(local_aws_session(tmp_path_factory.mktemp("local-aws-auth"), auth=True))
        yield session


def test_auth_enforces_iam_with_test_credentials_as_the_root(local_aws_with_auth):
    with urllib.request.urlopen(f"{local_aws_with_auth.endpoint}/_ministack/health", timeout=5) as answer:
        assert json.load(answer)["auth"] == "enabled"

    root = boto3.client("sts", endpoint_url=local_aws_with_auth.endpoint, **CLIENT_KWARGS)
    assert root.get_caller_identity()["Arn"] == "arn:aws:iam::000000000000:root"
    boto3.client("iam", endpoint_url=local_aws_with_auth.endpoint, **CLIENT_KWARGS).list_roles()


def test_auth_refuses_an_unknown_access_key(local_aws_with_auth):
    stranger = boto3.client(
        "lambda",
        endpoint_url=local_aws_with_auth.endpoint,
        **{**CLIENT_KWARGS, "aws_access_key_id": "AKIAUNKNOWNKEY000000", "aws_secret_access_key": "x"},
    )

    with pytest.raises(ClientError) as refused:
        stranger.list_functions()

    assert refused.value.response["Error"]["Code"] == "UnrecognizedClientException"
