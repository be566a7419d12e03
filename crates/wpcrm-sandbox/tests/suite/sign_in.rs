//! The browser sign-in (authorize page, `authorization_code` grant with PKCE) and the planted
//! sign-in policies (`/_sandbox/policy/sign-in`) of the device-code poll and of a refresh, per
//! resource, over real HTTPS.

use crate::common::*;
use serde_json::{json, Value};

const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

fn authorize_path() -> String {
    format!("/{}/oauth2/v2.0/authorize", tenant())
}

/// The authorize request's parameters, with `extra` replacing or adding some.
fn params(extra: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    let mut p: Vec<(&'static str, String)> = vec![
        ("client_id", az_cli().to_owned()),
        ("response_type", "code".into()),
        ("redirect_uri", "http://localhost".into()),
        ("scope", format!("{GRAPH} offline_access openid profile")),
        ("state", "s-1".into()),
        ("code_challenge", CHALLENGE.into()),
        ("code_challenge_method", "S256".into()),
    ];
    for (k, v) in extra {
        p.retain(|(n, _)| n != k);
        p.push((k, (*v).to_owned()));
    }
    p
}

/// Submits the sign-in form (as the admin, or Cancel): the redirect's `Location`, or the page.
async fn sign_in(h: &H, p: &[(&'static str, String)], cancel: bool) -> Res {
    let admin = fixtures::admin();
    let mut form: Vec<(&str, &str)> = p.iter().map(|(k, v)| (*k, v.as_str())).collect();
    form.extend([
        ("email", admin.upn),
        ("password", admin.password),
        ("decision", if cancel { "cancel" } else { "signin" }),
    ]);
    h.post_form(&authorize_path(), &form).await
}

fn query_of(location: &str) -> Value {
    let url = reqwest::Url::parse(location).unwrap();
    let mut v = json!({});
    for (k, val) in url
        .query_pairs()
        .chain(url::form_urlencoded::parse(url.fragment().unwrap_or("").as_bytes()))
    {
        v[k.as_ref()] = json!(val);
    }
    v
}

async fn code(h: &H, extra: &[(&'static str, &str)]) -> String {
    let r = sign_in(h, &params(extra), false).await;
    assert_eq!(r.status, 302, "{}", r.text);
    let q = query_of(&r.header("location").unwrap());
    assert_eq!(q["state"], "s-1");
    q["code"].as_str().unwrap().to_owned()
}

async fn redeem(h: &H, code: &str, verifier: Option<&str>, redirect_uri: &str) -> Res {
    let az = az_cli();
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("client_id", az),
        ("code", code),
        ("redirect_uri", redirect_uri),
        ("scope", GRAPH),
    ];
    if let Some(v) = verifier {
        form.push(("code_verifier", v));
    }
    h.post_form("/organizations/oauth2/v2.0/token", &form).await
}

#[tokio::test]
async fn the_authorize_page_signs_in_and_redirects_with_a_single_use_code() {
    let h = start().await;
    let page = h
        .get(
            &format!("{}{}?{}", h.url, authorize_path(), serde_urlencoded(&params(&[]))),
            None,
        )
        .await;
    assert_eq!(page.status, 200);
    for id in [
        r#"id="email""#,
        r#"id="password""#,
        r#"id="signin""#,
        r#"id="cancel""#,
        "Microsoft Azure CLI",
    ] {
        assert!(page.text.contains(id), "{id}: {}", page.text);
    }
    let code = code(&h, &[]).await;
    let t = redeem(&h, &code, Some(VERIFIER), "http://localhost").await;
    assert_eq!(t.status, 200, "{}", t.text);
    for k in ["access_token", "refresh_token", "id_token"] {
        assert!(t.json[k].is_string(), "{k}");
    }
    // Single use: AADSTS54005.
    assert_aad_error(
        &redeem(&h, &code, Some(VERIFIER), "http://localhost").await,
        400,
        "invalid_grant",
        54005,
    );
    // Unknown: AADSTS9002313.
    assert_aad_error(
        &redeem(&h, "1.AQnope", Some(VERIFIER), "http://localhost").await,
        400,
        "invalid_grant",
        9002313,
    );
    // A wrong password stays on the page with AADSTS50126.
    let mut bad = params(&[]);
    bad.push(("email", fixtures::admin().upn.to_owned()));
    let form: Vec<(&str, &str)> = bad
        .iter()
        .map(|(k, v)| (*k, v.as_str()))
        .chain([("password", "wrong")])
        .collect();
    let r = h.post_form(&authorize_path(), &form).await;
    assert_eq!(r.status, 200);
    assert!(r.text.contains("AADSTS50126"));
}

#[tokio::test]
async fn pkce_is_verified_by_rfc7636_rules() {
    let h = start().await;
    // S256: a wrong verifier, a missing one, a malformed one.
    let c = code(&h, &[]).await;
    let wrong = VERIFIER.replace('d', "e");
    assert_aad_error(
        &redeem(&h, &c, Some(&wrong), "http://localhost").await,
        400,
        "invalid_grant",
        501481,
    );
    assert_aad_error(
        &redeem(&h, &c, None, "http://localhost").await,
        400,
        "invalid_request",
        900144,
    );
    assert_aad_error(
        &redeem(&h, &c, Some("short"), "http://localhost").await,
        400,
        "invalid_grant",
        501481,
    );
    // The redirect URI must be the authorize request's.
    assert_aad_error(
        &redeem(&h, &c, Some(VERIFIER), "http://localhost:8080").await,
        400,
        "invalid_grant",
        50011,
    );
    assert_eq!(redeem(&h, &c, Some(VERIFIER), "http://localhost").await.status, 200);
    // plain: the verifier is the challenge; a challenge without a method is plain.
    let c = code(&h, &[("code_challenge", VERIFIER), ("code_challenge_method", "plain")]).await;
    assert_aad_error(
        &redeem(&h, &c, Some(&wrong), "http://localhost").await,
        400,
        "invalid_grant",
        501481,
    );
    assert_eq!(redeem(&h, &c, Some(VERIFIER), "http://localhost").await.status, 200);
    let mut p = params(&[("code_challenge", VERIFIER)]);
    p.retain(|(k, _)| *k != "code_challenge_method");
    let r = sign_in(&h, &p, false).await;
    let c = query_of(&r.header("location").unwrap())["code"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(redeem(&h, &c, Some(VERIFIER), "http://localhost").await.status, 200);
    // An expired code: AADSTS70008.
    h.control("POST", "/config", json!({"auth_code_expires_s": 0})).await;
    let c = code(&h, &[]).await;
    assert_aad_error(
        &redeem(&h, &c, Some(VERIFIER), "http://localhost").await,
        400,
        "invalid_grant",
        70008,
    );
}

#[tokio::test]
async fn the_authorize_page_refuses_or_redirects_errors_as_entra_does() {
    let h = start().await;
    // Not a loopback redirect: shown on the page, never redirected to.
    let r = sign_in(&h, &params(&[("redirect_uri", "https://evil.example/cb")]), false).await;
    assert_eq!(r.status, 400);
    assert!(r.text.contains("AADSTS50011"), "{}", r.text);
    // A loopback on any port and path is accepted, the state comes back.
    let r = sign_in(&h, &params(&[("redirect_uri", "http://127.0.0.1:5555/cb")]), false).await;
    assert!(r
        .header("location")
        .unwrap()
        .starts_with("http://127.0.0.1:5555/cb?code="));
    // Cancel: access_denied, AADSTS65004.
    let r = sign_in(&h, &params(&[]), true).await;
    let q = query_of(&r.header("location").unwrap());
    assert_eq!(
        (q["error"].as_str(), q["state"].as_str()),
        (Some("access_denied"), Some("s-1"))
    );
    assert!(q["error_description"].as_str().unwrap().starts_with("AADSTS65004:"));
    // A planted policy for the authorize flow; fragment mode.
    h.control(
        "POST",
        "/policy/sign-in",
        json!({"flow": "authorize", "variant": "mfa_required"}),
    )
    .await;
    let r = sign_in(&h, &params(&[("response_mode", "fragment")]), false).await;
    let location = r.header("location").unwrap();
    assert!(location.starts_with("http://localhost#"), "{location}");
    let q = query_of(&location);
    assert_eq!(q["error"], "interaction_required");
    assert!(q["error_description"].as_str().unwrap().starts_with("AADSTS50076:"));
    // form_post posts the answer.
    h.control("DELETE", "/policy/sign-in", Value::Null).await;
    let r = sign_in(&h, &params(&[("response_mode", "form_post")]), false).await;
    assert_eq!(r.status, 200);
    assert!(r.text.contains(r#"name="code""#) && r.text.contains(r#"action="http://localhost""#));
}

#[tokio::test]
async fn refresh_policies_answer_per_resource_and_can_be_used_up() {
    let h = start().await;
    let t = h.user_tokens(fixtures::admin().upn, GRAPH).await;
    let rt = t["refresh_token"].as_str().unwrap().to_owned();
    let refresh = |scope: String| {
        let h = &h;
        let rt = rt.clone();
        async move {
            h.post_form(
                "/organizations/oauth2/v2.0/token",
                &[
                    ("grant_type", "refresh_token"),
                    ("client_id", az_cli()),
                    ("refresh_token", &rt),
                    ("scope", &scope),
                ],
            )
            .await
        }
    };
    let dataverse = format!("{}/.default", h.env_url("contoso"));
    let p = h
        .control(
            "POST",
            "/policy/sign-in",
            json!({"flow": "refresh_token", "resource": "dataverse", "variant": "compliant_device", "times": 1}),
        )
        .await;
    assert_eq!(p.status, 200, "{}", p.text);
    assert_eq!(refresh(GRAPH.to_owned()).await.status, 200, "Graph is not covered");
    assert_aad_error(&refresh(dataverse.clone()).await, 400, "invalid_grant", 53000);
    assert_eq!(refresh(dataverse.clone()).await.status, 200, "used up after one answer");
    // The `error` value of the other variant; every variant name the docs list.
    h.control(
        "POST",
        "/policy/sign-in",
        json!({"flow": "any", "resource": "graph", "variant": "consent_required", "error": "consent_required"}),
    )
    .await;
    assert_aad_error(&refresh(GRAPH.to_owned()).await, 400, "consent_required", 65001);
    let listed = h.control("GET", "/policy/sign-in", Value::Null).await;
    assert_eq!(listed.json.as_array().unwrap().len(), 2);
    let bad = h
        .control("POST", "/policy/sign-in", json!({"flow": "nope", "variant": "blocked"}))
        .await;
    assert_eq!(bad.status, 400);
    for (variant, number) in [
        ("hybrid_joined_device", 53001),
        ("approved_app", 53002),
        ("blocked", 53003),
        ("security_policy", 530032),
        ("mfa_registration", 50079),
        ("device_auth_required", 50097),
        ("external_challenge", 50158),
        ("consent_declined", 65004),
        ("grant_expired", 70008),
        ("refresh_expired", 700082),
        ("grant_revoked", 50173),
        ("sign_in_frequency", 70043),
    ] {
        h.control("DELETE", "/policy/sign-in", Value::Null).await;
        h.control(
            "POST",
            "/policy/sign-in",
            json!({"flow": "refresh_token", "variant": variant}),
        )
        .await;
        assert_aad_error(&refresh(GRAPH.to_owned()).await, 400, "invalid_grant", number);
    }
}

#[tokio::test]
async fn device_code_policies_and_the_redeemed_code_variants() {
    let h = start().await;
    let az = az_cli();
    let poll = |device: String| {
        let h = &h;
        async move {
            h.post_form(
                "/organizations/oauth2/v2.0/token",
                &[
                    ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
                    ("client_id", az),
                    ("device_code", &device),
                ],
            )
            .await
        }
    };
    let start_code = || async {
        let dc = h
            .post_form(
                "/organizations/oauth2/v2.0/devicecode",
                &[("client_id", az), ("scope", &format!("{GRAPH} offline_access"))],
            )
            .await;
        let user_code = dc.json["user_code"].as_str().unwrap().to_owned();
        h.control("POST", "/device/approve", json!({"user_code": user_code}))
            .await;
        dc.json["device_code"].as_str().unwrap().to_owned()
    };
    h.control(
        "POST",
        "/policy/sign-in",
        json!({"flow": "device_code", "variant": "device_auth_required", "error": "interaction_required"}),
    )
    .await;
    let device = start_code().await;
    assert_aad_error(&poll(device).await, 400, "interaction_required", 50097);
    h.control("DELETE", "/policy/sign-in", Value::Null).await;
    let device = start_code().await;
    assert_eq!(poll(device.clone()).await.status, 200);
    assert_aad_error(&poll(device).await, 400, "bad_verification_code", 70018);
    h.control(
        "POST",
        "/config",
        json!({"device_code_redeemed_error": "invalid_grant"}),
    )
    .await;
    let device = start_code().await;
    assert_eq!(poll(device.clone()).await.status, 200);
    assert_aad_error(&poll(device).await, 400, "invalid_grant", 70000);
}

fn serde_urlencoded(p: &[(&'static str, String)]) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in p {
        s.append_pair(k, v);
    }
    s.finish()
}

#[tokio::test]
async fn the_device_login_page_shows_a_planted_policy_and_the_poll_answers_it() {
    let h = start().await;
    let az = az_cli();
    h.control(
        "POST",
        "/policy/sign-in",
        json!({"flow": "device_code", "resource": "graph", "variant": "compliant_device"}),
    )
    .await;
    let dc = h
        .post_form(
            "/organizations/oauth2/v2.0/devicecode",
            &[("client_id", az), ("scope", GRAPH)],
        )
        .await;
    let admin = fixtures::admin();
    let page = h
        .post_form(
            "/devicelogin",
            &[
                ("step", "signin"),
                ("user_code", dc.json["user_code"].as_str().unwrap()),
                ("email", admin.upn),
                ("password", admin.password),
            ],
        )
        .await;
    assert!(
        page.text.contains(r#"<span id="error_code">53000</span>"#),
        "{}",
        page.text
    );
    let poll = h
        .post_form(
            "/organizations/oauth2/v2.0/token",
            &[
                ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
                ("client_id", az),
                ("device_code", dc.json["device_code"].as_str().unwrap()),
            ],
        )
        .await;
    assert_aad_error(&poll, 400, "invalid_grant", 53000);
}
