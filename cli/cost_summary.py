"""The one-line cost summary `make invoke` and `make history` print at the end of a run: the
`cost` section the workflow put into its result (lambda_src/durable_bedrock/ledger.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Operation kinds worth naming beside the total (the execution's start and first attempts are implied).
_NAMED = (
    ("retries", "retry", "retries"),
    ("polls", "poll", "polls"),
    ("waits", "wait", "waits"),
    ("callbacks", "callback", "callbacks"),
)


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _usd(amount: float) -> str:
    return f"${amount:.6f}"


def _bedrock_use(cost: Mapping[str, Any]) -> str:
    tokens = cost["tokens"]
    parts = [f"{tokens['input_tokens']} in", f"{tokens['output_tokens']} out"]
    parts += [f"{tokens[kind]} {label}" for kind, label in _CACHE if tokens.get(kind)]
    used = []
    if cost["model_calls"]:
        total = tokens["input_tokens"] + tokens["output_tokens"]
        calls = _count(len(cost["model_calls"]), "Bedrock call", "Bedrock calls")
        used.append(f"{calls}, {total} tokens ({', '.join(parts)})")
    for job in cost["video_jobs"]:
        used.append(f"1 video ({job['model_id']}, {job['duration_seconds']} s, {job['resolution']})")
    return "; ".join(used) or "no Bedrock use"


_CACHE = (("cache_read_input_tokens", "cache read"), ("cache_write_input_tokens", "cache write"))


def _operations(counts: Mapping[str, int]) -> str:
    named = [_count(counts[kind], one, many) for kind, one, many in _NAMED if counts.get(kind)]
    total = _count(counts["total"], "durable operation", "durable operations")
    return f"{total} ({', '.join(named)})" if named else total


def _dollars(cost: Mapping[str, Any]) -> str:
    usd = cost["usd"]
    if usd["total"] is not None:
        return f"about {_usd(usd['total'])} ({_usd(usd['bedrock'])} Bedrock + {_usd(usd['durable'])} durable)"
    models = sorted({reason.split(": ", 1)[0] for reason in cost["not_priced"]})
    missing = f"no price for {', '.join(models)}: the prices input"
    return f"durable about {_usd(usd['durable'])}; Bedrock not priced ({missing})"


def cost_line(result: object) -> str | None:
    """'cost: <Bedrock use>; <durable operations>; <USD estimate>', or None for a result without a cost section."""
    cost = result.get("cost") if isinstance(result, dict) else None
    if not isinstance(cost, dict):
        return None
    return f"cost: {_bedrock_use(cost)}; {_operations(cost['operations'])}; {_dollars(cost)}"
