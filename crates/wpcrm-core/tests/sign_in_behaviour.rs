//! The admin's sign-in against the in-process sandbox (issue 10): every refusal of the device-code
//! poll and of a refresh is classified by its AADSTS number — a tenant policy, MFA, a blocked flow
//! or a declined consent stops with `failed`, the code and a fix; only a redeemed, expired or
//! revoked code or grant starts a new sign-in — and the browser sign-in (authorization code with
//! PKCE, pasted-back loopback address) works end to end, wrong state, `error=` and reused code
//! included. The sandbox produces each variant through its control API
//! (`/_sandbox/policy/sign-in`, `/_sandbox/config`); the sign-in page is driven over plain HTTPS.

mod common;

use common::Env;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use wpcrm_core::engine::{Clock, Context, EngineConfig};
use wpcrm_core::http::Transport;
use wpcrm_core::provision::{self, ProvisionResponse, Status};
use wpcrm_core::ProvisionRequest;

const KEY: [u8; 32] = [7u8; 32];
const SITE: &str = "https://sign-in.example";

/// The system clock plus an offset the test moves past the device-code interval.
#[derive(Default)]
struct Skip(AtomicI64);

impl Clock for Skip {
    fn now(&self) -> time::OffsetDateTime {
        time::OffsetDateTime::now_utc() + time::Duration::milliseconds(self.0.load(Ordering::SeqCst))
    }
}

struct H {
    env: Env,
    ctx: Context,
    clock: Arc<Skip>,
}

impl H {
    async fn new() -> H {
        let env = Env::start().await;
        let clock = Arc::new(Skip::default());
        let config = EngineConfig {
            sandbox_url: Some(env.sandbox.url().to_owned()),
            ..EngineConfig::default()
        };
        let ctx = Context::new(config, Arc::new(env.transport()), clock.clone());
        H { env, ctx, clock }
    }

    /// A request for `contoso` (`with_instance`) or without an environment (stops at the choice,
    /// after the discovery token's refresh).
    fn req(&self, state: Option<&str>, with_instance: bool) -> ProvisionRequest {
        let mut r = self
            .env
            .provision_request(SITE, state.map(str::to_owned), &KEY, Duration::from_secs(20));
        if !with_instance {
            r.instance_url = None;
        }
        r
    }

    fn browser(&self, state: Option<&str>, pasted: Option<&str>) -> ProvisionRequest {
        ProvisionRequest {
            sign_in_method: Some("browser".into()),
            sign_in_response_url: pasted.map(str::to_owned),
            ..self.req(state, false)
        }
    }

    async fn call(&self, r: ProvisionRequest) -> ProvisionResponse {
        provision::run(&self.ctx, r).await
    }

    fn policy(&self, p: Value) {
        let control = self.env.sandbox.control();
        control.call("DELETE", "/_sandbox/policy/sign-in", Value::Null);
        control.plant_sign_in_policy(p);
    }

    /// A device sign-in asked for and approved by the seeded admin: the state to poll with.
    async fn approved(&self, with_instance: bool) -> String {
        let r = self.call(self.req(None, with_instance)).await;
        assert_eq!(r.status, Status::SignInRequired, "{:?}", r.error);
        let s = r.sign_in.as_ref().unwrap();
        assert_eq!(s.method, "device_code");
        assert!(self.env.sandbox.control().approve_device(&s.user_code, None));
        self.clock.0.fetch_add(1500, Ordering::SeqCst);
        r.state
    }

    fn device_codes_issued(&self) -> usize {
        self.env
            .served()
            .iter()
            .filter(|r| r["path"].as_str().unwrap().ends_with("/devicecode"))
            .count()
    }

