//! Owners of applications and service principals (Graph `owners`, `owners/$ref`), the
//! `creator_becomes_owner` variants, and the control API's look-alike planting.

use crate::common::*;
use serde_json::{json, Value};
use wpcrm_sandbox::SandboxOptions;

fn admin() -> &'static fixtures::User {
    fixtures::admin()
}
fn maker() -> &'static fixtures::User {
    fixtures::user("maker")
}

/// The user ids listed by `GET {object}/owners`.
async fn owner_ids(h: &H, object: &str, token: &str) -> Vec<String> {
    let r = h.get(&format!("{}/v1.0/{object}/owners", h.url), Some(token)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_string())
        .collect()
}

/// The owners `GET /_sandbox/state` shows for the application (or service principal) `id`.
fn state_owners(h: &H, kind: &str, id: &str) -> Value {
    let st = h.sb.control().state();
    st[kind].as_array().unwrap().iter().find(|a| a["id"] == id).expect(id)["owners"].clone()
}

/// `POST {owners}/$ref` with `body` (an `@odata.id` reference).
async fn add_owner(h: &H, owners: &str, t: &str, body: &Value) -> Res {
    h.send_json("POST", &format!("{owners}/$ref"), t, body, None).await
}

/// `DELETE {owners}/{user_id}/$ref`.
async fn remove_owner(h: &H, owners: &str, t: &str, user_id: &str) -> Res {
    h.send_json("DELETE", &format!("{owners}/{user_id}/$ref"), t, &Value::Null, None)
        .await
}

fn reference(user: &fixtures::User) -> Value {
    json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{}", user.id)})
}

#[tokio::test]
async fn seeded_applications_are_owned_by_the_admin() {
    let h = start().await;
    let wp_ok = fixtures::app("wp-ok");
    let t = h.user_token(maker().upn, GRAPH).await;
    let r = h
        .get(
            &format!("{}/v1.0/applications/{}/owners", h.url, wp_ok.object_id),
            Some(&t),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.json["@odata.context"]
        .as_str()
        .unwrap()
        .ends_with("/v1.0/$metadata#directoryObjects"));
    let owners = r.json["value"].as_array().unwrap();
    assert_eq!(owners.len(), 1, "{}", r.text);
    assert_eq!(owners[0]["@odata.type"], "#microsoft.graph.user");
    assert_eq!(owners[0]["id"], admin().id);
    assert_eq!(owners[0]["displayName"], admin().display_name);
    assert_eq!(owners[0]["userPrincipalName"], admin().upn);
    assert!(owners[0].get("@odata.context").is_none());

    // By alternate key, with $select (id and the type annotation always kept).
    let r = h
        .get_query(
            &format!("{}/v1.0/applications(appId='{}')/owners", h.url, wp_ok.app_id),
            &[("$select", "userPrincipalName")],
            &t,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let only = r.json["value"][0].as_object().unwrap();
    let mut keys: Vec<&str> = only.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["@odata.type", "id", "userPrincipalName"]);

    let sp = wp_ok.service_principal_id.unwrap();
    assert_eq!(
        owner_ids(&h, &format!("servicePrincipals/{sp}"), &t).await,
        [admin().id]
    );
    assert_eq!(
        owner_ids(&h, &format!("servicePrincipals(appId='{}')", wp_ok.app_id), &t).await,
        [admin().id]
    );
    assert_eq!(state_owners(&h, "applications", wp_ok.object_id), json!([admin().id]));
    assert_eq!(state_owners(&h, "servicePrincipals", sp), json!([admin().id]));

    // App-only tokens are refused, as for every Graph call of the sandbox.
    let app = h.app_token(&WP_OK, GRAPH).await;
    let r = h
        .get(
            &format!("{}/v1.0/applications/{}/owners", h.url, wp_ok.object_id),
            Some(&app),
        )
        .await;
    assert_graph_error(&r, 403, "Authorization_RequestDenied");
}

