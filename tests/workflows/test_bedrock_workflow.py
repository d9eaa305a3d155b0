"""bedrock_workflow and BedrockRun (workflow.py) on the official testing runner: the configuration read from the
module's inputs, a ConfigurationError failing the execution at once, the cost section added, one metrics step
per execution, the models by name, and the ledger across child contexts and map items."""

import json

import pytest
from aws_durable_execution_sdk_python.config import Duration

from durable_bedrock import BedrockRun, bedrock_workflow
from durable_runner import run_workflow

SMALL, LARGE = "us.amazon.nova-micro-v1:0", "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
MODELS = json.dumps({"classify": SMALL, "write": LARGE})


def invocations(events) -> int:
    return len([e for e in events if e.event_type == "InvocationCompleted"])


def started(events, name: str) -> int:
    return len([e for e in events if e.event_type == "StepStarted" and e.name == name])


@bedrock_workflow
def classify_then_write(event: dict, run: BedrockRun) -> dict:
    label = run.converse("classify", event["text"], model="classify")
    run.context.wait(Duration.from_seconds(10), name="pause")  # a new invocation: the rest replays
    reply = run.converse("write", label["text"], model="write", max_tokens=99)
    return {"label": label["text"], "reply": reply["text"], "write_model": run.model("write")}


def test_models_by_name_one_call_each_and_the_cost_added_once(configure, fake_bedrock):
    configure(BEDROCK_MODELS=MODELS, MAX_TOKENS="300")
    fake_bedrock.reply("urgent", input_tokens=5, output_tokens=1)
    fake_bedrock.reply("On it.", input_tokens=9, output_tokens=3)

    result, events = run_workflow(classify_then_write, {"text": "Site down"})

    assert result.status.value == "SUCCEEDED", result.error
    output = json.loads(result.result)
    cost = output.pop("cost")
    assert output == {"label": "urgent", "reply": "On it.", "write_model": LARGE}
    classify, write = fake_bedrock.calls_to("Converse")
    assert (classify["modelId"], classify["inferenceConfig"]) == (SMALL, {"maxTokens": 300})  # MAX_TOKENS
    assert (write["modelId"], write["inferenceConfig"]) == (LARGE, {"maxTokens": 99})
    assert [(call["step"], call["model_id"]) for call in cost["model_calls"]] == [("classify", SMALL), ("write", LARGE)]
    assert cost["tokens"]["input_tokens"] == 14
    assert cost["operations"]["steps"] == 3 and cost["operations"]["waits"] == 1  # two calls and the metrics step
    assert invocations(events) == 2
    assert started(events, "execution-metrics") == 1


def test_a_configuration_error_fails_the_execution_at_once(configure, fake_bedrock):
    configure(BEDROCK_MODELS=json.dumps({"Write": LARGE}))

    result, events = run_workflow(classify_then_write, {"text": "Site down"})

    assert result.status.value == "FAILED"
    assert result.error.type.endswith("ConfigurationError")
    assert result.error.message == "environment variable BEDROCK_MODELS: name 'Write' is not a snake_case identifier"
    assert fake_bedrock.calls == [] and invocations(events) == 1  # no retry, no step, no metrics
    assert started(events, "execution-metrics") == 0


def test_a_budget_from_the_environment_stops_the_run_and_its_metrics_are_written_once(configure, fake_bedrock):
    configure(BEDROCK_MODELS=MODELS, BUDGET=json.dumps({"tokens": 6}))
    fake_bedrock.reply("urgent", input_tokens=5, output_tokens=1)

    result, events = run_workflow(classify_then_write, {"text": "Site down"})

    assert result.error.type.endswith("BudgetExceededError")
    assert "step 'write' not started" in result.error.message
    assert started(events, "execution-metrics") == 1


def test_an_input_that_is_not_a_json_object_fails_naming_the_rule(configure, fake_bedrock):
    configure(BEDROCK_MODELS=MODELS)

    result, _ = run_workflow(classify_then_write, ["Site down"])

    assert result.error.type.endswith("InputError")
    assert result.error.message == "input field '(payload)': must be a JSON object, got list"


def test_an_unknown_model_name_fails_listing_the_known_ones(configure, fake_bedrock):
    configure(BEDROCK_MODEL_ID=SMALL)  # model_id alone: the model named "default"

    result, _ = run_workflow(classify_then_write, {"text": "Site down"})

    assert result.error.message.startswith("no model named 'classify': this function knows 'default'")
    assert fake_bedrock.calls == []


@bedrock_workflow
def summarise_in_a_child(event: dict, run: BedrockRun) -> dict:
    summary = run.child("summarise", lambda child: child.converse("summary", event["text"], model="classify")["text"])
    run.context.wait(Duration.from_seconds(10), name="pause")  # the child is complete: replays skip its body
    return {"summary": summary, "calls": len(run.ledger.model_calls)}


def test_a_child_contexts_calls_are_counted_on_every_replay(configure, fake_bedrock):
    configure(BEDROCK_MODELS=MODELS)
    fake_bedrock.reply("Short.", input_tokens=7, output_tokens=2)

    result, events = run_workflow(summarise_in_a_child, {"text": "A long text."})

    output = json.loads(result.result)
    assert invocations(events) == 2
    assert output["summary"] == "Short." and output["calls"] == 1  # in the replaying invocation too
    assert [call["step"] for call in output["cost"]["model_calls"]] == ["summary"]


@bedrock_workflow
def label_each(event: dict, run: BedrockRun) -> list:
    def label(item_context, item: str, index: int, _items) -> str:
        return run.within(item_context).converse(f"label-{index}", item, model="classify")["text"]

    labels = run.context.map(event["items"], label, name="labels").get_results()
    return [labels, len(run.ledger.model_calls), run.cost()["tokens"]["input_tokens"]]


@pytest.mark.parametrize("items", [4, 12])
def test_map_items_record_into_the_shared_ledger_from_their_threads(configure, fake_bedrock, items):
    configure(BEDROCK_MODELS=MODELS)
    for _ in range(items):
        fake_bedrock.reply("ok", input_tokens=2, output_tokens=1)

    result, _ = run_workflow(label_each, {"items": [f"ticket {n}" for n in range(items)]})

    assert result.status.value == "SUCCEEDED", result.error
    labels, calls, input_tokens = json.loads(result.result)  # not a dict: returned as it is, no cost added
    assert labels == ["ok"] * items and calls == items and input_tokens == 2 * items
