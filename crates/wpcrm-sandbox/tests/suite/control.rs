use crate::common::*;
use serde_json::{json, Value};

#[tokio::test]
async fn health_state_log_and_reset() {
    let h = start().await;
    assert_eq!(
        h.control("GET", "/health", Value::Null).await.json,
        json!({"status": "ok"})
    );
    let st = h.control("GET", "/state", Value::Null).await;
    assert_eq!(st.json["applications"].as_array().unwrap().len(), 7);
    assert_eq!(st.json["servicePrincipals"].as_array().unwrap().len(), 7);
    let ok = st.json["applications"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["appId"] == WP_OK.app_id)
        .unwrap();
    assert_eq!(ok["passwordCredentials"][0]["keyId"], WP_OK.key_id);
    assert!(!st.text.contains(WP_OK.secret));
    let users = st.json["environments"]["contoso"]["systemusers"].as_array().unwrap();
    let wp_ok = users.iter().find(|u| u["applicationid"] == WP_OK.app_id).unwrap();
    assert_eq!(wp_ok["roles"], json!(["Basic User", "WordPress Site Reader"]));
    let roles = st.json["environments"]["contoso"]["roles"].as_array().unwrap();
    assert!(roles.iter().any(|r| r["name"] == "Support Reader"));

    h.control("DELETE", "/requests", Value::Null).await;
    let t = h.app_token(&WP_OK, &format!("{}/contoso/.default", h.url)).await;
    h.get(&format!("{}/WhoAmI", h.api("contoso")), Some(&t)).await;
    let log = h.control("GET", "/requests", Value::Null).await;
    assert!(!log.text.contains(WP_OK.secret) && !log.text.contains(&t));
    let entries = log.json.as_array().unwrap();
    assert_eq!(entries.len(), 2, "{}", log.text);
    assert_eq!(entries[0]["service"], "login");
    assert_eq!(entries[1]["service"], "dataverse");
    assert_eq!(entries[1]["status"], 200);
    assert_eq!(entries[1]["path"], "/contoso/api/data/v9.2/WhoAmI");
    assert!(entries[1]["seq"].as_u64().unwrap() > entries[0]["seq"].as_u64().unwrap());

    // Changes are undone by reset.
    h.control(
        "POST",
        "/users/disable",
        json!({"environment": "contoso", "application_id": WP_OK.app_id}),
    )
    .await;
    h.control("POST", "/config", json!({"latency_ms": 5})).await;
    h.control("POST", "/faults", json!({"path": "/nothing", "kind": "drop"}))
        .await;
    assert_eq!(h.control("POST", "/reset", Value::Null).await.status, 200);
    assert_eq!(
        h.get(&format!("{}/WhoAmI", h.api("contoso")), Some(&t)).await.status,
        200
    );
    assert_eq!(h.control("GET", "/config", Value::Null).await.json["latency_ms"], 0);
    assert_eq!(h.control("GET", "/faults", Value::Null).await.json, json!([]));
    assert_eq!(h.sb.control().state()["applications"].as_array().unwrap().len(), 7);
}

