"""Compatibility patches for durable callbacks (CALLBACK operations and the
SendDurableExecutionCallback* APIs).

Part of the layer in ministack_compat.py (which lists these patches in its
PATCHES): one concern per file.
"""

from __future__ import annotations

from compat_base import original, replace


def callback_timeouts_of_zero_mean_none() -> None:
    """Upstream: a CALLBACK START checkpoint whose CallbackOptions carry
    HeartbeatTimeoutSeconds = 0 (or TimeoutSeconds = 0) gets a deadline of
    "now + 0": the callback times out at once (CallbackTimedOut,
    "Callback.Heartbeat"). The durable SDK always sends both (its
    CallbackOptions.to_dict, lambda_service.py), 0 when the workflow sets no
    heartbeat timeout, as the review block does: no reviewer could ever answer.

    AWS (botocore 1.44.5 lambda model, CallbackOptions): TimeoutSeconds "If not
    specified or set to 0, the callback has no timeout"; HeartbeatTimeoutSeconds
    "If not specified or set to 0, heartbeat timeout is disabled". We drop a 0
    from the update before ministack reads it, so it sets no deadline for it.
    Retire when ministack treats 0 as "none"."""
    from ministack.services import lambda_durable

    stock_apply_update = original(lambda_durable, "_apply_update")

    def apply_update(rec: dict, upd: dict) -> None:
        options = upd.get("CallbackOptions")
        if upd.get("Type") == "CALLBACK" and isinstance(options, dict):
            kept = {key: value for key, value in options.items() if value not in (0, "0")}
            upd = {**upd, "CallbackOptions": kept}
        stock_apply_update(rec, upd)

    replace(lambda_durable, "_apply_update", apply_update)
