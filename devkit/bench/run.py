"""`make bench`: runs the nine measures, writes devkit/bench/results/<section>.json and
regenerates devkit/bench/REPORT.md with its plots. Prints progress as it goes.

    python devkit/bench/run.py [--only section,...]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
# durable_api: the tests' helpers for driving durable executions through boto3.
sys.path[:0] = [str(HERE)] + [
    str(HERE.parent / folder) for folder in ("local_aws", "fault_injection", "tests/local_aws")
]

import billed_time  # noqa: E402
import cold_start  # noqa: E402
import crash_resume  # noqa: E402
import deploy_loop  # noqa: E402
import fan_out  # noqa: E402
import load_faults  # noqa: E402
import polling  # noqa: E402
import report  # noqa: E402
import run_cost  # noqa: E402
import sqs_crash  # noqa: E402
from session import local_aws_session  # noqa: E402

OFFLINE = {"cold_start": cold_start, "polling": polling}
ON_LOCAL_AWS = {
    "crash_resume": crash_resume,
    "billed_time": billed_time,
    "deploy_loop": deploy_loop,
    "run_cost": run_cost,
}
# Sections that start (and restart) a local AWS of their own.
OWN_LOCAL_AWS = {"sqs_crash": sqs_crash, "load_faults": load_faults, "fan_out": fan_out}


def machine() -> dict:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    memory_kib = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if "MemTotal" in line
    )
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(memory_kib / 1048576, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--only", help="comma-separated sections: " + ",".join([*OFFLINE, *ON_LOCAL_AWS, *OWN_LOCAL_AWS])
    )
    args = parser.parse_args()
    chosen = set(args.only.split(",")) if args.only else {*OFFLINE, *ON_LOCAL_AWS, *OWN_LOCAL_AWS}
    started = time.monotonic()

    def progress(message: str) -> None:
        print(f"  [{time.monotonic() - started:6.1f}s] {message}", flush=True)

    results = HERE / "results"
    results.mkdir(exist_ok=True)
    (results / "machine.json").write_text(json.dumps(machine(), indent=2) + "\n")

    def save(name: str, data: dict) -> None:
        (results / f"{name}.json").write_text(json.dumps(data, indent=2, default=str) + "\n")
        progress(f"wrote devkit/bench/results/{name}.json")

    for name, section in OFFLINE.items():
        if name in chosen:
            save(name, section.run(progress))
    if chosen & set(ON_LOCAL_AWS):
        with tempfile.TemporaryDirectory() as state, local_aws_session(Path(state)) as local_aws:
            for name, section in ON_LOCAL_AWS.items():
                if name in chosen:
                    save(name, section.run(progress, local_aws))
    for name, section in OWN_LOCAL_AWS.items():
        if name in chosen:
            save(name, section.run(progress))
    report.write(results, HERE / "REPORT.md")
    progress("regenerated devkit/bench/REPORT.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
