//! The tenant check's request: the instance's 401 challenge. The other checks' requests are the
//! Dataverse client's ([`crate::dataverse`]).

use crate::challenge::Challenge;
use crate::cloud::Cloud;
use crate::diagnosis::{input as texts, network, Diagnosis, Facts};
use crate::ids::{TenantError, TenantId};
use crate::instance_url::InstanceUrl;
use crate::service::{describe_non_json, Call, Caller, Error, Service};

/// Discovers the tenant from the instance's 401 challenge (`dataverse-web-api.md` §2.4). The
/// challenge's authority must be one of the detected cloud's; the tenant taken from it only becomes
/// a path segment at that cloud's own authority, never a host.
pub async fn discover_tenant(caller: &Caller, instance: &InstanceUrl, facts: &Facts) -> Result<TenantId, Diagnosis> {
    let url = instance.web_api();
    let response = match caller.exchange(Call::get(Service::Dataverse, &url)).await {
        Ok(r) => r,
        Err(Error::Transport { error, .. }) => return Err(network::transport(&error, "Dataverse")),
        Err(Error::Deadline) => return Err(network::deadline("Dataverse")),
        Err(e) => return Err(network::unexpected(&e.to_string(), "Dataverse")),
    };
    let status = response.status().as_u16();
    let fail = |detail: String| Diagnosis {
        code: "tenant_discovery_failed".to_owned(),
        detail,
        fix: Some(format!(
            "Enter the tenant ID on the Connection tab. {}",
            texts::TENANT_ID
        )),
    };
    if status == 429 {
        return Err(network::throttled("Dataverse"));
    }
    if status != 401 {
        return Err(if status == 404 {
            fail(format!(
                "{} answered HTTP 404 instead of asking for sign-in: this environment may not exist.",
                instance
            ))
        } else if (300..400).contains(&status) || response.body().starts_with(b"<") {
            network::unexpected(&describe_non_json(&response), "Dataverse")
        } else {
            fail(format!(
                "{instance} answered HTTP {status} instead of asking for sign-in (401)."
            ))
        });
    }
    let challenge = response
        .headers()
        .get_all(http::header::WWW_AUTHENTICATE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(Challenge::parse)
        .ok_or_else(|| fail(format!("{instance} asked for sign-in without naming its tenant.")))?;
    let (host, port, tenant) = challenge
        .authority_and_tenant()
        .ok_or_else(|| fail("The sign-in challenge's authority is not an https URL.".to_owned()))?;
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
            fix: Some(format!("Enter the tenant ID on the Connection tab. {}", texts::TENANT_ID)),
        });
    }
    match TenantId::parse(&tenant) {
        Ok(t) => Ok(t),
        Err(TenantError::NotATenant) | Err(TenantError::Invalid) => Err(fail(format!(
            "The sign-in challenge names '{}', which is not a tenant.",
            tenant.chars().take(80).collect::<String>()
        ))),
    }
}