/// Creates an application and its service principal as the admin; returns their ids.
async fn create_app_and_sp(h: &H, t: &str) -> (String, String, String) {
    let base = format!("{}/v1.0", h.url);
    let a = h
        .send_json(
            "POST",
            &format!("{base}/applications"),
            t,
            &json!({"displayName": "wpcrm-site"}),
            None,
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.text);
    let (id, app_id) = (a.json["id"].as_str().unwrap(), a.json["appId"].as_str().unwrap());
    let sp = h
        .send_json(
            "POST",
            &format!("{base}/servicePrincipals"),
            t,
            &json!({"appId": app_id}),
            None,
        )
        .await;
    assert_eq!(sp.status, 201, "{}", sp.text);
    (id.into(), app_id.into(), sp.json["id"].as_str().unwrap().into())
}

#[tokio::test]
async fn the_creator_becomes_owner_by_default() {
    let h = start().await;
    assert_eq!(h.sb.control().state()["applications"].as_array().unwrap().len(), 7);
    assert_eq!(
        h.control("GET", "/config", Value::Null).await.json["creator_becomes_owner"],
        true
    );
    let t = h.user_token(admin().upn, GRAPH).await;
    let (id, app_id, sp) = create_app_and_sp(&h, &t).await;
    assert_eq!(owner_ids(&h, &format!("applications/{id}"), &t).await, [admin().id]);
    assert_eq!(
        owner_ids(&h, &format!("applications(appId='{app_id}')"), &t).await,
        [admin().id]
    );
    assert_eq!(
        owner_ids(&h, &format!("servicePrincipals/{sp}"), &t).await,
        [admin().id]
    );
    assert_eq!(state_owners(&h, "applications", &id), json!([admin().id]));
}

#[tokio::test]
async fn the_creator_is_no_owner_when_switched_off() {
    let h = start().await;
    let cfg = h
        .control("POST", "/config", json!({"creator_becomes_owner": false}))
        .await;
    assert_eq!(cfg.json["creator_becomes_owner"], false, "{}", cfg.text);
    let t = h.user_token(admin().upn, GRAPH).await;
    let (id, _, sp) = create_app_and_sp(&h, &t).await;
    assert!(owner_ids(&h, &format!("applications/{id}"), &t).await.is_empty());
    assert!(owner_ids(&h, &format!("servicePrincipals/{sp}"), &t).await.is_empty());
    assert_eq!(state_owners(&h, "applications", &id), json!([]));
    // Reset goes back to the start options (default: the creator owns).
    h.control("POST", "/reset", Value::Null).await;
    assert_eq!(
        h.control("GET", "/config", Value::Null).await.json["creator_becomes_owner"],
        true
    );

    // The start options choose the variant too.
    let h = start_with(SandboxOptions {
        creator_becomes_owner: Some(false),
        ..Default::default()
    })
    .await;
    let t = h.user_token(admin().upn, GRAPH).await;
    let (id, _, _) = create_app_and_sp(&h, &t).await;
    assert_eq!(state_owners(&h, "applications", &id), json!([]));
    h.control("POST", "/reset", Value::Null).await;
    assert_eq!(
        h.control("GET", "/config", Value::Null).await.json["creator_becomes_owner"],
        false
    );
}

