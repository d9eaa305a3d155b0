"""`make lint`'s determinism rules for durable code (pyproject.toml: banned-api, TID251, scoped to the
durable_bedrock package): each case of AWS's flake8-durable-execution plugin they stand for is found in
durable code, code elsewhere is left alone, and a justified `# noqa: TID251` lets a step body through."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The project's own rule selection, as `make lint` runs it: the test fails if TID251 is not selected there.
RUFF = [sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format", "json"]

# One line per case (DAR001 to DAR005 of flake8-durable-execution), each a replay hazard outside a step.
CASES = {
    "DAR001 random": "import random",
    "DAR001 secrets": "import secrets",
    "DAR002 datetime.now": "STARTED = datetime.datetime.now()",
    "DAR002 datetime.utcnow": "STARTED_UTC = datetime.datetime.utcnow()",
    "DAR002 date.today": "TODAY = datetime.date.today()",
    "DAR003 uuid4": "TOKEN = uuid.uuid4().hex",
    "DAR003 uuid1": "from uuid import uuid1",
    "DAR004 time.time": "NOW = time.time()",
    "DAR004 monotonic": "TICK = time.monotonic()",
    "DAR004 perf_counter": "PERF = time.perf_counter()",
    "DAR005 os.environ": 'MODEL = os.environ["BEDROCK_MODEL_ID"]',
    "DAR005 os.getenv": 'REGION = os.getenv("AWS_REGION")',
}
HEADER = ["import datetime", "import os", "import time", "import uuid"]
SOURCE = "\n".join([*HEADER, *CASES.values()]) + "\n"


def banned_calls(source: str, path: str) -> list[int]:
    """The lines ruff, with the project's configuration, reports TID251 on, for source checked as if at path."""
    run = subprocess.run(
        [*RUFF, "--stdin-filename", path, "-"],
        input=source,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert run.returncode in (0, 1), run.stderr
    return sorted(finding["location"]["row"] for finding in json.loads(run.stdout) if finding["code"] == "TID251")


@pytest.mark.parametrize(
    "path",
    [
        "lambda_src/durable_bedrock/content_pipeline.py",
        "lambda_src/durable_bedrock/video_generation.py",
        "lambda_src/durable_bedrock/workflow.py",
        "tests/workflows/user_ticket_workflow.py",  # a workflow written as a user would, on the public API
    ],
)
def test_every_case_is_found_in_a_workflow(path):
    first_case = len(HEADER) + 1
    assert banned_calls(SOURCE, path) == list(range(first_case, first_case + len(CASES)))


@pytest.mark.parametrize(
    "path", ["cli/invoke.py", "lambda_src/durable_bedrock/sqs_starter.py", "lambda_src/durable_bedrock/review_page.py"]
)
def test_code_that_is_not_durable_may_read_the_clock_and_the_environment(path):
    assert banned_calls(SOURCE, path) == []


def test_a_step_body_passes_with_a_justified_noqa():
    step_body = 'TOKEN = context.step(lambda _: uuid.uuid4().hex, name="token")  # noqa: TID251 a step body\n'

    assert banned_calls("import uuid\n" + step_body, "lambda_src/durable_bedrock/video_generation.py") == []
    assert banned_calls("import uuid\n" + step_body.split("  #")[0], "lambda_src/durable_bedrock/x.py") == [2]


def test_the_packaged_durable_code_keeps_the_rules():
    user_workflow = ROOT / "tests" / "workflows" / "user_ticket_workflow.py"
    for path in [*sorted((ROOT / "lambda_src" / "durable_bedrock").glob("*.py")), user_workflow]:
        relative = str(path.relative_to(ROOT))
        assert banned_calls(path.read_text(), relative) == [], relative
