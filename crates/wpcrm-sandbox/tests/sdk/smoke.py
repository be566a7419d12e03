"""Smoke test of wpcrm-sandbox with Microsoft's own Python SDKs (msal, azure-identity, msgraph-sdk,
PowerPlatform-Dataverse-Client). Not part of `cargo test`; the project's conformance suite owns the
pinned venv. Shows how each SDK is pointed at the sandbox (tests/conformance/conftest.py does the same):

    wpcrm-sandbox --listen 127.0.0.1:0 --ca-out /tmp/sbx/ca.pem > /tmp/sbx/url &
    REQUESTS_CA_BUNDLE=/tmp/sbx/ca.pem python smoke.py "$(sed 's/.* on //' /tmp/sbx/url)" /tmp/sbx/ca.pem

(REQUESTS_CA_BUNDLE is only for the Dataverse SDK's own requests.Session; msal, azure-identity and
httpx get the CA explicitly.)
"""
import asyncio
import pathlib
import sys
import time

import httpx
import msal
import requests
from azure.identity import ClientSecretCredential, DeviceCodeCredential
from kiota_abstractions.api_error import APIError
from kiota_authentication_azure.azure_identity_authentication_provider import AzureIdentityAuthenticationProvider
from msgraph import GraphServiceClient
from msgraph.generated.models.application import Application
from msgraph.generated.models.service_principal import ServicePrincipal
from msgraph.graph_request_adapter import GraphRequestAdapter
from msgraph_core import GraphClientFactory
from PowerPlatform.Dataverse.client import DataverseClient

# The seeded ids and secrets come from seed/default.json, through the conformance suite's reader.
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[4] / "tests" / "conformance"))
import seed_fixtures  # noqa: E402

URL, CA = sys.argv[1], sys.argv[2]
TENANT = seed_fixtures.tenant()["id"]
TENANT_DOMAIN = seed_fixtures.tenant()["domain"]
ENV = f"{URL}/{seed_fixtures.environment()['name']}"
WP_OK = seed_fixtures.credentials("wp-ok")  # (client id, secret value, secret id)
WP_BASIC = seed_fixtures.credentials("wp-basic")
AZ_CLI = seed_fixtures.public_client("Microsoft Azure CLI")
ACCOUNTS = len(seed_fixtures.table("account")["records"])

control = requests.Session()
control.trust_env = False
control.verify = CA


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        sys.exit(1)


def msal_flows():
    http = requests.Session()
    http.trust_env = False  # else REQUESTS_CA_BUNDLE overrides verify (a requests pitfall)
    http.verify = CA
    app = msal.ConfidentialClientApplication(WP_OK[0], client_credential=WP_OK[1], authority=f"{URL}/{TENANT}",
                                             http_client=http, instance_discovery=f"{URL}/common/discovery/instance")
    r = app.acquire_token_for_client([f"{ENV}/.default"])
    check("access_token" in r, "msal client credentials")
    bad = msal.ConfidentialClientApplication(WP_OK[0], client_credential=WP_OK[2], authority=f"{URL}/{TENANT_DOMAIN}",
                                             http_client=http, instance_discovery=False)
    r = bad.acquire_token_for_client(["https://graph.microsoft.com/.default"])
    check(r.get("error_codes") == [7000215], "msal sees AADSTS7000215 for a Secret ID")
    pub = msal.PublicClientApplication(AZ_CLI, authority=f"{URL}/organizations", http_client=http, instance_discovery=False)
    flow = pub.initiate_device_flow(scopes=["https://graph.microsoft.com/.default"])
    control.post(f"{URL}/_sandbox/device/approve", json={"user_code": flow["user_code"]})
    r = pub.acquire_token_by_device_flow(flow)
    check("access_token" in r, "msal device code approved through the control API")
    account = pub.get_accounts()[0]
    r = pub.acquire_token_silent([f"{ENV}/.default"], account=account)
    check(bool(r) and "access_token" in r, "msal refresh token to Dataverse")


async def graph_flows():
    def prompt(uri, code, expires_on):
        control.post(f"{URL}/_sandbox/device/approve", json={"user_code": code})
    cred = DeviceCodeCredential(tenant_id=TENANT, authority=URL, disable_instance_discovery=True,
                                connection_verify=CA, prompt_callback=prompt)
    auth = AzureIdentityAuthenticationProvider(cred, scopes=["https://graph.microsoft.com/.default"])
    http = GraphClientFactory.create_with_default_middleware(client=httpx.AsyncClient(verify=CA))
    adapter = GraphRequestAdapter(auth, client=http)
    adapter.base_url = f"{URL}/v1.0"
    g = GraphServiceClient(request_adapter=adapter)
    await g.me.get()  # sign in before the replication clock starts
    control.post(f"{URL}/_sandbox/config", json={"replication_delay_ms": 3000})
    app = await g.applications.post(Application(display_name="sdk-smoke", tags=["wpcrm"]))
    check(app.app_id and app.password_credentials == [], "msgraph create application")
    try:
        await g.service_principals.post(ServicePrincipal(app_id=app.app_id))
        check(False, "msgraph NoBackingApplicationObject during replication")
    except APIError as e:
        check(e.response_status_code == 400, "msgraph NoBackingApplicationObject during replication")
    time.sleep(3.1)
    sp = await g.service_principals.post(ServicePrincipal(app_id=app.app_id))
    check(sp.app_id == app.app_id, "msgraph service principal after the delay")
    control.post(f"{URL}/_sandbox/config", json={"replication_delay_ms": 0})


def dataverse_flows():
    def cred(app):
        return ClientSecretCredential(TENANT, app[0], app[1], authority=URL, disable_instance_discovery=True, connection_verify=CA)
    with DataverseClient(ENV, cred(WP_OK)) as c:
        names = [r["name"] for page in c.records.get("account", select=["name"], page_size=2) for r in page]
        check(len(names) == ACCOUNTS, "dataverse paged query")
        rid = c.records.create("lead", {"subject": "sdk smoke", "lastname": "X"})
        check(bool(rid), "dataverse create")
    with DataverseClient(ENV, cred(WP_BASIC)) as c:
        try:
            list(c.records.get("incident", select=["title"]))
            check(False, "dataverse privilege error")
        except Exception as e:  # the SDK's HttpError
            check("prvReadIncident" in str(e), "dataverse privilege error")


msal_flows()
asyncio.run(graph_flows())
dataverse_flows()
print("all SDK smoke checks passed")
