"""Plain (not durable) test function: prints the event's `marker`, which
Lambda's log capture sends to CloudWatch Logs, and returns it."""


def handler(event, context):
    print(f"marker {event['marker']}")
    return {"marker": event["marker"]}
