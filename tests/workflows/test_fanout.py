"""Fan-out (durable_bedrock.fanout) on the official testing runner, Bedrock and S3 faked at the client."""

import json
import threading
import time
from collections import Counter
from dataclasses import asdict

import pytest
from aws_durable_execution_sdk_python import durable_execution
from aws_durable_execution_sdk_python_testing import DurableFunctionTestRunner
from botocore.exceptions import ClientError

from durable_bedrock import bedrock, large_results
from durable_bedrock.fanout import FanOutConfig, ResultStore, fan_out, run_part
from durable_bedrock.fanout_children import own_version_arn, part_bounds
from durable_bedrock.retry_policy import BEDROCK_STEP, MAX_ATTEMPTS
from durable_runner import MODELLED_EXECUTION_TIMEOUT_SECONDS, WALL_CLOCK_TIMEOUT_SECONDS, operations_in_history

MODEL = "us.amazon.nova-micro-v1:0"
# The runner names the started function test-function; children are invoked at this qualified name.
OWN_VERSION = "test-function:1"


class ConcurrentBedrock:
    """A thread-safe Converse stand-in: each call takes `latency` seconds, answers the prompt back, and
    records how many calls and how many items were in flight at once. An item is in flight from its
    first call to the call that succeeds: a throttled item waiting out its backoff still holds its slot."""

    def __init__(self, latency: float = 0.02) -> None:
        self.latency = latency
        self.lock = threading.Lock()
        self.calls: Counter[str] = Counter()
        self.throttle: Counter[str] = Counter()  # prompt -> ThrottlingException answers still to give
        self.reject: set[str] = set()  # prompts answered with ValidationException (never retried)
        self.calls_in_flight = 0
        self.max_calls_in_flight = 0
        self.items_in_flight: set[str] = set()
        self.max_items_in_flight = 0

    def runtime_client(self, region=None):
        return self

    def converse(self, *, modelId, system, messages, inferenceConfig):
        prompt = messages[0]["content"][0]["text"]
        with self.lock:
            self.calls[prompt] += 1
            self.calls_in_flight += 1
            self.items_in_flight.add(prompt)
            self.max_calls_in_flight = max(self.max_calls_in_flight, self.calls_in_flight)
            self.max_items_in_flight = max(self.max_items_in_flight, len(self.items_in_flight))
        time.sleep(self.latency)
        with self.lock:
            self.calls_in_flight -= 1
            if self.throttle[prompt] > 0:
                self.throttle[prompt] -= 1
                raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "Converse")
            self.items_in_flight.discard(prompt)
            if prompt in self.reject:
                raise ClientError({"Error": {"Code": "ValidationException", "Message": "bad input"}}, "Converse")
        return {
            "output": {"message": {"role": "assistant", "content": [{"text": f"summary of {prompt}"}]}},
            "stopReason": "end_turn",
            "usage": {"inputTokens": 3, "outputTokens": 2, "totalTokens": 5},
            "metrics": {"latencyMs": 1},
        }


@pytest.fixture
def fake(monkeypatch):
    fake = ConcurrentBedrock()
    monkeypatch.setattr(bedrock, "runtime_client", fake.runtime_client)
    return fake


def summarise(context, item, index):
    """What a user's item function looks like: one Converse step with the shared retry policy."""
    reply = context.step(
        lambda _: asdict(bedrock.converse(MODEL, "Summarise.", item, 64)),
        name=f"summarise-{index}",
        config=BEDROCK_STEP,
    )
    return {"item": item, "summary": reply["text"]}


def workflow(config: FanOutConfig):
    @durable_execution
    def handler(event, context):
        if (part := run_part(event, context, {"summaries": summarise})) is not None:
            return part
        outcome = fan_out(context, "summaries", event["items"], summarise, config)
        return outcome.to_dict()

    return handler


def run(handler, items, *, children: bool = False):
    with DurableFunctionTestRunner(handler=handler) as runner:
        if children:
            runner.register_durable_function(OWN_VERSION, handler)
        arn = runner.run_async(input=json.dumps({"items": items}), execution_timeout=MODELLED_EXECUTION_TIMEOUT_SECONDS)
        result = runner.wait_for_result(arn, timeout=WALL_CLOCK_TIMEOUT_SECONDS)
        events = runner.get_execution_history(arn).events
    return result, events


