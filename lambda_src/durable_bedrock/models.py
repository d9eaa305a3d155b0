"""The Bedrock models a custom workflow calls, by the name its code uses.

The module's `models` input ({ classify = "us.amazon.nova-micro-v1:0", ... }) reaches the
function as one JSON object in BEDROCK_MODELS; its `model_id` (one model) as BEDROCK_MODEL_ID,
known here by the name "default". The role may invoke exactly these models, so a name the
code asks for and the module does not define fails at once, naming the names it knows::

    from durable_bedrock.models import model_id

    reply = bedrock.converse(modelId=model_id("write"), ...)

The environment of a published function version never changes, so reading it is the same on
every replay of an execution.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

from durable_bedrock.errors import ConfigurationError

MODELS_VARIABLE = "BEDROCK_MODELS"
MODEL_ID_VARIABLE = "BEDROCK_MODEL_ID"
DEFAULT_NAME = "default"  # model_id's name when the module sets BEDROCK_MODEL_ID alone

# The module's rules (variables.tf, variable "models"): snake_case names; ids without a slash
# or whole Bedrock ARNs.
_NAME = re.compile(r"^[a-z][a-z0-9]*(_[a-z][a-z0-9]*)*$")
_MODEL = re.compile(
    r"^(arn:aws[a-z-]*:bedrock:[a-z0-9-]*:([0-9]{12})?:[a-z-]+/[A-Za-z0-9._:/-]+|[A-Za-z0-9][A-Za-z0-9._:-]*)$"
)


class UnknownModelError(LookupError):
    """The code asked for a model name the module's `models` (or model_id) does not define."""

    def __init__(self, name: str, known: tuple[str, ...]):
        shown = ", ".join(repr(known_name) for known_name in known)
        super().__init__(
            f"no model named {name!r}: this function knows {shown} (the module's models input; "
            "add the name there, and the role may then invoke it)"
        )
        self.name, self.known = name, known


@dataclass(frozen=True)
class Models:
    """Model ids (or inference profile ids, or ARNs) by name."""

    by_name: Mapping[str, str]

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Models:
        raw = env.get(MODELS_VARIABLE, "").strip()
        if not raw:
            single = env.get(MODEL_ID_VARIABLE, "").strip()
            if not single:
                raise ConfigurationError(
                    MODELS_VARIABLE,
                    f"is not set, nor is {MODEL_ID_VARIABLE}: set the module's models (or model_id)",
                )
            return cls({DEFAULT_NAME: single})
        try:
            parsed = json.loads(raw)
        except ValueError:
            raise ConfigurationError(MODELS_VARIABLE, f"got {raw[:200]!r}; expected a JSON object") from None
        if not isinstance(parsed, dict) or not parsed:
            raise ConfigurationError(MODELS_VARIABLE, f"got {raw[:200]!r}; expected a non-empty JSON object")
        for name, value in parsed.items():
            if not _NAME.match(name):
                raise ConfigurationError(MODELS_VARIABLE, f"name {name!r} is not a snake_case identifier")
            if not isinstance(value, str) or not _MODEL.match(value) or len(value) > 2048:
                raise ConfigurationError(
                    MODELS_VARIABLE,
                    f"{name}: got {value!r}; expected a model id, an inference profile id or a Bedrock ARN",
                )
        return cls(dict(parsed))

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(sorted(self.by_name))

    def model_id(self, name: str) -> str:
        """The id Bedrock takes as modelId for this name; UnknownModelError names the known ones."""
        try:
            return self.by_name[name]
        except KeyError:
            raise UnknownModelError(name, self.names) from None


def model_id(name: str, env: Mapping[str, str] | None = None) -> str:
    """The model the module's `models` input gives this name (model_id is "default")."""
    return Models.from_env(os.environ if env is None else env).model_id(name)  # noqa: TID251 configuration, fixed per version
