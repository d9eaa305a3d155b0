"""The budget per execution (budget.py) on the official testing runner: a Bedrock step that would start once
the limit is reached is not started, the execution fails naming what was spent and where, replays keep the
decision, and a USD limit without the prices it needs is refused at cold start."""

import json

import pytest

from durable_bedrock import content_pipeline, video_generation
from durable_bedrock.budget import Budget, budget_from_env, parse_budget
from durable_bedrock.errors import ConfigurationError
from durable_bedrock.ledger import CostLedger
from durable_bedrock.pricing import parse_prices
from durable_runner import run_workflow

MODEL = "us.amazon.nova-lite-v1:0"
VIDEO_MODEL = "luma.ray-v2:0"
# Test prices (USD per 1,000 tokens, per video second), not AWS's.
TEXT_PRICES = {"bedrock": {MODEL: {"input_per_1k_tokens": 0.001, "output_per_1k_tokens": 0.002}}}
VIDEO_PRICES = {"bedrock": {VIDEO_MODEL: {"per_video_second": 0.5}}}
JOB_ARN = "arn:aws:bedrock:us-west-2:123456789012:async-invoke/abcdef123456"


def content(configure, budget: dict, prices: dict | None = None) -> None:
    environment = {"BEDROCK_MODEL_ID": MODEL, "REVIEW_WAIT_SECONDS": "30", "BUDGET": json.dumps(budget)}
    configure(**environment, **({"PRICES": json.dumps(prices)} if prices else {}))


def answer(fake) -> None:
    fake.reply("- outline", input_tokens=20, output_tokens=8)  # 28 tokens, $0.000036 at TEXT_PRICES
    fake.reply("The article.", input_tokens=30, output_tokens=40)  # 70 tokens, $0.00011
    fake.reply("Two sentences.", input_tokens=50, output_tokens=6)


def invocations(events) -> int:
    return len([event for event in events if event.event_type == "InvocationCompleted"])


def failed_with_budget(result) -> str:
    assert result.status.value == "FAILED", result.result
    assert result.error.type.endswith("BudgetExceededError")
    return result.error.message


def test_a_token_budget_reached_mid_run_starts_no_further_bedrock_step(configure, fake_bedrock):
    content(configure, {"tokens": 28})
    fake_bedrock.reply("- outline", input_tokens=20, output_tokens=8)

    result, events = run_workflow(content_pipeline.handler, {"topic": "durable functions"})

    assert failed_with_budget(result) == (
        "budget exceeded: step 'expand-draft' not started: 28 tokens spent, limit 28. "
        "Spent on: generate-outline (28 tokens)"
    )
    assert len(fake_bedrock.calls_to("Converse")) == 1  # the outline only
    # The decision is taken after the review's wait, in a replay: from the outline's checkpointed usage.
    assert invocations(events) == 2
    # No Bedrock step after the outline; the failing execution still writes its metrics (metrics.py).
    assert [e.name for e in events if e.event_type == "StepStarted"] == ["generate-outline", "execution-metrics"]


def test_a_usd_budget_names_the_dollars_spent_on_each_step(configure, fake_bedrock):
    content(configure, {"usd": 0.0001}, TEXT_PRICES)
    answer(fake_bedrock)

    result, _ = run_workflow(content_pipeline.handler, {"topic": "durable functions"})

    # 0.000036 + 0.00011 spent before summarize: the draft took the run past the limit.
    assert failed_with_budget(result) == (
        "budget exceeded: step 'summarize' not started: $0.000146 spent, limit $0.000100. "
        "Spent on: generate-outline (28 tokens, $0.000036); expand-draft (70 tokens, $0.000110)"
    )
    assert len(fake_bedrock.calls_to("Converse")) == 2


def test_replays_after_a_retry_keep_the_decision(configure, fake_bedrock):
    content(configure, {"tokens": 98, "usd": 1.0}, TEXT_PRICES)
    fake_bedrock.reply("- outline", input_tokens=20, output_tokens=8)
    fake_bedrock.fail("converse", "ThrottlingException", 429)  # expand-draft's first attempt: one more replay
    fake_bedrock.reply("The article.", input_tokens=30, output_tokens=40)

    result, events = run_workflow(content_pipeline.handler, {"topic": "durable functions"})

    # Passed before expand-draft (28 < 98) in each of its replays, reached before summarize (98).
    message = failed_with_budget(result)
    assert message.startswith("budget exceeded: step 'summarize' not started: 98 tokens spent, limit 98. ")
    assert len(fake_bedrock.calls_to("Converse")) == 3  # outline, draft throttled, draft
    assert invocations(events) == 3
    fake_bedrock.assert_all_answers_used()


def test_a_budget_not_reached_changes_nothing(configure, fake_bedrock):
    content(configure, {"tokens": 155, "usd": 0.01}, TEXT_PRICES)  # the run uses 154 tokens
    answer(fake_bedrock)

    result, _ = run_workflow(content_pipeline.handler, {"topic": "durable functions"})

    assert result.status.value == "SUCCEEDED", result.error
    assert len(fake_bedrock.calls_to("Converse")) == 3


@pytest.mark.parametrize(
    ("prices", "missing"),
    [
        (None, f"budget.usd needs a price for {MODEL}, which this function calls; prices.bedrock has none"),
        (
            {"bedrock": {MODEL: {"input_per_1k_tokens": 0.001}}},
            f"budget.usd needs prices.bedrock['{MODEL}'].output_per_1k_tokens; it is not given",
        ),
    ],
)
def test_a_usd_budget_without_prices_is_refused_at_cold_start(configure, fake_bedrock, prices, missing):
    content(configure, {"usd": 1}, prices)

    with pytest.raises(ConfigurationError, match="environment variable PRICES"):
        content_pipeline.settings()
    result, _ = run_workflow(content_pipeline.handler, {"topic": "durable functions"})

    assert result.error.type.endswith("ConfigurationError")
    assert result.error.message == f"environment variable PRICES: {missing}"
    assert fake_bedrock.calls == []


