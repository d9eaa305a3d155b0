"""The cost ledger (ledger.py) in the workflows' results, on the official testing runner: exact token
and durable-operation counts, the operations checked against the execution's history."""

import json

import pytest

from durable_bedrock import content_pipeline, video_generation
from durable_bedrock.ledger import VideoJob, bedrock_usd
from durable_bedrock.pricing import parse_prices
from durable_runner import (
    TOKENS,
    decide,
    finished,
    operations_in_history,
    pending_callback,
    run_workflow,
    started_workflow,
)

MODEL = "us.amazon.nova-lite-v1:0"
# Test prices (USD per 1,000 tokens), not AWS's.
TEXT_PRICES = {
    "input_per_1k_tokens": 0.001,
    "output_per_1k_tokens": 0.002,
    "cache_read_per_1k_tokens": 0.0001,
    "cache_write_per_1k_tokens": 0.00125,
}
JOB_ARN = "arn:aws:bedrock:us-west-2:123456789012:async-invoke/abcdef123456"
NO_OPERATIONS = {kind: 0 for kind in ("retries", "polls", "waits", "callbacks", "contexts", "invokes")}


def durable_usd(cost) -> float:
    """The default durable prices: $8.00 per million operations, $0.25 per GB written."""
    return round(cost["operations"]["total"] * 8.0 / 1e6 + cost["data_written_bytes"] * 0.25 / 1e9, 8)


def answer(fake) -> None:
    fake.reply("- outline", input_tokens=20, output_tokens=8, cache_read=1000, cache_write=400, latency_ms=120)
    fake.reply("The article.", input_tokens=30, output_tokens=40, latency_ms=340)
    fake.reply("Two sentences.", input_tokens=50, output_tokens=6, latency_ms=50)


def call(step: str, input_tokens: int, output_tokens: int, latency_ms: int, read: int = 0, write: int = 0) -> dict:
    return {
        "step": step,
        "model_id": MODEL,
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "cache_read_input_tokens": read,
        "cache_write_input_tokens": write,
        "latency_ms": latency_ms,
    }


def test_a_content_run_with_one_retried_step_costs_exactly_what_it_used(configure, fake_bedrock):
    configure(BEDROCK_MODEL_ID=MODEL, REVIEW_WAIT_SECONDS="30", PRICES=json.dumps({"bedrock": {MODEL: TEXT_PRICES}}))
    fake_bedrock.fail("converse", "ThrottlingException", 429)  # generate-outline's first attempt
    answer(fake_bedrock)

    result, events = run_workflow(content_pipeline.handler, {"topic": "durable functions"})

    assert result.status.value == "SUCCEEDED", result.error
    assert len([e for e in events if e.event_type == "InvocationCompleted"]) == 3  # replayed twice, counted once
    cost = json.loads(result.result)["cost"]
    assert cost["model_calls"] == [
        call("generate-outline", 20, 8, 120, read=1000, write=400),
        call("expand-draft", 30, 40, 340),
        call("summarize", 50, 6, 50),
    ]
    assert cost["tokens"] == {
        "input_tokens": 100,
        "output_tokens": 54,
        "cache_read_input_tokens": 1000,
        "cache_write_input_tokens": 400,
    }
    expected = NO_OPERATIONS | {"executions": 1, "steps": 4, "retries": 1, "waits": 1, "total": 7}
    assert cost["operations"] == expected == operations_in_history(events)
    assert cost["data_written_bytes"] > 0
    # (100 x 0.001 + 54 x 0.002 + 1000 x 0.0001 + 400 x 0.00125) / 1000
    assert cost["usd"]["bedrock"] == pytest.approx(0.000808)
    assert cost["usd"]["durable"] == durable_usd(cost)
    assert cost["usd"]["total"] == pytest.approx(0.000808 + cost["usd"]["durable"], abs=1e-8)
    assert cost["not_priced"] == []


