"""End to end: examples/custom-workflow, a user's own workflow (ticket_triage/triage.py, written only against
the durable_bedrock public API) on the module: two models, a fan-out over the tickets, a review by callback."""

import json
import subprocess
import threading
from collections import Counter

import examples_e2e as e2e
from examples_e2e import REPO, client, make, make_command

deployed = e2e.deployed_fixture("custom-workflow")

test_a_second_plan_shows_no_changes = e2e.test_a_second_plan_shows_no_changes
test_an_invalid_payload_fails_naming_the_field = e2e.test_an_invalid_payload_fails_naming_the_field

CLASSIFY, WRITE = "us.amazon.nova-micro-v1:0", "us.anthropic.claude-haiku-4-5-20251001-v1:0"  # the example's defaults


def test_the_sample_batch_is_triaged_reviewed_and_finishes_with_the_expected_bedrock_calls(deployed, local_aws):
    """`make invoke` sends sample_tickets.json and follows the run to its review; `make approve` answers it.
    Local AWS's Bedrock answers every prompt with a mock sentence, never "routine", so every ticket is
    "unclear" and gets a drafted reply: 4 labels (small model), 4 replies and 1 summary (large model),
    each called once, through the role's grants on both inference profiles (IAM enforced)."""
    name, example = deployed
    invoking = subprocess.Popen(
        make_command("invoke", name, local_aws, "INVOKE_ARGS=--name e2e-triage --timeout 120"),
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    lines: list[str] = []
    waiting = threading.Event()

    def read() -> None:
        for line in invoking.stdout:
            lines.append(line)
            if "waiting for review: callback " in line:
                waiting.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert waiting.wait(timeout=90), "".join(lines)
        approved = make("approve", name, local_aws, "EXECUTION=e2e-triage")
        invoking.wait(timeout=60)
    finally:
        invoking.kill()
    reader.join(timeout=10)

    assert approved.returncode == 0, approved.stdout[-3000:] + approved.stderr[-3000:]
    result, _ = json.JSONDecoder().raw_decode(approved.stdout.split("\nSUCCEEDED after ", 1)[1].split("\n", 1)[1])
    assert [(t["id"], t["label"], bool(t["reply"])) for t in result["tickets"]] == [
        (f"T-100{n}", "unclear", True) for n in range(1, 5)
    ]
    assert result["summary"] and result["replies_approved"] is True
    calls = Counter((call["step"], call["model_id"]) for call in result["cost"]["model_calls"])
    assert calls == {("classify", CLASSIFY): 4, ("draft-reply", WRITE): 4, ("summarize-batch", WRITE): 1}
    lam = client("lambda", example, local_aws)
    arn = lam.list_durable_executions_by_function(
        FunctionName=example.function_name, DurableExecutionName="e2e-triage"
    )["DurableExecutions"][0]["DurableExecutionArn"]
    events = lam.get_durable_execution_history(DurableExecutionArn=arn)["Events"]
    started = Counter(e["Name"] for e in events if e["EventType"] == "StepStarted")
    # Each Bedrock step started once (no retry needed, none repeated by a replay).
    assert (started["classify"], started["draft-reply"], started["summarize-batch"]) == (4, 4, 1), started
    assert invoking.returncode == 0, "".join(lines)


# Last: it destroys the example.
test_destroy_leaves_nothing_behind = e2e.test_destroy_leaves_nothing_behind
