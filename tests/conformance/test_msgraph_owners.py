"""msgraph-sdk against the sandbox's application owners (docs/sandbox.md "Application owners"): the SDK
lists an application's owners, adds one through owners/$ref and removes it, so the shapes are the ones
the SDK parses (a directoryObjects collection of typed users) and sends (an @odata.id reference)."""

import asyncio

import pytest
from msgraph.generated.models.application import Application
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.reference_create import ReferenceCreate
from msgraph.generated.models.user import User

import seed_fixtures
from conftest import MAKER
from test_msgraph import graph_client

ADMIN_USER = seed_fixtures.user("admin")
MAKER_USER = seed_fixtures.user("maker")
WP_OK = seed_fixtures.app("wp-ok")


def reference(user):
    return ReferenceCreate(odata_id=f"https://graph.microsoft.com/v1.0/directoryObjects/{user['id']}")


def state_owners(sandbox, object_id):
    return next(a["owners"] for a in sandbox.state()["applications"] if a["id"] == object_id)


def test_list_add_and_remove_owners_of_an_application(sandbox):
    client = graph_client(sandbox)
    app = client.applications.by_application_id(WP_OK["object_id"])

    async def run():
        owners = await app.owners.get()
        assert [type(o) for o in owners.value] == [User]
        assert owners.value[0].id == ADMIN_USER["id"]
        assert owners.value[0].user_principal_name == ADMIN_USER["upn"]
        assert owners.value[0].display_name == ADMIN_USER["display_name"]

        await app.owners.ref.post(reference(MAKER_USER))
        owners = await app.owners.get()
        assert [o.id for o in owners.value] == [ADMIN_USER["id"], MAKER_USER["id"]]
        assert all(isinstance(o, User) for o in owners.value)

        with pytest.raises(ODataError) as again:
            await app.owners.ref.post(reference(MAKER_USER))
        assert again.value.response_status_code == 400
        assert again.value.error.code == "Request_BadRequest"
        assert "'owners'" in again.value.error.message

        await app.owners.by_directory_object_id(MAKER_USER["id"]).ref.delete()

    asyncio.run(run())
    assert state_owners(sandbox, WP_OK["object_id"]) == [ADMIN_USER["id"]]


def test_a_new_application_is_owned_by_its_creator_unless_switched_off(sandbox):
    client = graph_client(sandbox)

    async def create_and_list():
        created = await client.applications.post(Application(display_name="wpcrm owners"))
        owners = await client.applications.by_application_id(created.id).owners.get()
        return [o.id for o in owners.value]

    async def run():
        by_default = await create_and_list()
        sandbox.control("POST", "config", {"creator_becomes_owner": False})
        return by_default, await create_and_list()

    assert asyncio.run(run()) == ([ADMIN_USER["id"]], [])


def test_a_non_owner_without_a_role_cannot_add_owners(sandbox):
    client = graph_client(sandbox, user=MAKER)

    async def run():
        await client.applications.by_application_id(WP_OK["object_id"]).owners.ref.post(reference(MAKER_USER))

    with pytest.raises(ODataError) as error:
        asyncio.run(run())
    assert error.value.response_status_code == 403
    assert error.value.error.code == "Authorization_RequestDenied"
    assert state_owners(sandbox, WP_OK["object_id"]) == [ADMIN_USER["id"]]
