"""examples/custom-workflow (ticket_triage/triage.py) and BedrockRun.map on the official testing runner:
two models by name, a bounded fan-out with a throttled item, a review of the drafted replies, the cost of
every item counted once across replays, and the split into child executions."""

import dataclasses
import json
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from aws_durable_execution_sdk_python_testing import DurableFunctionTestRunner
from botocore.exceptions import ClientError

from durable_bedrock import BedrockRun, Budget, FanOutConfig, Models, WorkflowConfig, bedrock, bedrock_workflow
from durable_bedrock.fanout_children import PART_KEY
from durable_runner import (
    MODELLED_EXECUTION_TIMEOUT_SECONDS,
    WALL_CLOCK_TIMEOUT_SECONDS,
    decide,
    finished,
    pending_callback,
    run_workflow,
    started_workflow,
)

# The example's code folder is its own package root, as on Lambda.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples" / "custom-workflow" / "ticket_triage"))
import triage

SMALL, LARGE = "us.amazon.nova-micro-v1:0", "us.anthropic.claude-haiku-4-5-20251001-v1:0"
MODELS = json.dumps({"classify": SMALL, "write": LARGE})
TICKETS = [
    {"id": "T-1", "text": "Checkout is down for every customer."},
    {"id": "T-2", "text": "How do I change my invoice email?"},
    {"id": "T-3", "text": "Charged twice, need a refund today."},
    {"id": "T-4", "text": "Export my orders as CSV, please."},
    {"id": "T-5", "text": "Something odd happened."},
]
LABELS = {"T-1": "Urgent.", "T-2": "routine", "T-3": "urgent", "T-4": "Routine", "T-5": "I cannot tell."}


