"""MSAL Python 1.39 against the sandbox's Entra ID v2.0 endpoints.

Pointed at the sandbox as MSAL's own documentation of a custom authority says: an https authority on the
sandbox origin, instance discovery off (or aimed at the sandbox), `verify=` the sandbox CA.
Each failing case builds a new ConfidentialClientApplication, because MSAL caches 400 answers for 60 s.
"""

import threading
import time

import msal
import pytest

from conftest import (APPS, AZURE_CLI, BLOCKED, GRAPH_SCOPE, MAKER, TENANT_DOMAIN, TENANT_ID, UNKNOWN_APP_ID,
                      UNKNOWN_TENANT_ID, jwt_claims)


def confidential(sandbox, app, secret=None, tenant=TENANT_ID, **kwargs):
    client_id, value, _ = APPS[app]
    return msal.ConfidentialClientApplication(
        client_id, client_credential=secret if secret is not None else value,
        authority=f"{sandbox.url}/{tenant}", instance_discovery=False, verify=sandbox.ca_file, **kwargs)


def test_client_credentials_for_an_environment(sandbox):
    app = confidential(sandbox, "wp-ok")
    scope = sandbox.env_url() + "/.default"
    result = app.acquire_token_for_client(scopes=[scope])
    assert "access_token" in result, result
    claims = jwt_claims(result["access_token"])
    assert claims["aud"] == sandbox.env_url()
    assert claims["tid"] == TENANT_ID
    assert claims["appid"] == APPS["wp-ok"][0]
    assert claims["exp"] > time.time()
    # The second call is served from MSAL's cache: the sandbox's expires_in was understood.
    again = app.acquire_token_for_client(scopes=[scope])
    assert again["token_source"] == "cache"


def test_tenant_by_domain_and_graph_resource(sandbox):
    app = confidential(sandbox, "wp-ok", tenant=TENANT_DOMAIN)
    result = app.acquire_token_for_client(scopes=[GRAPH_SCOPE])
    assert "access_token" in result, result
    assert jwt_claims(result["access_token"])["aud"] == "https://graph.microsoft.com"


def test_instance_discovery_aimed_at_the_sandbox(sandbox):
    app = msal.ConfidentialClientApplication(
        APPS["wp-ok"][0], client_credential=APPS["wp-ok"][1], authority=f"{sandbox.url}/{TENANT_ID}",
        instance_discovery=f"{sandbox.url}/common/discovery/instance", verify=sandbox.ca_file)
    result = app.acquire_token_for_client(scopes=[sandbox.env_url() + "/.default"])
    assert "access_token" in result, result


def test_wrong_secret_is_7000215(sandbox):
    result = confidential(sandbox, "wp-ok", secret="not-the-secret").acquire_token_for_client(
        scopes=[sandbox.env_url() + "/.default"])
    assert result["error"] == "invalid_client"
    assert 7000215 in result["error_codes"]
    assert result["error_description"].startswith("AADSTS7000215:")


def test_secret_id_pasted_as_secret_is_7000215(sandbox):
    secret_id = APPS["wp-ok"][2]
    result = confidential(sandbox, "wp-ok", secret=secret_id).acquire_token_for_client(
        scopes=[sandbox.env_url() + "/.default"])
    assert 7000215 in result["error_codes"]
    assert "client secret value, not the client secret ID" in result["error_description"]


def test_expired_secret_is_7000222(sandbox):
    result = confidential(sandbox, "wp-expired").acquire_token_for_client(scopes=[sandbox.env_url() + "/.default"])
    assert result["error"] == "invalid_client"
    assert 7000222 in result["error_codes"]


def test_unknown_application_is_700016(sandbox):
    app = msal.ConfidentialClientApplication(
        UNKNOWN_APP_ID, client_credential="whatever",
        authority=f"{sandbox.url}/{TENANT_ID}", instance_discovery=False, verify=sandbox.ca_file)
    result = app.acquire_token_for_client(scopes=[sandbox.env_url() + "/.default"])
    assert 700016 in result["error_codes"], result


