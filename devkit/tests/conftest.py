"""The development kit's tests share one local AWS per session with the module's tests."""

pytest_plugins = ["pytest_local_aws"]
