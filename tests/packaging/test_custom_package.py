"""A custom workflow's package: the user's folder beside the module's library, both sets of pins,
handlers checked at build time, and linked folders inside the user's folder packaged as copies."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BUILDER = REPO / "packaging" / "build_lambda_zip.py"
LIBRARY = REPO / "lambda_src"
PINS = LIBRARY / "requirements.txt"
TINY = REPO / "tests" / "fixtures" / "tiny_workflow"


def run_builder(out_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(BUILDER), "--out-dir", str(out_dir), *args], capture_output=True, text=True, check=False
    )


def built(out_dir: Path, *args: str) -> dict:
    result = run_builder(out_dir, *args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def names(package: dict) -> list[str]:
    with zipfile.ZipFile(package["path"]) as archive:
        return archive.namelist()


def user_folder(root: Path) -> Path:
    folder = root / "my_flow"
    shutil.copytree(TINY, folder)
    return folder


def test_the_users_folder_and_the_library_make_one_package_with_the_pins(tmp_path):
    package = built(
        tmp_path / "out",
        *("--source-dir", str(LIBRARY), "--source-dir", str(user_folder(tmp_path))),
        *("--requirements", str(PINS), "--botocore-services", "bedrock-runtime,lambda,s3"),
        *("--handler", "tiny_workflow.handler", "--handler", "durable_bedrock.sqs_starter.handler"),
    )

    assert package["modules"] == [
        "aws_durable_execution_sdk_python", "aws_lambda_powertools", "boto3", "botocore", "dateutil",
        "durable_bedrock", "jmespath", "s3transfer", "six", "tiny_workflow", "typing_extensions", "urllib3",
    ]  # fmt: skip
    assert "durable_bedrock/sqs_starter.py" in names(package)


def test_the_users_requirements_add_to_the_librarys_and_the_same_pin_twice_is_one(tmp_path):
    users = tmp_path / "requirements.txt"
    users.write_text("# the user pins boto3 exactly as the library does\n" + next(
        line for line in PINS.read_text().splitlines() if line.startswith("boto3==")
    ) + "\n")  # fmt: skip
    source = ("--source-dir", str(LIBRARY), "--source-dir", str(user_folder(tmp_path)))

    alone = built(tmp_path / "a", *source, "--requirements", str(PINS))
    both = built(tmp_path / "b", *source, "--requirements", str(PINS), "--requirements", str(users))

    assert Path(alone["path"]).read_bytes() == Path(both["path"]).read_bytes()


def test_a_distribution_pinned_two_ways_stops_the_build_naming_both_files(tmp_path):
    users = tmp_path / "my-requirements.txt"
    users.write_text("boto3==1.40.0 --hash=sha256:" + "0" * 64 + "\n")

    result = run_builder(
        tmp_path / "out", "--source-dir", str(user_folder(tmp_path)),
        "--requirements", str(PINS), "--requirements", str(users),
    )  # fmt: skip

    assert result.returncode == 1
    assert f"boto3 is pinned twice: 1.44.5 in {PINS} and 1.40.0 in {users}" in result.stderr


def test_the_library_inside_the_users_folder_is_a_clash_not_a_silent_winner(tmp_path):
    folder = user_folder(tmp_path)
    shutil.copytree(LIBRARY / "durable_bedrock", folder / "durable_bedrock")

    result = run_builder(tmp_path / "out", "--source-dir", str(LIBRARY), "--source-dir", str(folder))

    assert result.returncode == 1
    assert f"durable_bedrock/__init__.py is in source folder {LIBRARY} and in source folder {folder}" in result.stderr


def test_a_handler_missing_from_the_package_fails_the_build(tmp_path):
    folder = user_folder(tmp_path)

    no_module = run_builder(
        tmp_path / "a", "--source-dir", str(folder), "--handler", "durable_bedrock.sqs_starter.handler"
    )
    no_function = run_builder(tmp_path / "b", "--source-dir", str(folder), "--handler", "tiny_workflow.main")

    assert no_module.returncode == 1
    assert "handler durable_bedrock.sqs_starter.handler: the package has no module durable_bedrock.sqs_starter" in (
        no_module.stderr
    )
    assert no_function.returncode == 1
    assert "handler tiny_workflow.main: tiny_workflow.py defines no main at its top level" in no_function.stderr


def test_a_linked_folder_inside_the_source_is_packaged_as_a_copy_would_be(tmp_path):
    linked = user_folder(tmp_path / "linked")
    (linked / "shared_code").mkdir()
    (linked / "shared_code" / "prompts.py").write_text("GREETING = 'hello'\n")
    (linked / "prompts").symlink_to("shared_code", target_is_directory=True)
    copied = user_folder(tmp_path / "copied")
    shutil.copytree(linked / "shared_code", copied / "shared_code")
    shutil.copytree(linked / "shared_code", copied / "prompts")

    through_link = built(tmp_path / "out-a", "--source-dir", str(linked))
    from_copy = built(tmp_path / "out-b", "--source-dir", str(copied))

    assert "prompts/prompts.py" in names(through_link)
    assert Path(through_link["path"]).read_bytes() == Path(from_copy["path"]).read_bytes()


def test_links_that_leave_the_source_loop_or_dangle_are_refused(tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "helpers.py").write_text("X = 1\n")
    cases = {
        "leaves": (outside, "outside the source folder"),
        "loops": (Path(".."), "a folder it is inside of: the link loops"),
        "dangles": (Path("missing"), "which does not exist"),
    }
    for case, (target, message) in cases.items():
        folder = user_folder(tmp_path / case)
        (folder / "nested").mkdir()
        (folder / "nested" / "link").symlink_to(target, target_is_directory=True)

        result = run_builder(tmp_path / f"out-{case}", "--source-dir", str(folder))

        assert result.returncode == 1, case
        assert f"{folder}: nested/link links to {target}, {message}" in result.stderr, (case, result.stderr)
