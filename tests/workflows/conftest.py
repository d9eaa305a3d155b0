"""Fixtures for running the workflows on the official durable testing runner."""

import pytest

from bedrock_fake import FakeBedrock
from durable_bedrock import bedrock, content_pipeline, video_generation


@pytest.fixture
def fake_bedrock(monkeypatch):
    fake = FakeBedrock()
    monkeypatch.setattr(bedrock, "runtime_client", lambda: fake.client)
    return fake


@pytest.fixture
def configure(monkeypatch):
    """configure(VAR=value, ...) sets the function's environment, as Lambda would
    at a cold start, and drops the settings cached from an earlier one."""

    def _configure(**variables: str) -> None:
        for name in (
            "BEDROCK_MODEL_ID",
            "REVIEW_WAIT_SECONDS",
            "MAX_TOKENS",
            "OUTPUT_S3_URI",
            "POLL_DEADLINE_SECONDS",
            "POLL_INITIAL_SECONDS",
            "POLL_MAX_SECONDS",
        ):
            monkeypatch.delenv(name, raising=False)
        for name, value in variables.items():
            monkeypatch.setenv(name, value)
        for cached in (content_pipeline.settings, video_generation.settings, video_generation.video_model):
            cached.cache_clear()

    yield _configure
    for cached in (content_pipeline.settings, video_generation.settings, video_generation.video_model):
        cached.cache_clear()
