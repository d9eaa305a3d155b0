"""Fixtures for running the workflows on the official durable testing runner."""

import pytest

from bedrock_fake import FakeBedrock, FakeS3
from durable_bedrock import bedrock, content_pipeline, video_generation, video_output, workflow


@pytest.fixture
def fake_bedrock(monkeypatch):
    fake = FakeBedrock()
    monkeypatch.setattr(bedrock, "runtime_client", fake.runtime_client)
    return fake


@pytest.fixture
def fake_s3(monkeypatch, fake_bedrock):
    """S3 holding what the fake Bedrock's video jobs wrote."""
    fake = FakeS3(fake_bedrock.videos_written)
    monkeypatch.setattr(video_output, "s3_client", fake.s3_client)
    return fake


# Configuration read once per cold start, dropped when a test sets another environment.
CACHED_SETTINGS = (
    content_pipeline.settings,
    video_generation.settings,
    video_generation.video_model,
    workflow.config_from_env,
)


@pytest.fixture
def configure(monkeypatch):
    """configure(VAR=value, ...) sets the function's environment, as Lambda would
    at a cold start, and drops the settings cached from an earlier one."""

    def _configure(**variables: str) -> None:
        for name in (
            "BEDROCK_MODEL_ID",
            "BEDROCK_REGION",
            "REVIEW_WAIT_SECONDS",
            "REVIEW_MODE",
            "REVIEW_TIMEOUT_SECONDS",
            "REVIEW_TIMEOUT_MEANS",
            "REVIEW_TOPIC_ARN",
            "REVIEW_PAGE_URL",
            "MAX_TOKENS",
            "OUTPUT_S3_URI",
            "OUTPUT_KMS_KEY_ID",
            "POLL_DEADLINE_SECONDS",
            "POLL_FIRST_WAIT_SECONDS",
            "POLL_WAIT_PERCENT",
            "POLL_MAX_SECONDS",
            "PRICES",
            "BUDGET",
            "BEDROCK_MODELS",
            "PROMPT_OUTLINE",
            "PROMPT_DRAFT",
            "PROMPT_FEEDBACK",
            "PROMPT_SUMMARY",
        ):
            monkeypatch.delenv(name, raising=False)
        for name, value in variables.items():
            monkeypatch.setenv(name, value)
        for cached in CACHED_SETTINGS:
            cached.cache_clear()

    yield _configure
    for cached in CACHED_SETTINGS:
        cached.cache_clear()
