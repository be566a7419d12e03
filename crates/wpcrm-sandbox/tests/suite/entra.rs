use crate::common::*;
use serde_json::json;

#[tokio::test]
async fn openid_configuration_for_guid_domain_and_generic_tenants() {
    let tenant = tenant();
    let domain = domain();
    let h = start().await;
    for t in [tenant, domain, "organizations", "common"] {
        let r = h
            .get(&format!("{}/{t}/v2.0/.well-known/openid-configuration", h.url), None)
            .await;
        assert_eq!(r.status, 200, "{t}: {}", r.text);
        assert_eq!(r.header("cache-control").as_deref(), Some("max-age=86400, private"));
        for k in [
            "authorization_endpoint",
            "token_endpoint",
            "device_authorization_endpoint",
            "jwks_uri",
            "issuer",
        ] {
            assert!(r.json[k].as_str().unwrap().starts_with(&h.url), "{k}");
        }
    }
    let r = h
        .get(
            &format!("{}/{domain}/v2.0/.well-known/openid-configuration", h.url),
            None,
        )
        .await;
    assert_eq!(
        r.json["token_endpoint"],
        format!("{}/{tenant}/oauth2/v2.0/token", h.url)
    );
    let r = h
        .get(
            &format!(
                "{}/00000000-1111-2222-3333-444444444444/v2.0/.well-known/openid-configuration",
                h.url
            ),
            None,
        )
        .await;
    assert_aad_error(&r, 400, "invalid_tenant", 90002);
    let r = h
        .get(
            &format!("{}/undefined/v2.0/.well-known/openid-configuration", h.url),
            None,
        )
        .await;
    assert_aad_error(&r, 400, "invalid_request", 900023);
}

#[tokio::test]
async fn jwks_and_instance_discovery() {
    let tenant = tenant();
    let h = start().await;
    let r = h.get(&format!("{}/{tenant}/discovery/v2.0/keys", h.url), None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json["keys"][0]["kty"], "RSA");
    let token = h.app_token(&WP_OK, GRAPH).await;
    let kid = {
        use base64::Engine;
        let head: serde_json::Value = serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(token.split('.').next().unwrap())
                .unwrap(),
        )
        .unwrap();
        head["kid"].clone()
    };
    assert_eq!(r.json["keys"][0]["kid"], kid);
    // MSAL drops the port from authorization_endpoint (MSAL Python builds endpoints from the authority without its port; docs/sandbox.md).
    let r = h
        .get(&format!("{}/common/discovery/instance?api-version=1.0&authorization_endpoint=https://127.0.0.1/{tenant}/oauth2/v2.0/authorize", h.url), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.json["tenant_discovery_endpoint"],
        format!("{}/{tenant}/v2.0/.well-known/openid-configuration", h.url)
    );
}