#[tokio::test]
async fn the_seed_chooses_owners_and_the_variant() {
    let mut seed: Value = serde_json::from_str(wpcrm_sandbox::seed::DEFAULT_SEED).unwrap();
    seed["tenant"]["creator_becomes_owner"] = json!(false);
    let apps = seed["applications"].as_array_mut().unwrap();
    apps[0]["owners"] = json!([maker().upn, admin().upn]);
    apps[1]["owners"] = json!([]);
    let (first, second) = (apps[0]["object_id"].clone(), apps[1]["object_id"].clone());
    let h = start_with(SandboxOptions {
        seed_json: Some(seed.to_string()),
        ..Default::default()
    })
    .await;
    let st = h.sb.control().state();
    let owners = |id: &Value| {
        st["applications"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| &a["id"] == id)
            .unwrap()["owners"]
            .clone()
    };
    assert_eq!(owners(&first), json!([maker().id, admin().id]));
    assert_eq!(owners(&second), json!([]));
    assert_eq!(
        h.control("GET", "/config", Value::Null).await.json["creator_becomes_owner"],
        false
    );
    // The start options win over the seed.
    let h = start_with(SandboxOptions {
        seed_json: Some(seed.to_string()),
        creator_becomes_owner: Some(true),
        ..Default::default()
    })
    .await;
    assert_eq!(
        h.control("GET", "/config", Value::Null).await.json["creator_becomes_owner"],
        true
    );

    seed["applications"][0]["owners"] = json!(["nobody@example.org"]);
    let err = wpcrm_sandbox::Sandbox::start(SandboxOptions {
        seed_json: Some(seed.to_string()),
        ..Default::default()
    })
    .await
    .err()
    .expect("an unknown owner is refused");
    assert!(err.0.contains("nobody@example.org"), "{err}");
}

#[tokio::test]
async fn an_admin_adds_and_removes_owners() {
    let h = start().await;
    let wp_ok = fixtures::app("wp-ok");
    let owners = format!("{}/v1.0/applications/{}/owners", h.url, wp_ok.object_id);
    let t = h.user_token(admin().upn, GRAPH).await;
    let r = add_owner(&h, &owners, &t, &reference(maker())).await;
    assert_eq!(r.status, 204, "{}", r.text);
    assert!(r.text.is_empty());
    assert_eq!(
        owner_ids(&h, &format!("applications/{}", wp_ok.object_id), &t).await,
        [admin().id, maker().id]
    );
    let again = add_owner(&h, &owners, &t, &reference(maker())).await;
    assert_graph_error(&again, 400, "Request_BadRequest");
    assert_eq!(
        again.json["error"]["message"],
        "One or more added object references already exist for the following modified properties: 'owners'."
    );
    let unknown =
        json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{}", uuid::Uuid::new_v4())});
    let r = add_owner(&h, &owners, &t, &unknown).await;
    assert_graph_error(&r, 404, "Request_ResourceNotFound");
    let r = add_owner(&h, &owners, &t, &json!({"@odata.id": "nonsense"})).await;
    assert_graph_error(&r, 400, "Request_BadRequest");

    // Removing: 204, then 404 for one who is no longer an owner.
    assert_eq!(remove_owner(&h, &owners, &t, maker().id).await.status, 204);
    let r = remove_owner(&h, &owners, &t, maker().id).await;
    assert_graph_error(&r, 404, "Request_ResourceNotFound");
    assert_eq!(state_owners(&h, "applications", wp_ok.object_id), json!([admin().id]));

    // The same on a service principal, by alternate key.
    let sp_owners = format!("{}/v1.0/servicePrincipals(appId='{}')/owners", h.url, wp_ok.app_id);
    let r = add_owner(&h, &sp_owners, &t, &reference(maker())).await;
    assert_eq!(r.status, 204, "{}", r.text);
    let sp = wp_ok.service_principal_id.unwrap();
    assert_eq!(
        state_owners(&h, "servicePrincipals", sp),
        json!([admin().id, maker().id])
    );
    let r = remove_owner(&h, &sp_owners, &t, admin().id).await;
    assert_eq!(r.status, 204, "{}", r.text);
    assert_eq!(state_owners(&h, "servicePrincipals", sp), json!([maker().id]));
}

