"""Section 4, cold start proxy: deployment zip size and handler import time
(median over fresh interpreters) for the package as shipped (SDK and boto3
bundled, botocore pruned), with all of botocore bundled, and with nothing
bundled (the runtime's SDK and boto3)."""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BUILDER = REPO / "packaging" / "build_lambda_zip.py"
RUNS = 7

VARIANTS = {
    "shipped (SDK + boto3, botocore pruned)": ["--requirements", "lambda_src/requirements.txt",
                                               "--botocore-services", "bedrock-runtime,lambda,s3"],
    "SDK + boto3, all of botocore": ["--requirements", "lambda_src/requirements.txt", "--botocore-services", "*"],
    "nothing bundled (runtime's SDK and boto3)": ["--requirements", ""],
}  # fmt: skip


def build(out_dir: Path, options: list[str]) -> Path:
    result = subprocess.run(
        [sys.executable, str(BUILDER), "--source-dir", "lambda_src", "--out-dir", str(out_dir), *options],
        cwd=REPO, capture_output=True, text=True, check=True,
    )  # fmt: skip
    import json

    return Path(json.loads(result.stdout)["path"])


def import_seconds(package_dir: Path, fallback_site: str | None) -> float:
    """Wall time of `import durable_bedrock.content_pipeline` in a fresh, isolated interpreter."""
    paths = [str(package_dir)] + ([fallback_site] if fallback_site else [])
    code = (
        "import sys, time; sys.path[:0] = " + repr(paths) + "; t = time.perf_counter(); "
        "import durable_bedrock.content_pipeline; print(time.perf_counter() - t)"
    )
    env = {"OUTPUT_S3_URI": "s3://bench-bucket/x/", "PATH": "/usr/bin:/bin", "AWS_DEFAULT_REGION": "us-east-1"}
    out = subprocess.run([sys.executable, "-I", "-S", "-c", code], env=env, capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def run(progress) -> dict:
    import aws_durable_execution_sdk_python

    # Stands in for the runtime's site-packages when nothing is bundled.
    runtime_site = str(Path(aws_durable_execution_sdk_python.__file__).resolve().parent.parent)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for label, options in VARIANTS.items():
            progress(f"cold start: building '{label}'")
            zip_path = build(Path(tmp) / "zips", options)
            unpacked = Path(tmp) / f"unpacked-{len(rows)}"
            with zipfile.ZipFile(zip_path) as archive:
                archive.extractall(unpacked)
                files = len(archive.namelist())
            fallback = runtime_site if "nothing bundled" in label else None
            times = [import_seconds(unpacked, fallback) for _ in range(RUNS)]
            rows.append(
                {
                    "variant": label,
                    "zip_bytes": zip_path.stat().st_size,
                    "files": files,
                    "import_seconds_median": statistics.median(times),
                    "import_seconds_all": times,
                }
            )
            time.sleep(0)
    return {"runs": RUNS, "python": sys.version.split()[0], "variants": rows}
