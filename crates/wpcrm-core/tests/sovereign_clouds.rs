//! Sovereign clouds end to end, against the in-process sandbox playing each cloud (`docs/sandbox.md`,
//! "Clouds"): the seeded environment `contoso` belongs to the cloud under test, the engine maps that
//! cloud's real hosts onto the sandbox (`Endpoints::mapped_to`) and names the real host of every
//! request in `X-Forwarded-Host`. A recording transport keeps, for every request, that logical host
//! and, for token requests, the scope asked for: each test asserts that all of them are the cloud's
//! own. The sandbox refuses a token of another cloud's authority or audience, so a cross-cloud bug
//! fails here.

mod common;

use common::{wp_ok, Env};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use wpcrm_core::api::{ConnectionInput, ProvisionRequest, TableRequest};
use wpcrm_core::engine::{Context, EngineConfig, SystemClock};
use wpcrm_core::http::{BoxFuture, HttpRequest, HttpResponse, Transport, TransportError, TransportErrorKind};
use wpcrm_core::provision::Status;
use wpcrm_core::ClientSecret;
use wpcrm_sandbox::fixtures;
use wpcrm_sandbox::seed::DEFAULT_SEED;

/// (cloud, login host, Graph host, discovery host, Dataverse suffix), from
/// `reference/entra-and-graph.md` §5 and `reference/dataverse-web-api.md` §6.
const CLOUDS: [(&str, &str, &str, &str, &str); 5] = [
    (
        "public",
        "login.microsoftonline.com",
        "graph.microsoft.com",
        "globaldisco.crm.dynamics.com",
        "crm.dynamics.com",
    ),
    (
        "gcc",
        "login.microsoftonline.com",
        "graph.microsoft.com",
        "globaldisco.crm9.dynamics.com",
        "crm9.dynamics.com",
    ),
    (
        "usgovhigh",
        "login.microsoftonline.us",
        "graph.microsoft.us",
        "globaldisco.crm.microsoftdynamics.us",
        "crm.microsoftdynamics.us",
    ),
    (
        "usgovdod",
        "login.microsoftonline.us",
        "dod-graph.microsoft.us",
        "globaldisco.crm.appsplatform.us",
        "crm.appsplatform.us",
    ),
    (
        "china",
        "login.partner.microsoftonline.cn",
        "microsoftgraph.chinacloudapi.cn",
        "globaldisco.crm.dynamics.cn",
        "crm.dynamics.cn",
    ),
];

/// One request as the engine handed it to its transport.
#[derive(Debug, Clone)]
struct Seen {
    url: String,
    /// `X-Forwarded-Host`: the real host the request stands for.
    host: String,
    /// The `scope` of a token or device-code request.
    scope: Option<String>,
}

/// Records every request, optionally breaks some (`fail`), then forwards to the real transport.
struct Recorder {
    inner: Arc<dyn Transport>,
    seen: Mutex<Vec<Seen>>,
    /// Fails requests standing for this host with this kind, before they are sent.
    fail: Option<(String, TransportErrorKind)>,
    /// Rewrites `X-Forwarded-Host` from the first to the second: an engine that sends a request
    /// to the wrong cloud.
    misroute: Option<(String, String)>,
}

impl Transport for Recorder {
    fn send(&self, mut request: HttpRequest, timeout: Duration) -> BoxFuture<'_, Result<HttpResponse, TransportError>> {
        let host = request
            .headers()
            .get("x-forwarded-host")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let scope = url::form_urlencoded::parse(request.body())
            .find(|(k, _)| k == "scope")
            .map(|(_, v)| v.into_owned());
        self.seen.lock().unwrap().push(Seen {
            url: request.uri().to_string(),
            host: host.clone(),
            scope,
        });
        if let Some((from, to)) = &self.misroute {
            if &host == from {
                request.headers_mut().insert("x-forwarded-host", to.parse().unwrap());
            }
        }
        let failure = self
            .fail
            .as_ref()
            .filter(|(h, _)| *h == host)
            .map(|(h, kind)| TransportError::new(*kind, format!("the name {h} could not be resolved")));
        Box::pin(async move {
            match failure {
                Some(e) => Err(e),
                None => self.inner.send(request, timeout).await,
            }
        })
    }
}

