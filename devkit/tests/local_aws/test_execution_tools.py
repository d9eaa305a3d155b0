"""The user command line (cli/: invoke, history, stop-executions) against the local
emulator, and the listing behaviour they rely on.

test_listing_by_several_statuses_returns_executions_in_each covers the
durable_list_filters_every_status patch and fails without it; the others pin
how the tools use the API (each version listed with its Qualifier, both list
orders asked for the newest execution, history read page by page).
"""

import json
import subprocess
import sys
import time
from pathlib import Path

import invoke
import stop_executions
from durable_api import step_calls, wait_for_event
from timeline import lines

REPO = Path(__file__).resolve().parents[3]


def start(lam, name: str, version: str) -> str:
    response = lam.invoke(
        FunctionName=name, Qualifier=version, InvocationType="Event", Payload=json.dumps({"topic": "durable AI"})
    )
    return response["DurableExecutionArn"]


def listed(lam, name: str, version: str, statuses: list[str], page_size: int = 1) -> list[str]:
    pages = lam.get_paginator("list_durable_executions_by_function").paginate(
        FunctionName=name, Qualifier=version, Statuses=statuses, PaginationConfig={"PageSize": page_size}
    )
    return [e["DurableExecutionArn"] for page in pages for e in page["DurableExecutions"]]


def test_listing_by_several_statuses_returns_executions_in_each(aws, deploy):
    """ListDurableExecutionsByFunctionRequest.Statuses is a list (botocore
    1.44.5 shape ExecutionStatusList, 1-10 values): an execution in any of the
    given statuses is listed, whatever their order, page by page."""
    lam = aws("lambda")
    name, version, _ = deploy("pipeline", REVIEW_SECONDS="50")
    running, stopped = start(lam, name, version), start(lam, name, version)
    for arn in (running, stopped):
        wait_for_event(lam, arn, "WaitStarted")
    lam.stop_durable_execution(DurableExecutionArn=stopped)

    try:
        assert sorted(listed(lam, name, version, ["RUNNING", "STOPPED"])) == sorted([running, stopped])
        assert sorted(listed(lam, name, version, ["STOPPED", "RUNNING"])) == sorted([running, stopped])
        assert listed(lam, name, version, ["STOPPED"]) == [stopped]
        assert listed(lam, name, version, ["SUCCEEDED", "FAILED"]) == []
    finally:
        lam.stop_durable_execution(DurableExecutionArn=running)


def test_stop_executions_stops_the_running_executions_of_every_version(aws, deploy):
    """Executions waiting on two published versions are all stopped, and no
    version has a RUNNING one left (ListDurableExecutionsByFunction lists a
    version's executions only with its Qualifier)."""
    lam = aws("lambda")
    name, first, _ = deploy("pipeline", REVIEW_SECONDS="50")
    lam.update_function_configuration(FunctionName=name, Description="the second version")
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    second = lam.publish_version(FunctionName=name)["Version"]
    assert second != first
    arns = {start(lam, name, first), start(lam, name, first), start(lam, name, second)}
    for arn in arns:
        wait_for_event(lam, arn, "WaitStarted")
    out: list[str] = []

    status = stop_executions.run(lam, name, out=out.append)

    assert status == 0, out
    assert {arn: lam.get_durable_execution(DurableExecutionArn=arn)["Status"] for arn in arns} == dict.fromkeys(
        arns, "STOPPED"
    )
    for version in ("$LATEST", first, second):
        assert listed(lam, name, version, ["RUNNING"], page_size=100) == []
    assert sorted(line.rsplit("(", 1)[1].rstrip(")") for line in out if line.startswith("  stopped ")) == sorted(arns)
    assert out[-1] == f"stopped 3 execution(s) of {name} (3 versions checked); none left running"
    assert stop_executions.run(lam, name, out=out.append) == 0  # again: nothing left to stop
    assert out[-1] == f"stopped 0 execution(s) of {name} (3 versions checked); none left running"


def test_history_picks_the_newest_execution_of_the_version(aws, deploy):
    """`make history` shows the execution started last, whichever order the
    listing uses (the emulator, like botocore 1.44.5's documentation, lists
    newest first by default and oldest first with ReverseOrder=true)."""
    lam = aws("lambda")
    name, version, _ = deploy("pipeline", REVIEW_SECONDS="50")
    arns = []
    for _ in range(3):
        arns.append(start(lam, name, version))
        time.sleep(1.1)  # the emulator reports StartTimestamp in whole seconds

    try:
        assert invoke.latest_execution_arn(lam, name, version) == arns[-1]
    finally:
        stop_executions.run(lam, name, out=lambda _: None)


