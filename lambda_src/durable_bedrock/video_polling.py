"""When to ask Bedrock whether a video job is done (GetAsyncInvoke).

The first check comes when the job is expected to be done: the generation
time AWS documents for the model family and the requested duration (or
POLL_FIRST_WAIT_SECONDS). Each later check comes POLL_WAIT_PERCENT of the
time already waited later (at least MIN_WAIT_SECONDS, at most
POLL_MAX_SECONDS), so a job slower than expected is found at most that
fraction of its own duration late, with few calls. The last check is made
exactly at POLL_DEADLINE_SECONDS: a job done by then is always found.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

# A check sooner than this after the previous one can make the video known at
# most this much sooner: not worth a call.
MIN_WAIT_SECONDS = 10

# Documented generation times, the only ones AWS gives for Bedrock's video
# models (Amazon Nova user guide, "Video generation access and usage",
# https://docs.aws.amazon.com/nova/latest/userguide/video-gen-access.html, read
# 2026-11-24): "Generating a video with Amazon Nova Reel is an asynchronous
# process that typically takes about 90 seconds for a 6 second video and
# approximately 14-17 minutes for a 2 minute video." Both at Nova Reel's one
# resolution, 1280x720 at 24 fps (the one this module requests). We take the
# low end, 14 min: the first check is then when the job is typically just done,
# and any job within the documented range is slower than expected, which the
# fraction-of-time-waited spacing finds at most POLL_WAIT_PERCENT late.
_SHORT_CLIP = (6, 90)  # (video seconds, generation seconds)
_LONG_VIDEO = (120, 14 * 60)


def _documented_curve(video_seconds: int) -> int:
    """Generation seconds for a 720p video of `video_seconds`: the two documented
    points, a fixed cost plus a cost per video second between them (multi-shot
    videos are made 6 s shot by shot), rounded down."""
    (short, short_time), (long, long_time) = _SHORT_CLIP, _LONG_VIDEO
    return short_time + (video_seconds - short) * (long_time - short_time) // (long - short)


def expected_generation_seconds(family: str, video_seconds: int) -> int:
    """How long a job of `family` making `video_seconds` of 720p video typically takes.

    amazon.nova-reel-v1: the documented figures above (6 s: 90 s; 120 s: 840 s).
    luma.ray-v2: AWS documents no generation time (the Bedrock user guide's
    "Luma AI models" page says only to wait until the job is finished); its
    5 s and 9 s clips at 720p are taken to cost what Nova Reel's documented
    curve gives for the same length at the same resolution (5 s: 83 s, 9 s:
    109 s). Set POLL_FIRST_WAIT_SECONDS to the time your jobs really take.
    """
    if family not in ("amazon.nova-reel-v1", "luma.ray-v2"):
        raise ValueError(f"no expected generation time for the model family {family!r}")
    return _documented_curve(video_seconds)


@dataclass(frozen=True)
class PollSchedule:
    """Check times: first_wait, then each wait_percent of the time waited later."""

    first_wait_seconds: int
    wait_percent: int
    max_wait_seconds: int
    deadline_seconds: int

    def first_check_at(self) -> int:
        return min(self.first_wait_seconds, self.deadline_seconds)

    def wait_after_check_at(self, waited_seconds: int) -> int:
        """Seconds from the check made after `waited_seconds` of waiting to the next
        one; 0 once the deadline has been checked."""
        grown = waited_seconds * self.wait_percent // 100
        wait = min(max(grown, MIN_WAIT_SECONDS), self.max_wait_seconds)
        return max(0, min(wait, self.deadline_seconds - waited_seconds))

    def check_times(self) -> Iterator[int]:
        """Seconds after the job's start of every check, the deadline's last."""
        at = self.first_check_at()
        while True:
            yield at
            wait = self.wait_after_check_at(at)
            if wait == 0:
                return
            at += wait
