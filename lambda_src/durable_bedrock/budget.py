"""A budget per execution: a limit in USD and/or tokens, enforced from the cost ledger before each Bedrock step.

    budget = budget_from_env()          # BUDGET, PRICES and the models; ConfigurationError at cold start
    ledger = CostLedger()
    for name, prompt in steps:
        budget.before_step(ledger, name)  # BudgetExceededError once the limit is reached: the step is not started
        reply = context.step(..., name=name)
        ledger.model_call(name, model, reply["usage"])

What counts as spent is what the ledger recorded: each Bedrock call's tokens (input, output, cache read and
cache write) and their price, and each video job at its duration times its per-second price. The ledger is
rebuilt from checkpointed step results on every replay, so at a given point of the handler it always holds
the same calls, and the decision to stop there is the same on every replay. Durable operations are not
counted: their number at a point of a replay depends on how much of the log is already loaded, and they
cost millionths of a dollar.

A limit that is reached ends the execution FAILED with BudgetExceededError, whose message names the step not
started, what was spent against each limit and on which steps. Failing (not a SUCCEEDED result, as a
rejected review is) because the run did not produce what it was started for: a budget stop is an
operational event, like a timeout, that the function's failure alerts should report.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from durable_bedrock.errors import BudgetExceededError, ConfigurationError
from durable_bedrock.ledger import CostLedger, ModelCall, VideoJob, bedrock_usd, tokens_of
from durable_bedrock.models import Models
from durable_bedrock.pricing import ModelPrice, Prices

BUDGET_VARIABLE = "BUDGET"

# The prices a USD budget needs for a model: a text model's input and output tokens, a video model's
# seconds; "any": one or the other (a custom workflow's model, whose kind the module does not know).
PriceNeed = Literal["text", "video", "any"]


@dataclass(frozen=True)
class Budget:
    """The limits (None: no limit of that kind) and the prices a USD limit is counted with."""

    usd: float | None = None
    tokens: int | None = None
    prices: Prices = field(default_factory=Prices)

    @property
    def limited(self) -> bool:
        return self.usd is not None or self.tokens is not None

    def before_step(self, ledger: CostLedger, step: str) -> None:
        """Call right before a Bedrock step: BudgetExceededError when a limit is reached."""
        self._stop_if_reached(ledger, step, *self._spent(ledger))

    def _stop_if_reached(self, ledger: CostLedger, step: str, tokens: int, usd: float) -> None:
        reached = []
        if self.tokens is not None and tokens >= self.tokens:
            reached.append(f"{tokens:,} tokens spent, limit {self.tokens:,}")
        if self.usd is not None and usd >= self.usd:
            reached.append(f"${usd:.6f} spent, limit ${self.usd:.6f}")
        if reached:
            raise BudgetExceededError(step, " and ".join(reached), self._spent_on(ledger))

    def before_video_job(self, ledger: CostLedger, step: str, model_id: str, duration_seconds: int) -> None:
        """Call before starting a video job, whose cost is known in advance: BudgetExceededError when the
        limit is reached or the job would take the spending past it."""
        tokens, spent = self._spent(ledger)
        self._stop_if_reached(ledger, step, tokens, spent)
        if self.usd is None:
            return
        price = _price(self.prices, model_id)
        if price.per_video_second is None:
            raise _unpriced(model_id, "per_video_second")
        job = duration_seconds * price.per_video_second
        if spent + job > self.usd:
            reason = (
                f"its video job ({model_id}, {duration_seconds} s) would cost ${job:.6f}; with ${spent:.6f} "
                f"spent that exceeds the limit ${self.usd:.6f}"
            )
            raise BudgetExceededError(step, reason, self._spent_on(ledger))

    def _spent(self, ledger: CostLedger) -> tuple[int, float]:
        """Tokens and Bedrock USD so far (USD 0 when no USD limit is set: then prices are not required)."""
        tokens = sum(sum(tokens_of(call).values()) for call in ledger.model_calls)
        if self.usd is None:
            return tokens, 0.0
        usd, missing = bedrock_usd(ledger.model_calls, ledger.video_jobs, self.prices)
        if usd is None:
            # Cold start checked the input and output prices; a call can still use a kind (cache tokens)
            # whose price was not given. Not enforcing the limit silently would defeat it.
            raise ConfigurationError("PRICES", f"budget.usd cannot be enforced: {'; '.join(missing)}")
        return tokens, usd

    def _spent_on(self, ledger: CostLedger) -> list[str]:
        """Each step that spent, with its tokens (and USD under a USD limit)."""
        return [self._call(call) for call in ledger.model_calls] + [self._job(job) for job in ledger.video_jobs]

    def _call(self, call: ModelCall) -> str:
        tokens = sum(tokens_of(call).values())
        if self.usd is None:
            return f"{call['step']} ({tokens:,} tokens)"
        usd, _ = bedrock_usd([call], [], self.prices)
        return f"{call['step']} ({tokens:,} tokens, ${usd or 0:.6f})"

    def _job(self, job: VideoJob) -> str:
        if self.usd is None:
            return f"{job['step']} ({job['duration_seconds']} s of video)"
        usd, _ = bedrock_usd([], [job], self.prices)
        return f"{job['step']} ({job['duration_seconds']} s of video, ${usd or 0:.6f})"


def _price(prices: Prices, model_id: str) -> ModelPrice:
    price = prices.bedrock.get(model_id)
    if price is None:
        raise ConfigurationError(
            "PRICES", f"budget.usd needs a price for {model_id}, which this function calls; prices.bedrock has none"
        )
    return price


def _unpriced(model_id: str, figure: str) -> ConfigurationError:
    return ConfigurationError("PRICES", f"budget.usd needs prices.bedrock[{model_id!r}].{figure}; it is not given")


def require_prices(prices: Prices, model_ids: Iterable[str], need: PriceNeed) -> None:
    """ConfigurationError unless every model has the prices a USD budget counts its calls with."""
    for model_id in model_ids:
        price = _price(prices, model_id)
        text = [name for name in ("input_per_1k_tokens", "output_per_1k_tokens") if getattr(price, name) is None]
        video = [] if price.per_video_second is not None else ["per_video_second"]
        missing = {"text": text, "video": video, "any": text if text and video else []}[need]
        if missing:
            shown = " and ".join(missing) + (" (or per_video_second)" if need == "any" else "")
            raise _unpriced(model_id, shown)


_SHAPE = '{"usd": 0.5, "tokens": 20000}'


def parse_budget(raw: str, prices: Prices) -> Budget:
    """BUDGET's JSON, {"usd": 0.5, "tokens": 20000}, either optional; empty: no limit."""
    if not raw.strip():
        return Budget(prices=prices)
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as error:
        raise ConfigurationError(BUDGET_VARIABLE, f"is not JSON ({error.msg}); expected {_SHAPE}") from None
    if not isinstance(data, dict) or set(data) - {"usd", "tokens"}:
        raise ConfigurationError(BUDGET_VARIABLE, f"got {raw[:200]!r}; expected an object such as {_SHAPE}")
    usd, tokens = data.get("usd"), data.get("tokens")
    number = isinstance(usd, (int, float)) and not isinstance(usd, bool)
    if usd is not None and (not number or not math.isfinite(usd) or usd <= 0):
        raise ConfigurationError(BUDGET_VARIABLE, f"usd is {usd!r}; expected a number of dollars above 0")
    if tokens is not None and (isinstance(tokens, bool) or not isinstance(tokens, int) or tokens < 1):
        raise ConfigurationError(BUDGET_VARIABLE, f"tokens is {tokens!r}; expected a whole number, 1 or more")
    return Budget(usd=None if usd is None else float(usd), tokens=tokens, prices=prices)


def budget_for(env: Mapping[str, str], prices: Prices, model_ids: Iterable[str], need: PriceNeed) -> Budget:
    """The budget in `env`, checked against the models the function calls (a USD limit needs their prices)."""
    budget = parse_budget(env.get(BUDGET_VARIABLE, ""), prices)
    if budget.usd is not None:
        require_prices(prices, model_ids, need)
    return budget


def budget_from_env(env: Mapping[str, str] | None = None) -> Budget:
    """A custom workflow's budget: the module's budget input, with its prices and models (BEDROCK_MODELS or
    BEDROCK_MODEL_ID); call it at cold start so a USD limit without prices fails there, not mid-run."""
    env = os.environ if env is None else env  # noqa: TID251 configuration, fixed per version
    models = Models.from_env(env).by_name.values()
    return budget_for(env, Prices.from_env(env), models, "any")