#[tokio::test]
async fn world_steering_endpoints() {
    let tenant = tenant();
    let h = start().await;
    let api = h.api("contoso");
    let scope = format!("{}/contoso/.default", h.url);
    assert_eq!(
        h.control("POST", "/secrets/expire", json!({"app_id": WP_OK.app_id}))
            .await
            .status,
        204
    );
    assert_aad_error(
        &h.token_cc(tenant, &WP_OK, &scope).await,
        401,
        "invalid_client",
        7000222,
    );
    h.control("POST", "/reset", Value::Null).await;
    assert_eq!(
        h.control(
            "POST",
            "/secrets/expire",
            json!({"app_id": WP_OK.app_id, "key_id": WP_OK.key_id})
        )
        .await
        .status,
        204
    );
    assert_aad_error(
        &h.token_cc(tenant, &WP_OK, &scope).await,
        401,
        "invalid_client",
        7000222,
    );
    h.control("POST", "/reset", Value::Null).await;

    let t = h.env_token(&WP_OK, "contoso").await;
    assert_eq!(
        h.control(
            "POST",
            "/users/disable",
            json!({"environment": "contoso", "application_id": WP_OK.app_id})
        )
        .await
        .status,
        204
    );
    assert_dv_error(&h.get(&format!("{api}/WhoAmI"), Some(&t)).await, 403, "0x80040225");
    assert_eq!(
        h.control(
            "POST",
            "/users/enable",
            json!({"environment": "contoso", "application_id": WP_OK.app_id})
        )
        .await
        .status,
        204
    );
    assert_eq!(h.get(&format!("{api}/WhoAmI"), Some(&t)).await.status, 200);

    assert_eq!(h.get(&format!("{api}/incidents"), Some(&t)).await.status, 200);
    assert_eq!(
        h.control(
            "POST",
            "/roles/remove",
            json!({"environment": "contoso", "application_id": WP_OK.app_id, "role": "WordPress Site Reader"})
        )
        .await
        .status,
        204
    );
    assert_dv_error(&h.get(&format!("{api}/incidents"), Some(&t)).await, 403, "0x80040220");

    assert_eq!(
        h.control(
            "POST",
            "/apps/block",
            json!({"application_id": WP_OK.app_id, "blocked": true})
        )
        .await
        .status,
        204
    );
    assert_dv_error(&h.get(&format!("{api}/WhoAmI"), Some(&t)).await, 403, "0x80095ffc");
    h.control(
        "POST",
        "/apps/block",
        json!({"application_id": WP_OK.app_id, "blocked": false}),
    )
    .await;
    assert_eq!(h.get(&format!("{api}/WhoAmI"), Some(&t)).await.status, 200);

    // Token lifetime is configurable (expiry tests).
    h.control("POST", "/config", json!({"token_lifetime_s": 1})).await;
    let short = h.env_token(&WP_OK, "contoso").await;
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    assert_eq!(h.get(&format!("{api}/WhoAmI"), Some(&short)).await.status, 401);

    // Bad control requests.
    assert_eq!(h.control("POST", "/config", json!({"nope": 1})).await.status, 400);
    assert_eq!(
        h.control("POST", "/faults", json!({"path": "/x", "kind": "explode"}))
            .await
            .status,
        400
    );
    // Fault kinds are an enum inside, but the control API answers exactly as when they were strings:
    // the fields are checked first, then the kind.
    let r = h
        .control("POST", "/faults", json!({"path": "/x", "kind": "explode"}))
        .await;
    assert_eq!(
        r.json["error"],
        "unknown fault kind 'explode'; one of [\"latency\", \"status\", \"drop\", \"hang\", \"malformed_json\", \"truncated_json\", \"html\", \"redirect\", \"lose_response\"]"
    );
    let r = h
        .control("POST", "/faults", json!({"kind": "explode", "times": "x"}))
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json["error"],
        "invalid fault: invalid type: string \"x\", expected u64"
    );
    let r = h.control("POST", "/faults", json!({"kind": 5})).await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json["error"],
        "invalid fault: invalid type: integer `5`, expected a string"
    );
    let r = h.control("POST", "/faults", json!({"path": "/x"})).await;
    assert_eq!(r.json["error"], "invalid fault: missing field `kind`");
    assert_eq!(h.control("GET", "/faults", Value::Null).await.json, json!([]));
    assert_eq!(
        h.control(
            "POST",
            "/users/disable",
            json!({"environment": "nope", "application_id": WP_OK.app_id})
        )
        .await
        .status,
        404
    );
    assert_eq!(h.control("GET", "/nope", Value::Null).await.status, 404);
}

