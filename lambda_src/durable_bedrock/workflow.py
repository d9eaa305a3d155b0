"""A durable Bedrock workflow in a page of Python: the bedrock_workflow decorator and the BedrockRun it hands over.

    from durable_bedrock import BedrockRun, bedrock_workflow, require_text

    @bedrock_workflow
    def handler(event: dict[str, Any], run: BedrockRun) -> dict[str, Any]:
        ticket = require_text(event, "ticket", 4000)
        label = run.converse("classify", f"Label this ticket: {ticket}", model="classify")
        return {"label": label["text"]}      # the result gets "cost" (the ledger's section) added

bedrock_workflow turns the function into the Lambda handler (durable_execution). Once per cold start it reads
the function's configuration (WorkflowConfig.from_env: the models input, prices, budget, review settings) and
logs a ConfigurationError at once; the handler raises it again into each execution, which then fails without
retries or Bedrock calls. Each execution gets one BedrockRun: its cost ledger, its budget, the model names.
One set of CloudWatch metrics is published per finished execution (metrics.py), failed or succeeded.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypedDict, TypeVar, overload

from aws_durable_execution_sdk_python import DurableContext, durable_execution

from durable_bedrock.async_invoke import AsyncJobResult, AsyncJobSteps, VideoBilling, async_job
from durable_bedrock.budget import Budget, budget_for
from durable_bedrock.config import bedrock_region, max_tokens, review_page_url, review_settings, review_topic_arn
from durable_bedrock.converse import DEFAULT_MAX_TOKENS, ModelReply, converse_step
from durable_bedrock.errors import ConfigurationError
from durable_bedrock.fanout import FanOutConfig, FanOutResult
from durable_bedrock.inputs import json_object
from durable_bedrock.ledger import CostLedger, CostSection, Spent
from durable_bedrock.metrics import metrics_when_failing, succeeded_with_metrics
from durable_bedrock.models import Models
from durable_bedrock.pricing import Prices
from durable_bedrock.review import Notifier, ReviewRecord, ReviewSettings, await_review, log_review_request
from durable_bedrock.review_sns import SnsReviewNotifier
from durable_bedrock.video_polling import PollSchedule
from durable_bedrock.workflow_fanout import ItemFunction, map_items, run_fan_out_part

T = TypeVar("T")
Event = dict[str, Any]
Result = TypeVar("Result")
LambdaHandler = Callable[[Any, Any], Any]


def notifier_for(topic_arn: str | None, page_url: str | None) -> Notifier:
    """How a reviewer learns of a waiting review: the SNS topic when one is configured, else the log."""
    return SnsReviewNotifier(topic_arn, page_url) if topic_arn else log_review_request


@dataclass(frozen=True)
class WorkflowConfig:
    """What a workflow's runs share: fixed per published function version, read once per cold start."""

    models: Models
    prices: Prices = field(default_factory=Prices)
    budget: Budget = field(default_factory=Budget)
    review: ReviewSettings = field(default_factory=ReviewSettings)
    notifier: Notifier = log_review_request
    region: str | None = None  # where Bedrock is called; None: the function's own region
    max_tokens: int = DEFAULT_MAX_TOKENS
    fan_out: FanOutConfig = field(default_factory=FanOutConfig)  # run.map's bound and result store (fan_out input)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> WorkflowConfig:
        """The module's inputs as the function's environment sets them; ConfigurationError names what is wrong."""
        models, prices = Models.from_env(env), Prices.from_env(env)
        return cls(
            models=models,
            prices=prices,
            budget=budget_for(env, prices, models.by_name.values(), "any"),
            review=review_settings(env),
            notifier=notifier_for(review_topic_arn(env), review_page_url(env)),
            region=bedrock_region(env),
            max_tokens=max_tokens(env),
            fan_out=fan_out_settings(env),
        )


def fan_out_settings(env: Mapping[str, str]) -> FanOutConfig:
    """The module's fan_out input (FAN_OUT_MAX_CONCURRENCY, FAN_OUT_RESULTS_S3_URI); ConfigurationError if invalid."""
    try:
        return FanOutConfig.from_environment(env)
    except ValueError as error:
        raise ConfigurationError("FAN_OUT_MAX_CONCURRENCY/FAN_OUT_RESULTS_S3_URI", str(error)) from None