def items(count: int) -> list[str]:
    return [f"doc-{index:03d}" for index in range(count)]


def test_items_in_flight_never_exceed_the_bound_even_while_throttled_items_wait(fake):
    batch = items(12)
    for throttled in batch[:3]:  # the first wave all wait out a backoff: an SDK that freed their slots would start more
        fake.throttle[throttled] = 2
    result, _ = run(workflow(FanOutConfig(max_concurrency=3)), batch)
    assert result.status.value == "SUCCEEDED", result.error
    assert fake.max_items_in_flight == 3
    assert fake.max_calls_in_flight <= 3
    outcome = json.loads(result.result)
    assert [r["item"] for r in outcome["results"]] == batch


def test_a_throttled_item_succeeds_after_retries_and_no_call_is_repeated_on_replay(fake):
    batch = items(5)
    fake.throttle["doc-002"] = MAX_ATTEMPTS - 1  # the last attempt the policy allows succeeds
    result, events = run(workflow(FanOutConfig(max_concurrency=2)), batch)
    assert result.status.value == "SUCCEEDED", result.error
    outcome = json.loads(result.result)
    assert outcome["failures"] == [] and outcome["not_finished"] == []
    assert outcome["results"][2] == {"item": "doc-002", "summary": "summary of doc-002"}
    # Bedrock calls = items x steps + retries, however many times the handler replayed.
    assert sum(fake.calls.values()) == len(batch) + MAX_ATTEMPTS - 1
    assert fake.calls["doc-002"] == MAX_ATTEMPTS
    counted = operations_in_history(events)
    assert counted["retries"] == MAX_ATTEMPTS - 1
    # The map, one context per item, one step per item.
    assert counted["contexts"] == 1 + len(batch) and counted["steps"] == len(batch)


def test_a_failed_item_within_the_tolerance_is_reported_with_its_index_and_error(fake):
    batch = items(6)
    fake.reject.add("doc-004")
    result, _ = run(workflow(FanOutConfig(max_concurrency=2, tolerated_failures=1)), batch)
    assert result.status.value == "SUCCEEDED", result.error
    outcome = json.loads(result.result)
    [failure] = outcome["failures"]
    assert failure["index"] == 4 and "bad input" in failure["message"]
    assert outcome["results"][4] is None
    assert [r["item"] for i, r in enumerate(outcome["results"]) if i != 4] == [b for b in batch if b != "doc-004"]
    assert fake.calls["doc-004"] == 1  # ValidationException is not retried


def test_a_failure_past_the_tolerance_fails_the_execution_naming_the_item(fake):
    batch = items(6)
    fake.reject.add("doc-001")
    result, _ = run(workflow(FanOutConfig(max_concurrency=1, tolerated_failure_percent=10.0)), batch)
    assert result.status.value == "FAILED"
    assert "fan-out 'summaries': 1 items failed, 0 tolerated" in result.error.message
    assert "1: " in result.error.message and "bad input" in result.error.message
    # One at a time, the policy starts nothing after the failure.
    assert set(fake.calls) == {"doc-000", "doc-001"}


def small_executions(**overrides) -> FanOutConfig:
    """An execution that holds 4 items (one operation each plus its context, one for the map): the split
    into child executions shows on a few items instead of thousands."""
    settings = {
        "max_concurrency": 2,
        "operations_limit": 10,
        "reserved_operations": 0,
        "child_function": OWN_VERSION,
    }
    return FanOutConfig(**(settings | overrides))


def test_more_items_than_one_execution_holds_run_in_child_executions_none_lost_or_repeated(fake):
    config = small_executions()
    assert config.items_per_execution() == 4
    batch = items(10)
    fake.throttle["doc-005"] = 1  # a retry inside a child execution
    result, events = run(workflow(config), batch, children=True)
    assert result.status.value == "SUCCEEDED", result.error
    outcome = json.loads(result.result)
    assert [r["item"] for r in outcome["results"]] == batch  # merged in item order
    assert outcome["executions"] == 1 + 3
    assert fake.calls == Counter({item: 2 if item == "doc-005" else 1 for item in batch})
    invokes = [e for e in events if e.event_type == "ChainedInvokeStarted"]
    assert [e.name for e in invokes] == ["summaries-part-0", "summaries-part-1", "summaries-part-2"]


