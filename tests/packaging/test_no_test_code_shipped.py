"""The package users deploy carries no test code: the crash injection of the
crash-resume tests lives in the development kit as a durable execution SDK
plugin (devkit/fault_injection), which only the test build adds.

The second test is the counterpart that lets the first fail: the same check
finds the plugin in the test build, and the SDK bundled in that package loads
it from there, as it would on Lambda.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

from test_build import ENTRY_POINT_GROUP, PLUGIN_MODULE, PLUGIN_NAME, PLUGINS_VARIABLE, build_test_source

REPO = Path(__file__).resolve().parents[2]
BUILDER = REPO / "packaging" / "build_lambda_zip.py"
REQUIREMENTS = REPO / "lambda_src" / "requirements.txt"


def package(source_dir: Path, out_dir: Path) -> Path:
    built = subprocess.run(
        [sys.executable, str(BUILDER), "--source-dir", str(source_dir), "--requirements", str(REQUIREMENTS),
         "--out-dir", str(out_dir)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return Path(json.loads(built.stdout)["path"])


def hook_entries(archive: zipfile.ZipFile) -> list[str]:
    """Entries that are test code: the crash plugin's module, or an entry point
    that registers a durable execution plugin."""
    found = [name for name in archive.namelist() if Path(name).name.startswith(PLUGIN_MODULE)]
    for name in archive.namelist():
        if name.endswith(".dist-info/entry_points.txt") and f"[{ENTRY_POINT_GROUP}]" in archive.read(name).decode():
            found.append(name)
    return found


def test_the_default_package_has_no_test_hook(tmp_path):
    with zipfile.ZipFile(package(REPO / "lambda_src", tmp_path / "out")) as archive:
        assert hook_entries(archive) == []
        workflow_code = [archive.read(n).decode() for n in archive.namelist() if n.startswith("durable_bedrock/")]
    assert workflow_code, "the package has no workflow code"
    assert not [text for text in workflow_code if "DURABLE_BEDROCK_TEST" in text or "crash" in text.lower()]


def test_the_test_build_registers_the_crash_plugin_and_the_bundled_sdk_loads_it(tmp_path):
    built = package(build_test_source(tmp_path / "src"), tmp_path / "out")
    with zipfile.ZipFile(built) as archive:
        assert sorted(Path(name).name for name in hook_entries(archive)) == [
            "durable_bedrock_crash.py",
            "entry_points.txt",
        ]
        archive.extractall(tmp_path / "task")

    # The package root first on sys.path, as /var/task is on Lambda.
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "from aws_durable_execution_sdk_python.plugin_discovery import load_configured_plugins;"
        f"factories = load_configured_plugins(None, environment={{'{PLUGINS_VARIABLE}': '{PLUGIN_NAME}'}});"
        "print([type(f).__module__ + '.' + type(f).__name__ for f in factories])"
    )
    loaded = subprocess.run(
        [sys.executable, "-I", "-c", probe, str(tmp_path / "task")], capture_output=True, text=True, check=False
    )

    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.strip() == "['durable_bedrock_crash.CrashPluginFactory']"
