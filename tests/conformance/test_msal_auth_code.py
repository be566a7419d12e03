"""MSAL Python 1.39's authorization-code flow with PKCE against the sandbox (issue 10).

`initiate_auth_code_flow` makes the authorize URL (S256 challenge, state, nonce) for the well-known
Azure CLI public client with a loopback redirect; the sandbox's sign-in page is driven with plain
HTTP as a browser submits it; the `Location` it answers (http://localhost, where nothing listens) is
handed to `acquire_token_by_auth_code_flow`, which checks the state, redeems the code with the
verifier and checks the ID token's nonce. So MSAL, not only wpcrm's engine, accepts the emulation.
"""

import hashlib
import html
import re
import ssl
import urllib.error
import urllib.parse
import urllib.request

import msal
import pytest

from conftest import ADMIN, AZURE_CLI, GRAPH_SCOPE, jwt_claims

PASSWORD = "sandbox"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def sign_in(sandbox, auth_uri, decision="signin"):
    """GETs the sign-in page, posts its form as the seeded admin: the redirect's Location."""
    ctx = ssl.create_default_context(cafile=sandbox.ca_file)
    opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=ctx), _NoRedirect)
    with opener.open(auth_uri, timeout=10) as page:
        body = page.read().decode()
    assert 'id="email"' in body and 'id="signin"' in body, body
    form = {name: html.unescape(value)
            for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', body)}
    form.update({"email": ADMIN, "password": PASSWORD, "decision": decision})
    action = auth_uri.split("?")[0]
    req = urllib.request.Request(action, data=urllib.parse.urlencode(form).encode(), method="POST")
    try:
        opener.open(req, timeout=10)
    except urllib.error.HTTPError as redirect:
        assert redirect.code == 302, redirect.read()
        return redirect.headers["Location"]
    raise AssertionError("the sign-in page did not redirect")


def auth_response(location):
    parsed = urllib.parse.urlparse(location)
    assert (parsed.scheme, parsed.hostname) == ("http", "localhost"), location
    return dict(urllib.parse.parse_qsl(parsed.query))


def public_client(sandbox):
    return msal.PublicClientApplication(
        AZURE_CLI, authority=f"{sandbox.url}/organizations", instance_discovery=False, verify=sandbox.ca_file)


def test_auth_code_with_pkce_then_a_dataverse_token_from_the_refresh_token(sandbox):
    app = public_client(sandbox)
    flow = app.initiate_auth_code_flow([GRAPH_SCOPE], redirect_uri="http://localhost")
    assert "code_challenge_method=S256" in flow["auth_uri"]
    assert flow["auth_uri"].startswith(f"{sandbox.url}/organizations/oauth2/v2.0/authorize?")
    result = app.acquire_token_by_auth_code_flow(flow, auth_response(sign_in(sandbox, flow["auth_uri"])))
    assert "access_token" in result, result
    assert jwt_claims(result["access_token"])["aud"] == "https://graph.microsoft.com"
    # MSAL sends the SHA-256 of its nonce and checks that the ID token echoes it.
    assert result["id_token_claims"]["nonce"] == hashlib.sha256(flow["nonce"].encode()).hexdigest()
    accounts = app.get_accounts()
    assert accounts, "MSAL found no account after the code flow"
    dataverse = app.acquire_token_silent([sandbox.env_url() + "/.default"], account=accounts[0])
    assert dataverse and "access_token" in dataverse, dataverse


def test_a_code_is_single_use_and_a_wrong_verifier_is_refused(sandbox):
    app = public_client(sandbox)
    flow = app.initiate_auth_code_flow([GRAPH_SCOPE], redirect_uri="http://localhost")
    response = auth_response(sign_in(sandbox, flow["auth_uri"]))
    tampered = dict(flow, code_verifier=flow["code_verifier"][::-1])
    refused = app.acquire_token_by_auth_code_flow(tampered, response)
    assert refused.get("error") == "invalid_grant" and 501481 in refused.get("error_codes", []), refused
    assert "access_token" in app.acquire_token_by_auth_code_flow(flow, response)
    again = app.acquire_token_by_auth_code_flow(flow, response)
    assert 54005 in again.get("error_codes", []), again


def test_msal_rejects_a_response_of_another_state(sandbox):
    app = public_client(sandbox)
    flow = app.initiate_auth_code_flow([GRAPH_SCOPE], redirect_uri="http://localhost")
    response = auth_response(sign_in(sandbox, flow["auth_uri"]))
    with pytest.raises(ValueError):
        app.acquire_token_by_auth_code_flow(flow, dict(response, state="someone-else"))


@pytest.mark.parametrize("variant, error, code", [
    ("blocked", "access_denied", 53003),
    ("mfa_required", "interaction_required", 50076),
    ("consent_required", "consent_required", 65001),
])
def test_a_policy_sends_the_error_back_to_the_redirect(sandbox, variant, error, code):
    sandbox.control("POST", "policy/sign-in", {"flow": "authorize", "variant": variant})
    app = public_client(sandbox)
    flow = app.initiate_auth_code_flow([GRAPH_SCOPE], redirect_uri="http://localhost")
    result = app.acquire_token_by_auth_code_flow(flow, auth_response(sign_in(sandbox, flow["auth_uri"])))
    assert result.get("error") == error, result
    assert result.get("error_description", "").startswith(f"AADSTS{code}:"), result


def test_cancel_is_access_denied(sandbox):
    app = public_client(sandbox)
    flow = app.initiate_auth_code_flow([GRAPH_SCOPE], redirect_uri="http://localhost")
    result = app.acquire_token_by_auth_code_flow(flow, auth_response(sign_in(sandbox, flow["auth_uri"], "cancel")))
    assert result.get("error") == "access_denied", result
