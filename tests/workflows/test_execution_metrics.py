"""Execution metrics (metrics.py) on the official testing runner: one EMF record per execution, whatever
the number of invocations that replayed it, on success and on failure; what it holds."""

import json

import pytest
from aws_durable_execution_sdk_python import durable_execution
from aws_durable_execution_sdk_python.config import Duration

from durable_bedrock import content_pipeline, metrics, video_generation
from durable_bedrock.ledger import CostLedger
from durable_bedrock.pricing import Prices
from durable_runner import run_workflow

MODEL = "us.amazon.nova-lite-v1:0"
PRICES = {"bedrock": {MODEL: {"input_per_1k_tokens": 0.001, "output_per_1k_tokens": 0.002}}}
JOB_ARN = "arn:aws:bedrock:us-west-2:123456789012:async-invoke/abcdef123456"
FUNCTION = "pipeline"


@pytest.fixture(autouse=True)
def function_name(monkeypatch):
    """Lambda's reserved variable, the metrics' FunctionName dimension."""
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", FUNCTION)
    monkeypatch.delenv("POWERTOOLS_METRICS_NAMESPACE", raising=False)


def emf_records(captured: str) -> list[dict]:
    """The embedded-metric-format records among the lines written to standard output."""
    records = []
    for line in captured.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and "_aws" in record:
            records.append(record)
    return records


def values(record: dict) -> dict[str, float]:
    """{metric: value} of a record (Powertools writes each value as a one-item list)."""
    (directive,) = record["_aws"]["CloudWatchMetrics"]
    return {metric["Name"]: record[metric["Name"]][0] for metric in directive["Metrics"]}


def invocations(events) -> int:
    return len([e for e in events if e.event_type == "InvocationCompleted"])


def answer_all_three(fake) -> None:
    fake.reply("- outline", input_tokens=20, output_tokens=8)
    fake.reply("The article.", input_tokens=30, output_tokens=40)
    fake.reply("Two sentences.", input_tokens=50, output_tokens=6)


def test_a_replayed_content_run_writes_one_record_with_its_tokens_calls_and_retries(configure, fake_bedrock, capsys):
    configure(BEDROCK_MODEL_ID=MODEL, REVIEW_WAIT_SECONDS="30", PRICES=json.dumps(PRICES))
    fake_bedrock.fail("converse", "ThrottlingException", 429)  # generate-outline's first attempt
    answer_all_three(fake_bedrock)

    result, events = run_workflow(content_pipeline.handler, {"topic": "durable functions"})

    assert result.status.value == "SUCCEEDED", result.error
    assert invocations(events) == 3  # the retry's backoff and the review's wait: replayed twice
    (record,) = emf_records(capsys.readouterr().out)
    (directive,) = record["_aws"]["CloudWatchMetrics"]
    assert (directive["Namespace"], directive["Dimensions"], record["FunctionName"]) == (
        "DurableBedrock",
        [["FunctionName"]],
        FUNCTION,
    )
    published = values(record)
    wall_time = published.pop("WallTime")
    cost = published.pop("EstimatedCostUSD")
    assert published == {
        "InputTokens": 100,
        "OutputTokens": 54,
        "CacheReadInputTokens": 0,
        "CacheWriteInputTokens": 0,
        "BedrockCalls": 3,
        "Retries": 1,
        "Succeeded": 1,
        "Failed": 0,
    }
    assert wall_time >= 0
    # The Bedrock part, (100 x 0.001 + 54 x 0.002) / 1000, plus the durable operations before the metrics step.
    result_cost = json.loads(result.result)["cost"]["usd"]
    assert 0.000208 < cost < result_cost["total"]
    assert record["outcome"] == "SUCCEEDED"
    assert record["durableExecutionArn"]  # which execution: a property of the record, not a dimension