def test_failures_in_child_executions_are_reported_with_their_batch_index_and_spend_one_budget(fake):
    batch = items(10)
    fake.reject.update({"doc-001", "doc-006"})
    result, _ = run(workflow(small_executions(tolerated_failures=2)), batch, children=True)
    assert result.status.value == "SUCCEEDED", result.error
    assert [f["index"] for f in json.loads(result.result)["failures"]] == [1, 6]

    fake.calls.clear()
    fake.reject.add("doc-002")
    result, _ = run(workflow(small_executions(tolerated_failures=2, max_concurrency=1)), batch, children=True)
    assert result.status.value == "FAILED"
    assert "3 items failed, 2 tolerated" in result.error.message
    # The budget ran out in the second part: the third was never started.
    assert not {"doc-008", "doc-009"} & set(fake.calls)


def test_part_bounds_cover_every_item_once_in_order():
    for total, size in [(10, 4), (10_000, 966), (966, 966), (1, 5)]:
        bounds = part_bounds(total, size)
        covered = [index for start, end in bounds for index in range(start, end)]
        assert covered == list(range(total))
        assert all(end - start <= size for start, end in bounds)


def test_ten_thousand_items_fit_in_eleven_executions_with_the_default_quotas():
    # 3,000 operations per execution, 100 reserved; one for the map, two per item (its context and its step).
    config = FanOutConfig(operations_per_item=1)
    assert config.items_per_execution() == (3_000 - 100 - 1) // 2
    assert len(part_bounds(10_000, config.items_per_execution())) == 7


class RecordingS3:
    def __init__(self) -> None:
        self.puts: list[dict] = []

    def put_object(self, **params):
        self.puts.append(params)
        return {}


def test_results_over_the_inline_limit_go_to_s3_and_the_result_holds_their_uri(fake, monkeypatch):
    s3 = RecordingS3()
    monkeypatch.setattr(large_results, "s3_client", lambda: s3)
    store = ResultStore.from_s3_uri("s3://results-bucket/fan-out/", inline_limit_bytes=60)

    def long_or_short(context, item, index):
        summary = summarise(context, item, index)
        return summary | {"detail": "x" * 100} if index % 2 else summary

    @durable_execution
    def handler(event, context):
        return fan_out(context, "long", event["items"], long_or_short, FanOutConfig(results=store)).to_dict()

    result, _ = run(handler, items(4))
    assert result.status.value == "SUCCEEDED", result.error
    outcome = json.loads(result.result)
    assert outcome["results"][0] == {"item": "doc-000", "summary": "summary of doc-000"}
    stored = [outcome["results"][1], outcome["results"][3]]
    assert all(r["s3_uri"].startswith("s3://results-bucket/fan-out/") for r in stored)
    assert [r["s3_uri"].rsplit("/", 2)[1:] for r in stored] == [["long", "000001.json"], ["long", "000003.json"]]
    assert len(s3.puts) == 2  # once per large item, never again on replay
    assert all(put["Bucket"] == "results-bucket" and put["Key"].startswith("fan-out/") for put in s3.puts)
    assert json.loads(s3.puts[0]["Body"])["detail"] == "x" * 100


def test_a_child_execution_runs_this_executions_own_version():
    class Context:
        class execution_context:  # stands in for the SDK attribute of that name
            durable_execution_arn = (
                "arn:aws:lambda:us-east-1:123456789012:function:tickets:7/durable-execution/run-1/0f1e2d3c"
            )

    assert own_version_arn(Context()) == "arn:aws:lambda:us-east-1:123456789012:function:tickets:7"


def test_the_module_inputs_reach_the_config_and_the_code_sets_the_rest():
    env = {"FAN_OUT_MAX_CONCURRENCY": "16", "FAN_OUT_RESULTS_S3_URI": "s3://team-results/fan-out/"}
    config = FanOutConfig.from_environment(env, operations_per_item=2, tolerated_failures=3)
    assert config.max_concurrency == 16 and config.tolerated_failures == 3 and config.operations_per_item == 2
    assert config.results == ResultStore("team-results", "fan-out/")
    assert FanOutConfig.from_environment({}) == FanOutConfig()
    assert FanOutConfig.from_dict(config.to_dict()) == config  # what a child execution is handed
