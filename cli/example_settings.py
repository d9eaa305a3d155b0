"""What an example deploys, read from its Terraform files without running Terraform.

`make preflight` needs four facts before anything is initialised or planned:
the region, the Bedrock region, the model and which features the example
uses (workflow, SQS trigger), plus the function name for the IAM checks.
`terraform console` could evaluate them, but only after `init` (providers,
modules) and with the example's state; instead this reads the few literal
places the examples keep them:

- in the `provider "aws"` block: `region`;
- in the `module` block whose `source` is the module (`../..`, a registry
  address `<host>/<namespace>/durable-bedrock/aws`, or else the root's one
  module block): `name`,
  `workflow`, `model_id`, `models`, `bedrock_region`, `sqs_trigger`, and
  whether `source_dir` is set (a null workflow is then "custom");

each either a literal or `var.<name>` (`models`: a `{ name = "id", ... }`
object of quoted strings). A variable takes its value as
Terraform would, later sources winning: its `default` in a `variable` block,
`TF_VAR_<name>`, `terraform.tfvars`, `terraform.tfvars.json`, then
`*.auto.tfvars` and `*.auto.tfvars.json` in lexical order
(https://developer.hashicorp.com/terraform/language/values/variables#variable-definition-precedence).
Anything else (an expression, a local, a -var flag) cannot be read this way:
the reader then says which setting it could not read, and the caller passes it
explicitly (cli/preflight.py --region/--model-id/...). It never guesses.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Literal, NoReturn, TypedDict

# What the module picks when model_id is null (workflow.tf, locals.workflows.*.default_model_id).
DEFAULT_MODEL_IDS = {
    "content_pipeline": "us.anthropic.claude-haiku-4-5-20251001-v1:0",
    "video_generation": "luma.ray-v2:0",
}
DEFAULT_WORKFLOW = "content_pipeline"  # variables.tf, variable "workflow"

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_NUMBER = re.compile(r"-?\d+(\.\d+)?")
# One entry of a literal `models` object: name = "id", then a comma, a newline or the end.
_MODEL_ENTRY = re.compile(
    r'\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*("(?:[^"\\$%]|\\.)*"|var\.[A-Za-z_][A-Za-z0-9_-]*)\s*(?:,|\n|$)'
)


class Unreadable(Exception):
    """A setting the files do not give as a literal or a variable."""


class Expression(str):
    """An HCL value that is neither a literal nor a plain variable reference."""


# What parse() finds at one level: ("attr", name, raw value) and ("block", type, labels, body).
Attr = tuple[Literal["attr"], str, str]
Block = tuple[Literal["block"], str, list[str], str]
Item = Attr | Block
# literal()'s results: a literal's value, ("var", name) for var.<name>, or an Expression.
VarRef = tuple[Literal["var"], str]
HclValue = None | bool | int | float | str | VarRef


class ExampleSettings(TypedDict):
    region: str
    bedrock_region: object  # as written (region when unset); read() does not check it
    model_id: str | None  # None: a custom workflow's named models only
    models: dict[str, str]  # the module's models input; empty when unset
    workflow: str
    sqs: bool
    name: str


class _Scanner:
    """Just enough HCL to find top-level blocks and attributes: strings,
    comments, heredocs and nested brackets are skipped over, not evaluated."""

    def __init__(self, text: str, where: str):
        self.text, self.where, self.i = text, where, 0

    def fail(self, what: str) -> NoReturn:
        line = self.text.count("\n", 0, self.i) + 1
        raise Unreadable(f"{self.where}:{line}: {what}")

    def skip_blank(self, newlines: bool = True) -> None:
        text = self.text
        while self.i < len(text):
            char = text[self.i]
            if char in " \t\r" or (newlines and char == "\n"):
                self.i += 1
            elif char == "#" or text.startswith("//", self.i):
                end = text.find("\n", self.i)
                self.i = len(text) if end < 0 else end
            elif text.startswith("/*", self.i):
                end = text.find("*/", self.i)
                if end < 0:
                    self.fail("unterminated comment")
                self.i = end + 2
            else:
                return

    def skip_string(self) -> None:
        self.i += 1  # opening quote
        while self.i < len(self.text):
            char = self.text[self.i]
            if char == "\\":
                self.i += 2
            elif char == '"':
                self.i += 1
                return
            else:
                self.i += 1
        self.fail("unterminated string")

    def skip_heredoc(self) -> None:
        match = re.compile(r"<<-?([A-Za-z_][A-Za-z0-9_]*)[ \t]*\n").match(self.text, self.i)
        if not match:
            self.fail("unreadable heredoc")
        end = re.compile(rf"^[ \t]*{match.group(1)}[ \t]*$", re.M).search(self.text, match.end())
        if not end:
            self.fail("unterminated heredoc")
        self.i = end.end()

    def skip_value(self) -> str:
        """Up to the end of the line, over brackets, strings and heredocs."""
        start, depth = self.i, 0
        while self.i < len(self.text):
            char = self.text[self.i]
            if char == '"':
                self.skip_string()
            elif self.text.startswith("<<", self.i):
                self.skip_heredoc()
            elif char in "{[(":
                depth += 1
                self.i += 1
            elif char in "}])":
                if depth == 0:
                    break
                depth -= 1
                self.i += 1
            elif char == "\n" and depth == 0:
                break
            elif char == "#" or self.text.startswith("//", self.i) or self.text.startswith("/*", self.i):
                if depth == 0:
                    break
                self.skip_blank(newlines=False)
            else:
                self.i += 1
        return self.text[start : self.i].strip()

    def items(self) -> list[Item]:
        """("attr", name, raw value) and ("block", type, labels, body) at this level."""
        found: list[Item] = []
        while True:
            self.skip_blank()
            if self.i >= len(self.text) or self.text[self.i] == "}":
                return found
            ident = _IDENT.match(self.text, self.i)
            if not ident:
                self.fail(f"unexpected {self.text[self.i]!r}")
            self.i = ident.end()
            self.skip_blank(newlines=False)
            if self.text.startswith("=", self.i) and not self.text.startswith("==", self.i):
                self.i += 1
                self.skip_blank(newlines=False)
                found.append(("attr", ident.group(), self.skip_value()))
                continue
            labels: list[str] = []
            while self.i < len(self.text) and self.text[self.i] != "{":
                start = self.i
                if self.text[self.i] == '"':
                    self.skip_string()
                    labels.append(self.text[start + 1 : self.i - 1])
                elif label := _IDENT.match(self.text, self.i):
                    self.i = label.end()
                    labels.append(label.group())
                else:
                    break
                self.skip_blank(newlines=False)
            if not self.text.startswith("{", self.i):
                self.fail(f"expected a block after {ident.group()}")
            self.i += 1
            body_start = self.i
            _Scanner(self.text, self.where)._skip_block_into(self)
            found.append(("block", ident.group(), labels, self.text[body_start : self.i - 1]))

    def _skip_block_into(self, outer: _Scanner) -> None:
        """Moves `outer` past the block whose body starts at outer.i."""
        self.i = outer.i
        self.items()
        if self.i >= len(self.text):
            self.fail("unterminated block")
        outer.i = self.i + 1


def parse(text: str, where: str) -> list[Item]:
    return _Scanner(text, where).items()


def literal(raw: str) -> HclValue:
    """A Python value for an HCL literal; `var.x` as ("var", "x"); otherwise an Expression."""
    if raw == "null":
        return None
    if raw in ("true", "false"):
        return raw == "true"
    if _NUMBER.fullmatch(raw):
        return float(raw) if "." in raw else int(raw)
    reference = re.fullmatch(r"var\.([A-Za-z_][A-Za-z0-9_-]*)", raw)
    if reference:
        return ("var", reference.group(1))
    if len(raw) >= 2 and raw[0] == raw[-1] == '"' and "${" not in raw and "%{" not in raw:
        try:
            text: str = json.loads(raw)  # an HCL quoted string without templates reads like a JSON string
            return text
        except ValueError:
            pass
    return Expression(raw)


def named_models(found: object, where: str, variables: Mapping[str, object] | None = None) -> dict[str, str]:
    """The `models` object as written: a JSON object (*.tfvars.json) or an HCL one whose values are quoted
    strings or `var.<name>` (read from `variables`: defaults, tfvars, TF_VAR_)."""
    if found is None:
        return {}
    if isinstance(found, dict) and all(isinstance(value, str) for value in found.values()):
        return {str(name): value for name, value in found.items()}
    raw = str(found).strip()
    if isinstance(found, Expression) and raw.startswith("{") and raw.endswith("}"):
        body, models, i = raw[1:-1].strip(), {}, 0
        while i < len(body):
            entry = _MODEL_ENTRY.match(body, i)
            if entry is None:
                break
            written = literal(entry.group(2))
            given = (variables or {}).get(written[1]) if isinstance(written, tuple) else written
            if not isinstance(given, str):
                break
            models[entry.group(1)] = given
            i = entry.end()
        if i >= len(body):
            return models
    raise Unreadable(f'{where}: cannot read models from `{raw}` (expected {{ name = "id", ... }})')


def _tf_files(example_dir: Path) -> list[Path]:
    # Override files (e.g. the generated local_aws_override.tf) only merge into
    # blocks declared elsewhere; they hold no setting read here.
    return sorted(
        p for p in example_dir.glob("*.tf") if not p.name.endswith("_override.tf") and p.name != "override.tf"
    )


def variable_values(example_dir: Path, environ: Mapping[str, str]) -> dict[str, object]:
    """Each variable's value as Terraform would take it, as far as literals go
    (from *.tfvars.json: any JSON value)."""
    values: dict[str, object] = {}
    for path in _tf_files(example_dir):
        for item in parse(path.read_text(), str(path)):
            if item[0] == "block" and item[1] == "variable" and item[2]:
                defaults = [raw for kind, name, raw, *_ in _attrs(item[3], path) if name == "default"]
                values[item[2][0]] = literal(defaults[0]) if defaults else None
    for name in list(values):
        if f"TF_VAR_{name}" in environ:
            raw = environ[f"TF_VAR_{name}"]
            # A string variable takes the value as it is; an object is HCL ({...}).
            values[name] = Expression(raw.strip()) if raw.strip().startswith("{") else raw
    var_files = [example_dir / "terraform.tfvars", example_dir / "terraform.tfvars.json"]
    var_files += sorted(p for p in example_dir.iterdir() if p.name.endswith((".auto.tfvars", ".auto.tfvars.json")))
    for path in var_files:
        if not path.is_file():
            continue
        if path.name.endswith(".json"):
            values.update(json.loads(path.read_text()))
        else:
            for _, name, raw in _attrs(path.read_text(), path):
                values[name] = literal(raw)
    return values


def _attrs(body: str, path: Path) -> list[Attr]:
    return [item for item in parse(body, str(path)) if item[0] == "attr"]


# This module by registry address: [host[:port]/]namespace/durable-bedrock/aws (the name a release is published under).
_REGISTRY_SOURCE = re.compile(r"^([A-Za-z0-9.-]+(:[0-9]+)?/)?[A-Za-z0-9_-]+/durable-bedrock/aws$")


def _is_module_source(raw: str) -> bool:
    """This module as the examples source it (../..) or as a registry serves it."""
    source = literal(raw)
    return source in ("../..", "../../", "./../..") or (
        isinstance(source, str) and bool(_REGISTRY_SOURCE.match(source))
    )


def read(example_dir: str, environ: Mapping[str, str] | None = None) -> ExampleSettings:
    """{"region", "bedrock_region", "model_id", "workflow", "sqs", "name"}; a
    setting that cannot be read raises Unreadable naming it."""
    environ = os.environ if environ is None else environ
    root = Path(example_dir)
    if not root.is_dir():
        raise Unreadable(f"{example_dir} is not a directory")
    variables = variable_values(root, environ)
    provider: tuple[dict[str, str], Path] | None = None
    module: tuple[dict[str, str], Path] | None = None
    other_modules: list[tuple[dict[str, str], Path]] = []
    for path in _tf_files(root):
        for item in parse(path.read_text(), str(path)):
            if item[0] != "block":
                continue
            attrs = {name: raw for _, name, raw, *_ in _attrs(item[3], path)}
            if item[1] == "provider" and item[2] == ["aws"] and "alias" not in attrs:
                provider = (attrs, path)
            elif item[1] == "module" and _is_module_source(attrs.get("source", "")):
                module = (attrs, path)
            elif item[1] == "module":
                other_modules.append((attrs, path))
    # Your own root may source this module by a path or Git URL of its own: then its one module block is it.
    if module is None and len(other_modules) == 1:
        module = other_modules[0]
    if module is None:
        raise Unreadable(
            f'{example_dir}: no module block with source = "../.." or "<registry>/<namespace>/durable-bedrock/aws", '
            f"and {len(other_modules)} other module blocks (one would be taken as this module)"
        )

    def value(
        attrs_and_path: tuple[dict[str, str], Path], name: str, setting: str, allow_object: bool = False
    ) -> object:
        attrs, path = attrs_and_path
        if name not in attrs:
            return None
        found: object = literal(attrs[name])
        if isinstance(found, tuple):
            if found[1] not in variables:
                raise Unreadable(f"{path}: {setting} = {attrs[name]}, and there is no variable {found[1]!r}")
            found = variables[found[1]]
        if allow_object and (isinstance(found, dict) or (isinstance(found, Expression) and found.startswith("{"))):
            return found  # an object: set, whatever it holds
        if isinstance(found, Expression):
            raise Unreadable(f"{path}: cannot read {setting} from `{name} = {found}`")
        return found

    region = value(provider, "region", "the region") if provider else None
    region = region or environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION")
    # As workflow.tf decides: null is "custom" with source_dir (set, whatever it holds), else the default.
    own_code = "source_dir" in module[0] and literal(module[0]["source_dir"]) is not None
    workflow = value(module, "workflow", "the workflow") or ("custom" if own_code else DEFAULT_WORKFLOW)
    if workflow not in (*DEFAULT_MODEL_IDS, "custom"):  # so a str from here on
        raise Unreadable(f"{module[1]}: unknown workflow {workflow!r}")
    bedrock_region = value(module, "bedrock_region", "bedrock_region") or region
    models = named_models(value(module, "models", "models", allow_object=True), str(module[1]), variables)
    model_id = value(module, "model_id", "the model") or (None if models else DEFAULT_MODEL_IDS.get(str(workflow)))
    sqs = value(module, "sqs_trigger", "sqs_trigger", allow_object=True) is not None
    name = value(module, "name", "the function name")

    def text(found: object, setting: str) -> str:
        if not isinstance(found, str) or not found:
            raise Unreadable(f"{example_dir}: no {setting} (found {found!r})")
        return found

    return {
        "region": text(region, "region"),
        "bedrock_region": bedrock_region,
        "model_id": None if models and model_id is None else text(model_id, "model_id"),
        "models": models,
        "workflow": workflow,
        "sqs": sqs,
        "name": text(name, "name"),
    }