@functools.cache
def config_from_env() -> WorkflowConfig:
    # The published version's configuration, the same for every replay (durable executions run on a version).
    return WorkflowConfig.from_env(os.environ)  # noqa: TID251 configuration, fixed per version


class _ChildOutcome(TypedDict):
    value: Any
    spent: Spent


class BedrockRun:
    """One execution of a workflow: its durable context, cost ledger, budget and models.

    Every Bedrock call goes through it, so the budget is checked before it and the ledger records it."""

    def __init__(
        self,
        context: DurableContext,
        config: WorkflowConfig,
        ledger: CostLedger | None = None,
        workflow_module: str | None = None,
        live_spending: CostLedger | None = None,
    ) -> None:
        self._context, self._config = context, config
        self._ledger = ledger if ledger is not None else CostLedger()
        self._workflow_module = workflow_module  # where map's item functions live (child executions look there)
        # A map item's: the execution's spending so far, siblings included, for budget checks inside steps.
        self._live_spending = live_spending

    @property
    def context(self) -> DurableContext:
        """The durable context, for any other durable operation (step, wait, map, ...)."""
        return self._context

    @property
    def config(self) -> WorkflowConfig:
        return self._config

    @property
    def ledger(self) -> CostLedger:
        return self._ledger

    def model(self, name: str) -> str:
        """The model id the module's `models` input gives `name` (UnknownModelError lists the known names)."""
        return self._config.models.model_id(name)

    def converse(
        self, name: str, prompt: str, *, model: str, system: str | None = None, max_tokens: int | None = None
    ) -> ModelReply:
        """One Converse call to the model named `model`, in the durable step `name` (converse.py)."""
        return converse_step(
            self._context,
            name,
            prompt,
            model_id=self.model(model),
            system=system,
            max_tokens=self._config.max_tokens if max_tokens is None else max_tokens,
            region=self._config.region,
            ledger=self._ledger,
            budget=self._config.budget,
            live_spending=self._live_spending,
        )

    def async_job(
        self,
        name: str,
        *,
        model: str,
        model_input: Mapping[str, object],
        output_s3_uri: str,
        schedule: PollSchedule,
        output_suffix: str = "",
        preferred_output: str | None = None,
        kms_key_id: str | None = None,
        billing: VideoBilling | None = None,
        steps: AsyncJobSteps | None = None,
    ) -> AsyncJobResult:
        """One asynchronous Bedrock job on the model named `model`, started once, polled on `schedule`;
        returns the object it wrote (async_invoke.py)."""
        return async_job(
            self._context,
            name,
            model_id=self.model(model),
            model_input=model_input,
            output_s3_uri=output_s3_uri,
            schedule=schedule,
            output_suffix=output_suffix,
            preferred_output=preferred_output,
            region=self._config.region,
            kms_key_id=kms_key_id,
            ledger=self._ledger,
            budget=self._config.budget,
            billing=billing,
            steps=steps,
        )

    def review(
        self, title: str, text: str, *, name: str = "review", settings: ReviewSettings | None = None
    ) -> ReviewRecord:
        """Waits for a person's decision on `text` (review.py), with the module's review settings unless
        `settings` says otherwise; the reviewer is told by SNS when a topic is configured, else in the log."""
        return await_review(
            self._context,
            title=title,
            text=text,
            settings=self._config.review if settings is None else settings,
            notify=self._config.notifier,
            name=name,
        )

    def within(self, context: DurableContext) -> BedrockRun:
        """The same run on another durable context (a map item's, a child context's): same ledger and budget.

        Replay caveat: a child context that completed is not run again on replay (its checkpointed result is
        returned), so what it recorded into this shared ledger is not recorded again. Use child() (or a map
        built on fork/spent/absorb) when the ledger must count a child context's calls on every replay."""
        return BedrockRun(context, self._config, self._ledger, self._workflow_module, self._live_spending)

    def fork(self, context: DurableContext, live_spending: CostLedger | None = None) -> BedrockRun:
        """A run on another context with a ledger of its own that starts from everything spent so far: its
        budget checks see this run's spending and its own (or, given `live_spending`, what that ledger holds
        when each step starts: map items share one); its spent() goes back through absorb()."""
        live = live_spending if live_spending is not None else self._live_spending
        return BedrockRun(context, self._config, self._ledger.fork(), self._workflow_module, live)

    def spent(self) -> Spent:
        """What this run recorded itself (for a fork: since the fork), as plain JSON."""
        return self._ledger.spent()

    def absorb(self, spent: Spent) -> None:
        """Records what a forked run spent (its spent(), as its child context returned it)."""
        self._ledger.absorb(spent)

    def child(self, name: str, func: Callable[[BedrockRun], T]) -> T:
        """Runs func in a child context `name` and returns its (JSON) result. What the child spends travels in
        its checkpointed result, so the ledger counts it once on every replay, run again or not."""

        def body(child_context: DurableContext) -> _ChildOutcome:
            run = self.fork(child_context)
            return {"value": func(run), "spent": run.spent()}

        outcome: _ChildOutcome = self._context.run_in_child_context(body, name=name)
        self.absorb(outcome["spent"])
        value: T = outcome["value"]
        return value

    def map(
        self,
        name: str,
        items: Sequence[Any],
        process: ItemFunction,
        *,
        operations_per_item: int = 2,
        tolerated_failures: int = 0,
        tolerated_failure_percent: float | None = None,
    ) -> FanOutResult:
        """process(item_run, item, index) on every item, at most the fan_out input's max_concurrency at once,
        each in a child context of its own (its step names need only be unique within the item). Returns the
        FanOutResult: results in item order (None where an item failed), failures, executions used.

        operations_per_item: the durable operations one item makes (its steps): above what one execution
        holds (3,000 operations, 100 MB) the items run in child executions of this version. Failures beyond
        the tolerance (the smaller of the count and the percentage) raise FanOutFailedError. The budget holds
        across the items: each Converse step checks, inside itself, what the execution has spent so far
        (workflow_fanout.spending_so_far); in a child execution, what its part has spent.
        `process` must be a top-level function of the workflow's module (child executions find it by name)."""
        config = dataclasses.replace(
            self._config.fan_out,
            operations_per_item=operations_per_item,
            tolerated_failures=tolerated_failures,
            tolerated_failure_percent=tolerated_failure_percent,
        )
        return map_items(self, name, items, process, config, self._workflow_module)

    def cost(self) -> CostSection:
        """The cost section so far: the ledger's calls and jobs, the execution's durable operations, USD."""
        return self._ledger.section(self._context, self._config.prices)


