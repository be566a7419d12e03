use crate::common::*;
use serde_json::{json, Value};

/// The seeded admin (may register apps) and the seeded user without directory roles.
fn admin_upn() -> &'static str {
    fixtures::admin().upn
}
fn maker_upn() -> &'static str {
    fixtures::user("maker").upn
}

#[tokio::test]
async fn audience_and_caller_checks() {
    let h = start().await;
    let g = format!("{}/v1.0/applications", h.url);
    assert_graph_error(&h.get(&g, None).await, 401, "InvalidAuthenticationToken");
    let dv = h.env_token(&WP_OK, "contoso").await;
    assert_graph_error(&h.get(&g, Some(&dv)).await, 401, "InvalidAuthenticationToken");
    assert_graph_error(&h.get(&g, Some("not.a.token")).await, 401, "InvalidAuthenticationToken");
    let app = h.app_token(&WP_OK, GRAPH).await;
    assert_graph_error(&h.get(&g, Some(&app)).await, 403, "Authorization_RequestDenied");
    let maker = h.user_token(maker_upn(), GRAPH).await;
    let r = h
        .send_json("POST", &g, &maker, &json!({"displayName": "nope"}), None)
        .await;
    assert_graph_error(&r, 403, "Authorization_RequestDenied");
    assert_eq!(
        r.json["error"]["message"],
        "Insufficient privileges to complete the operation."
    );
    let me = h.get(&format!("{}/v1.0/me", h.url), Some(&maker)).await;
    assert_eq!(me.status, 200);
    assert_eq!(me.json["userPrincipalName"], maker_upn());
    let me = h
        .get(&format!("{}/v1.0/users/me-token-to-replace", h.url), Some(&maker))
        .await;
    assert_eq!(me.json["userPrincipalName"], maker_upn());
    let admin = h
        .get(&format!("{}/v1.0/users/{}", h.url, admin_upn()), Some(&maker))
        .await;
    assert_eq!(admin.json["id"], fixtures::admin().id);
    assert_graph_error(
        &h.get(&format!("{}/v1.0/users/nobody@{}", h.url, domain()), Some(&maker))
            .await,
        404,
        "Request_ResourceNotFound",
    );
    assert_graph_error(
        &h.get(&format!("{}/v1.0/me", h.url), Some(&app)).await,
        400,
        "BadRequest",
    );
}

