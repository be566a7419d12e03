#![allow(dead_code)]

use once_cell::sync::Lazy;
use reqwest::header::HeaderMap;
use serde_json::{json, Value};
use std::sync::Arc;
pub use wpcrm_sandbox::fixtures;
use wpcrm_sandbox::{Sandbox, SandboxOptions};

pub const GRAPH: &str = "https://graph.microsoft.com/.default";
pub const DISCO: &str = "https://globaldisco.crm.dynamics.com/.default";

/// The seeded tenant's id, domain, and the public client the device-code tests use: read from
/// `seed/default.json` through `wpcrm_sandbox::fixtures`.
pub fn tenant() -> &'static str {
    fixtures::tenant_id()
}
pub fn domain() -> &'static str {
    fixtures::tenant_domain()
}
pub fn az_cli() -> &'static str {
    fixtures::public_client("Microsoft Azure CLI").app_id
}

/// Client credentials as a test sends them: a seeded app's (below) or made up.
pub struct SeedApp {
    pub app_id: &'static str,
    pub secret: &'static str,
    pub key_id: &'static str,
}
impl SeedApp {
    /// The seeded application `name` with its first secret.
    pub fn seeded(name: &str) -> SeedApp {
        let a = fixtures::app(name);
        SeedApp {
            app_id: a.app_id,
            secret: a.secret,
            key_id: a.key_id,
        }
    }
}
pub static WP_OK: Lazy<SeedApp> = Lazy::new(|| SeedApp::seeded("wp-ok"));
pub static WP_NOUSER: Lazy<SeedApp> = Lazy::new(|| SeedApp::seeded("wp-nouser"));
pub static WP_DISABLED: Lazy<SeedApp> = Lazy::new(|| SeedApp::seeded("wp-disabled"));
pub static WP_BASIC: Lazy<SeedApp> = Lazy::new(|| SeedApp::seeded("wp-basic"));
pub static WP_NOROLES: Lazy<SeedApp> = Lazy::new(|| SeedApp::seeded("wp-noroles"));
pub static WP_BLOCKED: Lazy<SeedApp> = Lazy::new(|| SeedApp::seeded("wp-blocked"));
pub static WP_EXPIRED: Lazy<SeedApp> = Lazy::new(|| SeedApp::seeded("wp-expired"));

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
    let mut tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("tls versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    // A preconfigured rustls config carries its own ALPN list: offer h2 like real clients do.
    tls.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
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
        let tenant = tenant();
        let r = self.token_cc(tenant, app, scope).await;
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
    /// `GET url` with query parameters (encoded by the client) and a bearer token.
    pub async fn get_query(&self, url: &str, query: &[(&str, &str)], token: &str) -> Res {
        res(self
            .c
            .get(url)
            .query(query)
            .bearer_auth(token)
            .send()
            .await
            .expect("send"))
        .await
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
        let tenant = tenant();
        let az_cli = az_cli();
        let full = format!("{scope} offline_access openid profile");
        let dc = self
            .post_form(
                &format!("/{tenant}/oauth2/v2.0/devicecode"),
                &[("client_id", az_cli), ("scope", &full)],
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
                &format!("/{tenant}/oauth2/v2.0/token"),
                &[
                    ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
                    ("client_id", az_cli),
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

/// A Graph error: status, code, and the innerError Graph always sends (date without a `Z`).
pub fn assert_graph_error(r: &Res, status: u16, code: &str) {
    assert_eq!(r.status, status, "{}", r.text);
    assert_eq!(r.json["error"]["code"], code, "{}", r.text);
    let inner = &r.json["error"]["innerError"];
    for k in ["date", "request-id", "client-request-id"] {
        assert!(inner[k].is_string(), "innerError.{k}: {}", r.text);
    }
    assert!(!inner["date"].as_str().unwrap().ends_with('Z'));
}