#[tokio::test]
async fn a_non_owner_without_a_role_is_denied_and_an_owner_is_not() {
    let h = start().await;
    let wp_ok = fixtures::app("wp-ok");
    let owners = format!("{}/v1.0/applications/{}/owners", h.url, wp_ok.object_id);
    let t = h.user_token(maker().upn, GRAPH).await;
    let r = add_owner(&h, &owners, &t, &reference(maker())).await;
    assert_graph_error(&r, 403, "Authorization_RequestDenied");
    assert_eq!(
        r.json["error"]["message"],
        "Insufficient privileges to complete the operation."
    );
    let r = remove_owner(&h, &owners, &t, admin().id).await;
    assert_graph_error(&r, 403, "Authorization_RequestDenied");
    let sp = wp_ok.service_principal_id.unwrap();
    let sp_owners = format!("{}/v1.0/servicePrincipals/{sp}/owners", h.url);
    let r = add_owner(&h, &sp_owners, &t, &reference(maker())).await;
    assert_graph_error(&r, 403, "Authorization_RequestDenied");
    assert_eq!(state_owners(&h, "applications", wp_ok.object_id), json!([admin().id]));

    // An owner without any directory role manages the owners of what it owns.
    let planted = h
        .control(
            "POST",
            "/apps/plant",
            json!({"display_name": "mine", "owner": maker().upn}),
        )
        .await;
    let id = planted.json["id"].as_str().unwrap();
    let owners = format!("{}/v1.0/applications/{id}/owners", h.url);
    let r = add_owner(&h, &owners, &t, &reference(admin())).await;
    assert_eq!(r.status, 204, "{}", r.text);
    let r = remove_owner(&h, &owners, &t, maker().id).await;
    assert_eq!(r.status, 204, "{}", r.text);
    // Having given it away, it no longer may.
    let r = add_owner(&h, &owners, &t, &reference(maker())).await;
    assert_graph_error(&r, 403, "Authorization_RequestDenied");
}