struct Cloudy {
    env: Env,
    ctx: Context,
    rec: Arc<Recorder>,
}

/// A sandbox whose `contoso` belongs to `cloud`, and an engine context over a recorder.
async fn start(cloud: &str, fail: Option<(&str, TransportErrorKind)>, misroute: Option<(&str, &str)>) -> Cloudy {
    let mut seed: Value = serde_json::from_str(DEFAULT_SEED).unwrap();
    seed["environments"][0]["cloud"] = json!(cloud);
    let env = Env::seeded(&seed).await;
    let rec = Arc::new(Recorder {
        inner: Arc::new(env.transport()),
        seen: Mutex::new(Vec::new()),
        fail: fail.map(|(h, k)| (h.to_owned(), k)),
        misroute: misroute.map(|(a, b)| (a.to_owned(), b.to_owned())),
    });
    let config = EngineConfig {
        sandbox_url: Some(env.sandbox.url().to_owned()),
        ..EngineConfig::default()
    };
    let ctx = Context::new(config, rec.clone(), Arc::new(SystemClock));
    Cloudy { env, ctx, rec }
}

fn hosts_of(name: &str) -> (&'static str, &'static str, &'static str, &'static str, &'static str) {
    *CLOUDS.iter().find(|c| c.0 == name).unwrap()
}

impl Cloudy {
    fn seen(&self) -> Vec<Seen> {
        self.rec.seen.lock().unwrap().clone()
    }

    /// Every request went to the sandbox origin, stood for one of `allowed`, and every token
    /// was asked for a resource in `scopes`.
    fn assert_within(&self, allowed: &[String], scopes: &[String], what: &str) {
        let origin = format!("{}/", self.env.sandbox.url());
        let seen = self.seen();
        assert!(!seen.is_empty(), "{what}: no request");
        for s in &seen {
            assert!(s.url.starts_with(&origin), "{what}: sent to {}", s.url);
            assert!(
                allowed.contains(&s.host),
                "{what}: a request stood for {} ({})",
                s.host,
                s.url
            );
            for scope in s.scope.iter().flat_map(|s| s.split_whitespace()) {
                if ["offline_access", "openid", "profile"].contains(&scope) {
                    continue;
                }
                assert!(scopes.iter().any(|x| x == scope), "{what}: a token for {scope}");
            }
        }
    }

    fn connection(&self, suffix: &str) -> ConnectionInput {
        ConnectionInput {
            instance_url: Some(format!("https://contoso.{suffix}")),
            application_id: Some(wp_ok().app_id.to_owned()),
            client_secret: Some(ClientSecret::new(wp_ok().secret)),
            tenant_id: None,
        }
    }

    fn request(&self, cloud: Option<&str>, instance_url: Option<String>, state: Option<String>) -> ProvisionRequest {
        ProvisionRequest {
            state,
            state_key: b"0123456789abcdef0123456789abcdef".to_vec(),
            instance_url,
            app_name: Some("Contoso WP".into()),
            site_id: Some("https://www.contoso.example".into()),
            tables: vec![TableRequest::read("account")],
            cloud: cloud.map(str::to_owned),
            timeout: Some(Duration::from_secs(30)),
            ..ProvisionRequest::default()
        }
    }

    /// Signs the seeded admin in, for a run in `cloud` without an instance URL.
    async fn signed_in(&self, cloud: &str) -> String {
        let r = wpcrm_core::provision::run(&self.ctx, self.request(Some(cloud), None, None)).await;
        assert_eq!(r.status, Status::SignInRequired, "{cloud}: {:?}", r.error);
        let code = &r.sign_in.as_ref().unwrap().user_code;
        assert!(self
            .env
            .sandbox
            .control()
            .approve_device(code, Some(fixtures::admin().upn)));
        r.state
    }
}

