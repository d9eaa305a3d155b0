"""Writes devkit/bench/REPORT.md and its plots from devkit/bench/results/*.json (never edit the report by hand)."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def _load(results: Path, name: str) -> dict | None:
    path = results / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def _save(figure, out_dir: Path, name: str) -> str:
    figure.tight_layout()
    figure.savefig(out_dir / name, dpi=110)
    plt.close(figure)
    return f"![{name}]({name})"


def crash_resume(data: dict, out: Path) -> list[str]:
    rows = data["scenarios"]
    lines = [
        "## 1. Crash-resume cost: Bedrock calls until SUCCEEDED",
        "",
        f"Content pipeline (3 Bedrock calls) on local AWS; the process is killed once after step k. "
        f"Medians of {data['runs']} runs. The durable function replays finished steps from their checkpoints; "
        "the plain function is retried from the beginning.",
        "",
        "| Scenario | Durable function | Plain function | Plain / durable |",
        "| --- | ---: | ---: | ---: |",
    ]
    for row in rows:
        ratio = row["plain_calls_median"] / row["durable_calls_median"]
        lines.append(
            f"| {row['scenario']} | {row['durable_calls_median']:g} | {row['plain_calls_median']:g} | {ratio:.2f} |"
        )
    figure, axis = plt.subplots(figsize=(7, 3.5))
    x = range(len(rows))
    axis.bar([i - 0.2 for i in x], [r["durable_calls_median"] for r in rows], width=0.4, label="durable")
    axis.bar([i + 0.2 for i in x], [r["plain_calls_median"] for r in rows], width=0.4, label="plain (restarts)")
    axis.axhline(data["steps"], color="grey", linestyle=":", label="one call per step")
    axis.set_xticks(list(x), [r["scenario"] for r in rows], fontsize=8)
    axis.set_ylabel("Bedrock calls")
    axis.legend(fontsize=8)
    return [*lines, "", _save(figure, out, "crash_resume.png"), ""]


def billed_time(data: dict, out: Path) -> list[str]:
    rows = data["waits"]
    lines = [
        "## 2. Billed vs. wall time",
        "",
        f"Sum of the function's invocation durations (InvocationCompleted events) against the execution's wall "
        f"time, content pipeline on local AWS, medians of {data['runs']} executions. Local Bedrock answers at "
        "once, so invocations are short; the wait itself is never billed.",
        "",
        "| Review wait | Billed (s) | Wall (s) | Billed / wall |",
        "| ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        lines.append(
            f"| {row['review_wait_seconds']} s | {row['billed_seconds_median']:.2f} | "
            f"{row['wall_seconds_median']:.2f} | {row['ratio_median']:.3f} |"
        )
    figure, axis = plt.subplots(figsize=(6, 3.2))
    labels = [f"wait {r['review_wait_seconds']} s" for r in rows]
    axis.bar([i - 0.2 for i in range(len(rows))], [r["wall_seconds_median"] for r in rows], width=0.4, label="wall")
    axis.bar([i + 0.2 for i in range(len(rows))], [r["billed_seconds_median"] for r in rows], width=0.4,
             label="billed")  # fmt: skip
    axis.set_xticks(range(len(rows)), labels)
    axis.set_ylabel("seconds")
    axis.legend(fontsize=8)
    return [*lines, "", _save(figure, out, "billed_time.png"), ""]


def polling(data: dict, out: Path) -> list[str]:
    ours, seed = data["ours_schedule"], data["seed_schedule"]
    jobs = data["jobs"]
    lines = [
        "## 3. Polling cost: GetAsyncInvoke calls and detection delay",
        "",
        f"Ours: first check at once, then waits doubling from {ours['initial_seconds']} s up to "
        f"{ours['max_seconds']} s, deadline {ours['deadline_seconds']} s. Reference pattern: first check after "
        f"{seed['first_seconds']} s, then every {seed['every_seconds']} s, at most {seed['max_checks']} checks "
        "(it gives up after 9.5 minutes). Every figure of ours was confirmed by running the video handler on the "
        "official local runner.",
        "",
        "| Job duration | Our calls | Our detection delay | Seed calls | Seed detection delay |",
        "| ---: | ---: | ---: | ---: | ---: |",
    ]

    def delay(result: dict) -> str:
        return "gives up" if result["gave_up"] else f"{result['detection_delay']} s"

    for job in jobs:
        lines.append(
            f"| {job['job_seconds']} s | {job['ours']['calls']} | {delay(job['ours'])} | "
            f"{job['seed']['calls']} | {delay(job['seed'])} |"
        )
    minutes = [j["job_seconds"] / 60 for j in jobs]
    figure, (calls, delays) = plt.subplots(1, 2, figsize=(9, 3.4))
    calls.plot(minutes, [j["ours"]["calls"] for j in jobs], "o-", label="ours")
    calls.plot(minutes, [j["seed"]["calls"] for j in jobs], "s--", label="seed")
    delays.plot(minutes, [j["ours"]["detection_delay"] for j in jobs], "o-", label="ours")
    seed_ok = [
        (m, j["seed"]["detection_delay"]) for m, j in zip(minutes, jobs, strict=True) if not j["seed"]["gave_up"]
    ]
    delays.plot([m for m, _ in seed_ok], [d for _, d in seed_ok], "s--", label="seed")
    for axis in (calls, delays):
        axis.axvline(9.5, color="red", linestyle=":", label="seed gives up")
        axis.set_xlabel("job duration (min)")
        axis.legend(fontsize=8)
    calls.set_ylabel("GetAsyncInvoke calls")
    delays.set_ylabel("detection delay (s)")
    return [*lines, "", _save(figure, out, "polling.png"), ""]


def cold_start(data: dict, out: Path) -> list[str]:
    rows = data["variants"]
    lines = [
        "## 4. Cold start proxy: package size and handler import time",
        "",
        f"Import of `durable_bedrock.content_pipeline` in a fresh, isolated Python {data['python']} interpreter, "
        f"median of {data['runs']}.",
        "",
        "| Package | Zip size | Files | Import time |",
        "| --- | ---: | ---: | ---: |",
    ]
    for row in rows:
        lines.append(
            f"| {row['variant']} | {row['zip_bytes'] / 1e6:.2f} MB | {row['files']} | "
            f"{row['import_seconds_median'] * 1000:.0f} ms |"
        )
    figure, (size, imports) = plt.subplots(1, 2, figsize=(9, 3.2))
    names = ["shipped", "all botocore", "nothing bundled"]
    size.bar(names, [r["zip_bytes"] / 1e6 for r in rows])
    size.set_ylabel("zip size (MB)")
    imports.bar(names, [r["import_seconds_median"] * 1000 for r in rows])
    imports.set_ylabel("import time (ms)")
    return [*lines, "", _save(figure, out, "cold_start.png"), ""]


def deploy_loop(data: dict, _: Path) -> list[str]:
    return [
        "## 5. Deployment loop (examples/content-pipeline on local AWS)",
        "",
        f"{data['engine']}; medians of {data['runs']} warm runs.",
        "",
        "| Measure | Value |",
        "| --- | ---: |",
        f"| package build | {data['package_build_seconds_median']:.2f} s |",
        f"| distinct zip hashes over {data['runs']} builds | {data['distinct_zip_hashes']} |",
        f"| first apply | {data['first_apply_seconds']:.1f} s |",
        f"| plan with no change | {data['plan_seconds_median']:.1f} s |",
        f"| apply with no change | {data['apply_no_change_seconds_median']:.1f} s |",
        f"| re-plans after apply that found changes | {data['replans_with_changes']} of {data['runs']} |",
        "",
    ]


def sqs_crash(data: dict, _: Path) -> list[str]:
    tally, bedrock = data["tally"], data["bedrock"]
    extra = bedrock["runs_with_other_than_3_calls"]
    lines = [
        "## 6. SQS crash run: every message one execution or one dead-letter entry",
        "",
        f"{data['messages']} messages ({data['poison_messages']} of them not JSON, which cannot start) fed over "
        f"{data['feed_seconds']:g} s through the SQS starter (batches of 10, partial batch failures, visibility "
        f"timeout {data['visibility_timeout_seconds']} s, maxReceiveCount {data['max_receive_count']}) into the "
        f"content pipeline, on a local AWS that keeps its state across restarts. Faults drawn from seed "
        f"{data['seed']}. "
        + (
            f"Nothing was left queued or RUNNING {data['waited_seconds']:g} s after the first message."
            if data["settled"]
            else f"Did NOT settle: the wait ended {data['waited_seconds']:g} s after the first message"
            + (", nothing having moved for the last 45 s." if data["stalled"] else ", at its deadline.")
        ),
        "",
        "| Fault at | Action | Detail |",
        "| ---: | --- | --- |",
    ]
    for fault in data["faults"]:
        if fault["action"] == "kill-starter-worker":
            pids = ", ".join(map(str, fault["killed_pids"]))
            detail = f"SIGKILL {len(fault['killed_pids'])} worker(s) ({pids})" if pids else "no worker running"
            if fault.get("waited_for_worker_seconds"):
                detail += f", after waiting {fault['waited_for_worker_seconds']:g} s for one"
        else:
            detail = f"down and up in {fault['restart_seconds']:g} s"
        lines.append(f"| {fault['at_seconds']:g} s | {fault['action']} | {detail} |")
    lines += ["", "| Outcome per message | Count |", "| --- | ---: |"]
    labels = {
        "succeeded_once": "exactly one SUCCEEDED execution",
        "dlq_once": "exactly one dead-letter entry (body not JSON)",
        "dlq_once_but_valid_body": "dead-letter entry although the body was valid",
        "missing": "missing (no execution, no dead-letter entry)",
        "doubled": "doubled (an execution and a dead-letter entry, or two of either)",
        "other_status": "one execution, not SUCCEEDED",
        "executions_not_from_a_message": "executions named after no message",
        "dlq_entries_not_from_a_message": "dead-letter entries of no message",
    }
    lines += [f"| {label} | {tally[key]} |" for key, label in labels.items()]
    lines += [
        "",
        f"Bedrock calls: {bedrock['calls_total']} in all, {bedrock['calls_of_succeeded_executions']} by the "
        f"succeeded executions against {bedrock['expected_without_retries']} (3 per execution) plus the retries "
        f"their histories show ({bedrock['step_failed_events']} failed steps, "
        f"{bedrock['failed_invocations_in_histories']} failed invocations); "
        f"{len(extra)} succeeded runs made other than 3 calls "
        f"({sum(r['calls'] - 3 for r in extra)} calls more, "
        f"{sum(r.get('repeated_step_starts', 0) for r in extra)} steps started again in their histories). "
        f"{bedrock['calls_of_unfinished_executions']} calls were made by executions that did not finish.",
        "",
    ]
    if data["unfinished_by_last_events"]:
        lines += ["| Executions that did not finish: last history events | Count |", "| --- | ---: |"]
        lines += [f"| {events} | {count} |" for events, count in data["unfinished_by_last_events"].items()]
        lines.append("")
    errors = sorted({f"{e['ErrorType']}: {e['ErrorMessage']}" for p in data["problems"] if (e := p.get("error"))})
    if errors:
        lines += ["Errors of the executions that failed:", "", *[f"- {error}" for error in errors], ""]
    return lines


SECTIONS = {
    "crash_resume": crash_resume,
    "billed_time": billed_time,
    "polling": polling,
    "cold_start": cold_start,
    "deploy_loop": deploy_loop,
    "sqs_crash": sqs_crash,
}


def write(results: Path, report: Path) -> None:
    machine = _load(results, "machine") or {}
    lines = [
        "# Benchmark report",
        "",
        "Generated by `make bench` (devkit/bench/report.py) from devkit/bench/results/*.json; do not edit by hand.",
        "",
        f"Machine: {machine.get('cpu', '?')}, {machine.get('cores', '?')} cores, {machine.get('memory_gib', '?')} GiB, "
        f"{machine.get('os', '?')}, Python {machine.get('python', '?')}. Date: {machine.get('date', '?')}.",
        "",
    ]
    for name, render in SECTIONS.items():
        data = _load(results, name)
        lines += render(data, report.parent) if data else [f"## {name}", "", "Not measured yet.", ""]
    report.write_text("\n".join(lines))
