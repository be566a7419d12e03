"""Fixtures for driving wpcrm-sandbox with Microsoft's own SDKs.

The sandbox is started once per session from the built binary (WPCRM_SANDBOX_BIN, else
target/release or target/debug), on a free loopback port, with its CA written to a temporary file.
Every test starts from the seed: the `sandbox` fixture resets the world first.
"""

import base64
import json
import os
import pathlib
import ssl
import subprocess
import urllib.request

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]

TENANT_ID = "8d2c7a1e-4b5f-4c3a-9e8d-1f2a3b4c5d6e"
TENANT_DOMAIN = "contoso.onmicrosoft.com"
AZURE_CLI = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"
GRAPH_SCOPE = "https://graph.microsoft.com/.default"
ADMIN = "admin@contoso.onmicrosoft.com"
MAKER = "maker@contoso.onmicrosoft.com"

# Seeded app registrations (docs/sandbox.md): name -> (client id, secret value, secret id)
APPS = {
    "wp-ok": ("11111111-1111-4111-8111-111111111111", "Sbx8Q~okSecretValue.0000000000000000000001",
              "a1111111-1111-4111-8111-111111111111"),
    "wp-basic": ("44444444-4444-4444-8444-444444444444", "Sbx8Q~basicSecretValue.000000000000000004",
                 "a4444444-4444-4444-8444-444444444444"),
    "wp-expired": ("77777777-7777-4777-8777-777777777777", "Sbx8Q~expiredSecretValue.0000000000000007",
                   "a7777777-7777-4777-8777-777777777777"),
    "wp-nouser": ("22222222-2222-4222-8222-222222222222", "Sbx8Q~noUserSecretValue.00000000000000002",
                  "a2222222-2222-4222-8222-222222222222"),
}


def _binary():
    explicit = os.environ.get("WPCRM_SANDBOX_BIN")
    if explicit:
        return explicit
    for profile in ("release", "debug"):
        path = ROOT / "target" / profile / "wpcrm-sandbox"
        if path.exists():
            return str(path)
    pytest.exit("wpcrm-sandbox is not built (cargo build -p wpcrm-sandbox)", returncode=2)


class Sandbox:
    def __init__(self, url, ca_file):
        self.url = url
        self.ca_file = ca_file
        self._ssl = ssl.create_default_context(cafile=ca_file)

    def env_url(self, env="contoso"):
        return f"{self.url}/{env}"

    def control(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + "/_sandbox/" + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, context=self._ssl, timeout=10) as resp:
            raw = resp.read()
            return json.loads(raw) if raw else None

    def approve(self, user_code, user=ADMIN):
        self.control("POST", "device/approve", {"user_code": user_code, "user": user})

    def state(self):
        return self.control("GET", "state")


@pytest.fixture(scope="session")
def sandbox_process(tmp_path_factory):
    ca = tmp_path_factory.mktemp("sandbox") / "ca.pem"
    log = open(tmp_path_factory.mktemp("sandbox-log") / "stderr.log", "w")
    proc = subprocess.Popen([_binary(), "--listen", "127.0.0.1:0", "--ca-out", str(ca)],
                            stdout=subprocess.PIPE, stderr=log, text=True)
    line = proc.stdout.readline().strip()
    prefix = "wpcrm-sandbox listening on "
    if not line.startswith(prefix):
        proc.kill()
        pytest.exit(f"sandbox did not start: {line!r}", returncode=2)
    yield Sandbox(line[len(prefix):], str(ca))
    proc.terminate()
    proc.wait(timeout=10)
    log.close()


@pytest.fixture
def sandbox(sandbox_process):
    sandbox_process.control("POST", "reset")
    return sandbox_process


def jwt_claims(token):
    """Decodes an access token's payload without validating it, as a client may."""
    payload = token.split(".")[1]
    payload += "=" * (-len(payload) % 4)
    return json.loads(base64.urlsafe_b64decode(payload))