#[tokio::test]
async fn verify_talks_to_each_clouds_own_hosts_only() {
    for (cloud, login, _, _, suffix) in CLOUDS {
        let c = start(cloud, None, None).await;
        let r = wpcrm_core::verify::run(
            &c.ctx,
            c.connection(suffix),
            common::options(&["account"], Duration::from_secs(10)),
        )
        .await;
        assert!(r.ok, "{cloud}: {r:#?}");
        assert_eq!(
            r.cloud.map(|n| format!("{n:?}").to_ascii_lowercase()).as_deref(),
            Some(cloud)
        );
        assert_eq!(
            r.tenant_id.as_deref(),
            Some(common::tenant()),
            "{cloud}: the challenge named the tenant"
        );
        let env_host = format!("contoso.{suffix}");
        c.assert_within(
            &[login.to_owned(), env_host.clone()],
            &[format!("https://{env_host}/.default")],
            cloud,
        );
        let served = c.env.served();
        assert!(
            served
                .iter()
                .all(|s| s["host"] == login || s["host"] == env_host.as_str()),
            "{served:#?}"
        );
    }
}

#[tokio::test]
async fn provisioning_signs_in_lists_and_creates_in_the_chosen_cloud_only() {
    for (cloud, login, graph, disco, suffix) in CLOUDS.into_iter().skip(1) {
        let c = start(cloud, None, None).await;
        let state = c.signed_in(cloud).await;
        let r = wpcrm_core::provision::run(&c.ctx, c.request(Some(cloud), None, Some(state))).await;
        assert_eq!(r.status, Status::ChooseEnvironment, "{cloud}: {:?}", r.error);
        let envs = r.environments.as_ref().unwrap();
        let url = format!("https://contoso.{suffix}");
        assert_eq!(
            envs.iter().map(|e| e.url.as_str()).collect::<Vec<_>>(),
            [url.as_str()],
            "{cloud}: the cloud's own discovery lists its environment only, by its real URL"
        );
        let mut request = c.request(None, Some(url.clone()), Some(r.state));
        let r = loop {
            let r = wpcrm_core::provision::run(&c.ctx, request.clone()).await;
            if r.status != Status::InProgress {
                break r;
            }
            request.state = Some(r.state);
        };
        assert_eq!(r.status, Status::Done, "{cloud}: {:?}", r.error);
        let connection = r.connection.as_ref().unwrap();
        assert_eq!(connection.instance_url, url);
        assert_eq!(
            r.verification.as_ref().unwrap()["ok"],
            true,
            "{cloud}: {:#?}",
            r.verification
        );
        let env_host = format!("contoso.{suffix}");
        c.assert_within(
            &[login.into(), graph.into(), disco.into(), env_host.clone()],
            &[
                format!("https://{graph}/.default"),
                format!("https://{disco}/.default"),
                format!("https://{env_host}/.default"),
            ],
            cloud,
        );
        let seen = c.seen();
        for host in [login, graph, disco, env_host.as_str()] {
            assert!(seen.iter().any(|s| s.host == host), "{cloud}: nothing went to {host}");
        }
    }
}

#[tokio::test]
async fn a_cloud_that_contradicts_the_url_fails_before_any_request() {
    let c = start("usgovhigh", None, None).await;
    let r = wpcrm_core::provision::run(
        &c.ctx,
        c.request(Some("usgovhigh"), Some("https://contoso.crm.dynamics.com".into()), None),
    )
    .await;
    assert_eq!(r.status, Status::Failed);
    assert_eq!(r.error.as_ref().unwrap().code, "cloud_mismatch");
    assert!(c.seen().is_empty());
}

