"""What every local AWS compatibility patch is built from: the check that
the ministack attribute it rebinds still exists, the rebinding itself, and
the table of regions a system-defined inference profile routes to (shared
by GetInferenceProfile and the IAM checks of the Bedrock runtime)."""

from __future__ import annotations

from importlib import metadata


class CompatError(RuntimeError):
    """The installed ministack is not the one this layer was written for."""


def original(module, name: str):
    """The attribute about to be patched; refuses to go on if it is gone."""
    if not hasattr(module, name):
        raise CompatError(
            f"ministack {metadata.version('ministack')}: {module.__name__}.{name} no longer exists; "
            "devkit/local_aws/ must be updated for this ministack version"
        )
    return getattr(module, name)


def replace(module, name: str, replacement) -> None:
    original(module, name)
    setattr(module, name, replacement)


# Regions a system-defined (cross-region) inference profile routes to, by prefix.
PROFILE_DESTINATIONS = {
    "us": ("us-east-1", "us-east-2", "us-west-2"),
    "us-gov": ("us-gov-east-1", "us-gov-west-1"),
    "eu": ("eu-central-1", "eu-west-1", "eu-west-3"),
    "apac": ("ap-northeast-1", "ap-southeast-1", "ap-southeast-2"),
    "jp": ("ap-northeast-1", "ap-northeast-3"),
    "au": ("ap-southeast-2", "ap-southeast-4"),
    "ca": ("ca-central-1", "ca-west-1"),
}


def system_profile_routes(profile_id: str, region: str) -> tuple[str, tuple[str, ...]] | None:
    """(foundation model id, destination regions) of a system-defined profile
    id such as `us.anthropic.claude-haiku-4-5-20251001-v1:0` called in
    `region` (a `global.` profile: that region here); None for any other id.
    Shared by GetInferenceProfile (ministack_compat.py) and the IAM checks of
    the runtime (compat_iam_bedrock.py)."""
    prefix, _, model_id = profile_id.partition(".")
    if "." not in model_id or prefix not in (*PROFILE_DESTINATIONS, "global"):
        return None
    return model_id, (region,) if prefix == "global" else PROFILE_DESTINATIONS[prefix]