def test_a_video_run_records_its_job_and_every_check(configure, fake_bedrock, fake_s3):
    prices = {"bedrock": {"luma.ray-v2:0": {"per_video_second": 0.5}}, "durable": {"per_million_operations": 10}}
    configure(OUTPUT_S3_URI="s3://videos-bucket/generated/", PRICES=json.dumps(prices))
    fake_bedrock.started(JOB_ARN)
    fake_bedrock.job_status(JOB_ARN, "InProgress")
    fake_bedrock.job_status(JOB_ARN, "InProgress")
    fake_bedrock.job_status(JOB_ARN, "Completed")

    result, events = run_workflow(video_generation.handler, {"prompt": "a lighthouse at dawn"})

    assert result.status.value == "SUCCEEDED", result.error
    cost = json.loads(result.result)["cost"]
    job = {"step": "start-async-invoke", "model_id": "luma.ray-v2:0", "duration_seconds": 5, "resolution": "720p"}
    assert (cost["video_jobs"], cost["model_calls"], cost["tokens"]) == ([job], [], TOKENS)
    # mint-idempotency-token, start-async-invoke, build-result, execution-metrics; wait-for-expected-generation;
    # three checks of wait-for-video
    expected = NO_OPERATIONS | {"executions": 1, "steps": 4, "waits": 1, "polls": 3, "total": 9}
    assert cost["operations"] == expected == operations_in_history(events)
    assert cost["usd"]["bedrock"] == 2.5  # 5 s at $0.50
    assert cost["usd"]["durable"] == round(9 * 10 / 1e6 + cost["data_written_bytes"] * 0.25 / 1e9, 8)


def test_a_review_by_callback_counts_its_callback_and_child_context(configure, fake_bedrock):
    configure(BEDROCK_MODEL_ID=MODEL, REVIEW_MODE="callback")
    answer(fake_bedrock)

    with started_workflow(content_pipeline.handler, {"topic": "durable functions"}) as (runner, arn):
        decide(runner, pending_callback(runner, arn), decision="approve")
        result, events = finished(runner, arn)

    assert result.status.value == "SUCCEEDED", result.error
    cost = json.loads(result.result)["cost"]
    # Three Bedrock steps, the review's two clock steps and its submitter step, the metrics step.
    expected = NO_OPERATIONS | {"executions": 1, "steps": 7, "callbacks": 1, "contexts": 1, "total": 10}
    assert cost["operations"] == expected == operations_in_history(events)


def test_a_model_without_a_price_gets_tokens_and_operations_but_no_dollar_figure(configure, fake_bedrock):
    configure(BEDROCK_MODEL_ID=MODEL)
    answer(fake_bedrock)

    result, _ = run_workflow(content_pipeline.handler, {"topic": "durable functions"})

    cost = json.loads(result.result)["cost"]
    assert cost["tokens"]["input_tokens"] == 100 and cost["operations"]["total"] == 6
    assert cost["usd"] == {"bedrock": None, "durable": durable_usd(cost), "total": None}
    no_price = f"{MODEL}: no price in the prices input (prices.bedrock); tokens counted, no dollar figure"
    assert cost["not_priced"] == [no_price]


def test_cache_tokens_without_their_price_leave_the_bedrock_figure_out(configure, fake_bedrock):
    prices = {"bedrock": {MODEL: {"input_per_1k_tokens": 0.001, "output_per_1k_tokens": 0.002}}}
    configure(BEDROCK_MODEL_ID=MODEL, PRICES=json.dumps(prices))
    answer(fake_bedrock)

    result, _ = run_workflow(content_pipeline.handler, {"topic": "durable functions"})

    cost = json.loads(result.result)["cost"]
    assert cost["usd"]["bedrock"] is None
    assert cost["not_priced"] == [
        f"{MODEL}: prices.bedrock gives no cache_read_per_1k_tokens; tokens counted, no dollar figure",
        f"{MODEL}: prices.bedrock gives no cache_write_per_1k_tokens; tokens counted, no dollar figure",
    ]


def test_a_video_without_its_per_second_price_says_its_seconds_were_counted():
    prices = parse_prices({"bedrock": {"luma.ray-v2:0": {"input_per_1k_tokens": 0.001}}})
    job: VideoJob = {
        "step": "start-async-invoke",
        "model_id": "luma.ray-v2:0",
        "duration_seconds": 5,
        "resolution": "720p",
    }

    assert bedrock_usd([], [job], prices) == (
        None,
        ["luma.ray-v2:0: prices.bedrock gives no per_video_second; video seconds counted, no dollar figure"],
    )
    assert bedrock_usd([], [job], parse_prices({})) == (
        None,
        ["luma.ray-v2:0: no price in the prices input (prices.bedrock); video seconds counted, no dollar figure"],
    )