    /// Signs in on the sandbox's authorize page as the seeded admin (or presses Cancel), the way a
    /// browser submits its form: the address the browser is sent to.
    async fn browse(&self, authorize_url: &str, cancel: bool) -> String {
        let t = self.env.transport();
        let get = http::Request::get(authorize_url).body(Vec::new()).unwrap();
        let page = t.send(get, Duration::from_secs(10)).await.unwrap();
        assert_eq!(page.status(), 200);
        let html = String::from_utf8(page.body().clone()).unwrap();
        assert!(
            html.contains(r#"id="email""#) && html.contains(r#"id="signin""#),
            "{html}"
        );
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in hidden_inputs(&html) {
            form.append_pair(&name, &value);
        }
        let admin = wpcrm_sandbox::fixtures::admin();
        form.append_pair("email", admin.upn)
            .append_pair("password", admin.password)
            .append_pair("decision", if cancel { "cancel" } else { "signin" });
        let action = authorize_url.split('?').next().unwrap();
        let post = http::Request::post(action)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form.finish().into_bytes())
            .unwrap();
        let answer = t.send(post, Duration::from_secs(10)).await.unwrap();
        assert_eq!(answer.status(), 302, "{}", String::from_utf8_lossy(answer.body()));
        let location = answer.headers()["location"].to_str().unwrap().to_owned();
        assert!(location.starts_with("http://localhost"), "{location}");
        location
    }

    /// A browser sign-in link: the state and the link.
    async fn link(&self) -> (String, String) {
        let r = self.call(self.browser(None, None)).await;
        assert_eq!(r.status, Status::SignInRequired, "{:?}", r.error);
        let s = r.sign_in.unwrap();
        assert_eq!(s.method, "browser");
        assert_eq!(s.redirect_uri.as_deref(), Some("http://localhost"));
        assert!(s.user_code.is_empty());
        (r.state, s.authorize_url.unwrap())
    }
}

/// `name="…" value="…"` of each hidden input of a page.
fn hidden_inputs(html: &str) -> Vec<(String, String)> {
    let unescape = |s: &str| {
        s.replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&")
    };
    html.split("<input type=\"hidden\" ")
        .skip(1)
        .filter_map(|rest| {
            let name = rest.split("name=\"").nth(1)?.split('"').next()?;
            let value = rest.split("value=\"").nth(1)?.split('"').next()?;
            Some((name.to_owned(), unescape(value)))
        })
        .collect()
}

/// A run that must have failed at `step` with `code`, with a fix that is not empty.
fn failed(r: &ProvisionResponse, step: &str, code: &str) -> String {
    assert_eq!(r.status, Status::Failed, "{r:?}");
    let e = r.error.as_ref().unwrap();
    assert_eq!((e.step.as_deref(), e.code.as_str()), (Some(step), code), "{e:?}");
    let fix = e.fix.clone().unwrap_or_default();
    assert!(fix.len() > 40, "{code}: {fix}");
    fix
}

/// Each variant of a class through the device-code poll: failed, its code, no new device code.
async fn device_poll_class(variants: &[(&str, &str, Option<&str>)]) {
    let h = H::new().await;
    for (variant, code, error) in variants {
        h.policy(json!({"flow": "device_code", "variant": variant, "error": error}));
        let before = h.device_codes_issued();
        let state = h.approved(false).await;
        let r = h.call(h.req(Some(&state), false)).await;
        failed(&r, "sign_in", code);
        assert_eq!(
            h.device_codes_issued(),
            before + 1,
            "{variant}: a new code was issued silently"
        );
        // The next run asks for a sign-in again, with a new code the admin can see.
        let again = h.call(h.req(Some(&r.state), false)).await;
        assert_eq!(again.status, Status::SignInRequired, "{variant}");
    }
}

/// Each variant of a class through the refresh of the discovery token: failed at `environment`.
async fn refresh_class(variants: &[(&str, &str, Option<&str>)]) {
    let h = H::new().await;
    for (variant, code, error) in variants {
        let state = h.approved(false).await;
        h.policy(json!({"flow": "refresh_token", "resource": "discovery", "variant": variant, "error": error}));
        let before = h.device_codes_issued();
        let r = h.call(h.req(Some(&state), false)).await;
        let fix = failed(&r, "environment", code);
        assert!(!fix.is_empty());
        assert_eq!(h.device_codes_issued(), before, "{variant}: re-signed in silently");
    }
}