def test_unknown_resource_is_500011(sandbox):
    result = confidential(sandbox, "wp-ok").acquire_token_for_client(
        scopes=[sandbox.url + "/no-such-environment/.default"])
    assert 500011 in result["error_codes"], result


def test_unknown_tenant_fails_discovery_with_90002(sandbox):
    try:
        msal.ConfidentialClientApplication(
            APPS["wp-ok"][0], client_credential=APPS["wp-ok"][1],
            authority=f"{sandbox.url}/{UNKNOWN_TENANT_ID}", instance_discovery=False,
            verify=sandbox.ca_file)
    except ValueError as error:
        assert "90002" in str(error) or "invalid_tenant" in str(error) or "400" in str(error)
    else:
        raise AssertionError("MSAL accepted an unknown tenant")


def bounded(flow, seconds=30):
    """MSAL polls until the flow's expires_at; a test must not wait 15 minutes if the sandbox is wrong."""
    assert "user_code" in flow, flow
    flow["expires_at"] = time.time() + seconds
    return flow


def public_client(sandbox):
    return msal.PublicClientApplication(
        AZURE_CLI, authority=f"{sandbox.url}/organizations", instance_discovery=False, verify=sandbox.ca_file)


def test_device_code_flow_then_a_dataverse_token_from_the_refresh_token(sandbox):
    app = public_client(sandbox)
    flow = bounded(app.initiate_device_flow(scopes=[GRAPH_SCOPE]))
    assert flow["verification_uri"] == f"{sandbox.url}/devicelogin"
    assert flow["user_code"] in flow["message"]
    # Approve while MSAL is polling, as a person would.
    threading.Timer(1.5, sandbox.approve, args=(flow["user_code"],)).start()
    result = app.acquire_token_by_device_flow(flow)
    assert "access_token" in result, result
    claims = jwt_claims(result["access_token"])
    assert claims["aud"] == "https://graph.microsoft.com"
    assert "scp" in claims
    accounts = app.get_accounts()
    assert accounts, "MSAL found no account: the token response needs client_info or an id_token"
    # One refresh token serves every resource (reference §1.4).
    dataverse = app.acquire_token_silent([sandbox.env_url() + "/.default"], account=accounts[0])
    assert dataverse and "access_token" in dataverse, dataverse
    assert jwt_claims(dataverse["access_token"])["aud"] == sandbox.env_url()


@pytest.mark.parametrize(
    "control, error",
    [("device/decline", "authorization_declined"), ("device/expire", "expired_token")],
    ids=["declined", "expired"],
)
def test_device_code_ends_without_a_token(sandbox, control, error):
    app = public_client(sandbox)
    flow = bounded(app.initiate_device_flow(scopes=[GRAPH_SCOPE]))
    sandbox.control("POST", control, {"user_code": flow["user_code"]})
    result = app.acquire_token_by_device_flow(flow)
    assert result.get("error") == error, result


def test_device_code_blocked_by_conditional_access(sandbox):
    sandbox.control("POST", "policy/device-code", {"blocked": True})
    app = public_client(sandbox)
    flow = bounded(app.initiate_device_flow(scopes=[GRAPH_SCOPE]))
    threading.Timer(0.5, sandbox.approve, args=(flow["user_code"], MAKER)).start()
    result = app.acquire_token_by_device_flow(flow)
    assert 53003 in result.get("error_codes", []), result


def test_device_code_for_a_user_under_conditional_access(sandbox):
    app = public_client(sandbox)
    flow = bounded(app.initiate_device_flow(scopes=[GRAPH_SCOPE]))
    threading.Timer(0.5, sandbox.approve, args=(flow["user_code"], BLOCKED)).start()
    result = app.acquire_token_by_device_flow(flow)
    assert 53003 in result.get("error_codes", []), result