def test_the_metrics_step_is_in_the_history_once_with_what_it_published(configure, fake_bedrock, capsys):
    configure(BEDROCK_MODEL_ID=MODEL, REVIEW_WAIT_SECONDS="30")
    answer_all_three(fake_bedrock)

    result, events = run_workflow(content_pipeline.handler, {"topic": "durable functions"})

    (step,) = [op for op in result.operations if op.name == metrics.STEP_NAME]
    assert step.status.value == "SUCCEEDED"
    assert [e.event_type for e in events if e.name == metrics.STEP_NAME] == ["StepStarted", "StepSucceeded"]
    (record,) = emf_records(capsys.readouterr().out)
    assert "EstimatedCostUSD" not in values(record)  # the model has no price: no dollar figure


def test_a_failing_content_run_writes_one_record_saying_it_failed(configure, fake_bedrock, capsys):
    configure(BEDROCK_MODEL_ID=MODEL, REVIEW_WAIT_SECONDS="30")
    fake_bedrock.reply("- outline", input_tokens=20, output_tokens=8)
    fake_bedrock.fail("converse", "AccessDeniedException", 403)  # expand-draft, after the review's wait

    result, events = run_workflow(content_pipeline.handler, {"topic": "durable functions"})

    assert result.status.value == "FAILED"
    assert invocations(events) == 2
    (record,) = emf_records(capsys.readouterr().out)
    published = values(record)
    assert (published["Succeeded"], published["Failed"], record["outcome"]) == (0, 1, "FAILED")
    assert (published["InputTokens"], published["BedrockCalls"]) == (20, 1)  # the outline's call only
    assert [op.name for op in result.operations][-1] == metrics.STEP_NAME


def test_a_failed_video_job_found_after_replays_writes_one_record(configure, fake_bedrock, fake_s3, capsys):
    configure(OUTPUT_S3_URI="s3://videos-bucket/generated/")
    fake_bedrock.started(JOB_ARN)
    for _ in range(2):
        fake_bedrock.job_status(JOB_ARN, "InProgress")
    fake_bedrock.job_status(JOB_ARN, "Failed", failure="The prompt was blocked by content filters.")

    result, events = run_workflow(video_generation.handler, {"prompt": "a lighthouse at dawn"})

    assert result.status.value == "FAILED"
    assert result.error.type.endswith("VideoGenerationFailedError")  # the workflow's own error, not the metrics'
    assert invocations(events) >= 4
    (record,) = emf_records(capsys.readouterr().out)
    assert (values(record)["Failed"], values(record)["BedrockCalls"]) == (1, 0)  # a failed job is not billed


def test_metrics_that_cannot_be_written_do_not_fail_the_run(configure, fake_bedrock, monkeypatch, capsys):
    configure(BEDROCK_MODEL_ID=MODEL, REVIEW_WAIT_SECONDS="30")
    answer_all_three(fake_bedrock)

    def broken(*_args) -> None:
        raise ValueError("no stdout")

    monkeypatch.setattr(metrics, "publish", broken)

    result, _ = run_workflow(content_pipeline.handler, {"topic": "durable functions"})

    assert result.status.value == "SUCCEEDED", result.error
    assert emf_records(capsys.readouterr().out) == []


def test_powertools_namespace_variable_renames_the_namespace(configure, fake_bedrock, monkeypatch, capsys):
    configure(BEDROCK_MODEL_ID=MODEL, REVIEW_WAIT_SECONDS="30")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "Editorial")
    answer_all_three(fake_bedrock)

    run_workflow(content_pipeline.handler, {"topic": "durable functions"})

    (record,) = emf_records(capsys.readouterr().out)
    assert record["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "Editorial"


def _metrics_then_wait(event: object, context) -> str:
    """A workflow whose metrics are followed by a wait, so the next invocation replays the metrics call."""
    ledger = CostLedger()
    metrics.publish_execution_metrics(context, ledger.section(context, Prices()), "SUCCEEDED")
    context.wait(Duration.from_seconds(60), name="after-metrics")
    return "done"


def test_a_replay_of_the_metrics_call_writes_nothing(capsys):
    result, events = run_workflow(durable_execution(_metrics_then_wait), {})

    assert result.status.value == "SUCCEEDED", result.error
    assert invocations(events) == 2  # the second invocation replays publish_execution_metrics
    assert len(emf_records(capsys.readouterr().out)) == 1