const CONDITIONAL_ACCESS: [(&str, &str, Option<&str>); 5] = [
    ("compliant_device", "AADSTS53000", None),
    ("hybrid_joined_device", "AADSTS53001", None),
    ("approved_app", "AADSTS53002", None),
    ("blocked", "AADSTS53003", None),
    ("security_policy", "AADSTS530032", None),
];
// MFA arrives as `invalid_grant` or `interaction_required` (unconfirmed): both.
const MFA: [(&str, &str, Option<&str>); 3] = [
    ("mfa_required", "AADSTS50076", None),
    ("mfa_required", "AADSTS50076", Some("interaction_required")),
    ("mfa_registration", "AADSTS50079", None),
];
const DEVICE_AUTH: [(&str, &str, Option<&str>); 2] = [
    ("device_auth_required", "AADSTS50097", None),
    ("device_auth_required", "AADSTS50097", Some("interaction_required")),
];
const EXTERNAL_CHALLENGE: [(&str, &str, Option<&str>); 1] = [("external_challenge", "AADSTS50158", None)];
// Consent: `invalid_grant` or `consent_required` (unconfirmed), and a declined one.
const CONSENT: [(&str, &str, Option<&str>); 4] = [
    ("consent_required", "AADSTS65001", None),
    ("consent_required", "AADSTS65001", Some("consent_required")),
    ("consent_declined", "AADSTS65004", None),
    ("consent_declined", "AADSTS65004", Some("access_denied")),
];

#[tokio::test]
async fn device_poll_conditional_access_stops_with_the_policy_explained() {
    device_poll_class(&CONDITIONAL_ACCESS).await;
}

#[tokio::test]
async fn device_poll_mfa_stops_with_the_policy_explained() {
    device_poll_class(&MFA).await;
}

#[tokio::test]
async fn device_poll_device_authentication_stops_with_the_policy_explained() {
    device_poll_class(&DEVICE_AUTH).await;
}

#[tokio::test]
async fn device_poll_external_challenge_stops_with_the_policy_explained() {
    device_poll_class(&EXTERNAL_CHALLENGE).await;
}

#[tokio::test]
async fn device_poll_consent_stops_with_the_policy_explained() {
    device_poll_class(&CONSENT).await;
}

#[tokio::test]
async fn refresh_conditional_access_stops_with_the_policy_explained() {
    refresh_class(&CONDITIONAL_ACCESS).await;
}

#[tokio::test]
async fn refresh_mfa_stops_with_the_policy_explained() {
    refresh_class(&MFA).await;
}

#[tokio::test]
async fn refresh_device_authentication_stops_with_the_policy_explained() {
    refresh_class(&DEVICE_AUTH).await;
}

#[tokio::test]
async fn refresh_external_challenge_stops_with_the_policy_explained() {
    refresh_class(&EXTERNAL_CHALLENGE).await;
}

#[tokio::test]
async fn refresh_consent_stops_with_the_policy_explained() {
    refresh_class(&CONSENT).await;
}

#[tokio::test]
async fn a_device_code_blocked_by_policy_names_the_browser_sign_in() {
    let h = H::new().await;
    h.policy(json!({"flow": "device_code", "variant": "blocked"}));
    let state = h.approved(false).await;
    let fix = failed(&h.call(h.req(Some(&state), false)).await, "sign_in", "AADSTS53003");
    assert!(fix.contains("Sign in in the browser"), "{fix}");
}

#[tokio::test]
async fn mfa_for_dataverse_only_is_reported_after_graph_worked_before_anything_is_created() {
    let h = H::new().await;
    let state = h.approved(true).await;
    h.policy(json!({"flow": "refresh_token", "resource": "dataverse", "variant": "mfa_required"}));
    let r = h.call(h.req(Some(&state), true)).await;
    // The preflight is the first to need a Dataverse token: the refusal comes before any write.
    let fix = failed(&r, "preflight", "AADSTS50076");
    assert!(
        r.error.as_ref().unwrap().message.contains("Dataverse environment"),
        "{r:?}"
    );
    assert!(fix.contains("MFA"), "{fix}");
    // Graph's part of the preflight ran with the same sign-in; nothing was created.
    let served = h.env.served();
    assert!(
        served
            .iter()
            .any(|q| q["service"] == "graph" && q["method"] == "GET" && q["status"] == 200),
        "{served:#?}"
    );
    assert!(
        !served.iter().any(|q| q["service"] == "graph" && q["method"] != "GET"),
        "{served:#?}"
    );
    assert_eq!(h.device_codes_issued(), 1, "no silent re-sign-in");
}

