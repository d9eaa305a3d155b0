"""Function configuration from environment variables, validated once per cold start.

Every problem raises ConfigurationError naming the variable, the value given
and what is allowed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from durable_bedrock.budget import Budget, budget_for
from durable_bedrock.converse import DEFAULT_MAX_TOKENS
from durable_bedrock.errors import ConfigurationError
from durable_bedrock.pricing import Prices
from durable_bedrock.prompts import RULES, PromptTemplates, TemplateName, template_problem
from durable_bedrock.review import REVIEW_MODES, TIMEOUT_POLICIES, ReviewMode, ReviewSettings, TimeoutPolicy
from durable_bedrock.video_polling import MIN_WAIT_SECONDS

# Claude Haiku 4.5 through the US cross-region inference profile: Active in the
# Bedrock model lifecycle, supports Converse, and is a fast, low-cost current
# Claude model (three calls per pipeline run). Any Converse text model works.
DEFAULT_TEXT_MODEL_ID = "us.anthropic.claude-haiku-4-5-20251001-v1:0"
# Luma Ray 2: Active text-to-video model (Amazon Nova Reel reached end of life
# on 2026-09-30). video_models.py lists the supported families.
DEFAULT_VIDEO_MODEL_ID = "luma.ray-v2:0"

# Upper bound on MAX_TOKENS: keeps every step result well under the 256 KB
# durable checkpoint limit (see checkpoint.py for the runtime guard).
MAX_TOKENS_LIMIT = 16_000
MAX_EXECUTION_SECONDS = 31_622_400  # durable ExecutionTimeout upper bound (366 days)

_MODEL_ID = re.compile(r"^[A-Za-z0-9._:/-]{1,2048}$")
_REGION = re.compile(r"^[a-z]{2,4}(-[a-z]+)+-[0-9]+$")
_KMS_KEY = re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$")
# A standard SNS topic (names: up to 256 letters, digits, hyphens and underscores,
# CreateTopic in the botocore sns model). Not a FIFO topic (.fifo): those deliver
# to SQS queues only, not to the email, SMS or HTTPS endpoints editors use (SNS
# developer guide, fifo-message-delivery.html), and Publish to one needs a MessageGroupId.
_SNS_TOPIC = re.compile(r"^arn:aws[a-z-]*:sns:[a-z]{2,4}(-[a-z]+)+-[0-9]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$")
# The review page's URL: https (a Lambda function URL is https), or http on a
# loopback host, where local AWS serves function URLs.
_PAGE_URL = re.compile(
    r"^(https://[^\s/?#@]+|http://(localhost|127\.0\.0\.1|[^\s/?#@]+\.localhost)(:[0-9]+)?)(/[^\s?#]*)?$"
)
# s3://bucket/prefix/ with an S3-legal bucket name; the prefix may be empty.
_S3_URI = re.compile(r"^s3://(?P<bucket>[a-z0-9][a-z0-9.-]{1,61}[a-z0-9])/(?P<prefix>(?:[^/\s]+/)*)$")


def _text(env: Mapping[str, str], name: str, default: str | None) -> str:
    value = env.get(name, default)
    if value is None or not value.strip():
        raise ConfigurationError(name, "is required and must not be empty")
    return value.strip()


def _integer(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigurationError(name, f"got {raw!r}; expected a whole number from {low} to {high}") from None
    if not low <= value <= high:
        raise ConfigurationError(name, f"got {value}; allowed range is {low} to {high}")
    return value


def _model_id(env: Mapping[str, str], default: str) -> str:
    value = _text(env, "BEDROCK_MODEL_ID", default)
    if not _MODEL_ID.match(value):
        raise ConfigurationError(
            "BEDROCK_MODEL_ID",
            f"got {value!r}; expected a model id, an inference profile id or an ARN "
            "(letters, digits and . _ : / - only, e.g. us.anthropic.claude-haiku-4-5-20251001-v1:0)",
        )
    return value


def _optional_integer(env: Mapping[str, str], name: str, low: int, high: int) -> int | None:
    """A whole number from low to high, or None when the variable is unset or empty."""
    return None if env.get(name, "") == "" else _integer(env, name, low, low, high)


def _optional(env: Mapping[str, str], name: str, pattern: re.Pattern[str], expected: str) -> str | None:
    value = env.get(name, "").strip()
    if not value:
        return None
    if not pattern.match(value):
        raise ConfigurationError(name, f"got {value!r}; expected {expected}")
    return value


def bedrock_region(env: Mapping[str, str]) -> str | None:
    """The region Bedrock is called in; None: the function's own (AWS_REGION)."""
    return _optional(env, "BEDROCK_REGION", _REGION, "an AWS region name such as us-west-2")


