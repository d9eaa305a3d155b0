from durable_bedrock.review_link import parse_review_link, review_link

ARN = "arn:aws:lambda:us-east-1:123456789012:function:pipeline:3/durable-execution/run-1/abc"


def test_a_link_round_trips_the_execution_and_the_callback():
    link = review_link("https://abc.lambda-url.us-east-1.on.aws/", ARN, "cb+/=id")
    assert link.startswith("https://abc.lambda-url.us-east-1.on.aws/?execution=")
    assert parse_review_link(link.split("?", 1)[1]) == (ARN, "cb+/=id")


def test_a_query_without_both_values_once_is_refused():
    assert parse_review_link("execution=a") is None
    assert parse_review_link("execution=a&callback=b&callback=c") is None
    assert parse_review_link("") is None
