"""PowerPlatform-Dataverse-Client 1.1 against a sandbox environment, authenticated as the seeded
application users with azure-identity. The SDK uses requests, so the CA is given through
REQUESTS_CA_BUNDLE (dataverse-web-api.md §8)."""

import pytest
from azure.identity import ClientSecretCredential
from PowerPlatform.Dataverse.client import DataverseClient
from PowerPlatform.Dataverse.core.errors import HttpError

from conftest import APPS, TENANT_ID


@pytest.fixture
def dataverse(sandbox, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", sandbox.ca_file)

    def make(app="wp-ok"):
        client_id, value, _ = APPS[app]
        credential = ClientSecretCredential(TENANT_ID, client_id, value, authority=sandbox.url,
                                            disable_instance_discovery=True, connection_verify=sandbox.ca_file)
        return DataverseClient(sandbox.env_url(), credential)

    return make


def test_create_and_read_back_a_record(dataverse):
    with dataverse() as client:
        lead_id = client.records.create("lead", {"subject": "From the conformance suite", "lastname": "Tester"})
        assert len(lead_id) == 36
        lead = client.records.retrieve("lead", lead_id, select=["subject"])
        assert lead["subject"] == "From the conformance suite"


def test_query_follows_paging(dataverse):
    with dataverse() as client:
        pages = list(client.records.list_pages("account", select=["name"], page_size=2))
        assert len(pages) >= 2, "the seed has enough accounts for two pages of two"
        assert all(len(page) <= 2 for page in pages)
        names = [record["name"] for page in pages for record in page]
        assert len(names) == len(set(names))


def test_missing_privilege_is_a_403_naming_it(dataverse):
    with dataverse("wp-basic") as client:
        with pytest.raises(HttpError) as error:
            client.records.list("incident", select=["title"], top=1)
    assert error.value.status_code == 403
    assert error.value.details["service_error_code"] == "0x80040220"
    # System tables' privilege names vary in case across Microsoft's own examples (reference §2.3).
    assert "prvreadincident" in error.value.message.lower()


def test_app_without_application_user_is_not_a_member(dataverse):
    with dataverse("wp-nouser") as client:
        with pytest.raises(HttpError) as error:
            client.records.list("account", select=["name"], top=1)
    assert error.value.status_code == 403
    assert error.value.details["service_error_code"] == "0x80072560"
    assert "not a member of the organization" in error.value.message