def max_tokens(env: Mapping[str, str]) -> int:
    """MAX_TOKENS: the longest reply a Converse step asks for (unset: DEFAULT_MAX_TOKENS)."""
    return _integer(env, "MAX_TOKENS", DEFAULT_MAX_TOKENS, 1, MAX_TOKENS_LIMIT)


def _choice(env: Mapping[str, str], name: str, default: str, allowed: tuple[str, ...]) -> str:
    value = env.get(name, "").strip() or default
    if value not in allowed:
        expected = " or ".join(f"{choice!r}" for choice in allowed)
        raise ConfigurationError(name, f"got {value!r}; expected {expected}")
    return value


def review_settings(env: Mapping[str, str]) -> ReviewSettings:
    """REVIEW_MODE (timer: a fixed wait of REVIEW_WAIT_SECONDS; callback: a reviewer's
    decision, at most REVIEW_TIMEOUT_SECONDS, after which REVIEW_TIMEOUT_MEANS proceed or fail)."""
    mode: ReviewMode = "callback" if _choice(env, "REVIEW_MODE", "timer", REVIEW_MODES) == "callback" else "timer"
    means: TimeoutPolicy = (
        "proceed" if _choice(env, "REVIEW_TIMEOUT_MEANS", "fail", TIMEOUT_POLICIES) == "proceed" else "fail"
    )
    return ReviewSettings(
        mode=mode,
        wait_seconds=_integer(env, "REVIEW_WAIT_SECONDS", 5, 1, MAX_EXECUTION_SECONDS),
        # The callback timeout must end before the execution does (ExecutionTimeout, at most 366 days).
        timeout_seconds=_integer(env, "REVIEW_TIMEOUT_SECONDS", 82_800, 1, MAX_EXECUTION_SECONDS),
        on_timeout=means,
    )


def review_topic_arn(env: Mapping[str, str]) -> str | None:
    """REVIEW_TOPIC_ARN: the SNS topic a waiting review is announced on; None: the log only."""
    return _optional(
        env,
        "REVIEW_TOPIC_ARN",
        _SNS_TOPIC,
        "the ARN of a standard (not FIFO) SNS topic, arn:aws:sns:<region>:<account>:<name>",
    )


def review_page_url(env: Mapping[str, str]) -> str | None:
    """REVIEW_PAGE_URL: the review page a notification links to; None: no link."""
    return _optional(
        env,
        "REVIEW_PAGE_URL",
        _PAGE_URL,
        "an https:// URL without query or fragment (http:// only on a loopback host such as localhost)",
    )


# The prompts share the function's 4 KB of environment variables (Lambda quotas, gettingstarted-limits:
# environment variables, 4 KB in aggregate) with PRICES (at most 2048) and the settings above.
MAX_PROMPT_BYTES = 1024


