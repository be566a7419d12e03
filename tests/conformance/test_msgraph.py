"""msgraph-sdk 1.65 (kiota 1.16) against the sandbox's Graph: the app-registration calls wpcrm makes,
the replication delay, and the errors an admin meets. Base URL and TLS set as in
entra-and-graph.md §6.3; the admin signs in with the device code flow (approved by the control API)."""

import asyncio
import datetime
import time

import httpx
import pytest
from azure.identity import DeviceCodeCredential
from kiota_authentication_azure.azure_identity_authentication_provider import AzureIdentityAuthenticationProvider
from msgraph import GraphRequestAdapter, GraphServiceClient
from msgraph.generated.applications.item.add_password.add_password_post_request_body import (
    AddPasswordPostRequestBody,
)
from msgraph.generated.models.application import Application
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.password_credential import PasswordCredential
from msgraph.generated.models.service_principal import ServicePrincipal
from msgraph_core import GraphClientFactory

from conftest import ADMIN, AZURE_CLI, GRAPH_SCOPE, MAKER


def graph_client(sandbox, user=ADMIN):
    credential = DeviceCodeCredential(
        client_id=AZURE_CLI, tenant_id="organizations", authority=sandbox.url, disable_instance_discovery=True,
        connection_verify=sandbox.ca_file, prompt_callback=lambda uri, code, exp: sandbox.approve(code, user),
        timeout=30)
    auth = AzureIdentityAuthenticationProvider(credential, scopes=[GRAPH_SCOPE])
    http = GraphClientFactory.create_with_default_middleware(client=httpx.AsyncClient(verify=sandbox.ca_file))
    adapter = GraphRequestAdapter(auth, client=http)
    adapter.base_url = f"{sandbox.url}/v1.0"
    return GraphServiceClient(request_adapter=adapter)


def in_days(days):
    return datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=days)


def test_register_app_add_password_and_service_principal_through_replication(sandbox):
    # A long window for the first attempt: the SDK fetches a token before every call, which can take
    # seconds on a loaded machine. Once the refusal is seen, the window is shortened.
    sandbox.control("POST", "config", {"replication_delay_ms": 60000})
    client = graph_client(sandbox)

    async def run():
        app = await client.applications.post(Application(display_name="wpcrm conformance", tags=["wpcrm:test"]))
        assert app.id and app.app_id and app.password_credentials == []
        body = AddPasswordPostRequestBody(password_credential=PasswordCredential(
            display_name="wpcrm:conformance", end_date_time=in_days(30)))
        password = await client.applications.by_application_id(app.id).add_password.post(body)
        assert password.secret_text and password.hint == password.secret_text[:3]
        assert password.key_id and abs((password.end_date_time - in_days(30)).total_seconds()) < 120

        with pytest.raises(ODataError) as error:
            await client.service_principals.post(ServicePrincipal(app_id=app.app_id))
        assert error.value.response_status_code == 400
        details = [d.code for d in (error.value.error.details or [])]
        assert "NoBackingApplicationObject" in details or error.value.error.code == "NoBackingApplicationObject"
        assert error.value.error.inner_error.request_id

        sandbox.control("POST", "config", {"replication_delay_ms": 1000})
        started = time.monotonic()
        while True:
            try:
                sp = await client.service_principals.post(ServicePrincipal(app_id=app.app_id))
                break
            except ODataError:
                assert time.monotonic() - started < 15, "replication never completed"
                await asyncio.sleep(0.5)
        assert sp.app_id == app.app_id and sp.id

        found = await client.applications.get()
        assert any(a.app_id == app.app_id for a in found.value)
        await client.applications.by_application_id(app.id).delete()
        return app

    app = asyncio.run(run())
    assert not any(a["appId"] == app.app_id for a in sandbox.state()["applications"])


def test_user_without_rights_is_denied(sandbox):
    client = graph_client(sandbox, user=MAKER)

    async def run():
        await client.applications.post(Application(display_name="not allowed"))

    with pytest.raises(ODataError) as error:
        asyncio.run(run())
    assert error.value.response_status_code == 403
    assert error.value.error.code == "Authorization_RequestDenied"


def test_secret_lifetime_beyond_tenant_policy_is_refused(sandbox):
    sandbox.control("POST", "config", {"secret_max_lifetime_days": 90})
    client = graph_client(sandbox)

    async def run():
        app = await client.applications.post(Application(display_name="policy"))
        body = AddPasswordPostRequestBody(password_credential=PasswordCredential(end_date_time=in_days(365)))
        await client.applications.by_application_id(app.id).add_password.post(body)

    with pytest.raises(ODataError) as error:
        asyncio.run(run())
    assert error.value.response_status_code == 400
    assert error.value.error.code == "CredentialInvalidLifetimeAsPerAppPolicy"
