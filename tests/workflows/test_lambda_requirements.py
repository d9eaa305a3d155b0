"""The deployment package pins the same SDK and boto3 the workflow tests run with."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def pins(path: Path) -> dict[str, str]:
    """{name: version} of `name==version` lines (comments and --hash options dropped)."""
    specs = (line.split("#")[0].split() for line in path.read_text().splitlines())
    pairs = (spec[0].partition("==") for spec in specs if spec and "==" in spec[0])
    return {name.lower(): version for name, _, version in pairs}


def test_every_runtime_pin_matches_the_tested_version():
    runtime = pins(REPO / "lambda_src" / "requirements.txt")
    tested = pins(REPO / "devkit" / "toolchain" / "requirements" / "dev.txt")

    assert "aws-durable-execution-sdk-python" in runtime
    assert {name: tested.get(name) for name in runtime} == runtime
