"""End to end through a real private module registry: boring-registry on
https://127.0.0.1:<port> (a throwaway CA, trusted through SSL_CERT_FILE; an API
token in the CLI configuration's credentials block), its modules in local AWS's
S3. Releases are published with `make publish`; a root module outside the
repository sources the module by registry address and version constraint.

Module registry protocol (Terraform docs, internals/module-registry-protocol):
the address is hostname/namespace/name/system; the hostname's
/.well-known/terraform.json names the base URL of the `modules.v1` service;
GET <base>:namespace/:name/:system/versions lists the versions
({"modules": [{"versions": [{"version": ...}]}]}) and
GET <base>:namespace/:name/:system/:version/download answers 204 with the
package's location in X-Terraform-Get (here a presigned URL of the S3 object).

Kept small for `make test`: one apply/destroy (Terraform); OpenTofu inits and
plans only. The patch release changes the execution role's description, so
the upgraded plan must update that one attribute and nothing else."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from registry_server import Registry, running_registry
from release_repo import REPO, build, git

NAMESPACE, NAME, SYSTEM = "acme", "durable-bedrock", "aws"
FIRST, PATCH = "1.0.0", "1.0.1"
FUNCTION = "registry-e2e-pipeline"
ROLE_DESCRIPTION = 'description        = "Execution role of the durable Lambda function ${var.name}"'
PATCHED_DESCRIPTION = (
    'description        = "Execution role of the durable Lambda function ${var.name} (durable-bedrock)"'
)


def consumer_root(folder: Path, registry: Registry, port: int) -> Path:
    """A root module as a consumer writes it: the registry address and a version constraint, outside the repository;
    the provider pointed at local AWS by the same override file `make apply TARGET=local` writes."""
    folder.mkdir(parents=True)
    (folder / "main.tf").write_text(
        f"""provider "aws" {{
  region = "us-east-1"
}}

module "pipeline" {{
  source  = "{registry.module_address(NAMESPACE, NAME, SYSTEM)}"
  version = "~> 1.0"

  name                = "{FUNCTION}"
  workflow            = "content_pipeline"
  review_wait_seconds = 1
}}

output "function_name" {{
  value = module.pipeline.function_name
}}

output "alias_arn" {{
  value = module.pipeline.alias_arn
}}

output "version" {{
  value = module.pipeline.version
}}

