"""Compatibility patch for the durable execution status-change events Lambda sends to EventBridge.

Part of the layer in ministack_compat.py (which lists these patches in its
PATCHES): one concern per file.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from compat_base import original, replace

log = logging.getLogger("local_aws.compat")

SOURCE = "aws.lambda"
DETAIL_TYPE = "Durable Execution Status Change"
# The history events that change an execution's status, and the status each announces.
STATUS_OF_HISTORY_EVENT = {
    "ExecutionStarted": "RUNNING",
    "ExecutionSucceeded": "SUCCEEDED",
    "ExecutionFailed": "FAILED",
    "ExecutionTimedOut": "TIMED_OUT",
    "ExecutionStopped": "STOPPED",
}


def _iso(epoch_seconds: float) -> str:
    """2025-11-20T13:08:22.345Z, the event's timestamp format."""
    moment = datetime.fromtimestamp(epoch_seconds, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def status_change_detail(rec: dict, status: str) -> dict:
    """The event's detail, as the Lambda developer guide shows it (durable-monitoring.html)."""
    function_arn = rec["FunctionArn"]
    if function_arn.count(":") == 6:  # unqualified: the event names the version that runs the execution
        function_arn = f"{function_arn}:{rec.get('Version') or '$LATEST'}"
    detail = {
        "durableExecutionArn": rec["DurableExecutionArn"],
        "durableExecutionName": rec["DurableExecutionName"],
        "functionArn": function_arn,
        "status": status,
        "startTimestamp": _iso(rec["StartTimestamp"]),
    }
    if status != "RUNNING":
        detail["endTimestamp"] = _iso(rec.get("EndTimestamp") or rec["StartTimestamp"])
    return detail


def durable_status_changes_reach_eventbridge() -> None:
    """Upstream: a durable execution changes status (started, succeeded,
    failed, timed out, stopped) without any event on EventBridge, so a rule on
    them never fires: failure alerts cannot be tried locally.

    AWS (Lambda developer guide, durable-monitoring.html, "EventBridge
    events"): "Lambda emits an event to EventBridge whenever a durable
    execution changes status", source aws.lambda, detail-type "Durable
    Execution Status Change", on the account's default bus, for RUNNING,
    SUCCEEDED, STOPPED, FAILED and TIMED_OUT; the detail carries
    durableExecutionArn, durableExecutionName, functionArn (qualified with the
    version), status, startTimestamp, and endTimestamp in a terminal state;
    resources is empty. We put that event on the default bus, in the
    execution's account and region, whenever ministack records the
    execution's status change in its history (_emit_history_event), the one
    place every status change passes. Retire when ministack emits these events."""
    from ministack.core.responses import request_scope
    from ministack.services import eventbridge, lambda_durable

    stock_emit = original(lambda_durable, "_emit_history_event")
    put_events = original(eventbridge, "_put_events")

    def emit_history_event(rec: dict, event_type: str, *args, **kwargs) -> None:
        stock_emit(rec, event_type, *args, **kwargs)
        status = STATUS_OF_HISTORY_EVENT.get(event_type)
        if status is None:
            return
        # arn:aws:lambda:<region>:<account>:function:<name>:<version>/durable-execution/...
        _, _, _, region, account, *_ = rec["DurableExecutionArn"].split(":")
        entry = {
            "Source": SOURCE,
            "DetailType": DETAIL_TYPE,
            "Detail": json.dumps(status_change_detail(rec, status)),
            "Resources": [],
            "EventBusName": "default",
        }
        try:
            with request_scope(account, region):
                put_events({"Entries": [entry]}, allow_aws_source=True)
        except Exception:  # an event that cannot be sent must not break the execution
            log.exception("durable status-change event for %s not sent", rec["DurableExecutionArn"])

    replace(lambda_durable, "_emit_history_event", emit_history_event)


def eventbridge_publishes_where_the_topic_policy_allows() -> None:
    """Upstream (with AUTH=true): a rule's SNS target is published to whatever
    the topic's policy says; EventBridge delivery never consults it, while
    ministack's own S3 notifications do (sns.topic_policy_allows).

    AWS (EventBridge user guide, eb-use-resource-based.html, "Amazon SNS
    permissions"): EventBridge publishes to an SNS target as the service
    principal events.amazonaws.com, which the topic's resource-based policy
    must allow sns:Publish; aws:SourceArn is the rule's ARN. Without that the
    target's invocation fails (the rule's FailedInvocations metric; AWS
    Knowledge Center, sns-not-getting-eventbridge-notification). We evaluate
    the topic policy for events.amazonaws.com with the rule as aws:SourceArn
    and its account as aws:SourceAccount, through the same sns.topic_policy_allows
    ministack uses for S3, before the stock target dispatch; refused, the event
    is dropped with a warning, as AWS drops the invocation. Without AUTH it
    changes nothing. Retire when ministack checks the topic policy for EventBridge."""
    from ministack.services import eventbridge, sns

    stock_invoke_target = original(eventbridge, "_invoke_target")
    topic_policy_allows = original(sns, "topic_policy_allows")

    def invoke_target(target, event, rule, view=None):
        arn = target.get("Arn", "")
        if arn.startswith("arn:") and arn.split(":")[2] == "sns":
            rule_arn = rule.get("Arn", "")
            account = rule_arn.split(":")[4] if rule_arn.count(":") >= 5 else event.get("Account", "")
            if not topic_policy_allows(arn, "events.amazonaws.com", rule_arn, account):
                log.warning(
                    "EventBridge → SNS %s refused: the topic policy does not let rule %s publish", arn, rule_arn
                )
                return None
        return stock_invoke_target(target, event, rule, view)

    replace(eventbridge, "_invoke_target", invoke_target)
