"""converse_step (converse.py), the public Converse block, on a bare DurableContext on the official testing
runner: one Bedrock call per step across replays, the ledger recording it once, the budget stopping the next
step, the checkpoint guard, and the request it sends."""

import json

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration

from durable_bedrock import Budget, CostLedger, converse_step
from durable_runner import run_workflow

MODEL = "us.amazon.nova-micro-v1:0"


def invocations(events) -> int:
    return len([e for e in events if e.event_type == "InvocationCompleted"])


def two_steps_around_a_wait(budget: Budget | None = None):
    """Two Converse steps with a wait between them (a new invocation, replaying the first); returns the ledger."""

    @durable_execution
    def handler(event: dict, context: DurableContext) -> dict:
        ledger = CostLedger()
        first = converse_step(context, "first", "Say one.", model_id=MODEL, ledger=ledger, budget=budget)
        context.wait(Duration.from_seconds(30), name="pause")
        second = converse_step(
            context, "second", "Say two.", model_id=MODEL, max_tokens=50, ledger=ledger, budget=budget
        )
        return {"texts": [first["text"], second["text"]], "calls": ledger.model_calls}

    return handler


def test_each_step_calls_bedrock_once_and_is_recorded_once_across_replays(configure, fake_bedrock):
    configure()
    fake_bedrock.fail("converse", "ThrottlingException", 429)  # the first step's first attempt: one more replay
    fake_bedrock.reply("one", input_tokens=3, output_tokens=1)
    fake_bedrock.reply("two", input_tokens=4, output_tokens=1)

    result, events = run_workflow(two_steps_around_a_wait(), {})

    assert result.status.value == "SUCCEEDED", result.error
    output = json.loads(result.result)
    assert output["texts"] == ["one", "two"]
    assert len(fake_bedrock.calls_to("Converse")) == 3  # the throttled attempt, then one per step
    assert invocations(events) >= 3  # the retry and the wait each ended an invocation; replays called nothing
    assert [(call["step"], call["input_tokens"]) for call in output["calls"]] == [("first", 3), ("second", 4)]


def test_the_request_is_the_prompt_with_no_system_prompt_unless_given(configure, fake_bedrock):
    configure()
    fake_bedrock.reply("one")
    fake_bedrock.reply("two")

    run_workflow(two_steps_around_a_wait(), {})

    first, second = fake_bedrock.calls_to("Converse")
    assert first == {
        "modelId": MODEL,
        "messages": [{"role": "user", "content": [{"text": "Say one."}]}],
        "inferenceConfig": {"maxTokens": 2048},  # DEFAULT_MAX_TOKENS
    }
    assert second["inferenceConfig"] == {"maxTokens": 50}


def test_a_budget_reached_after_the_first_step_does_not_start_the_second(configure, fake_bedrock):
    configure()
    fake_bedrock.reply("one", input_tokens=12, output_tokens=3)

    result, _ = run_workflow(two_steps_around_a_wait(Budget(tokens=15)), {})

    assert result.status.value == "FAILED"
    assert result.error.type.endswith("BudgetExceededError")
    assert result.error.message == (
        "budget exceeded: step 'second' not started: 15 tokens spent, limit 15. Spent on: first (15 tokens)"
    )
    assert len(fake_bedrock.calls_to("Converse")) == 1
    fake_bedrock.assert_all_answers_used()


def test_a_reply_too_large_for_a_checkpoint_fails_naming_the_step_without_retry(configure, fake_bedrock):
    configure()
    fake_bedrock.reply("x" * 300_000)

    result, _ = run_workflow(two_steps_around_a_wait(), {})

    assert result.status.value == "FAILED"
    assert "step 'first' produced" in result.error.message
    assert "a durable checkpoint holds at most 262144 bytes" in result.error.message
    assert len(fake_bedrock.calls_to("Converse")) == 1
