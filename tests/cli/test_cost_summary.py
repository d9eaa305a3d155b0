"""The one-line cost summary `make invoke` and `make history` print last (cli/cost_summary.py),
from cost sections the workflows' ledger builds (lambda_src/durable_bedrock/ledger.py)."""

import json

from aws_durable_execution_sdk_python.lambda_service import (
    Operation,
    OperationStatus,
    OperationSubType,
    OperationType,
    StepDetails,
)

import invoke
from cost_summary import cost_line
from durable_bedrock.ledger import CostLedger, cost_section
from durable_bedrock.pricing import parse_prices

MODEL = "us.anthropic.claude-haiku-4-5-20251001-v1:0"
USAGE = {"cache_read_input_tokens": 0, "cache_write_input_tokens": 0, "latency_ms": 90}


def record(kind: OperationType, attempts: int = 0, sub_type: str | None = None) -> Operation:
    details = StepDetails(attempt=attempts) if kind is OperationType.STEP else None
    return Operation("id", kind, OperationStatus.SUCCEEDED, sub_type=sub_type, step_details=details)


def content_cost(prices: dict) -> dict:
    """A content run: three calls, the outline's retried once, and the review's wait."""
    ledger = CostLedger()
    for step, tokens_in, tokens_out in (("generate-outline", 20, 8), ("expand-draft", 30, 40), ("summarize", 50, 6)):
        ledger.model_call(step, MODEL, {"input_tokens": tokens_in, "output_tokens": tokens_out, **USAGE})
    steps = [record(OperationType.STEP, 2), record(OperationType.STEP, 1), record(OperationType.STEP, 1)]
    records = [record(OperationType.EXECUTION), *steps, record(OperationType.WAIT)]
    return dict(cost_section(ledger.model_calls, ledger.video_jobs, records, parse_prices(prices)))


def test_a_priced_content_run_says_tokens_operations_and_dollars():
    cost = content_cost({"bedrock": {MODEL: {"input_per_1k_tokens": 0.001, "output_per_1k_tokens": 0.005}}})

    assert cost_line({"topic": "t", "cost": cost}) == (
        "cost: 3 Bedrock calls, 154 tokens (100 in, 54 out); 6 durable operations (1 retry, 1 wait); "
        "about $0.000418 ($0.000370 Bedrock + $0.000048 durable)"
    )


def test_a_model_without_a_price_gets_the_durable_figure_and_says_what_is_missing():
    assert cost_line({"cost": content_cost({})}) == (
        "cost: 3 Bedrock calls, 154 tokens (100 in, 54 out); 6 durable operations (1 retry, 1 wait); "
        f"durable about $0.000048; Bedrock not priced (no price for {MODEL}: the prices input)"
    )


def test_a_video_run_names_its_job_and_its_polls():
    ledger = CostLedger()
    ledger.video_job("start-async-invoke", "luma.ray-v2:0", 5, "720p")
    records = [record(OperationType.EXECUTION), *(record(OperationType.STEP, 1) for _ in range(3))]
    records.append(record(OperationType.STEP, 3, sub_type=OperationSubType.WAIT_FOR_CONDITION))
    prices = parse_prices({"bedrock": {"luma.ray-v2:0": {"per_video_second": 0.5}}})
    cost = cost_section(ledger.model_calls, ledger.video_jobs, records, prices)

    assert cost_line({"cost": cost}) == (
        "cost: 1 video (luma.ray-v2:0, 5 s, 720p); 7 durable operations (3 polls); "
        "about $2.500056 ($2.500000 Bedrock + $0.000056 durable)"
    )


def test_a_result_without_a_cost_section_has_no_line():
    assert cost_line({"topic": "t"}) is None
    assert cost_line(None) is None


def test_invoke_and_history_print_the_summary_last(capsys):
    cost = content_cost({})
    execution = {"DurableExecutionArn": "arn:x", "Status": "SUCCEEDED", "Result": json.dumps({"cost": cost})}
    execution["StartTimestamp"] = execution["EndTimestamp"] = invoke.datetime(2026, 11, 24, tzinfo=invoke.UTC)

    assert invoke.report(invoke.summary(execution, []), as_json=False) == 0

    assert capsys.readouterr().out.splitlines()[-1] == cost_line({"cost": cost})