#[tokio::test]
async fn a_spent_refresh_grant_asks_for_a_new_sign_in() {
    let h = H::new().await;
    for (variant, code) in [
        ("grant_expired", "AADSTS70008"),
        ("refresh_expired", "AADSTS700082"),
        ("grant_revoked", "AADSTS50173"),
        ("sign_in_frequency", "AADSTS70043"),
    ] {
        let state = h.approved(false).await;
        h.policy(json!({"flow": "refresh_token", "resource": "discovery", "variant": variant}));
        let r = h.call(h.req(Some(&state), false)).await;
        assert_eq!(r.status, Status::InProgress, "{variant}: {:?}", r.error);
        assert!(r.notices.iter().any(|n| n.code == code), "{variant}: {:?}", r.notices);
        let before = h.device_codes_issued();
        let next = h.call(h.req(Some(&r.state), false)).await;
        assert_eq!(next.status, Status::SignInRequired, "{variant}");
        assert_eq!(h.device_codes_issued(), before + 1);
    }
}

#[tokio::test]
async fn a_redeemed_device_code_starts_a_new_sign_in_in_both_variants() {
    let h = H::new().await;
    for error in ["bad_verification_code", "invalid_grant"] {
        h.env
            .sandbox
            .control()
            .set_config(json!({"device_code_redeemed_error": error}));
        let pending = h.approved(false).await;
        // One call redeems the code; a second one with the same older state finds it redeemed.
        let first = h.call(h.req(Some(&pending), false)).await;
        assert_eq!(first.status, Status::ChooseEnvironment, "{:?}", first.error);
        let before = h.device_codes_issued();
        let r = h.call(h.req(Some(&pending), false)).await;
        assert_eq!(r.status, Status::SignInRequired, "{error}: {:?}", r.error);
        assert_eq!(h.device_codes_issued(), before + 1, "{error}");
    }
}

#[tokio::test]
async fn the_browser_sign_in_completes_with_the_pasted_address() {
    let h = H::new().await;
    let (state, link) = h.link().await;
    assert!(link.contains("code_challenge_method=S256") && link.contains("redirect_uri=http%3A%2F%2Flocalhost"));
    let pasted = h.browse(&link, false).await;
    assert!(pasted.contains("code=") && pasted.contains("state="));
    let r = h.call(h.browser(Some(&state), Some(&pasted))).await;
    assert_eq!(r.status, Status::ChooseEnvironment, "{:?}", r.error);
    assert_eq!(h.device_codes_issued(), 0, "no device code in a browser sign-in");
    // The code went to the token endpoint with a verifier whose S256 is the link's challenge
    // (the sandbox refuses anything else), and nothing of it is in the answer.
    let code = url::Url::parse(&pasted)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    assert!(!format!("{r:?}").contains(&code));
}

#[tokio::test]
async fn a_pasted_address_of_another_sign_in_is_refused_and_the_right_one_still_works() {
    let h = H::new().await;
    let (state, link) = h.link().await;
    let pasted = h.browse(&link, false).await;
    let forged = pasted.replace("state=", "state=x");
    let r = h.call(h.browser(Some(&state), Some(&forged))).await;
    failed(&r, "sign_in", "sign_in_state_mismatch");
    let r = h
        .call(h.browser(Some(&r.state), Some("https://example.com/?code=1&state=2")))
        .await;
    failed(&r, "sign_in", "invalid_sign_in_response");
    let r = h.call(h.browser(Some(&r.state), Some(&pasted))).await;
    assert_eq!(r.status, Status::ChooseEnvironment, "{:?}", r.error);
}

