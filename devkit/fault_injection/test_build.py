"""The test build of the Lambda source: lambda_src plus the crash plugin
(durable_bedrock_crash.py) registered as a durable execution SDK plugin.

The SDK finds plugins through importlib.metadata entry points, which it reads
from the *.dist-info folders on sys.path; the package root (/var/task on
Lambda) is on it. So the build adds a minimal distribution record for the
plugin: METADATA names it, entry_points.txt registers the factory.
"""

from __future__ import annotations

import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent
LAMBDA_SRC = HERE.parents[1] / "lambda_src"
PLUGIN_MODULE = "durable_bedrock_crash"
PLUGIN_NAME = "durable-bedrock-crash"
# The SDK's discovery: entry-point group and the variable naming the plugins to load
# (aws_durable_execution_sdk_python/plugin_discovery.py, SDK 3.0.0).
ENTRY_POINT_GROUP = "aws_durable_execution.plugins"
PLUGINS_VARIABLE = "DURABLE_EXECUTION_PLUGINS"


def build_test_source(destination: Path, source: Path = LAMBDA_SRC) -> Path:
    """Copies `source` to `destination` and adds the crash plugin; returns `destination`."""
    shutil.copytree(source, destination, ignore=shutil.ignore_patterns("__pycache__"))
    return add_crash_plugin(destination)


def add_crash_plugin(destination: Path) -> Path:
    """Writes the crash plugin and its distribution record into `destination` (created if needed):
    alone, a module's source_dir, which the module packages beside its own library."""
    destination.mkdir(parents=True, exist_ok=True)
    shutil.copy(HERE / f"{PLUGIN_MODULE}.py", destination)
    record = destination / f"{PLUGIN_MODULE}-1.0.dist-info"
    record.mkdir()
    (record / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {PLUGIN_MODULE}\nVersion: 1.0\n")
    (record / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\n{PLUGIN_NAME} = {PLUGIN_MODULE}:factory\n")
    return destination


def crash_environment(crash_before: str, marker_dir: Path) -> dict[str, str]:
    """The function's environment that loads the plugin and arms one crash point."""
    return {
        PLUGINS_VARIABLE: PLUGIN_NAME,
        "DURABLE_BEDROCK_TEST_CRASH_BEFORE": crash_before,
        "DURABLE_BEDROCK_TEST_MARKER_DIR": str(marker_dir),
    }