output "sample_payload" {{
  value = module.pipeline.sample_payload
}}
"""
    )
    override = (REPO / "devkit/local_aws/provider_override.tf.in").read_text().replace("@PORT@", str(port))
    (folder / "local_aws_override.tf").write_text(override)
    return folder


def run(engine: str, root: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [engine, f"-chdir={root}", *args, "-input=false", "-no-color"], env=env, capture_output=True, text=True
    )


def installed_version(root: Path) -> str:
    """The module version init installed (.terraform/modules/modules.json)."""
    modules = json.loads((root / ".terraform/modules/modules.json").read_text())["Modules"]
    return next(m["Version"] for m in modules if m["Key"] == "pipeline")


def publish(registry: Registry, package: Path, version: str) -> subprocess.CompletedProcess[str]:
    command = [
        "make", "--no-print-directory", "publish", f"VERSION={version}", f"PACKAGE={package}",
        f"REGISTRY_NAMESPACE={NAMESPACE}",
    ]  # fmt: skip
    return subprocess.run(command, cwd=REPO, env={**os.environ, **registry.storage}, capture_output=True, text=True)


@pytest.fixture(scope="module")
def registry(local_aws, tmp_path_factory):
    with running_registry(local_aws, tmp_path_factory.mktemp("registry")) as running:
        yield running


@pytest.fixture(scope="module")
def releases(tmp_path_factory) -> dict[str, Path]:
    """The first release (HEAD's package) and a patch release that changes one description."""
    folder = tmp_path_factory.mktemp("releases")
    build(REPO, folder, version=FIRST)
    # The patch is a commit of its own (the builder packages commits), in a clone of HEAD.
    clone = folder / "patched"
    subprocess.run(["git", "clone", "--quiet", "--shared", str(REPO), str(clone)], check=True)
    iam = (clone / "iam.tf").read_text()
    assert iam.count(ROLE_DESCRIPTION) == 1, "the role's description changed: update ROLE_DESCRIPTION"
    (clone / "iam.tf").write_text(iam.replace(ROLE_DESCRIPTION, PATCHED_DESCRIPTION))
    git(clone, "commit", "--quiet", "-am", f"Patch {PATCH}")
    build(clone, folder, version=PATCH)
    return {version: folder / f"durable-bedrock-{version}.tar.gz" for version in (FIRST, PATCH)}


@pytest.fixture(scope="module")
def consumer(registry, releases, local_aws, tmp_path_factory):
    """The consumer's root (outside the repository) and the environment its Terraform runs with; destroyed last."""
    folder = tmp_path_factory.mktemp("consumer")
    root = consumer_root(folder / "root", registry, local_aws.port)
    env = {
        **os.environ,
        "SSL_CERT_FILE": str(registry.tls.ca_bundle),
        "TF_CLI_CONFIG_FILE": str(registry.cli_config(Path(os.environ["TF_CLI_CONFIG_FILE"]), folder / "cli.tfrc")),
    }
    yield root, env
    run(os.environ["TF"], root, env, "destroy", "-auto-approve")


def test_make_publish_puts_the_release_in_the_registry_and_refuses_to_replace_it(registry, releases):
    published = publish(registry, releases[FIRST], FIRST)
    assert published.returncode == 0, published.stdout + published.stderr

    again = publish(registry, releases[FIRST], FIRST)

    assert again.returncode != 0 and f"module version {FIRST} already exists" in again.stderr, again.stderr
    assert registry.get_json("/.well-known/terraform.json")["modules.v1"] == "/v1/modules/"
    assert registry.get_json(f"/v1/modules/{NAMESPACE}/{NAME}/{SYSTEM}/versions") == {
        "modules": [{"versions": [{"version": FIRST}]}]
    }


def test_init_fails_without_the_registry_ca(registry, consumer, tmp_path):
    """The TLS is real: the same root, trusting the system CAs only, cannot reach the registry."""
    root, env = consumer
    untrusted = tmp_path / "root"
    untrusted.mkdir()
    (untrusted / "main.tf").write_text((root / "main.tf").read_text())

    init = run(os.environ["TF"], untrusted, {**env, "SSL_CERT_FILE": ""}, "init", "-backend=false")

    assert init.returncode != 0
    assert "certificate signed by unknown authority" in init.stderr, init.stderr


def test_terraform_installs_the_release_from_the_registry_applies_and_runs_to_succeeded(consumer, local_aws):
    root, env = consumer
    engine = os.environ["TF"]
    init = run(engine, root, env, "init")
    assert init.returncode == 0, init.stdout[-2000:] + init.stderr[-2000:]
    assert installed_version(root) == FIRST
    applied = run(engine, root, env, "apply", "-auto-approve")
    assert applied.returncode == 0, applied.stdout[-3000:] + applied.stderr[-3000:]

    invoked = subprocess.run(
        [sys.executable, "cli", "invoke", "--example-dir", str(root), "--endpoint-url", local_aws.endpoint, "--json"],
        cwd=REPO, env=env, capture_output=True, text=True,
    )  # fmt: skip

    assert invoked.returncode == 0, invoked.stdout[-2000:] + invoked.stderr[-2000:]
    assert json.loads(invoked.stdout)["status"] == "SUCCEEDED"


def test_opentofu_installs_the_release_from_the_registry_and_plans(consumer, tmp_path):
    root, env = consumer
    tofu_root = tmp_path / "root"
    tofu_root.mkdir()
    for name in ("main.tf", "local_aws_override.tf"):
        (tofu_root / name).write_text((root / name).read_text())

    init = run(os.environ["TOFU"], tofu_root, env, "init")
    assert init.returncode == 0, init.stdout[-2000:] + init.stderr[-2000:]
    assert installed_version(tofu_root) == FIRST
    plan = run(os.environ["TOFU"], tofu_root, env, "plan")

    assert plan.returncode == 0, plan.stdout[-2000:] + plan.stderr[-2000:]
    assert "module.pipeline.aws_lambda_function.this will be created" in plan.stdout, plan.stdout[-2000:]


def test_a_patch_release_is_picked_up_by_init_upgrade_and_plans_only_its_change(registry, releases, consumer):
    root, env = consumer
    engine = os.environ["TF"]
    published = publish(registry, releases[PATCH], PATCH)
    assert published.returncode == 0, published.stdout + published.stderr

    upgraded = run(engine, root, env, "init", "-upgrade")
    assert upgraded.returncode == 0, upgraded.stdout[-2000:] + upgraded.stderr[-2000:]
    assert installed_version(root) == PATCH
    planned = run(engine, root, env, "plan", "-out=patch.tfplan")
    assert planned.returncode == 0, planned.stdout[-2000:] + planned.stderr[-2000:]
    shown = subprocess.run([engine, f"-chdir={root}", "show", "-json", "patch.tfplan"], env=env, capture_output=True)
    changes = [c for c in json.loads(shown.stdout)["resource_changes"] if c["change"]["actions"] != ["no-op"]]

    assert [(c["address"], c["change"]["actions"]) for c in changes] == [
        ("module.pipeline.aws_iam_role.function", ["update"])
    ], changes
    before, after = changes[0]["change"]["before"], changes[0]["change"]["after"]
    assert {key for key in after if before.get(key) != after[key]} == {"description"}
    assert after["description"] == f"Execution role of the durable Lambda function {FUNCTION} (durable-bedrock)"
