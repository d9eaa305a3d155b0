"""Per-model-family adapters for text-to-video generation.

Each family knows what its model accepts (prompt length, durations, seed) and
how its StartAsyncInvoke `modelInput` is shaped. The family is chosen once,
from BEDROCK_MODEL_ID, at cold start; an unknown family is a configuration
error. To add a model, add an adapter and list it in FAMILIES.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol, TypedDict

from durable_bedrock.errors import ConfigurationError, InputError
from durable_bedrock.inputs import VideoRequest


class LumaRay2Input(TypedDict):
    """Luma Ray 2's modelInput."""

    prompt: str
    duration: str  # "5s" or "9s"
    resolution: str
    aspect_ratio: str
    loop: bool


class NovaReelText(TypedDict):
    text: str


class NovaReelVideoConfig(TypedDict):
    durationSeconds: int
    fps: int
    dimension: str
    seed: int


class NovaReelSingleShotInput(TypedDict):
    """Nova Reel's modelInput for one 6 s shot."""

    taskType: Literal["TEXT_VIDEO"]
    textToVideoParams: NovaReelText
    videoGenerationConfig: NovaReelVideoConfig


class NovaReelMultiShotInput(TypedDict):
    """Nova Reel's modelInput for a 12-120 s video, shots chosen by the model."""

    taskType: Literal["MULTI_SHOT_AUTOMATED"]
    multiShotAutomatedParams: NovaReelText
    videoGenerationConfig: NovaReelVideoConfig


ModelInput = LumaRay2Input | NovaReelSingleShotInput | NovaReelMultiShotInput


@dataclass(frozen=True)
class VideoJob:
    """A validated request, ready for StartAsyncInvoke."""

    model_input: ModelInput
    duration_seconds: int
    seed: int | None
    resolution: str  # what Bedrock bills a video by, with its model and duration (the cost ledger records it)


class VideoModel(Protocol):
    """What every family's adapter offers."""

    family: str  # the base model id's prefix, e.g. luma.ray-v2; video_polling.py knows its generation times

    def job(self, request: VideoRequest) -> VideoJob: ...


class LumaRay2:
    """Luma Ray 2 (luma.ray-v2:0): Active on Bedrock, 5 s or 9 s clips, no seed."""

    family = "luma.ray-v2"
    max_prompt_chars = 5000
    durations = (5, 9)

    def job(self, request: VideoRequest) -> VideoJob:
        _check_prompt(request.prompt, self.max_prompt_chars, self.family)
        duration = _check_duration(request.duration_seconds, self.durations, self.family)
        if request.seed is not None:
            raise InputError("seed", f"{self.family} does not accept a seed; omit the field")
        model_input: LumaRay2Input = {
            "prompt": request.prompt,
            "duration": f"{duration}s",
            "resolution": "720p",
            "aspect_ratio": "16:9",
            "loop": False,
        }
        return VideoJob(model_input=model_input, duration_seconds=duration, seed=None, resolution="720p")


class NovaReel:
    """Amazon Nova Reel (amazon.nova-reel-v1:0 / v1:1), Legacy with end of life
    2026-09-30: kept for accounts that still have it. v1:0 makes 6 s videos;
    v1:1 also makes 12-120 s videos (multiples of 6) as multi-shot jobs."""

    family = "amazon.nova-reel-v1"
    seed_range = (0, 2_147_483_646)

    def __init__(self, model_id: str):
        self.multi_shot = "nova-reel-v1:1" in model_id
        self.durations = tuple(range(6, 121, 6)) if self.multi_shot else (6,)

    def job(self, request: VideoRequest) -> VideoJob:
        duration = _check_duration(request.duration_seconds, self.durations, self.family)
        seed = 0 if request.seed is None else request.seed
        low, high = self.seed_range
        if not low <= seed <= high:
            raise InputError("seed", f"is {seed}; {self.family} accepts {low} to {high}")
        config: NovaReelVideoConfig = {"durationSeconds": duration, "fps": 24, "dimension": "1280x720", "seed": seed}
        model_input: NovaReelSingleShotInput | NovaReelMultiShotInput
        if duration == 6:
            _check_prompt(request.prompt, 512, self.family)
            model_input = {
                "taskType": "TEXT_VIDEO",
                "textToVideoParams": {"text": request.prompt},
                "videoGenerationConfig": config,
            }
        else:
            _check_prompt(request.prompt, 4000, self.family)
            model_input = {
                "taskType": "MULTI_SHOT_AUTOMATED",
                "multiShotAutomatedParams": {"text": request.prompt},
                "videoGenerationConfig": config,
            }
        return VideoJob(model_input=model_input, duration_seconds=duration, seed=seed, resolution=config["dimension"])


def _check_prompt(prompt: str, max_chars: int, family: str) -> None:
    if len(prompt) > max_chars:
        raise InputError("prompt", f"is {len(prompt)} characters long; {family} accepts at most {max_chars}")


def _check_duration(requested: int | None, allowed: tuple[int, ...], family: str) -> int:
    if requested is None:
        return allowed[0]
    if requested not in allowed:
        raise InputError("duration_seconds", f"is {requested}; {family} accepts {list(allowed)}")
    return requested


# Optional ARN prefix, optional cross-region inference profile prefix (us., eu., global., ...).
_BASE_MODEL = re.compile(r"^(?:arn:[^/]+/)?(?:[a-z]{2,6}(?:-[a-z]+)?\.)?(?P<base>[a-z0-9-]+\.[a-z0-9-]+)")

FAMILIES: dict[str, Callable[[str], VideoModel]] = {
    LumaRay2.family: lambda model_id: LumaRay2(),
    NovaReel.family: NovaReel,
}


def video_model_for(model_id: str) -> VideoModel:
    """The adapter for BEDROCK_MODEL_ID, or a ConfigurationError listing the supported families."""
    match = _BASE_MODEL.match(model_id)
    base = match.group("base") if match else ""
    for family, adapter in FAMILIES.items():
        if base.startswith(family):
            return adapter(model_id)
    raise ConfigurationError(
        "BEDROCK_MODEL_ID",
        f"got {model_id!r}, which is not a supported text-to-video model; supported families: "
        f"{sorted(FAMILIES)} (e.g. luma.ray-v2:0)",
    )
