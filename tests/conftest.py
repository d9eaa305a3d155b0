"""Shared pytest fixtures: a private local AWS emulator for the session."""

import pytest

from session import local_aws_session


@pytest.fixture(scope="session")
def local_aws(tmp_path_factory):
    """Local AWS (with the compatibility layer unless LOCAL_AWS_COMPAT=off) on
    a free loopback port for this test session, stopped afterwards with its
    Lambda workers."""
    with local_aws_session(tmp_path_factory.mktemp("local-aws")) as session:
        yield session
