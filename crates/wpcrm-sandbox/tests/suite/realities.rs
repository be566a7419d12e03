//! Issue 10's Graph surfaces: upserts by alternate key (201 create, 204 update, 404 without
//! `Prefer: create-if-missing`, the variants without upserts), the authorization policy and the
//! signed-in user's directory roles, and addPassword under a policy that forbids secrets.

use crate::common::*;
use serde_json::{json, Value};

const CREATE: Option<&str> = Some("create-if-missing");

#[tokio::test]
async fn applications_and_service_principals_are_upserted_by_alternate_key() {
    let h = start().await;
    let t = h.user_token(fixtures::admin().upn, GRAPH).await;
    let url = format!("{}/v1.0/applications(uniqueName='wpcrm-0123')", h.url);
    let body = json!({"displayName": "Upserted", "tags": ["a"]});

    // Without the header an upsert is an update: nothing to update.
    let r = h.send_json("PATCH", &url, &t, &body, None).await;
    assert_graph_error(&r, 404, "Request_ResourceNotFound");

    let r = h.send_json("PATCH", &url, &t, &body, CREATE).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json["uniqueName"], "wpcrm-0123");
    let app_id = r.json["appId"].as_str().unwrap().to_owned();

    let r = h
        .send_json("PATCH", &url, &t, &json!({"displayName": "Renamed"}), CREATE)
        .await;
    assert_eq!((r.status, r.text.as_str()), (204, ""));
    let r = h.get(&url, Some(&t)).await;
    assert_eq!(
        (r.status, r.json["displayName"].clone()),
        (200, json!("Renamed")),
        "{}",
        r.text
    );
    let apps = h.sb.control().state()["applications"].clone();
    let same: Vec<&Value> = apps
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["uniqueName"] == "wpcrm-0123")
        .collect();
    assert_eq!(same.len(), 1);

    // The key is unique and immutable.
    let r = h
        .send_json(
            "POST",
            &format!("{}/v1.0/applications", h.url),
            &t,
            &json!({"displayName": "x", "uniqueName": "wpcrm-0123"}),
            None,
        )
        .await;
    assert_graph_error(&r, 409, "Request_MultipleObjectsWithSameKeyValue");
    let r = h
        .send_json("PATCH", &url, &t, &json!({"uniqueName": "other"}), None)
        .await;
    assert_graph_error(&r, 400, "Request_BadRequest");

    let sp_url = format!("{}/v1.0/servicePrincipals(appId='{app_id}')", h.url);
    let r = h.send_json("PATCH", &sp_url, &t, &json!({}), None).await;
    assert_graph_error(&r, 404, "Request_ResourceNotFound");
    let r = h.send_json("PATCH", &sp_url, &t, &json!({}), CREATE).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json["appId"], app_id.as_str());
    let r = h.send_json("PATCH", &sp_url, &t, &json!({}), CREATE).await;
    assert_eq!(r.status, 204, "{}", r.text);
}

#[tokio::test]
async fn a_graph_without_upserts_refuses_them_in_each_variant() {
    let h = start().await;
    let t = h.user_token(fixtures::admin().upn, GRAPH).await;
    for (variant, status) in [
        ("bad_request", 400),
        ("method_not_allowed", 405),
        ("ignores_prefer", 404),
    ] {
        h.sb.control().set_config(json!({"graph_upsert": variant}));
        let url = format!("{}/v1.0/applications(uniqueName='wpcrm-{variant}')", h.url);
        let r = h
            .send_json("PATCH", &url, &t, &json!({"displayName": "x"}), CREATE)
            .await;
        assert_eq!(r.status, status, "{variant}: {}", r.text);
        // An application without a service principal yet.
        let r = h
            .send_json(
                "POST",
                &format!("{}/v1.0/applications", h.url),
                &t,
                &json!({"displayName": variant}),
                None,
            )
            .await;
        let sp = format!(
            "{}/v1.0/servicePrincipals(appId='{}')",
            h.url,
            r.json["appId"].as_str().unwrap()
        );
        let r = h.send_json("PATCH", &sp, &t, &json!({}), CREATE).await;
        assert_eq!(r.status, status, "{variant}: {}", r.text);
        // An existing one is still updated when only `Prefer` is ignored.
        let wp_ok = format!(
            "{}/v1.0/servicePrincipals(appId='{}')",
            h.url,
            fixtures::app("wp-ok").app_id
        );
        let r = h.send_json("PATCH", &wp_ok, &t, &json!({}), CREATE).await;
        let existing = if variant == "ignores_prefer" { 204 } else { status };
        assert_eq!(r.status, existing, "{variant}: {}", r.text);
    }
}

#[tokio::test]
async fn the_authorization_policy_and_directory_roles_say_who_may_register_apps() {
    let h = start().await;
    let admin = h.user_token(fixtures::admin().upn, GRAPH).await;
    let maker = h.user_token(fixtures::user("maker").upn, GRAPH).await;
    let policy = format!("{}/v1.0/policies/authorizationPolicy", h.url);
    let r = h.get(&policy, Some(&maker)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["defaultUserRolePermissions"]["allowedToCreateApps"], false);
    let member_of = format!("{}/v1.0/me/transitiveMemberOf", h.url);
    let r = h.get(&member_of, Some(&admin)).await;
    assert_eq!(
        r.json["value"][0]["roleTemplateId"], "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
        "{}",
        r.text
    );
    assert_eq!(r.json["value"][0]["@odata.type"], "#microsoft.graph.directoryRole");
    let r = h.get(&format!("{}/v1.0/me/memberOf", h.url), Some(&maker)).await;
    assert_eq!(r.json["value"], json!([]));
    // A member may not register apps, until the tenant lets members do it.
    let create = format!("{}/v1.0/applications", h.url);
    let r = h
        .send_json("POST", &create, &maker, &json!({"displayName": "m"}), None)
        .await;
    assert_graph_error(&r, 403, "Authorization_RequestDenied");
    h.sb.control()
        .set_config(json!({"users_can_register_apps": true, "authorization_policy_readable": false}));
    let r = h
        .send_json("POST", &create, &maker, &json!({"displayName": "m"}), None)
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let r = h.get(&policy, Some(&maker)).await;
    assert_graph_error(&r, 403, "Authorization_RequestDenied");
}

#[tokio::test]
async fn a_policy_that_forbids_secrets_refuses_add_password_in_both_shapes() {
    let h = start().await;
    let t = h.user_token(fixtures::admin().upn, GRAPH).await;
    let url = format!(
        "{}/v1.0/applications/{}/addPassword",
        h.url,
        fixtures::app("wp-ok").object_id
    );
    let body = json!({"passwordCredential": {"displayName": "x", "endDateTime": iso_in_days(30)}});
    h.sb.control().set_config(json!({"secret_policy": "blocked"}));
    let r = h.send_json("POST", &url, &t, &body, None).await;
    assert_graph_error(&r, 400, "CredentialTypeNotAllowedAsPerAppPolicy");
    h.sb.control()
        .set_config(json!({"secret_policy": "blocked_in_details"}));
    let r = h.send_json("POST", &url, &t, &body, None).await;
    assert_graph_error(&r, 400, "Request_BadRequest");
    assert_eq!(
        r.json["error"]["details"][0]["code"],
        "CredentialTypeNotAllowedAsPerAppPolicy"
    );
    h.sb.control().set_config(json!({"secret_policy": "allowed"}));
    let r = h.send_json("POST", &url, &t, &body, None).await;
    assert_eq!(r.status, 200, "{}", r.text);
}
