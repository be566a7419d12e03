#![allow(dead_code)]

use reqwest::header::HeaderMap;
use serde_json::{json, Value};
use std::sync::Arc;
use wpcrm_sandbox::{Sandbox, SandboxOptions};

pub const TENANT: &str = "8d2c7a1e-4b5f-4c3a-9e8d-1f2a3b4c5d6e";
pub const DOMAIN: &str = "contoso.onmicrosoft.com";
pub const AZ_CLI: &str = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";
pub const GRAPH: &str = "https://graph.microsoft.com/.default";
pub const DISCO: &str = "https://globaldisco.crm.dynamics.com/.default";

pub struct SeedApp {
    pub app_id: &'static str,
    pub secret: &'static str,
    pub key_id: &'static str,
}
pub const WP_OK: SeedApp = SeedApp {
    app_id: "11111111-1111-4111-8111-111111111111",
    secret: "Sbx8Q~okSecretValue.0000000000000000000001",
    key_id: "a1111111-1111-4111-8111-111111111111",
};
pub const WP_NOUSER: SeedApp = SeedApp {
    app_id: "22222222-2222-4222-8222-222222222222",
    secret: "Sbx8Q~noUserSecretValue.00000000000000002",
    key_id: "a2222222-2222-4222-8222-222222222222",
};
pub const WP_DISABLED: SeedApp = SeedApp {
    app_id: "33333333-3333-4333-8333-333333333333",
    secret: "Sbx8Q~disabledSecretValue.000000000000003",
    key_id: "a3333333-3333-4333-8333-333333333333",
};
pub const WP_BASIC: SeedApp = SeedApp {
    app_id: "44444444-4444-4444-8444-444444444444",
    secret: "Sbx8Q~basicSecretValue.000000000000000004",
    key_id: "a4444444-4444-4444-8444-444444444444",
};
pub const WP_NOROLES: SeedApp = SeedApp {
    app_id: "55555555-5555-4555-8555-555555555555",
    secret: "Sbx8Q~noRolesSecretValue.0000000000000005",
    key_id: "a5555555-5555-4555-8555-555555555555",
};
pub const WP_BLOCKED: SeedApp = SeedApp {
    app_id: "66666666-6666-4666-8666-666666666666",
    secret: "Sbx8Q~blockedSecretValue.00000000000000006",
    key_id: "a6666666-6666-4666-8666-666666666666",
};
pub const WP_EXPIRED: SeedApp = SeedApp {
    app_id: "77777777-7777-4777-8777-777777777777",
    secret: "Sbx8Q~expiredSecretValue.0000000000000007",
    key_id: "a7777777-7777-4777-8777-777777777777",
};

pub struct H {
    pub sb: Sandbox,
    pub c: reqwest::Client,
    pub url: String,
}

pub fn client_for(ca_pem: &str) -> reqwest::Client {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::CertificateDer;
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
        roots.add(cert.expect("CA PEM")).expect("add CA");
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("tls versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

pub async fn start() -> H {
    start_with(SandboxOptions::default()).await
}

pub async fn start_with(opts: SandboxOptions) -> H {
    let sb = Sandbox::start(opts).await.expect("sandbox starts");
    let c = client_for(sb.ca_pem());
    let url = sb.url().to_string();
    H { sb, c, url }
}

pub struct Res {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
    pub json: Value,
}

impl Res {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).map(|v| v.to_str().unwrap_or("").to_string())
    }
}

pub async fn res(r: reqwest::Response) -> Res {
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let text = r.text().await.unwrap_or_default();
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Res {
        status,
        headers,
        text,
        json,
    }
}

