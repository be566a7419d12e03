//! `secret_activation_delay_ms`: a client secret added through Graph is listed at once but refused
//! by the token endpoint (`invalid_client`, AADSTS7000215) until the delay (as configured when it was
//! added) has passed; the app's other secrets keep working meanwhile, and nothing else is delayed.

use crate::common::*;
use serde_json::json;
use std::time::Duration;

/// Adds a secret to the seeded `wp-ok` application; returns it as a test sends it.
async fn add_secret(h: &H) -> SeedApp {
    let t = h.user_token(fixtures::admin().upn, GRAPH).await;
    let base = format!("{}/v1.0", h.url);
    let filter = format!("appId eq '{}'", WP_OK.app_id);
    let list = h
        .get_query(&format!("{base}/applications"), &[("$filter", filter.as_str())], &t)
        .await;
    let id = list.json["value"][0]["id"].as_str().unwrap().to_string();
    let p = h
        .send_json(
            "POST",
            &format!("{base}/applications/{id}/addPassword"),
            &t,
            &json!({"passwordCredential": {"displayName": "renewed"}}),
            None,
        )
        .await;
    assert_eq!(p.status, 200, "{}", p.text);
    let app = h.get(&format!("{base}/applications/{id}"), Some(&t)).await;
    let listed = app.json["passwordCredentials"].as_array().unwrap();
    assert!(
        listed.iter().any(|c| c["keyId"] == p.json["keyId"]),
        "Graph lists the new secret at once: {listed:?}"
    );
    SeedApp {
        app_id: WP_OK.app_id,
        secret: Box::leak(p.json["secretText"].as_str().unwrap().to_string().into_boxed_str()),
        key_id: "",
    }
}

#[tokio::test]
async fn a_new_secret_is_refused_until_its_activation_delay_has_passed() {
    let h = start().await;
    h.control("POST", "/config", json!({"secret_activation_delay_ms": 1200}))
        .await;
    let fresh = add_secret(&h).await;
    let scope = format!("{}/.default", h.env_url(fixtures::default_environment().name));
    assert_aad_error(
        &h.token_cc(tenant(), &fresh, &scope).await,
        401,
        "invalid_client",
        7000215,
    );
    assert_eq!(
        h.token_cc(tenant(), &WP_OK, &scope).await.status,
        200,
        "the application's older secret still works"
    );
    // The delay is the secret's own: raising it afterwards does not make it pending again.
    tokio::time::sleep(Duration::from_millis(1300)).await;
    h.control("POST", "/config", json!({"secret_activation_delay_ms": 60000}))
        .await;
    assert_eq!(h.token_cc(tenant(), &fresh, &scope).await.status, 200);
    let later = add_secret(&h).await;
    assert_aad_error(
        &h.token_cc(tenant(), &later, &scope).await,
        401,
        "invalid_client",
        7000215,
    );
}

#[tokio::test]
async fn without_an_activation_delay_a_new_secret_works_at_once() {
    let h = start().await;
    let config = h.control("GET", "/config", json!(null)).await;
    assert_eq!(config.json["secret_activation_delay_ms"], 0, "{}", config.text);
    let fresh = add_secret(&h).await;
    assert_eq!(h.token_cc(tenant(), &fresh, GRAPH).await.status, 200);
}
