"""Prices for the cost ledger's USD estimate (ledger.py): per Bedrock model or
inference profile, and for durable execution.

They come from the PRICES environment variable (the module's `prices` input,
as JSON), validated once per cold start like the rest of the configuration:

    {"bedrock": {"<model id or profile id>": {"input_per_1k_tokens": 0.001, "output_per_1k_tokens": 0.005,
                                              "cache_read_per_1k_tokens": 0.0001, "cache_write_per_1k_tokens": 0.00125,
                                              "per_video_second": 0.5}},
     "durable": {"per_million_operations": 8.0, "per_gb_written": 0.25}}

Every field is optional. A model without an entry, or without the figure one
of its calls needs (cache reads with no cache-read price, say), gets tokens
and operations in the ledger but no dollar figure, and the ledger says which
price is missing. No Bedrock price is built in: AWS's Bedrock pricing page is
not among the sources this project could check, and a guessed figure would
look like a fact.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from durable_bedrock.errors import ConfigurationError

# Lambda durable functions, US East (N. Virginia), from the AWS Lambda pricing page
# (https://aws.amazon.com/lambda/pricing/, durable functions section, as read on 2026-09-20):
# $8.00 per million durable operations, $0.25 per GB of data written.
DEFAULT_PER_MILLION_OPERATIONS = 8.0
DEFAULT_PER_GB_WRITTEN = 0.25
PRICES_SOURCE = "durable: aws.amazon.com/lambda/pricing (us-east-1, read 2026-09-20); bedrock: the prices input"

MODEL_PRICE_FIELDS = (
    "input_per_1k_tokens",
    "output_per_1k_tokens",
    "cache_read_per_1k_tokens",
    "cache_write_per_1k_tokens",
    "per_video_second",
)
DURABLE_PRICE_FIELDS = ("per_million_operations", "per_gb_written")
_MODEL_KEY = re.compile(r"^[A-Za-z0-9._:/-]{1,2048}$")


@dataclass(frozen=True)
class ModelPrice:
    """USD per 1,000 tokens of each kind, and per second of generated video; None: not known."""

    input_per_1k_tokens: float | None = None
    output_per_1k_tokens: float | None = None
    cache_read_per_1k_tokens: float | None = None
    cache_write_per_1k_tokens: float | None = None
    per_video_second: float | None = None

    def per_1k(self, token_kind: str) -> float | None:
        """The price of 1,000 tokens of a usage kind (ledger.ModelUsage's input_tokens, output_tokens, ...)."""
        return {
            "input_tokens": self.input_per_1k_tokens,
            "output_tokens": self.output_per_1k_tokens,
            "cache_read_input_tokens": self.cache_read_per_1k_tokens,
            "cache_write_input_tokens": self.cache_write_per_1k_tokens,
        }[token_kind]


@dataclass(frozen=True)
class DurablePrice:
    per_million_operations: float = DEFAULT_PER_MILLION_OPERATIONS
    per_gb_written: float = DEFAULT_PER_GB_WRITTEN


@dataclass(frozen=True)
class Prices:
    bedrock: Mapping[str, ModelPrice] = field(default_factory=dict)
    durable: DurablePrice = field(default_factory=DurablePrice)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Prices:
        raw = env.get("PRICES", "").strip()
        if not raw:
            return cls()
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as error:
            raise ConfigurationError("PRICES", f"is not JSON ({error.msg}); expected {_SHAPE}") from None
        return parse_prices(data)


_SHAPE = '{"bedrock": {"<model id>": {"input_per_1k_tokens": 0.001, ...}}, "durable": {"per_million_operations": 8.0}}'


def _figure(value: object, where: str) -> float | None:
    """A price: a finite number, 0 or more (bool is not a number here); None stays None."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise ConfigurationError("PRICES", f"{where} is {value!r}; expected a price in USD, a number 0 or more")
    return float(value)


def _fields(data: object, where: str, allowed: tuple[str, ...]) -> dict[str, float | None]:
    if not isinstance(data, dict):
        raise ConfigurationError("PRICES", f"{where} must be an object with any of {list(allowed)}")
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ConfigurationError("PRICES", f"{where} has '{unknown[0]}'; allowed fields are {list(allowed)}")
    return {name: _figure(data.get(name), f"{where}.{name}") for name in allowed}


def parse_prices(data: object) -> Prices:
    """Prices from their JSON form; ConfigurationError naming the field, the value and what is allowed."""
    sections = _sections(data)
    bedrock: dict[str, ModelPrice] = {}
    models = sections.get("bedrock")
    models = {} if models is None else models  # Terraform's null: no model prices
    if not isinstance(models, dict):
        raise ConfigurationError("PRICES", "bedrock must be an object keyed by model or inference profile id")
    for model_id, figures in models.items():
        if not _MODEL_KEY.match(model_id):
            raise ConfigurationError(
                "PRICES", f"bedrock key {model_id!r} is not a model id, inference profile id or ARN"
            )
        parsed = _fields(figures, f"bedrock[{model_id!r}]", MODEL_PRICE_FIELDS)
        if all(value is None for value in parsed.values()):
            raise ConfigurationError("PRICES", f"bedrock[{model_id!r}] gives no price; set at least one of its fields")
        bedrock[model_id] = ModelPrice(**parsed)
    given = sections.get("durable")
    durable = _fields({} if given is None else given, "durable", DURABLE_PRICE_FIELDS)
    return Prices(
        bedrock=bedrock,
        durable=DurablePrice(
            per_million_operations=_or(durable["per_million_operations"], DEFAULT_PER_MILLION_OPERATIONS),
            per_gb_written=_or(durable["per_gb_written"], DEFAULT_PER_GB_WRITTEN),
        ),
    )


def _sections(data: object) -> dict[str, object]:
    if not isinstance(data, dict):
        raise ConfigurationError("PRICES", f"must be a JSON object such as {_SHAPE}")
    unknown = sorted(set(data) - {"bedrock", "durable"})
    if unknown:
        raise ConfigurationError("PRICES", f"has '{unknown[0]}'; allowed sections are ['bedrock', 'durable']")
    return data


def _or(value: float | None, default: float) -> float:
    return default if value is None else value
