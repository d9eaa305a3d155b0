"""pytest plugin: one private local AWS for the whole test session, shared by
the module's tests (tests/) and the development kit's (devkit/tests/). Both
conftest.py files load it by name, so pytest registers it once."""

import os

import pytest

from session import local_aws_session


@pytest.fixture(scope="session")
def local_aws(tmp_path_factory):
    """Local AWS (with the compatibility layer unless LOCAL_AWS_COMPAT=off) on
    a free loopback port for this test session, stopped afterwards with its
    Lambda workers. LOCAL_AWS_AUTH=1 enforces IAM."""
    auth = os.environ.get("LOCAL_AWS_AUTH", "0") == "1"
    with local_aws_session(tmp_path_factory.mktemp("local-aws"), auth=auth) as session:
        yield session
