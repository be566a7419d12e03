//! Which cloud this run works in, and so which hosts every request of the call goes to.
//!
//! In order: the cloud of the environment URL (from the request or the state), else the cloud the
//! request names (`cloud`: `public`, `gcc`, `usgovhigh`, `usgovdod`, `china`), else the cloud the
//! run signed in to, else the public cloud. A named cloud that contradicts the URL, or an
//! environment in another cloud than the sign-in's, fails before any request (`cloud_mismatch`):
//! tokens, and the secret, never cross clouds.
//!
//! Under `wpcrm.sandbox_url` an environment URL of the sandbox's own layout (`{sandbox}/{env}`), or
//! no URL and no cloud, is the sandbox's layout as before; any real cloud is that cloud's hosts
//! served by the sandbox (`Endpoints::mapped_to`), so a test asserts the real host of each request.

use super::response::ProvisionError;
use crate::cloud::{Cloud, Endpoints};
use crate::diagnosis::{admin, cloud as texts};

/// The cloud to work in (see the module docs). `signed_in` is the cloud the state recorded.
pub(super) fn choose(
    sandbox: Option<&str>,
    instance_url: Option<&str>,
    requested: Option<&str>,
    signed_in: Option<&str>,
) -> Result<Cloud, ProvisionError> {
    let fail = |d| Err(ProvisionError::new(None, d));
    let requested = match requested.map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(raw) => match Cloud::from_name(raw) {
            Some(c) => Some(c),
            None => return fail(texts::invalid_cloud(raw)),
        },
    };
    let url = instance_url.and_then(|u| crate::instance_url::normalize(u, sandbox).ok());
    if let (Some(url), Some(chosen)) = (&url, requested) {
        if url.cloud() != chosen {
            return fail(texts::cloud_mismatch(chosen.name(), url.cloud().name(), url.as_str()));
        }
    }
    let signed_in = signed_in.and_then(|s| Cloud::ALL.into_iter().find(|c| c.name() == s));
    let default = if sandbox.is_some() {
        Cloud::Sandbox
    } else {
        Cloud::Public
    };
    let cloud = url
        .as_ref()
        .map(|u| u.cloud())
        .or(requested)
        .or(signed_in)
        .unwrap_or(default);
    match signed_in {
        Some(s) if s != cloud => fail(texts::signed_in_elsewhere(s.name(), cloud.name())),
        _ => Ok(cloud),
    }
}

/// The hosts of `cloud` for this call: its own, or served by the sandbox.
pub(super) fn endpoints(cloud: Cloud, sandbox: Option<&str>) -> Result<Endpoints, ProvisionError> {
    let bad = |e: crate::cloud::BadSandboxUrl| ProvisionError::new(None, admin::invalid_sandbox_url(e.to_string()));
    match (cloud, sandbox) {
        (Cloud::Sandbox, Some(sandbox)) => Endpoints::sandbox(sandbox).map_err(bad),
        (Cloud::Sandbox, None) => Ok(Endpoints::real(Cloud::Public)),
        (cloud, Some(sandbox)) => Endpoints::real(cloud).mapped_to(sandbox).map_err(bad),
        (cloud, None) => Ok(Endpoints::real(cloud)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(r: Result<Cloud, ProvisionError>) -> String {
        r.unwrap_err().code
    }

    #[test]
    fn the_url_decides_then_the_choice_then_the_sign_in() {
        assert_eq!(choose(None, None, None, None).unwrap(), Cloud::Public);
        assert_eq!(choose(None, None, Some("usgovdod"), None).unwrap(), Cloud::UsGovDod);
        assert_eq!(
            choose(None, Some("https://x.crm9.dynamics.com"), None, None).unwrap(),
            Cloud::Gcc
        );
        assert_eq!(choose(None, None, None, Some("china")).unwrap(), Cloud::China);
        let sb = Some("https://127.0.0.1:8443");
        assert_eq!(choose(sb, None, None, None).unwrap(), Cloud::Sandbox);
        assert_eq!(choose(sb, None, Some("usgovhigh"), None).unwrap(), Cloud::UsGovHigh);
        assert_eq!(
            choose(sb, Some("https://x.crm.microsoftdynamics.us"), None, None).unwrap(),
            Cloud::UsGovHigh
        );
    }

    #[test]
    fn contradictions_fail_before_any_request() {
        assert_eq!(code(choose(None, None, Some("mars"), None)), "invalid_cloud");
        assert_eq!(
            code(choose(
                None,
                Some("https://x.crm.dynamics.com"),
                Some("usgovhigh"),
                None
            )),
            "cloud_mismatch"
        );
        assert_eq!(
            code(choose(None, Some("https://x.crm.dynamics.cn"), None, Some("public"))),
            "cloud_mismatch"
        );
        let sb = Some("https://127.0.0.1:8443");
        assert_eq!(
            code(choose(sb, Some("https://127.0.0.1:8443/contoso"), Some("gcc"), None)),
            "cloud_mismatch",
            "the sandbox's own layout is no real cloud"
        );
    }
}
