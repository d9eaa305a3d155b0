"""The package alone is a working module: extracted into an empty folder, a root module outside the
repository that sources it runs `init` and `plan` (through `terraform test` with the AWS provider
mocked, as tests/*.tftest.hcl do). The plan is real for everything but AWS: the local provider runs
the package's own packaging/build_lambda_zip.py on its lambda_src/, so a package missing either fails.
A mocked provider rather than local AWS: what is checked is the package's completeness, which a plan
shows in ~10 s; an apply on local AWS would add a minute and test nothing more about the files."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from release_repo import REPO, build

ENGINE = os.environ.get("TF") or shutil.which("terraform") or shutil.which("tofu")

CONSUMER = """
provider "aws" {
  region = "us-east-1"
}

module "pipeline" {
  source = "%s"

  name     = "consumer-pipeline"
  workflow = "content_pipeline"
}

output "package_files" {
  value = module.pipeline.package.files
}
"""

# Only AWS is mocked, exactly as the module tests mock it (their mock_provider block, read from
# tests/function.tftest.hcl: region, partition, and a role ARN the provider accepts).
MODULE_TEST_MOCK = re.search(
    r'(?ms)^mock_provider "aws" \{.*?^\}$', (REPO / "tests" / "function.tftest.hcl").read_text()
)
assert MODULE_TEST_MOCK, 'tests/function.tftest.hcl has no mock_provider "aws" block'
CONSUMER_TEST = (
    MODULE_TEST_MOCK[0]
    + """

run "plans_with_the_package_alone" {
  command = plan

  assert {
    condition     = module.pipeline.function_name == "consumer-pipeline" && module.pipeline.package.files > 0
    error_message = "the plan must build the Lambda package from the release package's lambda_src/"
  }
}
"""
)


def engine_env(work: Path) -> tuple[dict[str, str], list[str]]:
    """The environment and init prefix: the toolchain's provider mirror without the shared plugin
    cache (an init without a lock file would replace the cache's entries other tests read), or, with
    the registry toolchain, its configuration under the Makefile's init lock."""
    env = {**os.environ, "TF_IN_AUTOMATION": "1"}
    config = Path(os.environ.get("TF_CLI_CONFIG_FILE", ""))
    if config.is_file() and "filesystem_mirror" in config.read_text():
        own = work / "cli.tfrc"
        own.write_text(re.sub(r"(?m)^plugin_cache_dir.*$", "", config.read_text()))
        return {**env, "TF_CLI_CONFIG_FILE": str(own)}, []
    locked = [
        sys.executable,
        str(REPO / "devkit" / "toolchain" / "locked.py"),
        str(config.parent / "plugin-cache.lock"),
    ]
    return env, locked if config.is_file() else []


def consumer_of(package: Path, work: Path, drop: str | None = None) -> tuple[subprocess.CompletedProcess[str], ...]:
    """Extract the package alone (less `drop`), write the consumer root beside it, init and test it."""
    module = work / "durable-bedrock"
    with tarfile.open(package) as archive:
        archive.extractall(module, filter="data")
    if drop:
        shutil.rmtree(module / drop)
    root = work / "consumer"
    root.mkdir()
    (root / "main.tf").write_text(CONSUMER % module)
    (root / "consumer.tftest.hcl").write_text(CONSUMER_TEST)
    env, init_prefix = engine_env(work)
    assert ENGINE, "no terraform or tofu: set TF (make test does)"
    init = subprocess.run(
        [*init_prefix, ENGINE, "init", "-backend=false", "-input=false", "-no-color"],
        cwd=root, capture_output=True, text=True, check=False, env=env,
    )  # fmt: skip
    assert init.returncode == 0, init.stdout + init.stderr
    test = subprocess.run([ENGINE, "test", "-no-color"], cwd=root, capture_output=True, text=True, check=False, env=env)
    return init, test


@pytest.fixture(scope="module")
def package(seed_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(seed_repo, tmp_path_factory.mktemp("dist") / "out")


def test_a_consumer_outside_the_repository_plans_with_the_package_alone(package, tmp_path):
    assert REPO not in tmp_path.parents
    _, test = consumer_of(package, tmp_path)

    assert test.returncode == 0, test.stdout + test.stderr
    assert "1 passed, 0 failed" in test.stdout


def test_a_package_without_its_workflow_code_cannot_plan(package, tmp_path):
    _, test = consumer_of(package, tmp_path, drop="lambda_src")

    assert test.returncode != 0
    assert "build_lambda_zip: source directory" in test.stdout + test.stderr
