"""`make invoke`, `make history` and the other targets on a root module outside examples/ (a user's
own workflow): the Makefile takes EXAMPLE_DIR, and what the command line tells the user to run next
selects that same folder."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

import invoke
from make_selector import make_selector
from review_callbacks import Review, waiting_notice

REPO = Path(__file__).resolve().parents[2]


def make_dry_run(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The commands `make` would run (-n), with the toolchain already chosen."""
    return subprocess.run(
        ["make", "-n", "TOOLCHAIN=source", *argv],
        cwd=REPO, capture_output=True, text=True, check=False, env={**os.environ, **(env or {})},
    )  # fmt: skip


@pytest.mark.parametrize("command", ["invoke", "history"])
def test_make_runs_the_command_line_on_the_folder_given_as_example_dir(tmp_path, command):
    from_the_environment = make_dry_run(command, env={"EXAMPLE_DIR": str(tmp_path)})
    as_an_argument = make_dry_run(command, f"EXAMPLE_DIR={tmp_path}")

    for ran in (from_the_environment, as_an_argument):
        assert ran.returncode == 0, ran.stderr
        assert f"cli {command} --example-dir {tmp_path} " in ran.stdout


def test_make_still_takes_an_example_by_name():
    ran = make_dry_run("invoke", "EXAMPLE=video-generation")

    assert ran.returncode == 0, ran.stderr
    assert "cli invoke --example-dir examples/video-generation " in ran.stdout


def test_make_names_both_ways_to_choose_when_the_folder_is_missing(tmp_path):
    missing = tmp_path / "nowhere"

    ran = subprocess.run(
        ["make", "TOOLCHAIN=source", "known-example", f"EXAMPLE_DIR={missing}"],
        cwd=REPO, capture_output=True, text=True, check=False,
    )  # fmt: skip

    assert ran.returncode == 2
    assert f"no folder {missing}: choose EXAMPLE=<one of: content-pipeline " in ran.stderr
    assert "or EXAMPLE_DIR=<the folder of a root module that uses this module>" in ran.stderr


@pytest.mark.parametrize(
    ("folder", "selector"),
    [
        ("examples/content-pipeline", "EXAMPLE=content-pipeline"),
        ("./examples/sqs-trigger/", "EXAMPLE=sqs-trigger"),
        (str(REPO / "examples" / "video-generation"), "EXAMPLE=video-generation"),
        ("../my-flow/deploy", "EXAMPLE_DIR=../my-flow/deploy"),
        ("/srv/team flows/triage", "EXAMPLE_DIR='/srv/team flows/triage'"),
    ],
)
def test_a_folder_is_selected_by_name_under_examples_and_by_path_elsewhere(folder, selector, monkeypatch):
    monkeypatch.chdir(REPO)  # make runs the command line from the repository's root

    assert make_selector(folder) == selector


def test_a_root_module_that_is_not_applied_is_named_by_its_folder(tmp_path):
    problem = invoke.NotApplied(str(tmp_path / "my-flow"))

    assert f"run `make apply EXAMPLE_DIR={tmp_path / 'my-flow'}` first" in str(problem)


def test_the_review_commands_select_the_same_folder(tmp_path):
    review = Review("cb-1", "pending", None)

    notice = "\n".join(waiting_notice(review, make_selector(str(tmp_path)), "run-1", "us-east-1", following=True))

    assert f"make approve EXAMPLE_DIR={tmp_path} EXECUTION=run-1" in notice
    assert f"make history EXAMPLE_DIR={tmp_path}`" in notice
