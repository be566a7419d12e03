"""The sandbox's seeded world for the Python tests, read from seed/default.json: the one place its ids
and secrets are written. Used by the conformance suite (conftest.py) and by the sandbox's SDK smoke
test (crates/wpcrm-sandbox/tests/sdk/smoke.py), so no Python test keeps its own copy.
"""

import functools
import json
import pathlib

SEED_FILE = pathlib.Path(__file__).resolve().parents[2] / "seed" / "default.json"


@functools.cache
def seed():
    """The whole seed, decoded once."""
    return json.loads(SEED_FILE.read_text())


def _find(collection, what, match):
    for item in seed()[collection]:
        if match(item):
            return item
    raise LookupError(f"no {what} in {SEED_FILE}")


def tenant():
    """The tenant: id, domain, display_name, ..."""
    return seed()["tenant"]


def user(name):
    """A seeded user by the local part of its UPN ("admin", "maker", "blocked"): upn, password, id, ..."""
    return _find("users", f"user {name}", lambda u: u["upn"].split("@")[0] == name)


def app(name):
    """A seeded app registration by name ("wp-ok", ...): app_id, object_id, service_principal_id, secrets."""
    return _find("applications", f"application {name}", lambda a: a["name"] == name)


def credentials(name):
    """(client id, secret value, secret id) of a seeded app registration."""
    record = app(name)
    secret = record["secrets"][0]
    return record["app_id"], secret["value"], secret["key_id"]


def public_client(name):
    """The app id of a seeded public client by name ("Microsoft Azure CLI", ...)."""
    return _find("public_clients", f"public client {name}", lambda c: c["name"] == name)["app_id"]


def environment(name=None):
    """A seeded Dataverse environment by name; without a name the first one (the only one seeded)."""
    return _find("environments", f"environment {name}", lambda e: name is None or e["name"] == name)


def table(logical_name):
    """A seeded Dataverse table by logical name, with its seeded records."""
    return _find("tables", f"table {logical_name}", lambda t: t["logical_name"] == logical_name)
