"""The built toolchain works offline: the pinned engine initialises the pinned
providers from the local mirror, and the AWS provider's schema really has
`durable_config` on aws_lambda_function."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

# The registry toolchain builds neither OpenTofu nor the mirror (make test-python sets TOOLCHAIN).
if os.environ.get("TOOLCHAIN") == "registry":
    pytest.skip("TOOLCHAIN=registry: no built OpenTofu or provider mirror to test", allow_module_level=True)

REPO = Path(__file__).resolve().parents[3]
TOOLCHAIN = REPO / "devkit" / "toolchain"
VERSIONS = dict(line.split("=", 1) for line in (TOOLCHAIN / "versions.env").read_text().splitlines() if "=" in line)
TOFU = os.environ.get("TOFU", "")
# OpenTofu always; HashiCorp Terraform too where it is installed (the module targets both).
ENGINES = [TOFU] + ([shutil.which("terraform")] if shutil.which("terraform") else [])

PROVIDERS = f"""
terraform {{
  required_providers {{
    aws = {{
      source  = "hashicorp/aws"
      version = "{VERSIONS["AWS_PROVIDER_VERSION"]}"
    }}
    local = {{
      source  = "hashicorp/local"
      version = "{VERSIONS["LOCAL_PROVIDER_VERSION"]}"
    }}
  }}
}}
"""

DURABLE_FUNCTION = """
resource "aws_lambda_function" "durable" {
  function_name = "scratch"
  role          = "arn:aws:iam::123456789012:role/scratch"
  runtime       = "python3.13"
  handler       = "app.handler"
  filename      = "app.zip"
  publish       = true

  durable_config {
    execution_timeout = 900
    retention_period  = 7
    %s
  }
}
"""


def run(engine: str, workdir: Path, *args: str) -> subprocess.CompletedProcess:
    # Any network access would go to a dead loopback proxy and fail: init must
    # be served by the filesystem mirror alone. A plugin cache of its own: an init
    # without a lock file replaces the shared cache's entries, which the examples'
    # end-to-end tests may be reading at the same time (pytest-xdist).
    plugin_cache = workdir.with_name(f"{workdir.name}-plugin-cache")
    plugin_cache.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "HTTP_PROXY": "http://127.0.0.1:9",
        "NO_PROXY": "",
        "TF_PLUGIN_CACHE_DIR": str(plugin_cache),
    }
    return subprocess.run([engine, *args], cwd=workdir, env=env, capture_output=True, text=True)


def scratch(tmp_path: Path, engine: str, extra_durable_argument: str = "") -> Path:
    workdir = tmp_path / Path(engine).name
    workdir.mkdir()
    (workdir / "main.tf").write_text(PROVIDERS + DURABLE_FUNCTION % extra_durable_argument)
    init = run(engine, workdir, "init", "-backend=false", "-input=false", "-no-color")
    assert init.returncode == 0, init.stdout + init.stderr
    return workdir


def test_pinned_opentofu_is_built():
    assert TOFU, "TOFU is not set: run the tests through `make test`"
    version = subprocess.run([TOFU, "version"], capture_output=True, text=True, check=True).stdout
    assert version.startswith(f"OpenTofu {VERSIONS['OPENTOFU_VERSION']}\n"), version


@pytest.mark.parametrize("engine", ENGINES, ids=lambda e: Path(e).name)
def test_durable_function_validates_offline_with_the_pinned_provider(tmp_path, engine):
    workdir = scratch(tmp_path, engine)

    validate = run(engine, workdir, "validate", "-no-color")
    assert validate.returncode == 0, validate.stdout + validate.stderr

    schema = json.loads(run(engine, workdir, "providers", "schema", "-json").stdout)
    aws = next(v for k, v in schema["provider_schemas"].items() if k.endswith("/hashicorp/aws"))
    durable = aws["resource_schemas"]["aws_lambda_function"]["block"]["block_types"]["durable_config"]
    assert durable["max_items"] == 1
    assert set(durable["block"]["attributes"]) >= {"execution_timeout", "retention_period"}


@pytest.mark.parametrize("engine", ENGINES, ids=lambda e: Path(e).name)
def test_validate_rejects_an_argument_durable_config_does_not_have(tmp_path, engine):
    workdir = scratch(tmp_path, engine, extra_durable_argument='allow_invoke_latest = "no such argument"')

    validate = run(engine, workdir, "validate", "-no-color")

    assert validate.returncode != 0
    assert "Unsupported argument" in validate.stderr
