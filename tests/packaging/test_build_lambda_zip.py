"""The deployment package is byte-identical across directories, times, umasks and runs."""

import hashlib
import http.server
import io
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BUILDER = REPO / "packaging" / "build_lambda_zip.py"


def build(source_dir: Path, out_dir: Path, umask: int, *extra: str) -> dict:
    def set_umask():
        os.umask(umask)

    result = subprocess.run(
        [sys.executable, str(BUILDER), "--source-dir", str(source_dir), "--out-dir", str(out_dir), *extra],
        capture_output=True,
        text=True,
        preexec_fn=set_umask,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def copy_sources(target: Path) -> Path:
    shutil.copytree(REPO / "lambda_src", target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def test_two_builds_in_different_places_times_and_umasks_are_identical(tmp_path):
    first_src = copy_sources(tmp_path / "checkout-a" / "lambda_src")
    first = build(first_src, tmp_path / "out-a", 0o022, "--requirements", str(first_src / "requirements.txt"))
    time.sleep(2.1)  # zip timestamps have 2-second resolution
    second_src = copy_sources(tmp_path / "elsewhere" / "b" / "src")
    for path in second_src.rglob("*"):  # other mtimes and modes, as on another machine
        os.utime(path, (time.time(), time.time()))
        if path.is_file():
            path.chmod(0o600)
    second = build(second_src, tmp_path / "out-b", 0o077, "--requirements", str(second_src / "requirements.txt"))

    assert first["base64sha256"] == second["base64sha256"]
    assert Path(first["path"]).read_bytes() == Path(second["path"]).read_bytes()
    assert Path(first["path"]).name == Path(second["path"]).name


def test_entries_are_sorted_stored_with_fixed_time_and_mode(tmp_path):
    built = build(copy_sources(tmp_path / "src"), tmp_path / "out", 0o022)

    with zipfile.ZipFile(built["path"]) as archive:
        infos = archive.infolist()
    names = [info.filename for info in infos]
    assert names == sorted(names)
    assert "durable_bedrock/content_pipeline.py" in names
    assert "requirements.txt" not in names and not any("__pycache__" in name for name in names)
    assert {info.date_time for info in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert {info.external_attr >> 16 for info in infos} == {0o100644}
    assert {info.compress_type for info in infos} == {zipfile.ZIP_STORED}


def test_botocore_models_are_pruned_to_the_services_called(tmp_path):
    src = copy_sources(tmp_path / "src")
    built = build(
        src,
        tmp_path / "out",
        0o022,
        "--requirements",
        str(src / "requirements.txt"),
        "--botocore-services",
        "bedrock-runtime,lambda",
    )

    with zipfile.ZipFile(built["path"]) as archive:
        services = {
            name.split("/")[2]
            for name in archive.namelist()
            if name.startswith("botocore/data/") and name.count("/") >= 3
        }
    assert services == {"bedrock-runtime", "lambda"}


class LoopbackIndex:
    """A PEP 691 package index on 127.0.0.1 serving wheels made by the test."""

    def __init__(self, files: dict[str, bytes], advertised: dict[str, str] | None = None):
        self.files = files
        self.advertised = advertised or {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
        index = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path == "/simple/demo-lib/":
                    body = json.dumps(
                        {
                            "files": [
                                {"filename": name, "url": f"{index.url}/files/{name}", "hashes": {"sha256": sha}}
                                for name, sha in index.advertised.items()
                            ]
                        }
                    ).encode()
                elif self.path.startswith("/files/") and self.path[7:] in index.files:
                    body = index.files[self.path[7:]]
                else:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def wheel(module_text: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("demo_lib/__init__.py", module_text)
    return buffer.getvalue()


def build_with_requirements(tmp_path: Path, line: str, index_url: str = "http://127.0.0.1:9/simple"):
    """Builds lambda_src with a one-line requirements file, a private wheel
    cache and the given (loopback) package index."""
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(line + "\n")
    return subprocess.run(
        [sys.executable, str(BUILDER), "--source-dir", str(REPO / "lambda_src"), "--out-dir", str(tmp_path / "out"),
         "--requirements", str(requirements), "--wheel-cache", str(tmp_path / "wheels")],
        capture_output=True,
        text=True,
        env={**os.environ, "PIP_INDEX_URL": index_url},
        check=False,
    )  # fmt: skip


def build_with_index(tmp_path: Path, index: LoopbackIndex, pin_sha: str):
    return build_with_requirements(tmp_path, f"demo-lib==1.0 --hash=sha256:{pin_sha}", f"{index.url}/simple")


@pytest.fixture
def index():
    servers = []

    def _index(files, advertised=None):
        servers.append(LoopbackIndex(files, advertised))
        return servers[-1]

    yield _index
    for server in servers:
        server.close()


def test_a_pinned_wheel_is_downloaded_verified_cached_and_bundled(tmp_path, index):
    data = wheel("VALUE = 1\n")
    served = index({"demo_lib-1.0-py3-none-any.whl": data})

    result = build_with_index(tmp_path, served, hashlib.sha256(data).hexdigest())

    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(json.loads(result.stdout)["path"]) as archive:
        assert archive.read("demo_lib/__init__.py") == b"VALUE = 1\n"
    assert (tmp_path / "wheels" / f"{hashlib.sha256(data).hexdigest()}.whl").read_bytes() == data


def test_a_wheel_whose_bytes_do_not_match_the_pin_is_refused(tmp_path, index):
    pinned = wheel("VALUE = 1\n")
    sha = hashlib.sha256(pinned).hexdigest()
    tampered = index({"demo_lib-1.0-py3-none-any.whl": wheel("VALUE = 666\n")}, {"demo_lib-1.0-py3-none-any.whl": sha})

    result = build_with_index(tmp_path, tampered, sha)

    assert result.returncode == 1
    assert "does not match its pinned sha256" in result.stderr
    assert not (tmp_path / "wheels" / f"{sha}.whl").exists()


def test_a_platform_wheel_is_refused(tmp_path, index):
    data = wheel("VALUE = 1\n")
    served = index({"demo_lib-1.0-cp313-cp313-manylinux_2_17_x86_64.whl": data})

    result = build_with_index(tmp_path, served, hashlib.sha256(data).hexdigest())

    assert result.returncode == 1
    assert "is not a pure-Python wheel" in result.stderr


def test_a_hash_the_index_does_not_have_is_refused(tmp_path, index):
    served = index({"demo_lib-1.0-py3-none-any.whl": wheel("VALUE = 1\n")})

    result = build_with_index(tmp_path, served, "0" * 64)

    assert result.returncode == 1
    assert "no file with sha256 " + "0" * 64 in result.stderr


@pytest.mark.parametrize("line", ["boto3==1.44.5", "boto3>=1.44 --hash=sha256:" + "0" * 64])
def test_requirements_without_an_exact_pin_and_hash_are_refused(tmp_path, line):
    result = build_with_requirements(tmp_path, line)

    assert result.returncode == 1
    assert "expected 'name==version --hash=sha256:<64 hex>'" in result.stderr
