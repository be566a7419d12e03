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

import seed_fixtures

ROOT = pathlib.Path(__file__).resolve().parents[2]

# The seeded world (seed/default.json, docs/sandbox.md), read through seed_fixtures.
TENANT_ID = seed_fixtures.tenant()["id"]
TENANT_DOMAIN = seed_fixtures.tenant()["domain"]
AZURE_CLI = seed_fixtures.public_client("Microsoft Azure CLI")
GRAPH_SCOPE = "https://graph.microsoft.com/.default"
ADMIN = seed_fixtures.user("admin")["upn"]
MAKER = seed_fixtures.user("maker")["upn"]
BLOCKED = seed_fixtures.user("blocked")["upn"]
ENVIRONMENT = seed_fixtures.environment()["name"]

# Seeded app registrations: name -> (client id, secret value, secret id)
APPS = {a["name"]: seed_fixtures.credentials(a["name"]) for a in seed_fixtures.seed()["applications"]}

# Deliberately not seeded: ids the sandbox must not know.
UNKNOWN_APP_ID = "99999999-9999-4999-8999-999999999999"
UNKNOWN_TENANT_ID = "00000000-0000-4000-8000-000000000000"


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

    def env_url(self, env=ENVIRONMENT):
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