#[tokio::test]
async fn application_lifecycle() {
    let tenant = tenant();
    let h = start().await;
    let t = h.user_token(admin_upn(), GRAPH).await;
    let base = format!("{}/v1.0", h.url);
    let r = h.send_json("POST", &format!("{base}/applications"), &t, &json!({"displayName": "wpcrm-site", "signInAudience": "AzureADMyOrg", "tags": ["wpcrm", "wpcrm-site:https://example.org"]}), None).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json["passwordCredentials"], json!([]));
    assert_eq!(r.json["displayName"], "wpcrm-site");
    let id = r.json["id"].as_str().unwrap().to_string();
    let app_id = r.json["appId"].as_str().unwrap().to_string();
    assert_ne!(id, app_id);

    assert_eq!(
        h.get(&format!("{base}/applications/{id}"), Some(&t)).await.json["appId"],
        app_id
    );
    assert_eq!(
        h.get(&format!("{base}/applications(appId='{app_id}')"), Some(&t))
            .await
            .json["id"],
        id
    );
    for f in [
        format!("appId eq '{app_id}'"),
        "displayName eq 'wpcrm-site'".to_string(),
        "startswith(displayName,'wpcrm-')".to_string(),
        "tags/any(t:t eq 'wpcrm-site:https://example.org')".to_string(),
    ] {
        let r = res(h
            .c
            .get(format!("{base}/applications"))
            .query(&[("$filter", f.as_str())])
            .bearer_auth(&t)
            .send()
            .await
            .unwrap())
        .await;
        assert_eq!(r.status, 200, "{f}: {}", r.text);
        let v = r.json["value"].as_array().unwrap();
        assert_eq!(v.len(), 1, "{f}");
        assert_eq!(v[0]["id"], id);
    }
    let r = res(h
        .c
        .get(format!("{base}/applications"))
        .query(&[("$filter", "displayName ne 'x'")])
        .bearer_auth(&t)
        .send()
        .await
        .unwrap())
    .await;
    assert_graph_error(&r, 400, "Request_UnsupportedQuery");

    let r = h
        .send_json(
            "PATCH",
            &format!("{base}/applications/{id}"),
            &t,
            &json!({"tags": ["wpcrm", "changed"], "displayName": "wpcrm-site-2"}),
            None,
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    let got = h.get(&format!("{base}/applications/{id}"), Some(&t)).await;
    assert_eq!(got.json["tags"], json!(["wpcrm", "changed"]));
    assert_eq!(got.json["displayName"], "wpcrm-site-2");

    // addPassword: secretText once, hint, keyId, explicit and default end.
    let end = "2027-01-01T00:00:00Z";
    let p = h
        .send_json(
            "POST",
            &format!("{base}/applications/{id}/addPassword"),
            &t,
            &json!({"passwordCredential": {"displayName": "wp", "endDateTime": end}}),
            None,
        )
        .await;
    assert_eq!(p.status, 200, "{}", p.text);
    let secret = p.json["secretText"].as_str().unwrap().to_string();
    assert_eq!(secret.len(), 40);
    assert!(secret.contains("Q~"));
    assert_eq!(p.json["hint"], secret[..3]);
    assert_eq!(p.json["endDateTime"], end);
    let key_id = p.json["keyId"].as_str().unwrap().to_string();
    let d = h
        .send_json(
            "POST",
            &format!("{base}/applications(appId='{app_id}')/addPassword"),
            &t,
            &json!({}),
            None,
        )
        .await;
    assert_eq!(d.status, 200);
    let start = time::OffsetDateTime::parse(
        d.json["startDateTime"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let stop = time::OffsetDateTime::parse(
        d.json["endDateTime"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert!((stop - start).whole_days() >= 730 && (stop - start).whole_days() <= 731);
    let got = h.get(&format!("{base}/applications/{id}"), Some(&t)).await;
    assert_eq!(got.json["passwordCredentials"].as_array().unwrap().len(), 2);
    assert!(got.json["passwordCredentials"][0]["secretText"].is_null());
    assert!(!got.text.contains(&secret));

    // The new secret works for client credentials once a service principal exists.
    let sp = h
        .send_json(
            "POST",
            &format!("{base}/servicePrincipals"),
            &t,
            &json!({"appId": app_id}),
            None,
        )
        .await;
    assert_eq!(sp.status, 201, "{}", sp.text);
    assert_eq!(sp.json["appId"], app_id);
    let sp_id = sp.json["id"].as_str().unwrap().to_string();
    assert_graph_error(
        &h.send_json(
            "POST",
            &format!("{base}/servicePrincipals"),
            &t,
            &json!({"appId": app_id}),
            None,
        )
        .await,
        409,
        "Request_MultipleObjectsWithSameKeyValue",
    );
    assert_eq!(
        h.get(&format!("{base}/servicePrincipals(appId='{app_id}')"), Some(&t))
            .await
            .json["id"],
        sp_id
    );
    let r = res(h
        .c
        .get(format!("{base}/servicePrincipals"))
        .query(&[("$filter", &*format!("appId eq '{app_id}'"))])
        .bearer_auth(&t)
        .send()
        .await
        .unwrap())
    .await;
    assert_eq!(r.json["value"][0]["id"], sp_id);
    let app = SeedApp {
        app_id: Box::leak(app_id.clone().into_boxed_str()),
        secret: Box::leak(secret.clone().into_boxed_str()),
        key_id: "",
    };
    let tok = h.token_cc(tenant, &app, GRAPH).await;
    assert_eq!(tok.status, 200, "{}", tok.text);
    assert_eq!(claims(tok.json["access_token"].as_str().unwrap())["oid"], sp_id);

    // removePassword, then the removed secret no longer works.
    let r = h
        .send_json(
            "POST",
            &format!("{base}/applications/{id}/removePassword"),
            &t,
            &json!({"keyId": key_id}),
            None,
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    assert_aad_error(&h.token_cc(tenant, &app, GRAPH).await, 401, "invalid_client", 7000215);
    assert_graph_error(
        &h.send_json(
            "POST",
            &format!("{base}/applications/{id}/removePassword"),
            &t,
            &json!({"keyId": key_id}),
            None,
        )
        .await,
        400,
        "Request_BadRequest",
    );

    // Delete removes the app and its service principal.
    assert_eq!(
        h.send_json("DELETE", &format!("{base}/applications/{id}"), &t, &Value::Null, None)
            .await
            .status,
        204
    );
    assert_graph_error(
        &h.get(&format!("{base}/applications/{id}"), Some(&t)).await,
        404,
        "Request_ResourceNotFound",
    );
    assert_graph_error(
        &h.get(&format!("{base}/servicePrincipals/{sp_id}"), Some(&t)).await,
        404,
        "Request_ResourceNotFound",
    );
}

#[tokio::test]
async fn secret_lifetime_policy() {
    let h = start().await;
    let t = h.user_token(admin_upn(), GRAPH).await;
    let base = format!("{}/v1.0", h.url);
    h.control("POST", "/config", json!({"secret_max_lifetime_days": 180}))
        .await;
    let a = h
        .send_json(
            "POST",
            &format!("{base}/applications"),
            &t,
            &json!({"displayName": "short"}),
            None,
        )
        .await;
    let id = a.json["id"].as_str().unwrap();
    let r = h
        .send_json(
            "POST",
            &format!("{base}/applications/{id}/addPassword"),
            &t,
            &json!({"passwordCredential": {}}),
            None,
        )
        .await;
    assert_graph_error(&r, 400, "CredentialInvalidLifetimeAsPerAppPolicy");
    assert_eq!(r.json["error"]["details"][0]["code"], "InvalidKeyEndDate");
    let end = crate::common::iso_in_days(90);
    let r = h
        .send_json(
            "POST",
            &format!("{base}/applications/{id}/addPassword"),
            &t,
            &json!({"passwordCredential": {"endDateTime": end}}),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

#[tokio::test]
async fn replication_delay_then_success() {
    let tenant = tenant();
    let h = start().await;
    let t = h.user_token(admin_upn(), GRAPH).await;
    let base = format!("{}/v1.0", h.url);
    h.control("POST", "/config", json!({"replication_delay_ms": 1500}))
        .await;
    let a = h
        .send_json(
            "POST",
            &format!("{base}/applications"),
            &t,
            &json!({"displayName": "replicating"}),
            None,
        )
        .await;
    assert_eq!(a.status, 201);
    let id = a.json["id"].as_str().unwrap().to_string();
    let app_id = a.json["appId"].as_str().unwrap().to_string();
    let p = h
        .send_json(
            "POST",
            &format!("{base}/applications/{id}/addPassword"),
            &t,
            &json!({}),
            None,
        )
        .await;
    let secret = p.json["secretText"].as_str().unwrap().to_string();
    assert_graph_error(
        &h.get(&format!("{base}/applications/{id}"), Some(&t)).await,
        404,
        "Request_ResourceNotFound",
    );
    let sp = h
        .send_json(
            "POST",
            &format!("{base}/servicePrincipals"),
            &t,
            &json!({"appId": app_id}),
            None,
        )
        .await;
    assert_graph_error(&sp, 400, "Request_BadRequest");
    assert_eq!(sp.json["error"]["details"][0]["code"], "NoBackingApplicationObject");
    let app = SeedApp {
        app_id: Box::leak(app_id.clone().into_boxed_str()),
        secret: Box::leak(secret.into_boxed_str()),
        key_id: "",
    };
    assert_aad_error(
        &h.token_cc(tenant, &app, GRAPH).await,
        400,
        "unauthorized_client",
        700016,
    );
    tokio::time::sleep(std::time::Duration::from_millis(1600)).await;
    assert_eq!(h.get(&format!("{base}/applications/{id}"), Some(&t)).await.status, 200);
    assert_eq!(
        h.send_json(
            "POST",
            &format!("{base}/servicePrincipals"),
            &t,
            &json!({"appId": app_id}),
            None
        )
        .await
        .status,
        201
    );
    assert_eq!(h.token_cc(tenant, &app, GRAPH).await.status, 200);
    // A secret added to an existing app is not accepted until it has replicated (7000215).
    let p = h
        .send_json(
            "POST",
            &format!("{base}/applications/{id}/addPassword"),
            &t,
            &json!({}),
            None,
        )
        .await;
    let fresh = SeedApp {
        app_id: app.app_id,
        secret: Box::leak(p.json["secretText"].as_str().unwrap().to_string().into_boxed_str()),
        key_id: "",
    };
    assert_aad_error(&h.token_cc(tenant, &fresh, GRAPH).await, 401, "invalid_client", 7000215);
    tokio::time::sleep(std::time::Duration::from_millis(1600)).await;
    assert_eq!(h.token_cc(tenant, &fresh, GRAPH).await.status, 200);
}
