//! The `tenant` check: which Entra ID tenant the instance belongs to.
//!
//! A tenant entered on the Connection tab is used as is, without a request. Otherwise one
//! unauthenticated `GET {instance}/api/data/v9.2/` must answer 401 with a `WWW-Authenticate: Bearer
//! authorization_uri=…` challenge naming the tenant
//! (<https://learn.microsoft.com/power-apps/developer/data-platform/authenticate-oauth>, `docs/verify.md`).
//! A pass proves the tenant is known and named by an authority of the instance's own cloud. A fail
//! (`tenant_discovery_failed`, `untrusted_authority`, or a transport code, `docs/verify.md`) means
//! no token can be requested: the later checks are skipped.

use super::check_id::CheckId;
use super::input::ValidInput;
use super::outcome::{Checks, Outcome};
use crate::challenge::Challenge;
use crate::cloud::Cloud;
use crate::diagnosis::{input as texts, network, Diagnosis, Facts};
use crate::http::HttpResponse;
use crate::ids::{TenantError, TenantId};
use crate::instance_url::InstanceUrl;
use crate::service::{describe_non_json, Call, Caller, Error, Service};
use tokio::time::Instant;

/// Runs the check and records it; `None` when the tenant is not known.
pub async fn check(http: &Caller, valid: &ValidInput, facts: &Facts, checks: &mut Checks) -> Option<TenantId> {
    let t0 = Instant::now();
    let instance = &valid.instance;
    let (outcome, tenant) = match &valid.tenant {
        Some(t) => (
            Outcome::pass(format!("Using the tenant entered: {t}."))
                .id("tenant.entered")
                .param("tenant", t),
            Some(t.clone()),
        ),
        None => match discover(http, instance, facts).await {
            Ok(t) => (
                Outcome::pass(format!("Discovered the tenant {t} from {instance}."))
                    .id("tenant.discovered")
                    .param("tenant", &t)
                    .param("instance_url", instance),
                Some(t),
            ),
            Err(d) => (Outcome::fail(d), None),
        },
    };
    checks.push(&CheckId::Tenant, outcome, t0.elapsed());
    tenant
}

/// Discovers the tenant from the instance's 401 challenge. The challenge's authority must be one of
/// the detected cloud's; the tenant taken from it only becomes a path segment at that cloud's own
/// authority, never a host.
pub async fn discover(caller: &Caller, instance: &InstanceUrl, facts: &Facts) -> Result<TenantId, Diagnosis> {
    let url = instance.web_api();
    let response = match caller.exchange(Call::get(Service::Dataverse, &url)).await {
        Ok(r) => r,
        Err(Error::Transport { error, .. }) => return Err(network::transport(&error, "Dataverse")),
        Err(Error::Deadline) => return Err(network::deadline("Dataverse")),
        Err(e) => return Err(network::unexpected(&e.to_string(), "Dataverse")),
    };
    let status = response.status().as_u16();
    if status == 429 {
        return Err(network::throttled("Dataverse"));
    }
    if status != 401 {
        return Err(if status == 404 {
            not_discovered(
                format!(
                    "{} answered HTTP 404 instead of asking for sign-in: this environment may not exist.",
                    instance
                ),
                "tenant.http_404",
            )
            .param("instance_url", instance)
        } else if (300..400).contains(&status) || response.body().starts_with(b"<") {
            network::unexpected(&describe_non_json(&response), "Dataverse")
        } else {
            not_discovered(
                format!("{instance} answered HTTP {status} instead of asking for sign-in (401)."),
                "tenant.http_status",
            )
            .param("instance_url", instance)
            .param("status", status)
        });
    }
    challenged_tenant(caller, instance, &response, facts)
}

/// The tenant a 401 answer's challenge names, if its authority belongs to the instance's cloud.
fn challenged_tenant(
    caller: &Caller,
    instance: &InstanceUrl,
    response: &HttpResponse,
    facts: &Facts,
) -> Result<TenantId, Diagnosis> {
    let challenge = response
        .headers()
        .get_all(http::header::WWW_AUTHENTICATE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(Challenge::parse)
        .ok_or_else(|| {
            not_discovered(
                format!("{instance} asked for sign-in without naming its tenant."),
                "tenant.no_tenant",
            )
            .param("instance_url", instance)
        })?;
    let (host, port, tenant) = challenge.authority_and_tenant().ok_or_else(|| {
        not_discovered(
            "The sign-in challenge's authority is not an https URL.".to_owned(),
            "tenant.authority_not_https",
        )
    })?;
    let trusted = match instance.cloud() {
        Cloud::Sandbox => {
            let origin = caller.endpoints().sandbox_origin().unwrap_or("");
            origin == format!("https://{host}:{port}") || (port == 443 && origin == format!("https://{host}"))
        }
        cloud => port == 443 && cloud.challenge_authority_hosts().contains(&host.as_str()),
    };
    if !trusted {
        return Err(Diagnosis {
            code: "untrusted_authority".to_owned(),
            detail: format!(
                "The sign-in challenge names the authority {host}, which is not an Entra ID host of the {} cloud; it is ignored.",
                facts.cloud
            ),
            fix: Some(enter_tenant()),
            ..Diagnosis::default()
        }
        .ids("tenant.untrusted_authority", "fix.enter_tenant")
        .param("host", &host)
        .param("cloud", facts.cloud));
    }
    match TenantId::parse(&tenant) {
        Ok(t) => Ok(t),
        Err(TenantError::NotATenant) | Err(TenantError::Invalid) => {
            let named = tenant.chars().take(80).collect::<String>();
            Err(not_discovered(
                format!("The sign-in challenge names '{named}', which is not a tenant."),
                "tenant.not_a_tenant",
            )
            .param("value", named))
        }
    }
}

fn not_discovered(detail: String, detail_id: &str) -> Diagnosis {
    Diagnosis {
        code: "tenant_discovery_failed".to_owned(),
        detail,
        fix: Some(enter_tenant()),
        ..Diagnosis::default()
    }
    .ids(detail_id, "fix.enter_tenant")
}

fn enter_tenant() -> String {
    format!("Enter the tenant ID on the Connection tab. {}", texts::TENANT_ID)
}
