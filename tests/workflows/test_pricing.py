"""The PRICES variable (the module's `prices` input): parsed, defaulted and refused with a message
that says what is wrong and what is allowed."""

import json

import pytest

from durable_bedrock.errors import ConfigurationError
from durable_bedrock.pricing import DurablePrice, ModelPrice, Prices


def prices(value) -> Prices:
    return Prices.from_env({"PRICES": value if isinstance(value, str) else json.dumps(value)})


def test_without_prices_durable_execution_has_its_published_defaults_and_no_model_a_price():
    published = DurablePrice(per_million_operations=8.0, per_gb_written=0.25)
    assert Prices.from_env({}) == Prices(bedrock={}, durable=published)


def test_a_model_price_keeps_the_figures_given_and_leaves_the_others_unknown():
    parsed = prices({"bedrock": {"luma.ray-v2:0": {"per_video_second": 1}}, "durable": {"per_gb_written": 0}})
    assert parsed.bedrock == {"luma.ray-v2:0": ModelPrice(per_video_second=1.0)}
    assert parsed.durable == DurablePrice(per_million_operations=8.0, per_gb_written=0.0)


@pytest.mark.parametrize(
    "value,message",
    [
        ("{not json", "is not JSON"),
        ([1], "must be a JSON object such as"),
        ({"lambda": {}}, "has 'lambda'; allowed sections are ['bedrock', 'durable']"),
        ({"bedrock": []}, "bedrock must be an object keyed by model or inference profile id"),
        ({"bedrock": {"a model": {"input_per_1k_tokens": 1}}}, "is not a model id, inference profile id or ARN"),
        ({"bedrock": {"m.x-v1:0": {}}}, "gives no price; set at least one of its fields"),
        ({"bedrock": {"m.x-v1:0": {"input_per_1m_tokens": 1}}}, "has 'input_per_1m_tokens'; allowed fields are"),
        ({"bedrock": {"m.x-v1:0": {"output_per_1k_tokens": -1}}}, "output_per_1k_tokens is -1; expected a price"),
        ({"bedrock": {"m.x-v1:0": {"output_per_1k_tokens": "0.1"}}}, "is '0.1'; expected a price in USD"),
        ({"durable": {"per_million_operations": True}}, "per_million_operations is True; expected a price"),
        ({"durable": {"per_operation": 1}}, "durable has 'per_operation'; allowed fields are"),
    ],
)
def test_a_malformed_price_is_refused_with_what_is_allowed(value, message):
    with pytest.raises(ConfigurationError, match="environment variable PRICES") as refused:
        prices(value)
    assert message in str(refused.value)


def test_the_form_terraform_writes_with_nulls_for_the_figures_not_given_is_read():
    written = {  # jsonencode(var.prices) in workflow.tf; the module test prices_reach_the_function_as_json checks it
        "bedrock": {
            "m.x-v1:0": {
                "cache_read_per_1k_tokens": None,
                "cache_write_per_1k_tokens": None,
                "input_per_1k_tokens": 0.001,
                "output_per_1k_tokens": 0.005,
                "per_video_second": None,
            }
        },
        "durable": {"per_gb_written": 0.3, "per_million_operations": None},
    }
    parsed = prices(written)
    assert parsed.bedrock == {"m.x-v1:0": ModelPrice(input_per_1k_tokens=0.001, output_per_1k_tokens=0.005)}
    assert parsed.durable == DurablePrice(per_million_operations=8.0, per_gb_written=0.3)
