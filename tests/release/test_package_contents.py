"""The package holds exactly what a consumer needs: the root .tf files, modules/, lambda_src/,
packaging/, examples/, docs/, README.md, LICENSE, CHANGELOG.md; not the tests, the development kit
(local AWS, toolchain, bench), the command line, the Makefile or tool configuration; and no local
state, even committed by mistake."""

from __future__ import annotations

import tarfile

from release_repo import build, git

CONSUMER_FOLDERS = ("docs/", "examples/", "lambda_src/", "modules/", "packaging/")
CONSUMER_FILES = {"README.md", "LICENSE", "CHANGELOG.md"}


def names(package) -> list[str]:
    with tarfile.open(package) as archive:
        return archive.getnames()


def test_every_file_a_consumer_needs_and_nothing_else(module_repo, tmp_path):
    tracked = git(module_repo, "ls-files").split()
    wanted = sorted(
        name for name in tracked
        if name in CONSUMER_FILES or name.startswith(CONSUMER_FOLDERS) or ("/" not in name and name.endswith(".tf"))
    )  # fmt: skip

    shipped = names(build(module_repo, tmp_path / "out"))

    assert shipped == wanted
    for needed in ("main.tf", "variables.tf", "outputs.tf", "versions.tf", "LICENSE", "CHANGELOG.md",
                   "packaging/build_lambda_zip.py", "lambda_src/requirements.txt",
                   "modules/companion-function/main.tf", "examples/sqs-trigger/README.md"):  # fmt: skip
        assert needed in shipped
    development = [n for n in shipped if n.startswith(("tests/", "devkit/", "cli/", ".ci/", "dist/", "."))]
    assert development == [] and not {"Makefile", "pyproject.toml"} & set(shipped)


def test_every_example_ships_with_its_readme(module_repo, tmp_path):
    shipped = names(build(module_repo, tmp_path / "out"))
    examples = {name.split("/")[1] for name in shipped if name.startswith("examples/") and name.count("/") >= 2}

    assert examples >= {"content-pipeline", "video-generation", "sqs-trigger", "custom-workflow"}
    assert [e for e in sorted(examples) if f"examples/{e}/README.md" not in shipped] == []


def test_local_state_never_ships_even_when_committed(module_repo, tmp_path):
    example = module_repo / "examples" / "content-pipeline"
    local_state = {
        "local_aws_override.tf": "# make's local AWS endpoints\n",
        "e2e_fault_override.tf": "# an end-to-end test's override\n",
        "terraform.tfstate.d/local/terraform.tfstate": "{}\n",
        ".terraform/modules/modules.json": "{}\n",
        ".terraform.lock.hcl": "# lock\n",
        "terraform.tfstate": "{}\n",
    }
    for name, text in local_state.items():
        (example / name).parent.mkdir(parents=True, exist_ok=True)
        (example / name).write_text(text)
    git(module_repo, "add", "--force", "examples")
    git(module_repo, "commit", "--quiet", "-m", "local state committed by mistake")

    shipped = names(build(module_repo, tmp_path / "out"))

    assert "examples/content-pipeline/main.tf" in shipped
    assert [n for n in shipped if n.removeprefix("examples/content-pipeline/") in local_state] == []