#[tokio::test]
async fn the_sandbox_refuses_what_crosses_clouds() {
    // The environment is GCC High's; its URL on the public cloud is no environment, and the public
    // authority issues no token for it.
    let c = start("usgovhigh", None, None).await;
    let mut conn = c.connection("crm.dynamics.com");
    conn.tenant_id = Some(common::tenant().to_owned());
    let r = wpcrm_core::verify::run(&c.ctx, conn, common::options(&[], Duration::from_secs(10))).await;
    let token = r.checks.iter().find(|c| c.id == "token").unwrap();
    assert_eq!(token.code.as_deref(), Some("AADSTS500011"), "{r:#?}");

    // An engine that sent GCC High's Graph requests to the commercial Graph host (with a token
    // for graph.microsoft.us) is refused there.
    let c = start("usgovhigh", None, Some(("graph.microsoft.us", "graph.microsoft.com"))).await;
    let state = c.signed_in("usgovhigh").await;
    let url = "https://contoso.crm.microsoftdynamics.us".to_owned();
    let mut request = c.request(None, Some(url), Some(state));
    let r = loop {
        let r = wpcrm_core::provision::run(&c.ctx, request.clone()).await;
        if r.status != Status::InProgress {
            break r;
        }
        request.state = Some(r.state);
    };
    assert_eq!(r.status, Status::Failed, "{r:#?}");
    let served = c.env.served();
    assert!(
        served
            .iter()
            .any(|s| s["host"] == "graph.microsoft.com" && s["status"] == 401),
        "{served:#?}"
    );
}

/// The fix of a failure to reach `host` names it and blames the environment URL only for the
/// environment's host.
fn assert_fix_names(fix: &str, host: &str, environment: bool) {
    assert!(fix.contains(host), "{fix}");
    assert_eq!(fix.contains("typos"), environment, "{fix}");
}

#[tokio::test]
async fn a_dns_failure_names_the_host_that_failed() {
    let dns = TransportErrorKind::Dns;
    let (_, login, graph, disco, suffix) = hosts_of("usgovhigh");
    let env_host = format!("contoso.{suffix}");

    // Verify: the environment's host (the challenge), then the sign-in host (the token).
    let c = start("usgovhigh", Some((&env_host, dns)), None).await;
    let r = wpcrm_core::verify::run(
        &c.ctx,
        c.connection(suffix),
        common::options(&[], Duration::from_secs(5)),
    )
    .await;
    let tenant = r.checks.iter().find(|c| c.id == "tenant").unwrap();
    assert_eq!(tenant.code.as_deref(), Some("dns"));
    assert_fix_names(tenant.fix.as_deref().unwrap(), &env_host, true);

    let c = start("usgovhigh", Some((login, dns)), None).await;
    let mut conn = c.connection(suffix);
    conn.tenant_id = Some(common::tenant().to_owned());
    let r = wpcrm_core::verify::run(&c.ctx, conn, common::options(&[], Duration::from_secs(5))).await;
    let token = r.checks.iter().find(|c| c.id == "token").unwrap();
    assert_eq!(token.code.as_deref(), Some("dns"), "{r:#?}");
    assert_fix_names(token.fix.as_deref().unwrap(), login, false);

    // Provisioning: the sign-in host, the discovery host, the Graph host.
    let c = start("usgovhigh", Some((login, dns)), None).await;
    let r = wpcrm_core::provision::run(&c.ctx, c.request(Some("usgovhigh"), None, None)).await;
    let e = r.error.expect("failed");
    assert_eq!(e.code, "dns", "{e:?}");
    assert_fix_names(e.fix.as_deref().unwrap(), login, false);

    let c = start("usgovhigh", Some((disco, dns)), None).await;
    let state = c.signed_in("usgovhigh").await;
    let r = wpcrm_core::provision::run(&c.ctx, c.request(Some("usgovhigh"), None, Some(state))).await;
    let e = r.error.expect("failed");
    assert_eq!(e.code, "dns", "{e:?}");
    assert_fix_names(e.fix.as_deref().unwrap(), disco, false);

    let c = start("usgovhigh", Some((graph, dns)), None).await;
    let state = c.signed_in("usgovhigh").await;
    let url = format!("https://{env_host}");
    let r = wpcrm_core::provision::run(&c.ctx, c.request(None, Some(url), Some(state))).await;
    let e = r.error.expect("failed");
    assert_eq!(e.code, "dns", "{e:?}");
    assert_fix_names(e.fix.as_deref().unwrap(), graph, false);
}