WorkflowBody = Callable[[Event, BedrockRun], Result]


def _validated_at_cold_start(load: Callable[[], WorkflowConfig], module: str) -> None:
    """A misconfigured function says so in its log at once (each execution then fails with the same error)."""
    try:
        load()
    except ConfigurationError as error:
        logging.getLogger(module).error("invalid configuration: %s", error)


@overload
def bedrock_workflow(body: WorkflowBody[Result], /, *, config: Callable[[], WorkflowConfig] = ...) -> LambdaHandler: ...
@overload
def bedrock_workflow(
    *, config: Callable[[], WorkflowConfig] = ...
) -> Callable[[WorkflowBody[Result]], LambdaHandler]: ...


def bedrock_workflow(
    body: WorkflowBody[Result] | None = None, /, *, config: Callable[[], WorkflowConfig] = config_from_env
) -> LambdaHandler | Callable[[WorkflowBody[Result]], LambdaHandler]:
    """The Lambda handler running `body` as a durable execution. `config`: where the configuration comes from
    (default: the module's inputs in the environment, WorkflowConfig.from_env), called once per invocation
    (cache it) and once at cold start.

    body(event, run) gets the execution's input (a JSON object; anything else fails it with InputError) and
    its BedrockRun. A dict result gets a "cost" entry: the ledger's section, durable operations included."""
    if body is None:
        return lambda given: bedrock_workflow(given, config=config)
    _validated_at_cold_start(config, body.__module__)
    run_body = body

    @functools.wraps(run_body)
    def execute(event: Any, context: DurableContext) -> Any:
        settings = config()  # a ConfigurationError fails the execution here, before any step
        run = BedrockRun(context, settings, workflow_module=run_body.__module__)
        # A child execution of a fan-out (run.map above one execution's quotas) runs its part only.
        part = run_fan_out_part(event, run, run_body.__module__)
        if part is not None:
            return part
        # One set of metrics per execution (metrics.py): on success below, on a failure here.
        with metrics_when_failing(context, run.cost):
            result = run_body(json_object(event), run)
            cost = succeeded_with_metrics(context, run.ledger, settings.prices)
        return {**result, "cost": cost} if isinstance(result, Mapping) else result

    return durable_execution(execute)