#[tokio::test]
async fn client_credentials_issues_tokens_for_each_audience() {
    let tenant = tenant();
    let domain = domain();
    let h = start().await;
    let r = h.token_cc(domain, &WP_OK, &format!("{}/contoso/.default", h.url)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["token_type"], "Bearer");
    assert_eq!(r.json["expires_in"], 3599);
    assert_eq!(r.json["ext_expires_in"], 3599);
    assert_eq!(r.header("cache-control").as_deref(), Some("no-store, no-cache"));
    assert_eq!(r.header("pragma").as_deref(), Some("no-cache"));
    let c = claims(r.json["access_token"].as_str().unwrap());
    assert_eq!(c["aud"], format!("{}/contoso", h.url));
    assert_eq!(c["appid"], WP_OK.app_id);
    assert_eq!(c["tid"], tenant);
    assert_eq!(c["oid"], fixtures::app("wp-ok").service_principal_id.unwrap());
    assert!(c["roles"].is_array() && c["scp"].is_null());
    assert_eq!(
        claims(&h.app_token(&WP_OK, GRAPH).await)["aud"],
        "https://graph.microsoft.com"
    );
    assert_eq!(
        claims(&h.app_token(&WP_OK, DISCO).await)["aud"],
        "https://globaldisco.crm.dynamics.com"
    );
    // localhost spelling of the same origin names the same resource.
    let port = h.sb.port();
    assert_eq!(
        claims(
            &h.app_token(&WP_OK, &format!("https://localhost:{port}/contoso/.default"))
                .await
        )["aud"],
        format!("{}/contoso", h.url)
    );

    // HTTP Basic client authentication, unknown parameters ignored.
    use base64::Engine;
    let basic = base64::engine::general_purpose::STANDARD.encode(format!(
        "{}:{}",
        WP_OK.app_id,
        url::form_urlencoded::byte_serialize(WP_OK.secret.as_bytes()).collect::<String>()
    ));
    let r = res(h
        .c
        .post(format!("{}/{tenant}/oauth2/v2.0/token", h.url))
        .header("Authorization", format!("Basic {basic}"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("scope", GRAPH),
            ("client_info", "1"),
            ("claims", "{\"access_token\":{\"xms_cc\":{\"values\":[\"CP1\"]}}}"),
        ])
        .send()
        .await
        .unwrap())
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

#[tokio::test]
async fn client_credentials_errors() {
    let tenant = tenant();
    let h = start().await;
    let scope = format!("{}/contoso/.default", h.url);
    // Wrong secret, and the Secret ID pasted as the secret: 7000215.
    let mut wrong = SeedApp {
        app_id: WP_OK.app_id,
        secret: "nope",
        key_id: "",
    };
    assert_aad_error(
        &h.token_cc(tenant, &wrong, &scope).await,
        401,
        "invalid_client",
        7000215,
    );
    wrong.secret = WP_OK.key_id;
    let r = h.token_cc(tenant, &wrong, &scope).await;
    assert_aad_error(&r, 401, "invalid_client", 7000215);
    assert!(r.json["error_description"]
        .as_str()
        .unwrap()
        .contains("not the client secret ID"));
    // Expired secret.
    assert_aad_error(
        &h.token_cc(tenant, &WP_EXPIRED, &scope).await,
        401,
        "invalid_client",
        7000222,
    );
    // Unknown app.
    let unknown = SeedApp {
        app_id: "99999999-9999-4999-8999-999999999999",
        secret: "x",
        key_id: "",
    };
    assert_aad_error(
        &h.token_cc(tenant, &unknown, &scope).await,
        400,
        "unauthorized_client",
        700016,
    );
    // Unknown tenant, malformed tenant.
    assert_aad_error(
        &h.token_cc("00000000-1111-2222-3333-444444444444", &WP_OK, &scope).await,
        400,
        "invalid_request",
        90002,
    );
    assert_aad_error(
        &h.token_cc("fabrikam.onmicrosoft.com", &WP_OK, &scope).await,
        400,
        "invalid_request",
        90002,
    );
    assert_aad_error(
        &h.token_cc("{{tenantid}}", &WP_OK, &scope).await,
        400,
        "invalid_request",
        900023,
    );
    // Unknown resource (a typo in the environment), and two resources at once.
    assert_aad_error(
        &h.token_cc(tenant, &WP_OK, &format!("{}/contsoo/.default", h.url)).await,
        400,
        "invalid_resource",
        500011,
    );
    // A real host names a seeded environment only in the environment's own cloud (`clouds`):
    // `contoso` is public, so its GCC High URL, like an organization nobody seeded, is unknown.
    for unknown in [
        "https://nosuchorg.crm.dynamics.com/.default",
        "https://contoso.crm.microsoftdynamics.us/.default",
    ] {
        assert_aad_error(
            &h.token_cc(tenant, &WP_OK, unknown).await,
            400,
            "invalid_resource",
            500011,
        );
    }
    assert_aad_error(
        &h.token_cc(tenant, &WP_OK, &format!("{GRAPH} {DISCO}")).await,
        400,
        "invalid_scope",
        700022,
    );
    // No secret at all.
    let r = h
        .post_form(
            &format!("/{tenant}/oauth2/v2.0/token"),
            &[
                ("client_id", WP_OK.app_id),
                ("scope", &scope),
                ("grant_type", "client_credentials"),
            ],
        )
        .await;
    assert_aad_error(&r, 401, "invalid_client", 7000218);
    // /common and /organizations with client credentials.
    assert_aad_error(
        &h.token_cc("common", &WP_OK, &scope).await,
        400,
        "invalid_request",
        50059,
    );
    assert_aad_error(
        &h.token_cc("organizations", &WP_OK, &scope).await,
        400,
        "invalid_request",
        50059,
    );
    // A JSON body has no grant_type (AADSTS900144, https://learn.microsoft.com/entra/identity-platform/reference-error-codes).
    let r = res(h
        .c
        .post(format!("{}/{tenant}/oauth2/v2.0/token", h.url))
        .json(&json!({"grant_type":"client_credentials"}))
        .send()
        .await
        .unwrap())
    .await;
    assert_aad_error(&r, 400, "invalid_request", 900144);
}

async fn devicecode(h: &H, client: &str, scope: &str) -> Res {
    let tenant = tenant();
    h.post_form(
        &format!("/{tenant}/oauth2/v2.0/devicecode"),
        &[("client_id", client), ("scope", scope)],
    )
    .await
}

async fn poll(h: &H, client: &str, device_code: &str) -> Res {
    let tenant = tenant();
    h.post_form(
        &format!("/{tenant}/oauth2/v2.0/token"),
        &[
            ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            ("client_id", client),
            ("device_code", device_code),
            ("code", device_code),
            ("client_info", "1"),
        ],
    )
    .await
}

#[tokio::test]
async fn device_code_flow_and_refresh_across_resources() {
    let tenant = tenant();
    let az_cli = az_cli();
    let h = start().await;
    let dc = devicecode(&h, az_cli, &format!("{GRAPH} offline_access openid profile")).await;
    assert_eq!(dc.status, 200, "{}", dc.text);
    let code = dc.json["user_code"].as_str().unwrap();
    assert_eq!(code.len(), 8);
    assert!(code.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()));
    assert_eq!(dc.json["verification_uri"], format!("{}/devicelogin", h.url));
    assert_eq!(dc.json["expires_in"], 900);
    assert_eq!(dc.json["interval"], 1);
    assert!(dc.json["message"].as_str().unwrap().contains(code));
    let device = dc.json["device_code"].as_str().unwrap();

    assert_aad_error(&poll(&h, az_cli, device).await, 400, "authorization_pending", 70016);
    // Polling again at once is faster than the interval.
    assert_eq!(poll(&h, az_cli, device).await.json["error"], "slow_down");
    let pending = h.control("GET", "/device/pending", serde_json::Value::Null).await;
    assert_eq!(pending.json[0]["user_code"], code);
    assert_eq!(pending.json[0]["client_id"], az_cli);

    assert_eq!(
        h.control("POST", "/device/approve", json!({"user_code": code}))
            .await
            .status,
        204
    );
    let t = poll(&h, az_cli, device).await;
    assert_eq!(t.status, 200, "{}", t.text);
    for k in ["access_token", "refresh_token", "id_token", "client_info", "scope"] {
        assert!(t.json[k].is_string(), "{k}");
    }
    let c = claims(t.json["access_token"].as_str().unwrap());
    assert_eq!(c["aud"], "https://graph.microsoft.com");
    assert_eq!(c["upn"], fixtures::admin().upn);
    assert!(c["scp"].as_str().unwrap().contains("Application.ReadWrite.All"));
    // A code is redeemed once.
    assert_eq!(poll(&h, az_cli, device).await.json["error"], "bad_verification_code");

    // One refresh token yields Graph, discovery and Dataverse tokens.
    let rt = t.json["refresh_token"].as_str().unwrap().to_string();
    for (scope, aud) in [
        (
            format!("{}/contoso/.default offline_access openid profile", h.url),
            format!("{}/contoso", h.url),
        ),
        (DISCO.to_string(), "https://globaldisco.crm.dynamics.com".to_string()),
        (GRAPH.to_string(), "https://graph.microsoft.com".to_string()),
    ] {
        let r = h
            .post_form(
                "/organizations/oauth2/v2.0/token",
                &[
                    ("grant_type", "refresh_token"),
                    ("client_id", az_cli),
                    ("refresh_token", &rt),
                    ("scope", &scope),
                ],
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(claims(r.json["access_token"].as_str().unwrap())["aud"], aud);
        assert!(r.json["refresh_token"].is_string());
    }
    let r = h
        .post_form(
            &format!("/{tenant}/oauth2/v2.0/token"),
            &[
                ("grant_type", "refresh_token"),
                ("client_id", az_cli),
                ("refresh_token", "bogus"),
                ("scope", GRAPH),
            ],
        )
        .await;
    assert_aad_error(&r, 400, "invalid_grant", 9002313);
    let r = h
        .post_form(
            &format!("/{tenant}/oauth2/v2.0/token"),
            &[
                ("grant_type", "refresh_token"),
                ("client_id", az_cli),
                ("refresh_token", &rt),
                ("scope", "https://nope.example/.default"),
            ],
        )
        .await;
    assert_aad_error(&r, 400, "invalid_resource", 500011);
}

#[tokio::test]
async fn device_code_terminal_errors() {
    let az_cli = az_cli();
    let h = start().await;
    // Declined.
    let dc = devicecode(&h, az_cli, GRAPH).await;
    h.control("POST", "/device/decline", json!({"user_code": dc.json["user_code"]}))
        .await;
    assert_aad_error(
        &poll(&h, az_cli, dc.json["device_code"].as_str().unwrap()).await,
        400,
        "authorization_declined",
        65004,
    );
    // Expired.
    let dc = devicecode(&h, az_cli, GRAPH).await;
    h.control("POST", "/device/expire", json!({"user_code": dc.json["user_code"]}))
        .await;
    assert_aad_error(
        &poll(&h, az_cli, dc.json["device_code"].as_str().unwrap()).await,
        400,
        "expired_token",
        70020,
    );
    // Expiry by time.
    h.control("POST", "/config", json!({"device_expires_s": 0})).await;
    let dc = devicecode(&h, az_cli, GRAPH).await;
    assert_eq!(
        poll(&h, az_cli, dc.json["device_code"].as_str().unwrap()).await.json["error"],
        "expired_token"
    );
    h.control("POST", "/config", json!({"device_expires_s": 900})).await;
    // Unknown device code.
    assert_aad_error(
        &poll(&h, az_cli, "not-a-code").await,
        400,
        "bad_verification_code",
        70018,
    );
    // Conditional Access: the blocked user, then the tenant-wide device-code policy.
    let dc = devicecode(&h, az_cli, GRAPH).await;
    h.control(
        "POST",
        "/device/approve",
        json!({"user_code": dc.json["user_code"], "user": fixtures::user("blocked").upn}),
    )
    .await;
    assert_aad_error(
        &poll(&h, az_cli, dc.json["device_code"].as_str().unwrap()).await,
        400,
        "invalid_grant",
        53003,
    );
    assert_eq!(
        h.control("POST", "/policy/device-code", json!({"blocked": true}))
            .await
            .status,
        204
    );
    let dc = devicecode(&h, az_cli, GRAPH).await;
    h.control("POST", "/device/approve", json!({"user_code": dc.json["user_code"]}))
        .await;
    assert_aad_error(
        &poll(&h, az_cli, dc.json["device_code"].as_str().unwrap()).await,
        400,
        "invalid_grant",
        53003,
    );
    // The app's own (confidential) registration used for device code: 7000218.
    let dc = devicecode(&h, WP_OK.app_id, GRAPH).await;
    assert_eq!(dc.status, 200, "{}", dc.text);
    assert_aad_error(
        &poll(&h, WP_OK.app_id, dc.json["device_code"].as_str().unwrap()).await,
        401,
        "invalid_client",
        7000218,
    );
    // Unknown client and unknown resource at the devicecode endpoint.
    assert_aad_error(
        &devicecode(&h, "99999999-9999-4999-8999-999999999999", GRAPH).await,
        400,
        "unauthorized_client",
        700016,
    );
    assert_aad_error(
        &devicecode(&h, az_cli, "https://nope.example/.default").await,
        400,
        "invalid_resource",
        500011,
    );
    // Unknown control codes.
    assert_eq!(
        h.control("POST", "/device/approve", json!({"user_code": "ZZZZZZZZ"}))
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn auto_approve_signs_in_the_admin() {
    let az_cli = az_cli();
    let h = start_with(wpcrm_sandbox::SandboxOptions {
        auto_approve: true,
        ..Default::default()
    })
    .await;
    let dc = devicecode(&h, az_cli, &format!("{}/contoso/.default", h.url)).await;
    let t = poll(&h, az_cli, dc.json["device_code"].as_str().unwrap()).await;
    assert_eq!(t.status, 200, "{}", t.text);
    assert_eq!(
        claims(t.json["access_token"].as_str().unwrap())["upn"],
        fixtures::admin().upn
    );
}

#[tokio::test]
async fn device_login_page_signs_in_approves_and_declines() {
    let az_cli = az_cli();
    let h = start().await;
    let dc = devicecode(&h, az_cli, GRAPH).await;
    let code = dc.json["user_code"].as_str().unwrap().to_string();
    let page = h.get(&format!("{}/devicelogin", h.url), None).await;
    assert!(page.text.contains("id=\"user_code\"") && page.text.contains(">Next<"));
    let post = |form: Vec<(&'static str, String)>| {
        let c = h.c.clone();
        let url = format!("{}/devicelogin", h.url);
        async move { res(c.post(url).form(&form).send().await.unwrap()).await }
    };
    let p = post(vec![("step", "code".into()), ("user_code", "WRONG123".into())]).await;
    assert!(p.text.contains("That code didn&#39;t work"));
    let p = post(vec![("step", "code".into()), ("user_code", code.to_lowercase())]).await;
    assert!(p.text.contains("id=\"email\"") && p.text.contains("id=\"password\"") && p.text.contains(">Sign in<"));
    let p = post(vec![
        ("step", "signin".into()),
        ("user_code", code.clone()),
        ("email", fixtures::admin().upn.into()),
        ("password", "bad".into()),
    ])
    .await;
    assert!(p.text.contains("AADSTS50126"));
    let p = post(vec![
        ("step", "signin".into()),
        ("user_code", code.clone()),
        ("email", fixtures::admin().upn.into()),
        ("password", fixtures::admin().password.into()),
    ])
    .await;
    assert!(p.text.contains("Approve and continue") && p.text.contains(">Decline<"));
    let p = post(vec![
        ("step", "consent".into()),
        ("user_code", code.clone()),
        ("email", fixtures::admin().upn.into()),
        ("decision", "approve".into()),
    ])
    .await;
    assert!(p.text.contains("You have signed in"));
    assert_eq!(
        poll(&h, az_cli, dc.json["device_code"].as_str().unwrap()).await.status,
        200
    );

    let dc = devicecode(&h, az_cli, GRAPH).await;
    let code = dc.json["user_code"].as_str().unwrap().to_string();
    post(vec![
        ("step", "consent".into()),
        ("user_code", code.clone()),
        ("email", fixtures::user("maker").upn.into()),
        ("decision", "decline".into()),
    ])
    .await;
    assert_eq!(
        poll(&h, az_cli, dc.json["device_code"].as_str().unwrap()).await.json["error"],
        "authorization_declined"
    );

    let dc = devicecode(&h, az_cli, GRAPH).await;
    let code = dc.json["user_code"].as_str().unwrap().to_string();
    let p = post(vec![
        ("step", "signin".into()),
        ("user_code", code),
        ("email", fixtures::user("blocked").upn.into()),
        ("password", fixtures::user("blocked").password.into()),
    ])
    .await;
    assert!(p.text.contains("You don&#39;t have access to this") || p.text.contains("You don't have access to this"));
    assert!(p.text.contains("53003"));
    assert_eq!(
        poll(&h, az_cli, dc.json["device_code"].as_str().unwrap()).await.json["error_codes"][0],
        53003
    );
}
