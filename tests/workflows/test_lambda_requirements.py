"""The deployment package pins the same SDK and boto3 the workflow tests run with."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def pins(path: Path) -> dict[str, str]:
    lines = (line.split("#")[0].strip() for line in path.read_text().splitlines())
    return {name.lower(): version for name, _, version in (line.partition("==") for line in lines if "==" in line)}


def test_every_runtime_pin_matches_the_tested_version():
    runtime = pins(REPO / "lambda_src" / "requirements.txt")
    tested = pins(REPO / "toolchain" / "requirements" / "dev.txt")

    assert "aws-durable-execution-sdk-python" in runtime
    assert {name: tested.get(name) for name in runtime} == runtime
