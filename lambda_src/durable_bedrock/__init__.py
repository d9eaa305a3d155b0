"""Durable Amazon Bedrock workflows for AWS Lambda durable functions.

The public API is what this package exports (__all__); every other name in its modules is internal and may
change. A workflow is a function decorated with bedrock_workflow, calling Bedrock through the BedrockRun it
is given (workflow.py); the blocks underneath (converse_step, async_job, await_review, the cost ledger, the
budget, the metrics) can also be used on a bare DurableContext.

Built-in handlers: durable_bedrock.content_pipeline.handler and durable_bedrock.video_generation.handler.

The names are imported on first use (PEP 562), so the package's other functions (the SQS starter, the review
page) do not load the workflow machinery at their cold start.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

# Each public name and the module that defines it.
_EXPORTS = {
    "BedrockRun": "workflow",
    "WorkflowConfig": "workflow",
    "bedrock_workflow": "workflow",
    "converse_step": "converse",
    "ModelReply": "converse",
    "DEFAULT_MAX_TOKENS": "converse",
    "async_job": "async_invoke",
    "AsyncJobResult": "async_invoke",
    "AsyncJobSteps": "async_invoke",
    "VideoBilling": "async_invoke",
    "PollSchedule": "video_polling",
    "await_review": "review",
    "ReviewSettings": "review",
    "ReviewRecord": "review",
    "ReviewRequest": "review",
    "Notifier": "review",
    "CostLedger": "ledger",
    "CostSection": "ledger",
    "Budget": "budget",
    "budget_from_env": "budget",
    "Models": "models",
    "model_id": "models",
    "Prices": "pricing",
    "metrics_when_failing": "metrics",
    "succeeded_with_metrics": "metrics",
    "accept_only": "inputs",
    "require_text": "inputs",
    "optional_integer": "inputs",
    "InputError": "errors",
    "ConfigurationError": "errors",
    "BudgetExceededError": "errors",
    "CheckpointTooLargeError": "errors",
    "AsyncJobFailedError": "errors",
    "AsyncJobTimeoutError": "errors",
    "AsyncOutputMissingError": "errors",
    "ReviewTimeoutError": "errors",
    "UnknownModelError": "models",
    "fan_out": "fanout",
    "FanOutConfig": "fanout",
    "FanOutResult": "fanout",
    "FanOutFailedError": "fanout",
    "ResultStore": "fanout",
    "run_part": "fanout",
}

__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:
    from durable_bedrock.async_invoke import (
        AsyncJobResult as AsyncJobResult,
    )
    from durable_bedrock.async_invoke import (
        AsyncJobSteps as AsyncJobSteps,
    )
    from durable_bedrock.async_invoke import (
        VideoBilling as VideoBilling,
    )
    from durable_bedrock.async_invoke import (
        async_job as async_job,
    )
    from durable_bedrock.budget import (
        Budget as Budget,
    )
    from durable_bedrock.budget import (
        budget_from_env as budget_from_env,
    )
    from durable_bedrock.converse import (
        DEFAULT_MAX_TOKENS as DEFAULT_MAX_TOKENS,
    )
    from durable_bedrock.converse import (
        ModelReply as ModelReply,
    )
    from durable_bedrock.converse import (
        converse_step as converse_step,
    )
    from durable_bedrock.errors import (
        AsyncJobFailedError as AsyncJobFailedError,
    )
    from durable_bedrock.errors import (
        AsyncJobTimeoutError as AsyncJobTimeoutError,
    )
    from durable_bedrock.errors import (
        AsyncOutputMissingError as AsyncOutputMissingError,
    )
    from durable_bedrock.errors import (
        BudgetExceededError as BudgetExceededError,
    )
    from durable_bedrock.errors import (
        CheckpointTooLargeError as CheckpointTooLargeError,
    )
    from durable_bedrock.errors import (
        ConfigurationError as ConfigurationError,
    )
    from durable_bedrock.errors import (
        InputError as InputError,
    )
    from durable_bedrock.errors import (
        ReviewTimeoutError as ReviewTimeoutError,
    )
    from durable_bedrock.fanout import (
        FanOutConfig as FanOutConfig,
    )
    from durable_bedrock.fanout import (
        FanOutFailedError as FanOutFailedError,
    )
    from durable_bedrock.fanout import (
        FanOutResult as FanOutResult,
    )
    from durable_bedrock.fanout import (
        ResultStore as ResultStore,
    )
    from durable_bedrock.fanout import (
        fan_out as fan_out,
    )
    from durable_bedrock.fanout import (
        run_part as run_part,
    )
    from durable_bedrock.inputs import (
        accept_only as accept_only,
    )
    from durable_bedrock.inputs import (
        optional_integer as optional_integer,
    )
    from durable_bedrock.inputs import (
        require_text as require_text,
    )
    from durable_bedrock.ledger import (
        CostLedger as CostLedger,
    )
    from durable_bedrock.ledger import (
        CostSection as CostSection,
    )
    from durable_bedrock.metrics import (
        metrics_when_failing as metrics_when_failing,
    )
    from durable_bedrock.metrics import (
        succeeded_with_metrics as succeeded_with_metrics,
    )
    from durable_bedrock.models import (
        Models as Models,
    )
    from durable_bedrock.models import (
        UnknownModelError as UnknownModelError,
    )
    from durable_bedrock.models import (
        model_id as model_id,
    )
    from durable_bedrock.pricing import (
        Prices as Prices,
    )
    from durable_bedrock.review import (
        Notifier as Notifier,
    )
    from durable_bedrock.review import (
        ReviewRecord as ReviewRecord,
    )
    from durable_bedrock.review import (
        ReviewRequest as ReviewRequest,
    )
    from durable_bedrock.review import (
        ReviewSettings as ReviewSettings,
    )
    from durable_bedrock.review import (
        await_review as await_review,
    )
    from durable_bedrock.video_polling import (
        PollSchedule as PollSchedule,
    )
    from durable_bedrock.workflow import (
        BedrockRun as BedrockRun,
    )
    from durable_bedrock.workflow import (
        WorkflowConfig as WorkflowConfig,
    )
    from durable_bedrock.workflow import (
        bedrock_workflow as bedrock_workflow,
    )


def __getattr__(name: str) -> object:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'durable_bedrock' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"durable_bedrock.{module}"), name)
    globals()[name] = value  # imported once
    return value
