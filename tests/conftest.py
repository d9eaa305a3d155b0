"""The module's tests share the development kit's local AWS (one per session)."""

pytest_plugins = ["pytest_local_aws"]
