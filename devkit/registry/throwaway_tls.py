"""A throwaway certificate authority and a server certificate for loopback, made
fresh for one test session with the openssl command line, and the CA bundle
that makes Terraform and OpenTofu trust it.

Terraform and OpenTofu are Go programs: on Linux, Go's crypto/x509 reads its
roots from the file named by SSL_CERT_FILE *instead of* the system bundle
(/etc/ssl/certs/ca-certificates.crt, ...), and from the directories of
SSL_CERT_DIR or, when that is unset, /etc/ssl/certs and /etc/pki/tls/certs
(go/src/crypto/x509/root_unix.go, loadSystemRoots; root_linux.go, certFiles and
certDirectories). So the bundle given as SSL_CERT_FILE is the system bundle with
the throwaway CA appended: nothing the system trusted is dropped, on
distributions whose certificate directory holds no PEM files too."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

# Go's certFiles on Linux (root_linux.go), in its order: the first that exists is the system bundle.
SYSTEM_BUNDLES = (
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/pki/tls/cacert.pem",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/ssl/cert.pem",
)
# Go verifies a server by its subject alternative names only (the common name is ignored since Go 1.15):
# both names a client may dial on loopback are listed.
SERVER_NAMES = "subjectAltName=DNS:localhost,IP:127.0.0.1"
DAYS = "1"  # a test session's lifetime is minutes; nothing signed here outlives a day


@dataclass(frozen=True)
class TlsFiles:
    ca_cert: Path  # the throwaway CA alone (for a Python client's ssl context)
    ca_bundle: Path  # the system bundle plus the throwaway CA: SSL_CERT_FILE for Terraform and OpenTofu
    server_cert: Path
    server_key: Path


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_throwaway_tls(folder: Path) -> TlsFiles:
    """Writes a new CA (its key never leaves `folder`) and a loopback server
    certificate it signed, P-256 keys, valid for a day."""
    folder.mkdir(parents=True, exist_ok=True)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    _openssl(
        "req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", DAYS,
        "-subj", "/CN=durable-bedrock throwaway test CA",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        cwd=folder,
    )  # fmt: skip
    _openssl("req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost", cwd=folder)
    (folder / "server.ext").write_text(
        f"{SERVER_NAMES}\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
        "extendedKeyUsage=serverAuth\n"
    )
    _openssl(
        "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-days", DAYS, "-extfile", "server.ext", "-out", "server.pem",
        cwd=folder,
    )  # fmt: skip
    system = next((Path(p) for p in SYSTEM_BUNDLES if Path(p).is_file()), None)
    ca = (folder / "ca.pem").read_text()
    bundle = folder / "ca-bundle.pem"
    bundle.write_text((system.read_text().rstrip("\n") + "\n" if system else "") + ca)
    return TlsFiles(folder / "ca.pem", bundle, folder / "server.pem", folder / "server.key")
