"""azure-identity 1.27 against the sandbox: ClientSecretCredential (sync on MSAL, async without it)
and DeviceCodeCredential with the Azure CLI client. Pointed at the sandbox by `authority=`,
`disable_instance_discovery=True` and `connection_verify=` (entra-and-graph.md §6.2)."""

import asyncio

import pytest
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import ClientSecretCredential, DeviceCodeCredential
from azure.identity.aio import ClientSecretCredential as AsyncClientSecretCredential

from conftest import ADMIN, APPS, AZURE_CLI, GRAPH_SCOPE, TENANT_ID, jwt_claims


def secret_credential(sandbox, app="wp-ok", secret=None):
    client_id, value, _ = APPS[app]
    return ClientSecretCredential(TENANT_ID, client_id, secret or value, authority=sandbox.url,
                                  disable_instance_discovery=True, connection_verify=sandbox.ca_file)


def test_client_secret_credential(sandbox):
    token = secret_credential(sandbox).get_token(sandbox.env_url() + "/.default")
    assert jwt_claims(token.token)["aud"] == sandbox.env_url()
    assert token.expires_on > 0


def test_client_secret_credential_wrong_secret(sandbox):
    with pytest.raises(ClientAuthenticationError) as error:
        secret_credential(sandbox, secret="wrong").get_token(sandbox.env_url() + "/.default")
    assert "AADSTS7000215" in str(error.value)


def test_async_client_secret_credential_sends_cae_claims_and_is_accepted(sandbox):
    async def run():
        client_id, value, _ = APPS["wp-ok"]
        async with AsyncClientSecretCredential(TENANT_ID, client_id, value, authority=sandbox.url,
                                               connection_verify=sandbox.ca_file) as credential:
            return await credential.get_token(GRAPH_SCOPE, enable_cae=True)

    token = asyncio.run(run())
    assert jwt_claims(token.token)["aud"] == "https://graph.microsoft.com"


def test_device_code_credential_with_azure_cli_client(sandbox):
    seen = {}

    def prompt(verification_uri, user_code, expires_on):
        seen["uri"] = verification_uri
        sandbox.approve(user_code, ADMIN)

    credential = DeviceCodeCredential(client_id=AZURE_CLI, tenant_id="organizations", authority=sandbox.url,
                                      disable_instance_discovery=True, connection_verify=sandbox.ca_file,
                                      prompt_callback=prompt, timeout=30)
    token = credential.get_token(GRAPH_SCOPE)
    assert seen["uri"] == f"{sandbox.url}/devicelogin"
    claims = jwt_claims(token.token)
    assert claims["aud"] == "https://graph.microsoft.com"
    assert claims["appid"] == AZURE_CLI