class TicketBedrock:
    """Converse by prompt, thread-safe: a label per ticket from the small model, a reply or a summary from the
    large one. Counts calls per prompt and the most calls in flight at once; throttles chosen prompts."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.calls: Counter[tuple[str, str]] = Counter()  # (model, prompt) -> calls
        self.throttle: Counter[str] = Counter()  # ticket id -> ThrottlingException answers still to give
        self.in_flight = self.max_in_flight = 0

    def runtime_client(self, region=None):
        return self

    def converse(self, *, modelId, messages, inferenceConfig, system=None):
        prompt = messages[0]["content"][0]["text"]
        ticket = next((t["id"] for t in TICKETS if t["text"] in prompt), None)
        with self.lock:
            self.calls[(modelId, prompt)] += 1
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        time.sleep(0.02)
        with self.lock:
            self.in_flight -= 1
            if modelId == SMALL and self.throttle[ticket] > 0:
                self.throttle[ticket] -= 1
                raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "Converse")
        if modelId == SMALL:
            text = LABELS[ticket]
        elif ticket is not None and "Summarise" not in prompt:
            text = f"reply to {ticket}"
        else:
            text = "Two urgent tickets."
        return {
            "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
            "stopReason": "end_turn",
            "usage": {"inputTokens": 10, "outputTokens": 2, "totalTokens": 12},
            "metrics": {"latencyMs": 1},
        }


@pytest.fixture
def tickets_bedrock(monkeypatch, configure):
    configure(BEDROCK_MODELS=MODELS, REVIEW_MODE="callback", REVIEW_TIMEOUT_SECONDS="3600", FAN_OUT_MAX_CONCURRENCY="2")
    fake = TicketBedrock()
    monkeypatch.setattr(bedrock, "runtime_client", fake.runtime_client)
    return fake


def test_a_batch_is_triaged_by_two_models_reviewed_and_each_call_made_once(tickets_bedrock):
    tickets_bedrock.throttle["T-2"] = 2  # absorbed by the retry policy, not failing the ticket

    with started_workflow(triage.handler, {"tickets": TICKETS}) as (runner, arn):
        callback_id = pending_callback(runner, arn)
        decide(runner, callback_id, decision="approve", by="cli")
        result, _ = finished(runner, arn)

    assert result.status.value == "SUCCEEDED", result.error
    output = json.loads(result.result)
    assert [(t["id"], t["label"], t.get("reply")) for t in output["tickets"]] == [
        ("T-1", "urgent", "reply to T-1"),
        ("T-2", "routine", None),
        ("T-3", "urgent", "reply to T-3"),
        ("T-4", "routine", None),
        ("T-5", "unclear", "reply to T-5"),  # off-script: a reply is drafted anyway
    ]
    assert output["summary"] == "Two urgent tickets." and output["replies_approved"] is True
    assert output["review"]["decision"] == "approved"
    # Bedrock calls = 5 labels + 3 replies + 1 summary + 2 retries, however often the handler replayed.
    by_model = Counter(model for (model, _prompt), count in tickets_bedrock.calls.items() for _ in range(count))
    assert by_model == {SMALL: 5 + 2, LARGE: 3 + 1}
    assert all(count == 1 for (_model, prompt), count in tickets_bedrock.calls.items() if "How do I" not in prompt)
    assert tickets_bedrock.max_in_flight == 2  # the fan_out input's bound (FAN_OUT_MAX_CONCURRENCY)
    # The ledger counts each item's calls once, from the items' checkpointed results, after every replay.
    steps = Counter(call["step"] for call in output["cost"]["model_calls"])
    assert steps == {"classify": 5, "draft-reply": 3, "summarize-batch": 1}


def test_rejected_replies_are_not_approved(tickets_bedrock):
    with started_workflow(triage.handler, {"tickets": TICKETS[:1]}) as (runner, arn):
        decide(runner, pending_callback(runner, arn), decision="reject", reason="too curt", by="cli")
        result, _ = finished(runner, arn)

    output = json.loads(result.result)
    assert result.status.value == "SUCCEEDED" and output["replies_approved"] is False
    assert output["review"]["decision"] == "rejected"


@pytest.mark.parametrize(
    ("tickets", "message"),
    [
        ([], "input field 'tickets': must be a list of 1 to 10,000 tickets"),
        ([{"id": "T-1"}], "input field 'tickets[0]': must be an object with exactly 'id' and 'text'"),
        ([{"id": "T-1", "text": "a"}, {"id": "T-1", "text": "b"}], "input field 'tickets[1].id': must be a unique"),
        ([{"id": "T-1", "text": " "}], "input field 'tickets[0].text': must be non-empty text"),
    ],
)
def test_a_bad_batch_fails_naming_the_ticket_before_any_call(tickets_bedrock, tickets, message):
    result, _ = run_workflow(triage.handler, {"tickets": tickets})

    assert result.status.value == "FAILED" and result.error.message.startswith(message), result.error
    assert tickets_bedrock.calls == Counter()


# A map too large for one execution of this size (4 items: two operations each plus the item's context, and
# the map's own) runs in child executions of the same handler, which find the item function by its name.
OWN_VERSION = "test-function:1"
SMALL_EXECUTIONS = FanOutConfig(
    max_concurrency=2, operations_limit=13, reserved_operations=0, child_function=OWN_VERSION
)


def label_ticket(run: BedrockRun, ticket: dict, index: int) -> str:
    return run.converse("classify", ticket["text"], model="classify")["text"]


@bedrock_workflow(config=lambda: WorkflowConfig(models=Models({"classify": SMALL}), fan_out=SMALL_EXECUTIONS))
def labelling(event: dict, run: BedrockRun) -> dict:
    outcome = run.map("label", event["tickets"], label_ticket)
    return {"labels": outcome.results, "executions": outcome.executions}


def test_a_map_larger_than_one_execution_runs_in_child_executions_and_counts_their_calls(tickets_bedrock):
    assert dataclasses.replace(SMALL_EXECUTIONS, operations_per_item=2).items_per_execution() == 4  # run.map's default
    batch = [{"id": t["id"], "text": f"{t['text']} ({copy})"} for copy in range(2) for t in TICKETS]  # 10 tickets
    with DurableFunctionTestRunner(handler=labelling) as runner:
        runner.register_durable_function(OWN_VERSION, labelling)
        arn = runner.run_async(
            input=json.dumps({"tickets": batch}), execution_timeout=MODELLED_EXECUTION_TIMEOUT_SECONDS
        )
        result = runner.wait_for_result(arn, timeout=WALL_CLOCK_TIMEOUT_SECONDS)

    assert result.status.value == "SUCCEEDED", result.error
    output = json.loads(result.result)
    assert output["labels"] == [LABELS[t["id"]] for t in batch] and output["executions"] == 1 + 3
    assert sum(tickets_bedrock.calls.values()) == len(batch)  # none lost, none repeated
    assert len(output["cost"]["model_calls"]) == len(batch)  # the children's calls, counted in the parent


def test_an_item_function_a_child_execution_could_not_find_is_refused(tickets_bedrock):
    @bedrock_workflow
    def nested(event: dict, run: BedrockRun) -> dict:
        return {"labels": run.map("label", event["tickets"], lambda item_run, ticket, index: ticket).results}

    result, _ = run_workflow(nested, {"tickets": TICKETS})

    assert result.status.value == "FAILED"
    assert "run.map needs a top-level function of the workflow's module" in result.error.message
    assert tickets_bedrock.calls == Counter()


# A budget over a fan-out: the items spend side by side, so each step checks, inside itself (where the outcome is
# checkpointed), what the whole execution has spent so far, siblings included; after a resume, the items that
# finished before it count from their checkpointed results. Each call costs 12 tokens; the limit is 30.
TOKEN_LIMIT = FanOutConfig(max_concurrency=1)


@bedrock_workflow(
    config=lambda: WorkflowConfig(models=Models({"classify": SMALL}), budget=Budget(tokens=30), fan_out=TOKEN_LIMIT)
)
def labelling_within_budget(event: dict, run: BedrockRun) -> dict:
    return {"labels": run.map("label", event["tickets"], label_ticket).results}


def test_a_budget_stops_a_fan_out_once_the_items_together_reach_it_across_a_resume(tickets_bedrock):
    tickets_bedrock.throttle["T-2"] = 1  # T-2 waits out a backoff: the run suspends and resumes after T-1 finished

    result, _ = run_workflow(labelling_within_budget, {"tickets": TICKETS})

    assert result.status.value == "FAILED"
    assert "budget exceeded: step 'classify' not started: 36 tokens spent, limit 30" in result.error.message
    # T-1, T-2 (throttled once) and T-3 were labelled (36 tokens); T-4's step found the limit reached.
    labelled = Counter(prompt for (_model, prompt), count in tickets_bedrock.calls.items() for _ in range(count))
    assert labelled == {TICKETS[0]["text"]: 1, TICKETS[1]["text"]: 2, TICKETS[2]["text"]: 1}


@pytest.mark.parametrize("named", ["__class__", "Counter"])  # callable in this module, but not its own function
def test_a_fan_out_part_may_run_only_a_top_level_function_of_the_workflows_module(tickets_bedrock, named):
    part = {"name": "label", "offset": 0, "items": TICKETS[:1], "failures_allowed": 0}
    event = {PART_KEY: {**part, "config": SMALL_EXECUTIONS.to_dict(), "processor": named}}

    result, _ = run_workflow(labelling, event)

    assert result.status.value == "FAILED"
    assert "run.map needs a top-level function of the workflow's module" in result.error.message
    assert tickets_bedrock.calls == Counter()
