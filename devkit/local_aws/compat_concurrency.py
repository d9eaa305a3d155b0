"""Compatibility patches for durable invocations under load: resumes of
different executions run at once, and invocations beyond the account's
concurrency wait in a queue instead of failing.

Part of the layer in ministack_compat.py (which lists these patches in its
PATCHES and runs every durable invocation through _invoke_durable_once, which
sets QUEUED): one concern per file.
"""

from __future__ import annotations

import contextvars
import logging
import os
import threading
import time
from collections.abc import Callable

from compat_base import original, replace

log = logging.getLogger("local_aws.compat")

# AWS's default account concurrency (Lambda developer guide, "Lambda quotas":
# concurrent executions, 1,000 per Region); ministack never exceeds it either.
AWS_ACCOUNT_CONCURRENCY = 1000
# Local default: invocations in flight per core. Each one holds a Python
# worker of about 50 MiB (devkit/bench/REPORT.md, section 7) that mostly waits
# for local AWS itself, which serves every checkpoint on one core: 16 per core
# keeps the cores busy (32 on the 2-core, 24 GiB machine: about 1.6 GiB of
# workers) where 500 at once took 10 GiB and stalled.
LOCAL_CONCURRENCY_PER_CORE = 16
# ministack's own knob for the account cap (lambda_svc._default_account_concurrency);
# set, it wins over our default (0: unbounded).
CONCURRENCY_KNOB = "LAMBDA_ACCOUNT_CONCURRENCY"
# A queued invocation tries again when a unit is released, or after this long at the latest.
QUEUE_RECHECK_SECONDS = 1.0


class QueuedInvocation:
    """Set (QUEUED) by the layer around a durable invocation it runs
    asynchronously: gives_up says whether to stop waiting in the queue (local
    AWS stopping); started is when the invocation left the queue and ran."""

    def __init__(self, gives_up: Callable[[], bool]) -> None:
        self.gives_up = gives_up
        self.started = time.time()


QUEUED: contextvars.ContextVar[QueuedInvocation | None] = contextvars.ContextVar("queued_invocation", default=None)


class NotStarted(Exception):
    """A queued invocation gave up before it ran (local AWS is stopping)."""


def local_account_concurrency(stock_default: int) -> int:
    """The account cap when CONCURRENCY_KNOB is unset: LOCAL_CONCURRENCY_PER_CORE
    per core, never above ministack's memory-based default or AWS's 1,000."""
    return max(1, min(stock_default, AWS_ACCOUNT_CONCURRENCY, LOCAL_CONCURRENCY_PER_CORE * (os.cpu_count() or 1)))


def async_invocations_queue_at_concurrency_limit() -> None:
    """Upstream: the account concurrency cap defaults to half the machine's
    memory at 21 MiB per invocation (585 on a 24 GiB machine), while a local
    Python worker takes about 50 MiB and every invocation's checkpoints are
    served by one emulator process: 500 durable executions started at once
    start 500 workers, take 10 GiB and stall. And an asynchronous invocation
    over the cap fails: ministack answers TooManyRequestsException, which a
    durable invocation records as a failed invocation. AWS (Lambda developer
    guide, "How Lambda handles errors and retries with asynchronous
    invocation"): "If the function doesn't have enough concurrency available
    to process all events, additional requests are throttled. For throttling
    errors (429) and system errors (500-series), Lambda returns the event to
    the queue and attempts to run the function again for up to 6 hours";
    a synchronous invocation over the cap gets the 429 (stock behaviour,
    kept). So the cap defaults to local_account_concurrency() unless
    LAMBDA_ACCOUNT_CONCURRENCY is set, and a durable invocation the layer runs
    asynchronously (an Event start, a resume, a backend retry, a re-invocation
    after a restart) that is throttled waits until a unit is released and
    runs then, instead of failing. Not modelled: the 6-hour event age (a
    queued invocation waits as long as it takes). Retire when ministack
    queues throttled asynchronous invocations and sizes its cap by worker."""
    from ministack.services import lambda_svc

    if not os.environ.get(CONCURRENCY_KNOB, "").strip():
        stock_cap = original(lambda_svc, "_ACCOUNT_CONCURRENCY_CAP")
        replace(lambda_svc, "_ACCOUNT_CONCURRENCY_CAP", local_account_concurrency(stock_cap))
    release = original(lambda_svc, "_release_execution_slot")
    execute = original(lambda_svc, "_execute_function")
    freed = threading.Condition()

    def release_execution_slot(key):
        release(key)
        with freed:
            freed.notify_all()

    def execute_function(func, event):
        queued = QUEUED.get()
        if queued is None:  # synchronous and stock invocations: the stock throttle answer
            return execute(func, event)
        while True:
            queued.started = time.time()
            result = execute(func, event)
            if not result.get("throttle"):
                return result
            if queued.gives_up():
                raise NotStarted
            with freed:
                freed.wait(QUEUE_RECHECK_SECONDS)

    replace(lambda_svc, "_release_execution_slot", release_execution_slot)
    replace(lambda_svc, "_execute_function", execute_function)


def resumes_run_concurrently() -> None:
    """Upstream: one thread (lambda_durable._resume_loop) takes every due
    wake-up (a wait that ended, a step retry whose delay elapsed, a callback
    answered) and runs the resumed invocation to its end before it takes the
    next: one resumed invocation at a time for the whole emulator, so 200
    executions waiting 1 s each never finish within minutes. On AWS each
    execution is invoked again when its own timer fires, independently of
    the others (Lambda developer guide, "Basic concepts": a wait suspends the
    execution and Lambda re-invokes the function when it ends; invocations of
    different executions run concurrently up to the account's concurrency).
    So each due wake-up runs in a thread of its own. The resumes of one
    execution stay one at a time, in order (a wake-up that comes while its
    execution's previous one runs is run after it: the stock resume then
    settles what elapsed or re-arms), so an execution never has two resumed
    invocations at once. Retire when ministack's resume loop dispatches."""
    from ministack.services import lambda_durable

    resume = original(lambda_durable, "_resume_execution")
    lock = threading.Lock()
    running: set[str] = set()
    again: set[str] = set()

    def drain(arn: str, account_id: str, region: str | None) -> None:
        while True:
            try:
                resume(arn, account_id, region)
            except Exception:  # as the stock loop does: logged, the next wake-up still runs
                log.exception("durable execution %s: resume failed", arn)
            with lock:
                if arn not in again:
                    running.discard(arn)
                    return
                again.discard(arn)

    def resume_execution(arn: str, account_id: str = "000000000000", region: str | None = None) -> None:
        with lock:
            if arn in running:
                again.add(arn)
                return
            running.add(arn)
        # The resume loop set the execution's account and region in this context: the thread keeps them.
        ctx = contextvars.copy_context()
        threading.Thread(target=ctx.run, args=(drain, arn, account_id, region), daemon=True).start()

    replace(lambda_durable, "_resume_execution", resume_execution)