def test_cache_tokens_without_their_price_stop_a_usd_budget_rather_than_go_unenforced(configure, fake_bedrock):
    content(configure, {"usd": 1}, TEXT_PRICES)
    fake_bedrock.reply("- outline", input_tokens=20, output_tokens=8, cache_read=500)

    result, _ = run_workflow(content_pipeline.handler, {"topic": "durable functions"})

    assert result.error.type.endswith("ConfigurationError")
    assert "budget.usd cannot be enforced" in result.error.message
    assert "cache_read_per_1k_tokens" in result.error.message
    assert len(fake_bedrock.calls_to("Converse")) == 1


def video(configure, budget: dict) -> None:
    configure(OUTPUT_S3_URI="s3://videos-bucket/generated/", PRICES=json.dumps(VIDEO_PRICES), BUDGET=json.dumps(budget))


def test_a_video_job_that_would_exceed_the_budget_is_not_started(configure, fake_bedrock):
    video(configure, {"usd": 2.0})  # the default 5 s job costs 5 x $0.50

    result, events = run_workflow(video_generation.handler, {"prompt": "a lighthouse at dawn"})

    assert failed_with_budget(result) == (
        "budget exceeded: step 'start-async-invoke' not started: its video job (luma.ray-v2:0, 5 s) would cost "
        "$2.500000; with $0.000000 spent that exceeds the limit $2.000000. Spent on: nothing yet"
    )
    assert fake_bedrock.calls == []
    # Not even the token step; only the failing execution's metrics (metrics.py).
    assert [e.name for e in events if e.event_type == "StepStarted"] == ["execution-metrics"]


def test_a_video_job_within_the_budget_runs(configure, fake_bedrock, fake_s3):
    video(configure, {"usd": 2.5})
    fake_bedrock.started(JOB_ARN)
    fake_bedrock.job_status(JOB_ARN, "Completed")

    result, _ = run_workflow(video_generation.handler, {"prompt": "a lighthouse at dawn"})

    assert result.status.value == "SUCCEEDED", result.error
    assert json.loads(result.result)["cost"]["usd"]["bedrock"] == 2.5


@pytest.mark.parametrize(
    ("budget", "prices", "problem"),
    [
        ({"tokens": 1000}, VIDEO_PRICES, "BUDGET: tokens limits text models; the video workflow counts none"),
        ({"usd": 1}, TEXT_PRICES, f"PRICES: budget.usd needs a price for {VIDEO_MODEL}"),
        ({"usd": 1}, {"bedrock": {VIDEO_MODEL: {"input_per_1k_tokens": 1}}}, f"{VIDEO_MODEL}'].per_video_second"),
    ],
)
def test_a_video_budget_it_cannot_enforce_is_refused_at_cold_start(configure, fake_bedrock, budget, prices, problem):
    configure(OUTPUT_S3_URI="s3://videos-bucket/generated/", PRICES=json.dumps(prices), BUDGET=json.dumps(budget))

    result, _ = run_workflow(video_generation.handler, {"prompt": "a lighthouse at dawn"})

    assert result.error.type.endswith("ConfigurationError")
    assert problem in result.error.message
    assert fake_bedrock.calls == []


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("0.5", 'expected an object such as {"usd": 0.5, "tokens": 20000}'),
        ('{"usd": 0}', "usd is 0; expected a number of dollars above 0"),
        ('{"usd": true}', "usd is True"),
        ('{"tokens": 1.5}', "tokens is 1.5; expected a whole number, 1 or more"),
        ('{"dollars": 1}', 'expected an object such as {"usd": 0.5, "tokens": 20000}'),
        ("{", "is not JSON"),
    ],
)
def test_a_malformed_budget_names_what_is_allowed(raw, problem):
    with pytest.raises(ConfigurationError, match="environment variable BUDGET") as raised:
        parse_budget(raw, parse_prices({}))
    assert problem in str(raised.value)


def test_a_custom_workflow_reads_its_budget_for_its_models():
    models = json.dumps({"classify": MODEL, "render": VIDEO_MODEL})
    prices = {"bedrock": {**TEXT_PRICES["bedrock"], **VIDEO_PRICES["bedrock"]}}
    env = {"BEDROCK_MODELS": models, "PRICES": json.dumps(prices), "BUDGET": '{"usd": 0.5, "tokens": 100}'}

    budget = budget_from_env(env)

    assert (budget.usd, budget.tokens, budget.limited) == (0.5, 100, True)
    with pytest.raises(ConfigurationError, match=f"needs a price for {VIDEO_MODEL}"):
        budget_from_env({**env, "PRICES": json.dumps(TEXT_PRICES)})
    assert not budget_from_env({"BEDROCK_MODEL_ID": MODEL}).limited


def test_no_budget_never_stops_a_step():
    ledger = CostLedger()
    usage = {"input_tokens": 10**9, "output_tokens": 0, "cache_read_input_tokens": 0, "cache_write_input_tokens": 0}
    ledger.model_call("huge", MODEL, {**usage, "latency_ms": 1})

    Budget().before_step(ledger, "next")
    Budget().before_video_job(ledger, "next", VIDEO_MODEL, 10)
