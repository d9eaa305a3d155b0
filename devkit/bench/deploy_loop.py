"""Section 5, deployment loop on local AWS for examples/content-pipeline: warm
package build, plan and apply times (medians), the zip hash across two
builds, and the changes a re-plan finds after apply (must be 0)."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
RUNS = 5


def timed(command: list[str], ok_codes=(0,), **kwargs) -> tuple[float, subprocess.CompletedProcess]:
    started = time.perf_counter()
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, **kwargs)
    if result.returncode not in ok_codes:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return time.perf_counter() - started, result


def make(target: str, local_aws) -> list[str]:
    return [
        "make", "--no-print-directory", target, "EXAMPLE=content-pipeline", "TARGET=local", "WORKSPACE=bench",
        f"LOCAL_AWS_PORT={local_aws.port}", f"LOCAL_AWS_STATE={local_aws.state_dir}",
    ]  # fmt: skip


def run(progress, local_aws) -> dict:
    tf = os.environ["TF"]
    builder = [
        sys.executable, "packaging/build_lambda_zip.py", "--source-dir", "lambda_src",
        "--requirements", "lambda_src/requirements.txt", "--botocore-services", "bedrock-runtime,lambda,s3",
    ]  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        progress("deployment loop: package builds")
        builds = [timed([*builder, "--out-dir", f"{tmp}/build-{i}"]) for i in range(RUNS)]
        hashes = {json.loads(result.stdout)["base64sha256"] for _, result in builds}

    progress("deployment loop: first apply")
    first_apply, _ = timed(make("apply", local_aws))
    plan = [tf, "-chdir=examples/content-pipeline", "plan", "-detailed-exitcode", "-input=false", "-no-color"]
    env = {**os.environ, "TF_WORKSPACE": "bench"}
    progress("deployment loop: plans and applies with no change")
    plans = [timed(plan, env=env, ok_codes=(0, 2)) for _ in range(RUNS)]
    applies = [timed(make("apply", local_aws))[0] for _ in range(RUNS)]
    changes = [result.returncode for _, result in plans]
    progress("deployment loop: destroy")
    timed(make("destroy", local_aws))
    return {
        "runs": RUNS,
        "engine": subprocess.run([tf, "version"], capture_output=True, text=True).stdout.splitlines()[0],
        "package_build_seconds_median": statistics.median(t for t, _ in builds),
        "distinct_zip_hashes": len(hashes),
        "first_apply_seconds": first_apply,
        "plan_seconds_median": statistics.median(t for t, _ in plans),
        "apply_no_change_seconds_median": statistics.median(applies),
        "replans_with_changes": sum(1 for code in changes if code == 2),
    }
