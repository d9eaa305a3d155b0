"""`python cli <command>`: the one entry point of the user command line (the
Makefile's invoke, history, approve, reject, stop-executions and preflight targets run it)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
COMMANDS = ["invoke", "history", "approve", "reject", "stop-executions", "preflight"]


def durable_bedrock(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "cli", *argv], cwd=REPO, capture_output=True, text=True, check=False)


def test_help_lists_every_command():
    shown = durable_bedrock("--help")

    assert shown.returncode == 0
    listed = [line.split()[0] for line in shown.stdout.split("commands:\n", 1)[1].splitlines()]
    assert listed == COMMANDS


@pytest.mark.parametrize("argv", [(), ("deploy",)], ids=["no command", "unknown command"])
def test_a_missing_or_unknown_command_shows_the_commands_and_exits_2(argv):
    shown = durable_bedrock(*argv)

    assert shown.returncode == 2
    assert all(command in shown.stdout + shown.stderr for command in COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_has_its_own_options(command):
    shown = durable_bedrock(command, "--help")

    assert shown.returncode == 0
    assert shown.stdout.startswith(f"usage: durable-bedrock {command} ")
    assert ("--confirm" in shown.stdout) == (command == "stop-executions")
    assert ("--payload" in shown.stdout) == (command == "invoke")


def test_history_refuses_an_example_that_is_not_applied(tmp_path):
    shown = subprocess.run(
        [sys.executable, "cli", "history", "--example-dir", str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        env={"TF": "false", "PATH": "/usr/bin:/bin"},
    )

    assert shown.returncode == 2
    assert shown.stderr.startswith(f"history: {tmp_path} is not applied yet")