#[tokio::test]
async fn an_error_in_the_pasted_address_is_classified_like_a_token_error() {
    let h = H::new().await;
    for (variant, error, code) in [
        ("blocked", None, "AADSTS53003"),
        ("mfa_required", None, "AADSTS50076"),
        ("compliant_device", Some("interaction_required"), "AADSTS53000"),
    ] {
        h.policy(json!({"flow": "authorize", "variant": variant, "error": error}));
        let (state, link) = h.link().await;
        let pasted = h.browse(&link, false).await;
        assert!(pasted.contains("error="), "{pasted}");
        failed(&h.call(h.browser(Some(&state), Some(&pasted))).await, "sign_in", code);
    }
    // Cancel on the sign-in page: access_denied, AADSTS65004.
    h.env
        .sandbox
        .control()
        .call("DELETE", "/_sandbox/policy/sign-in", Value::Null);
    let (state, link) = h.link().await;
    let pasted = h.browse(&link, true).await;
    failed(
        &h.call(h.browser(Some(&state), Some(&pasted))).await,
        "sign_in",
        "AADSTS65004",
    );
}

#[tokio::test]
async fn a_redemption_refused_by_policy_fails_with_the_policy() {
    let h = H::new().await;
    h.policy(json!({"flow": "authorization_code", "variant": "consent_required"}));
    let (state, link) = h.link().await;
    let pasted = h.browse(&link, false).await;
    failed(
        &h.call(h.browser(Some(&state), Some(&pasted))).await,
        "sign_in",
        "AADSTS65001",
    );
}

#[tokio::test]
async fn a_reused_or_expired_code_gives_a_new_link() {
    let h = H::new().await;
    let (state, link) = h.link().await;
    let pasted = h.browse(&link, false).await;
    let done = h.call(h.browser(Some(&state), Some(&pasted))).await;
    assert_eq!(done.status, Status::ChooseEnvironment);
    // The same address with the older state (a call whose answer was lost): AADSTS54005.
    let r = h.call(h.browser(Some(&state), Some(&pasted))).await;
    assert_eq!(r.status, Status::SignInRequired, "{:?}", r.error);
    assert!(r.notices.iter().any(|n| n.code == "AADSTS54005"), "{:?}", r.notices);
    let new_link = r.sign_in.unwrap().authorize_url.unwrap();
    assert_ne!(new_link, link);
    // A code past its lifetime: AADSTS70008, a new link too.
    h.env.sandbox.control().set_config(json!({"auth_code_expires_s": 0}));
    let pasted = h.browse(&new_link, false).await;
    let r = h.call(h.browser(Some(&r.state), Some(&pasted))).await;
    assert_eq!(r.status, Status::SignInRequired, "{:?}", r.error);
    assert!(r.notices.iter().any(|n| n.code == "AADSTS70008"), "{:?}", r.notices);
}

#[tokio::test]
async fn an_unknown_sign_in_method_is_refused_before_any_request() {
    let h = H::new().await;
    let r = h
        .call(ProvisionRequest {
            sign_in_method: Some("password".into()),
            ..h.req(None, false)
        })
        .await;
    failed(&r, "sign_in", "invalid_sign_in_method");
    assert!(h.env.served().is_empty());
}

#[tokio::test]
async fn an_unknown_invalid_grant_is_reported_not_taken_for_a_spent_code() {
    let h = H::new().await;
    let state = h.approved(false).await;
    h.env.sandbox.control().add_fault(json!({
        "method": "POST", "path": "/organizations/oauth2/v2.0/token", "kind": "status", "status": 400, "times": 1,
        "body": r#"{"error":"invalid_grant","error_description":"AADSTS99999: Something new.","error_codes":[99999]}"#,
        "headers": {"content-type": "application/json; charset=utf-8"}
    }));
    let r = h.call(h.req(Some(&state), false)).await;
    let fix = failed(&r, "sign_in", "AADSTS99999");
    assert!(fix.contains("login.microsoftonline.com/error?code=99999"), "{fix}");
    assert_eq!(h.device_codes_issued(), 1, "no new code for an unknown refusal");
}