def test_follow_prints_every_event_once_reading_the_history_page_by_page(aws, deploy, capsys, monkeypatch):
    """follow() on a real execution, with three events a history page so the
    markers of the emulator are used: the printed lines are exactly the
    timeline of the whole history, and the execution ends SUCCEEDED."""
    monkeypatch.setattr(invoke, "HISTORY_PAGE_SIZE", 3)
    lam = aws("lambda")
    name, version, _ = deploy("pipeline", REVIEW_SECONDS="3")
    arn = start(lam, name, version)

    execution, events = invoke.follow(lam, arn, timeout=60, live=True)

    assert execution["Status"] == "SUCCEEDED"
    assert json.loads(execution["Result"])["summary"] == "summary of draft from outline of durable AI"
    history = invoke.HistoryReader(lam, arn, include_data=True, page_size=1000).read()
    assert [e["EventId"] for e in events] == [e["EventId"] for e in history]
    assert len(history) > 3 * 3  # more than three pages
    assert capsys.readouterr().out.splitlines() == lines(history, execution["StartTimestamp"])


def durable_bedrock(*argv: str) -> subprocess.CompletedProcess:
    """The user command line, run as the Makefile runs it: `python cli ...`."""
    return subprocess.run([sys.executable, "cli", *argv], cwd=REPO, capture_output=True, text=True, check=False)


def applied_example(lam, name: str, version: str, tmp_path: Path, monkeypatch) -> None:
    """Makes tmp_path look like an applied example of the function: an alias
    `live` on the version, and a TF engine that answers `output -json` as
    terraform would with the outputs the command line reads."""
    alias_arn = lam.create_alias(FunctionName=name, Name="live", FunctionVersion=version)["AliasArn"]
    outputs = {"alias_arn": alias_arn, "version": version, "sample_payload": json.dumps({"topic": "durable AI"})}
    (tmp_path / "outputs.json").write_text(json.dumps({key: {"value": value} for key, value in outputs.items()}))
    engine = tmp_path / "tf"
    engine.write_text(f"#!/bin/sh\ncat '{tmp_path / 'outputs.json'}'\n")
    engine.chmod(0o755)
    monkeypatch.setenv("TF", str(engine))


def test_the_cli_invokes_shows_history_and_stops_through_the_example_outputs(
    aws, deploy, local_aws, tmp_path, monkeypatch
):
    """`python cli invoke | history | stop-executions` as `make invoke`, `make
    history` and `make stop-executions` run it, reading the outputs an applied
    example gives."""
    lam = aws("lambda")
    name, version, _ = deploy("pipeline", REVIEW_SECONDS="1")
    applied_example(lam, name, version, tmp_path, monkeypatch)
    cli = ["--example-dir", str(tmp_path), "--endpoint-url", local_aws.endpoint]

    invoked = durable_bedrock("invoke", *cli, "--json")
    assert invoked.returncode == 0, invoked.stderr
    run = json.loads(invoked.stdout)
    history = durable_bedrock("history", *cli, "--json")
    assert history.returncode == 0, history.stderr
    shown = json.loads(history.stdout)

    environment = lam.get_function_configuration(FunctionName=name)["Environment"]["Variables"]
    lam.update_function_configuration(
        FunctionName=name, Environment={"Variables": {**environment, "REVIEW_SECONDS": "50"}}
    )
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    waiting = start(lam, name, lam.publish_version(FunctionName=name)["Version"])
    wait_for_event(lam, waiting, "WaitStarted")
    stopped = durable_bedrock("stop-executions", *cli)
    assert stopped.returncode == 0, stopped.stderr

    assert (run["status"], run["result"]["topic"]) == ("SUCCEEDED", "durable AI")
    assert shown["execution_arn"] == run["execution_arn"]
    assert shown["timeline"] == run["timeline"]
    assert lam.get_durable_execution(DurableExecutionArn=waiting)["Status"] == "STOPPED"
    assert stopped.stdout.splitlines()[-1].endswith("(3 versions checked); none left running")


def test_a_retried_invoke_with_the_same_name_follows_the_existing_run(aws, deploy, tmp_path, local_aws, monkeypatch):
    """`make invoke INVOKE_ARGS=--name ...` twice: the second start is the same
    execution (execution_names_are_idempotent) and the command line says so;
    another payload under that name is refused with a way out (exit 2)."""
    lam = aws("lambda")
    name, version, call_log = deploy("pipeline", REVIEW_SECONDS="1")
    applied_example(lam, name, version, tmp_path, monkeypatch)
    cli = ["--example-dir", str(tmp_path), "--endpoint-url", local_aws.endpoint, "--name", "order-7"]

    first = durable_bedrock("invoke", *cli)
    again = durable_bedrock("invoke", *cli)
    other = durable_bedrock("invoke", *cli, "--payload", json.dumps({"topic": "another"}))

    assert (first.returncode, again.returncode) == (0, 0), (first.stderr, again.stderr)
    assert first.stdout.startswith("started order-7 on ")
    assert again.stdout.startswith("order-7 was already started at ")
    assert "(SUCCEEDED): the same name and payload start nothing new; following it" in again.stdout
    assert step_calls(call_log) == ["outline", "draft", "summary"]
    assert other.returncode == 2
    assert "invoke: an execution named order-7 was already started with another payload" in other.stderr
