"""`make setup` chooses its toolchain: the installed engine and the registry
when the registry answers, else OpenTofu and the providers built from Go
modules. Every probe here goes to a loopback server the test starts or to a
dead loopback port, never to a real registry."""

import contextlib
import http.server
import os
import subprocess
import threading
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
TOOLCHAIN = REPO / "devkit" / "toolchain"
CHOOSE = TOOLCHAIN / "choose-toolchain.sh"
VERSIONS = dict(line.split("=", 1) for line in (TOOLCHAIN / "versions.env").read_text().splitlines() if "=" in line)
# Nothing listens on the discard port: the probe is refused at once.
DEAD_URL = "http://127.0.0.1:9/.well-known/terraform.json"
DISCOVERY = b'{"modules.v1": "/v1/modules/", "providers.v1": "/v1/providers/"}'
# Hidden from the tests' PATH so that only the fakes a test installs exist (no Go either).
HIDDEN = {"terraform", "tofu", "tflint", "terraform-docs", "go"}
# Settings of the calling `make test` that must not leak into the make under test.
INHERITED = {"TF", "TOFU", "TOOLCHAIN", "TF_CLI_CONFIG_FILE", "CACHE", "MAKEFLAGS", "MFLAGS", "MAKELEVEL"}


class Registry:
    """A loopback stand-in for a registry host: answers every GET with `body`
    after `delay` seconds and records the paths asked for."""

    def __init__(self):
        self.body, self.delay, self.paths = DISCOVERY, 0.0, []
        registry = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                registry.paths.append(self.path)
                time.sleep(registry.delay)
                # The client may have given up already (the time limit test).
                with contextlib.suppress(ConnectionError):
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    self.wfile.write(registry.body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/.well-known/terraform.json"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def registry():
    registry = Registry()
    yield registry
    registry.server.shutdown()
    registry.server.server_close()


@pytest.fixture(scope="session")
def system_bin(tmp_path_factory) -> Path:
    """Links to every command on PATH except the HIDDEN ones."""
    links = tmp_path_factory.mktemp("system-bin")
    for directory in filter(None, os.environ["PATH"].split(os.pathsep)):
        if not Path(directory).is_dir():
            continue
        for command in Path(directory).iterdir():
            link = links / command.name
            if command.name not in HIDDEN and not link.exists() and os.access(command, os.X_OK):
                link.symlink_to(command)
    return links


class Machine:
    """A PATH with chosen fake tools, a private cache and a clean environment."""

    def __init__(self, tmp_path: Path, system_bin: Path):
        self.bin = tmp_path / "fake-bin"
        self.bin.mkdir()
        self.cache = tmp_path / "cache"
        self.env = {k: v for k, v in os.environ.items() if k not in INHERITED and not k.lower().endswith("_proxy")}
        # No proxy, no ~/.curlrc; the probe URL is always loopback, even where a test forgets to set it.
        self.env |= {
            "PATH": f"{self.bin}{os.pathsep}{system_bin}",
            "CURL_HOME": str(tmp_path),
            "NO_PROXY": "127.0.0.1",
            "TOOLCHAIN_REGISTRY_URL": DEAD_URL,
        }

    def install(self, *names: str) -> None:
        for name in names:
            fake = self.bin / name
            fake.write_text(f'#!/bin/sh\necho "fake {name} v1.11.4"\n')
            fake.chmod(0o755)

    def choose(self, *mode: str) -> subprocess.CompletedProcess:
        return subprocess.run([CHOOSE, self.cache, *mode], env=self.env, capture_output=True, text=True)

    def decide(self, *mode: str) -> tuple[str, str, str]:
        """(choice, engine, reason)"""
        result = self.choose(*mode)
        assert result.returncode == 0, result.stderr
        choice, engine, reason = result.stdout.rstrip("\n").split(" ", 2)
        return choice, engine, reason

    def make(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(
            ["make", f"CACHE={self.cache}", *args], cwd=REPO, env=self.env, capture_output=True, text=True
        )
        assert result.returncode == 0 or not check, result.stdout + result.stderr
        return result

    def make_variables(self, *args: str) -> dict[str, str]:
        """TF, the linters and the exported CLI configuration as the Makefile sets them."""
        show = (
            "show-toolchain: ; @printf '%s\\n' TF=$(TF) TFLINT=$(TFLINT) TERRAFORM_DOCS=$(TERRAFORM_DOCS)"
            ' "TF_CLI_CONFIG_FILE=$$TF_CLI_CONFIG_FILE"'
        )
        out = self.make("-s", f"--eval={show}", "show-toolchain", *args).stdout
        return dict(line.split("=", 1) for line in out.splitlines())

    def go_tools_plan(self, *args: str) -> list[str]:
        """The commands `make go-tools` would run."""
        return self.make("-n", "go-tools", *args).stdout.splitlines()


@pytest.fixture
def machine(tmp_path, system_bin) -> Machine:
    return Machine(tmp_path, system_bin)


def built(cache: Path, name: str, version_key: str) -> str:
    return f"{cache}/bin/{name}-{VERSIONS[version_key].removeprefix('v')}"


# --- the decision (devkit/toolchain/choose-toolchain.sh) ---


@pytest.mark.parametrize(
    ("installed", "engine"), [(["terraform"], "terraform"), (["tofu"], "tofu"), (["tofu", "terraform"], "terraform")]
)
def test_auto_uses_the_installed_engine_when_its_registry_answers(machine, registry, installed, engine):
    machine.install(*installed)
    machine.env["TOOLCHAIN_REGISTRY_URL"] = registry.url

    assert machine.decide()[:2] == ("registry", str(machine.bin / engine))
    assert registry.paths == ["/.well-known/terraform.json"]


def test_auto_builds_from_source_when_the_registry_is_unreachable(machine):
    machine.install("terraform")

    choice, engine, reason = machine.decide()

    assert (choice, engine) == ("source", "-")
    assert DEAD_URL in reason


def test_auto_builds_from_source_when_the_answer_is_not_a_discovery_document(machine, registry):
    # A proxy's or captive portal's page says 200 too.
    machine.install("terraform")
    machine.env["TOOLCHAIN_REGISTRY_URL"] = registry.url
    registry.body = b"<html>Sign in to the network</html>"

    assert machine.decide()[0] == "source"
    assert len(registry.paths) == 1


def test_auto_stops_waiting_for_a_registry_at_the_time_limit(machine, registry):
    machine.install("terraform")
    machine.env |= {"TOOLCHAIN_REGISTRY_URL": registry.url, "TOOLCHAIN_PROBE_SECONDS": "1"}
    registry.delay = 10
    started = time.monotonic()

    choice, _, reason = machine.decide()

    assert choice == "source"
    assert "limit 1 s" in reason
    assert time.monotonic() - started < 5


def test_auto_builds_from_source_without_an_engine(machine, registry):
    machine.env["TOOLCHAIN_REGISTRY_URL"] = registry.url

    choice, engine, reason = machine.decide()

    assert (choice, engine) == ("source", "-")
    assert "neither terraform nor tofu" in reason
    assert registry.paths == []


def test_toolchain_source_builds_even_when_the_registry_answers(machine, registry):
    machine.install("terraform")
    machine.env["TOOLCHAIN_REGISTRY_URL"] = registry.url

    assert machine.decide("source")[:2] == ("source", "-")
    assert registry.paths == []


def test_toolchain_registry_trusts_the_user_without_probing(machine):
    machine.install("tofu")

    assert machine.decide("registry")[:2] == ("registry", str(machine.bin / "tofu"))


def test_toolchain_registry_needs_an_engine(machine):
    result = machine.choose("registry")

    assert result.returncode == 1
    assert "needs terraform or tofu on PATH" in result.stderr


def test_an_unknown_toolchain_is_refused(machine):
    result = machine.choose("mirror")

    assert result.returncode == 2
    assert "auto, source or registry" in result.stderr


def test_the_auto_decision_is_cached_until_its_file_is_deleted(machine, registry):
    machine.install("terraform")
    machine.env["TOOLCHAIN_REGISTRY_URL"] = registry.url
    assert machine.decide()[0] == "registry"

    registry.body = b"gone"
    choice, _, reason = machine.decide()
    assert choice == "registry"
    assert f"delete {machine.cache}/toolchain-choice to probe again" in reason
    assert len(registry.paths) == 1

    (machine.cache / "toolchain-choice").unlink()
    assert machine.decide()[0] == "source"
    assert len(registry.paths) == 2


def test_another_engine_is_probed_again(machine, registry):
    machine.install("terraform")
    machine.env["TOOLCHAIN_REGISTRY_URL"] = registry.url
    assert machine.decide()[0] == "registry"

    (machine.bin / "terraform").unlink()
    machine.install("tofu")
    assert machine.decide()[:2] == ("registry", str(machine.bin / "tofu"))
    assert len(registry.paths) == 2


# --- what `make setup` does with it (Makefile) ---


def test_make_builds_everything_from_go_when_the_registry_is_unreachable(machine):
    machine.install("terraform")

    assert f'devkit/toolchain/build-go-tools.sh "{machine.cache}"' in machine.go_tools_plan()
    assert machine.make_variables() == {
        "TF": str(machine.bin / "terraform"),
        "TFLINT": built(machine.cache, "tflint", "TFLINT_VERSION"),
        "TERRAFORM_DOCS": built(machine.cache, "terraform-docs", "TERRAFORM_DOCS_VERSION"),
        "TF_CLI_CONFIG_FILE": f"{machine.cache}/cli.tfrc",
    }


def test_make_without_an_engine_uses_the_opentofu_it_builds(machine):
    assert f'devkit/toolchain/build-go-tools.sh "{machine.cache}"' in machine.go_tools_plan()
    assert machine.make_variables()["TF"] == built(machine.cache, "tofu", "OPENTOFU_VERSION")


def test_make_toolchain_source_builds_everything_even_when_the_registry_answers(machine, registry):
    machine.install("terraform")
    machine.env["TOOLCHAIN_REGISTRY_URL"] = registry.url

    assert f'devkit/toolchain/build-go-tools.sh "{machine.cache}"' in machine.go_tools_plan("TOOLCHAIN=source")
    assert machine.make_variables("TOOLCHAIN=source")["TF_CLI_CONFIG_FILE"] == f"{machine.cache}/cli.tfrc"
    assert registry.paths == []


def test_make_with_a_registry_builds_only_the_linters_that_are_not_installed(machine, registry):
    machine.install("terraform", "tflint")
    machine.env["TOOLCHAIN_REGISTRY_URL"] = registry.url

    builds = [line for line in machine.go_tools_plan() if "build-go-tools.sh" in line]

    assert builds == [f'devkit/toolchain/build-go-tools.sh "{machine.cache}" terraform-docs']
    assert machine.make_variables() == {
        "TF": str(machine.bin / "terraform"),
        "TFLINT": str(machine.bin / "tflint"),
        "TERRAFORM_DOCS": built(machine.cache, "terraform-docs", "TERRAFORM_DOCS_VERSION"),
        "TF_CLI_CONFIG_FILE": f"{machine.cache}/cli-registry.tfrc",
    }


def test_make_go_tools_with_a_registry_and_installed_linters_needs_no_go(machine, registry):
    # Go is not on this PATH: the real target runs and builds nothing.
    machine.install("terraform", "tflint", "terraform-docs")
    machine.env["TOOLCHAIN_REGISTRY_URL"] = registry.url

    out = machine.make("go-tools").stdout

    assert out.startswith(f"Toolchain: registry - terraform is installed and {registry.url} answers")
    assert f"TF = {machine.bin / 'terraform'} (fake terraform v1.11.4)" in out
    config = (machine.cache / "cli-registry.tfrc").read_text()
    assert config == f'plugin_cache_dir = "{machine.cache}/plugin-cache"\n'
    assert (machine.cache / "plugin-cache").is_dir()
    assert not (machine.cache / "bin").exists()


def test_make_go_tools_with_a_registry_builds_a_missing_linter_only(machine, registry):
    # A tflint built earlier is reused; nothing else is built and no mirror is configured.
    machine.install("terraform", "terraform-docs")
    machine.env["TOOLCHAIN_REGISTRY_URL"] = registry.url
    tflint = Path(built(machine.cache, "tflint", "TFLINT_VERSION"))
    tflint.parent.mkdir(parents=True)
    tflint.write_text("#!/bin/sh\n")
    tflint.chmod(0o755)

    out = machine.make("go-tools").stdout

    assert "Go tools" in out
    assert f"cached   tflint {VERSIONS['TFLINT_VERSION'].removeprefix('v')}" in out
    assert sorted(p.name for p in (machine.cache / "bin").iterdir()) == [tflint.name]
    assert not (machine.cache / "cli.tfrc").exists()


def test_make_go_tools_with_a_registry_asks_for_go_to_build_a_missing_linter(machine, registry):
    machine.install("terraform", "terraform-docs")
    machine.env["TOOLCHAIN_REGISTRY_URL"] = registry.url

    result = machine.make("go-tools", check=False)

    assert result.returncode != 0
    assert f"building tflint {VERSIONS['TFLINT_VERSION'].removeprefix('v')} needs Go on PATH" in result.stderr
