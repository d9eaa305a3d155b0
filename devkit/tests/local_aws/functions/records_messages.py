"""Plain (not durable) test function for SQS event source mappings: appends
one line per record it is given to CALL_LOG (message id and
ApproximateReceiveCount) and reports no batch item failure."""

import os


def handler(event: dict, context: object) -> dict:
    with open(os.environ["CALL_LOG"], "a") as f:
        for record in event.get("Records", []):
            f.write(f"{record['messageId']} {record['attributes']['ApproximateReceiveCount']}\n")
    return {"batchItemFailures": []}