impl H {
    pub fn env_url(&self, env: &str) -> String {
        format!("{}/{env}", self.url)
    }
    pub fn api(&self, env: &str) -> String {
        format!("{}/{env}/api/data/v9.2", self.url)
    }
    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> Res {
        res(self
            .c
            .post(format!("{}{path}", self.url))
            .form(form)
            .send()
            .await
            .expect("send"))
        .await
    }
    pub async fn token_cc(&self, tenant: &str, app: &SeedApp, scope: &str) -> Res {
        self.post_form(
            &format!("/{tenant}/oauth2/v2.0/token"),
            &[
                ("client_id", app.app_id),
                ("client_secret", app.secret),
                ("scope", scope),
                ("grant_type", "client_credentials"),
            ],
        )
        .await
    }
    pub async fn app_token(&self, app: &SeedApp, scope: &str) -> String {
        let r = self.token_cc(TENANT, app, scope).await;
        assert_eq!(r.status, 200, "{}", r.text);
        r.json["access_token"].as_str().expect("access_token").to_string()
    }
    pub async fn env_token(&self, app: &SeedApp, env: &str) -> String {
        self.app_token(app, &format!("{}/.default", self.env_url(env))).await
    }
    pub async fn get(&self, url: &str, token: Option<&str>) -> Res {
        let mut rb = self.c.get(url).header("Accept", "application/json");
        if let Some(t) = token {
            rb = rb.bearer_auth(t);
        }
        res(rb.send().await.expect("send")).await
    }
    pub async fn send_json(&self, method: &str, url: &str, token: &str, body: &Value, prefer: Option<&str>) -> Res {
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut rb = self
            .c
            .request(m, url)
            .bearer_auth(token)
            .header("Accept", "application/json");
        if !body.is_null() {
            rb = rb.json(body);
        }
        if let Some(p) = prefer {
            rb = rb.header("Prefer", p);
        }
        res(rb.send().await.expect("send")).await
    }
    pub async fn control(&self, method: &str, path: &str, body: Value) -> Res {
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut rb = self.c.request(m, format!("{}/_sandbox{path}", self.url));
        if !body.is_null() {
            rb = rb.json(&body);
        }
        res(rb.send().await.expect("send")).await
    }
    /// Device code with Azure CLI for `scope`, approved through the control API as `user`.
    pub async fn user_tokens(&self, user: &str, scope: &str) -> Value {
        let full = format!("{scope} offline_access openid profile");
        let dc = self
            .post_form(
                &format!("/{TENANT}/oauth2/v2.0/devicecode"),
                &[("client_id", AZ_CLI), ("scope", &full)],
            )
            .await;
        assert_eq!(dc.status, 200, "{}", dc.text);
        let code = dc.json["user_code"].as_str().unwrap().to_string();
        let r = self
            .control("POST", "/device/approve", json!({"user_code": code, "user": user}))
            .await;
        assert_eq!(r.status, 204, "{}", r.text);
        let t = self
            .post_form(
                &format!("/{TENANT}/oauth2/v2.0/token"),
                &[
                    ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
                    ("client_id", AZ_CLI),
                    ("device_code", dc.json["device_code"].as_str().unwrap()),
                    ("client_info", "1"),
                ],
            )
            .await;
        assert_eq!(t.status, 200, "{}", t.text);
        t.json
    }
    pub async fn user_token(&self, user: &str, scope: &str) -> String {
        self.user_tokens(user, scope).await["access_token"]
            .as_str()
            .unwrap()
            .to_string()
    }
}

pub fn claims(token: &str) -> Value {
    use base64::Engine;
    let p = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(p).unwrap()).unwrap()
}

pub fn assert_aad_error(r: &Res, status: u16, error: &str, code: u32) {
    assert_eq!(r.status, status, "{}", r.text);
    assert_eq!(r.json["error"], error, "{}", r.text);
    assert_eq!(r.json["error_codes"], json!([code]), "{}", r.text);
    let d = r.json["error_description"].as_str().unwrap();
    assert!(d.starts_with(&format!("AADSTS{code}: ")), "{d}");
    assert!(
        d.contains("\r\nTrace ID: ") && d.contains("\r\nCorrelation ID: ") && d.contains("\r\nTimestamp: "),
        "{d}"
    );
    for k in ["timestamp", "trace_id", "correlation_id", "error_uri"] {
        assert!(r.json[k].is_string(), "{k} missing: {}", r.text);
    }
    assert_eq!(r.header("cache-control").as_deref(), Some("no-store, no-cache"));
}

pub fn assert_dv_error(r: &Res, status: u16, code: &str) -> String {
    assert_eq!(r.status, status, "{}", r.text);
    assert_eq!(r.json["error"]["code"], code, "{}", r.text);
    r.json["error"]["message"].as_str().unwrap().to_string()
}

pub fn iso_in_days(days: i64) -> String {
    let t = time::OffsetDateTime::now_utc() + time::Duration::days(days);
    t.replace_nanosecond(0)
        .unwrap()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}