def _prompts(env: Mapping[str, str]) -> PromptTemplates:
    """PROMPT_OUTLINE, PROMPT_DRAFT, PROMPT_FEEDBACK, PROMPT_SUMMARY: the templates the module's
    prompts input overrides (prompts.py); unset or empty: the built-in one."""
    given: dict[TemplateName, str] = {}
    for name in RULES:
        variable = f"PROMPT_{name.upper()}"
        template = env.get(variable, "")
        if not template:
            continue
        problem = template_problem(name, template)
        if problem:
            raise ConfigurationError(variable, problem)
        given[name] = template
    size = sum(len(template.encode()) for template in given.values())
    if size > MAX_PROMPT_BYTES:
        raise ConfigurationError(
            "PROMPT_*",
            f"the prompts take {size} bytes (UTF-8) in all; at most {MAX_PROMPT_BYTES} fit beside the "
            "function's other environment variables (4 KB in all)",
        )
    return PromptTemplates(**given)


@dataclass(frozen=True)
class ContentSettings:
    model_id: str
    review: ReviewSettings
    max_tokens: int
    bedrock_region: str | None = None
    review_topic_arn: str | None = None  # announce a waiting review on this SNS topic
    review_page_url: str | None = None  # with a link to this review page
    prices: Prices = field(default_factory=Prices)  # PRICES: the cost ledger's USD estimate
    prompts: PromptTemplates = field(default_factory=PromptTemplates)  # PROMPT_*: the templates
    budget: Budget = field(default_factory=Budget)  # BUDGET: the limit each Bedrock step is checked against

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> ContentSettings:
        model_id, prices = _model_id(env, DEFAULT_TEXT_MODEL_ID), Prices.from_env(env)
        return cls(
            bedrock_region=bedrock_region(env),
            model_id=model_id,
            review=review_settings(env),
            max_tokens=max_tokens(env),
            review_topic_arn=review_topic_arn(env),
            review_page_url=review_page_url(env),
            prices=prices,
            prompts=_prompts(env),
            budget=budget_for(env, prices, [model_id], "text"),
        )


@dataclass(frozen=True)
class VideoSettings:
    model_id: str
    output_s3_uri: str
    poll_deadline_seconds: int
    poll_first_wait_seconds: int | None  # None: the model's expected generation time (video_polling.py)
    poll_wait_percent: int
    poll_max_seconds: int
    bedrock_region: str | None = None
    output_kms_key_id: str | None = None
    prices: Prices = field(default_factory=Prices)  # PRICES: the cost ledger's USD estimate
    budget: Budget = field(default_factory=Budget)  # BUDGET: the limit the video job is checked against

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> VideoSettings:
        output = _text(env, "OUTPUT_S3_URI", None)
        if not _S3_URI.match(output):
            raise ConfigurationError(
                "OUTPUT_S3_URI",
                f"got {output!r}; expected s3://<bucket>/<prefix>/ with a valid bucket name and a trailing slash",
            )
        model_id, prices = _model_id(env, DEFAULT_VIDEO_MODEL_ID), Prices.from_env(env)
        return cls(
            model_id=model_id,
            output_s3_uri=output,
            poll_deadline_seconds=_integer(env, "POLL_DEADLINE_SECONDS", 3600, 1, MAX_EXECUTION_SECONDS),
            poll_first_wait_seconds=_optional_integer(env, "POLL_FIRST_WAIT_SECONDS", 1, MAX_EXECUTION_SECONDS),
            poll_wait_percent=_integer(env, "POLL_WAIT_PERCENT", 15, 1, 100),
            poll_max_seconds=_integer(env, "POLL_MAX_SECONDS", 300, MIN_WAIT_SECONDS, 3600),
            bedrock_region=bedrock_region(env),
            output_kms_key_id=_optional(env, "OUTPUT_KMS_KEY_ID", _KMS_KEY, "a KMS key ARN"),
            prices=prices,
            budget=_video_budget(env, prices, model_id),
        )


def _video_budget(env: Mapping[str, str], prices: Prices, model_id: str) -> Budget:
    """The video workflow's budget: USD only (a video job is billed per second, and counts no tokens)."""
    budget = budget_for(env, prices, [model_id], "video")
    if budget.tokens is not None:
        raise ConfigurationError(
            "BUDGET", "tokens limits text models; the video workflow counts none: set usd (with per_video_second)"
        )
    return budget
