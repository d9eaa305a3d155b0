"""The module's tests share the development kit's local AWS (one per session)."""

from pathlib import Path

pytest_plugins = ["pytest_local_aws"]


E2E = Path(__file__).resolve().parent / "e2e"


def pytest_collection_modifyitems(items):
    """The end-to-end tests first (each file keeps its order): under
    pytest-xdist (make test-python) their files go out first, one to a worker,
    and their minutes of provider waits overlap with every other test."""
    items.sort(key=lambda item: E2E not in item.path.parents)