#[tokio::test]
async fn faults() {
    let h = start().await;
    let api = h.api("contoso");
    let t = h.env_token(&WP_OK, "contoso").await;
    let who = format!("{api}/WhoAmI");

    // status 429 without headers gets Retry-After: 1; applies `times` then stops.
    let r = h.control("POST", "/faults", json!({"method": "GET", "path": "/contoso/api/data/v9.2/WhoAmI", "kind": "status", "status": 429, "body": "{\"error\":{\"code\":\"0x80072322\",\"message\":\"x\"}}", "times": 1})).await;
    assert!(r.json["id"].as_u64().is_some());
    let r = h.get(&who, Some(&t)).await;
    assert_eq!(r.status, 429);
    assert_eq!(r.header("retry-after").as_deref(), Some("1"));
    assert_eq!(r.json["error"]["code"], "0x80072322");
    assert_eq!(h.get(&who, Some(&t)).await.status, 200);
    // "headers": {} omits Retry-After.
    h.control(
        "POST",
        "/faults",
        json!({"path": "/contoso/**", "kind": "status", "status": 429, "headers": {}, "times": 1}),
    )
    .await;
    assert!(h.get(&who, Some(&t)).await.header("retry-after").is_none());
    // Method filter.
    h.control(
        "POST",
        "/faults",
        json!({"method": "POST", "path": "/**", "kind": "status", "status": 503, "times": 1}),
    )
    .await;
    assert_eq!(h.get(&who, Some(&t)).await.status, 200);
    h.control("DELETE", "/faults", Value::Null).await;

    // malformed, truncated, html, redirect.
    h.control(
        "POST",
        "/faults",
        json!({"path": "/contoso/api/data/*/WhoAmI", "kind": "malformed_json", "times": 1}),
    )
    .await;
    let r = h.get(&who, Some(&t)).await;
    assert_eq!(r.status, 200);
    assert!(serde_json::from_str::<Value>(&r.text).is_err());
    h.control(
        "POST",
        "/faults",
        json!({"path": "/contoso/api/data/*/WhoAmI", "kind": "truncated_json", "times": 1}),
    )
    .await;
    let r = h.get(&who, Some(&t)).await;
    assert!(serde_json::from_str::<Value>(&r.text).is_err() && r.text.starts_with("{\"@odata.context\""));
    h.control(
        "POST",
        "/faults",
        json!({"path": "/contoso/**", "kind": "html", "status": 502, "times": 1}),
    )
    .await;
    let r = h.get(&who, Some(&t)).await;
    assert_eq!(r.status, 502);
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    h.control(
        "POST",
        "/faults",
        json!({"path": "/contoso/**", "kind": "redirect", "location": "https://evil.example/steal", "times": 1}),
    )
    .await;
    let r = h.get(&who, Some(&t)).await;
    assert_eq!(r.status, 302);
    assert_eq!(r.header("location").as_deref(), Some("https://evil.example/steal"));

    // drop: the connection closes without a response.
    h.control(
        "POST",
        "/faults",
        json!({"path": "/contoso/**", "kind": "drop", "times": 1}),
    )
    .await;
    assert!(h.c.get(&who).bearer_auth(&t).send().await.is_err());
    assert_eq!(h.get(&who, Some(&t)).await.status, 200);

    // hang: no answer within the client's timeout.
    h.control(
        "POST",
        "/faults",
        json!({"path": "/contoso/**", "kind": "hang", "times": 1}),
    )
    .await;
    let r =
        h.c.get(&who)
            .bearer_auth(&t)
            .timeout(std::time::Duration::from_millis(300))
            .send()
            .await;
    assert!(r.is_err());

    // latency adds delay and lets the request proceed; it also applies to login paths.
    h.control(
        "POST",
        "/faults",
        json!({"path": "/*/oauth2/v2.0/token", "kind": "latency", "latency_ms": 300, "times": 1}),
    )
    .await;
    let started = std::time::Instant::now();
    h.env_token(&WP_OK, "contoso").await;
    assert!(started.elapsed().as_millis() >= 300);
    // The control plane is never faulted.
    h.control(
        "POST",
        "/faults",
        json!({"path": "/**", "kind": "status", "status": 500}),
    )
    .await;
    assert_eq!(h.control("GET", "/health", Value::Null).await.status, 200);
}