#[tokio::test]
async fn planted_look_alike_applications() {
    let h = start().await;
    let tag = "wpcrm-site:https://example.org";
    let r = h
        .control(
            "POST",
            "/apps/plant",
            json!({"display_name": "WordPress – Contoso site", "tags": ["wpcrm", tag], "owner": maker().upn, "service_principal": true}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let (id, app_id) = (r.json["id"].as_str().unwrap(), r.json["appId"].as_str().unwrap());
    let sp = r.json["servicePrincipalId"].as_str().unwrap();
    assert_ne!(id, app_id);

    // Graph shows it as any registration: found by tag, owned by the maker only.
    let t = h.user_token(admin().upn, GRAPH).await;
    let found = h
        .get_query(
            &format!("{}/v1.0/applications", h.url),
            &[("$filter", &*format!("tags/any(t:t eq '{tag}')"))],
            &t,
        )
        .await;
    assert_eq!(found.json["value"].as_array().unwrap().len(), 1, "{}", found.text);
    assert_eq!(found.json["value"][0]["displayName"], "WordPress – Contoso site");
    assert_eq!(found.json["value"][0]["appId"], app_id);
    assert_eq!(
        h.get(&format!("{}/v1.0/applications/{id}", h.url), Some(&t))
            .await
            .status,
        200
    );
    assert_eq!(owner_ids(&h, &format!("applications/{id}"), &t).await, [maker().id]);
    assert_eq!(
        owner_ids(&h, &format!("servicePrincipals/{sp}"), &t).await,
        [maker().id]
    );
    assert_eq!(state_owners(&h, "applications", id), json!([maker().id]));
    let sp_by_app = h
        .get(&format!("{}/v1.0/servicePrincipals(appId='{app_id}')", h.url), Some(&t))
        .await;
    assert_eq!(sp_by_app.json["id"], sp);

    // Without a service principal unless asked for.
    let r = h
        .control(
            "POST",
            "/apps/plant",
            json!({"display_name": "bare", "owner": maker().upn}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.json.get("servicePrincipalId").is_none());
    let bare = r.json["appId"].as_str().unwrap();
    assert!(!h.sb.control().state()["servicePrincipals"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["appId"] == bare));

    // Refusals, then reset removes what was planted.
    for body in [
        json!({"display_name": "x", "owner": "nobody@example.org"}),
        json!({"display_name": "x"}),
        json!({"owner": maker().upn}),
        json!({"display_name": "x", "owner": maker().upn, "tags": "wpcrm"}),
    ] {
        assert_eq!(
            h.control("POST", "/apps/plant", body.clone()).await.status,
            400,
            "{body}"
        );
    }
    h.control("POST", "/reset", Value::Null).await;
    assert_eq!(h.sb.control().state()["applications"].as_array().unwrap().len(), 7);
}

#[tokio::test]
async fn planted_security_roles() {
    let h = start().await;
    let name = "WordPress – Contoso site";
    let r = h
        .control(
            "POST",
            "/roles/plant",
            json!({"environment": "contoso", "name": name, "privileges": [{"name": "prvReadAccount", "depth": "Global"}, {"name": "prvWriteLead", "depth": "Basic"}]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let roleid = r.json["roleid"].as_str().unwrap().to_string();

    let st = h.sb.control().state();
    let roles = st["environments"]["contoso"]["roles"].as_array().unwrap();
    let role = roles.iter().find(|r| r["roleid"] == roleid.as_str()).unwrap();
    assert_eq!(role["name"], name);
    assert_eq!(
        role["privileges"],
        json!([{"name": "prvReadAccount", "depth": "Global"}, {"name": "prvWriteLead", "depth": "Basic"}])
    );
    assert!(!st["environments"]["contoso-dev"]["roles"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["name"] == name));

    // The Web API shows it in the root business unit, unmanaged, like any role an admin made.
    let api = h.api("contoso");
    let t = h.user_token(admin().upn, &format!("{}/contoso/.default", h.url)).await;
    let bus = h
        .get_query(
            &format!("{api}/businessunits"),
            &[("$filter", "_parentbusinessunitid_value eq null")],
            &t,
        )
        .await;
    let root = bus.json["value"][0]["businessunitid"].clone();
    let got = h.get(&format!("{api}/roles({roleid})"), Some(&t)).await;
    assert_eq!(got.status, 200, "{}", got.text);
    assert_eq!(got.json["name"], name);
    assert_eq!(got.json["_businessunitid_value"], root);
    assert_eq!(got.json["ismanaged"], false);

    // Refusals.
    for (body, status) in [
        (json!({"environment": "nowhere", "name": "x"}), 404),
        (json!({"environment": "contoso"}), 400),
        (json!({"name": "x"}), 400),
        (
            json!({"environment": "contoso", "name": "x", "privileges": [{"name": "prvNothing", "depth": "Global"}]}),
            400,
        ),
        (
            json!({"environment": "contoso", "name": "x", "privileges": [{"name": "prvReadAccount", "depth": "Wide"}]}),
            400,
        ),
    ] {
        assert_eq!(
            h.control("POST", "/roles/plant", body.clone()).await.status,
            status,
            "{body}"
        );
    }
}

#[tokio::test]
async fn owners_of_a_replicating_application_are_not_found_yet() {
    let h = start().await;
    h.control("POST", "/config", json!({"replication_delay_ms": 60000}))
        .await;
    let t = h.user_token(admin().upn, GRAPH).await;
    let a = h
        .send_json(
            "POST",
            &format!("{}/v1.0/applications", h.url),
            &t,
            &json!({"displayName": "new"}),
            None,
        )
        .await;
    let id = a.json["id"].as_str().unwrap();
    let r = h
        .get(&format!("{}/v1.0/applications/{id}/owners", h.url), Some(&t))
        .await;
    assert_graph_error(&r, 404, "Request_ResourceNotFound");
    assert_eq!(state_owners(&h, "applications", id), json!([admin().id]));
}
