//! Normalizing and validating a Dataverse instance URL as an admin pastes it.
//!
//! Admins paste what the browser shows: `https://Contoso.crm4.dynamics.com/main.aspx?appid=…`, the
//! Web API host `contoso.api.crm.dynamics.com`, a trailing slash (as admins paste it from the plugins' Connection tab). All
//! of these normalize to `https://contoso.crm4.dynamics.com`. Anything that is not a Dataverse host
//! of a known cloud is refused before any request is made: look-alikes
//! (`contoso.crm.dynamics.com.evil.test`), IP literals, internationalized (punycode) labels,
//! userinfo, ports, plain http.
//!
//! Under `wpcrm.sandbox_url` the sandbox's URL layout applies (`docs/sandbox.md`): same origin (port included), the first
//! path segment names the environment, the rest is stripped; the origin itself is an instance too.

use crate::cloud::{parse_sandbox_origin, Cloud};
use std::fmt;

/// A normalized instance URL: `https://<org>.<suffix>` or `{sandbox}/{env}`, no trailing slash.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct InstanceUrl {
    url: String,
    cloud: Cloud,
}

impl InstanceUrl {
    pub fn as_str(&self) -> &str {
        &self.url
    }

    pub fn cloud(&self) -> Cloud {
        self.cloud
    }

    /// The Web API root, `{instance}/api/data/v9.2/`.
    pub fn web_api(&self) -> String {
        format!("{}/api/data/v9.2/", self.url)
    }

    /// The client-credentials scope, `{instance}/.default`.
    pub fn default_scope(&self) -> String {
        format!("{}/.default", self.url)
    }
}

impl fmt::Debug for InstanceUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "InstanceUrl({})", self.url)
    }
}

impl fmt::Display for InstanceUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.url)
    }
}

/// Why an instance URL was refused. The `Display` text is the report's detail.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InstanceUrlError {
    #[error("the instance URL is empty")]
    Missing,
    // The input is not quoted back: a malformed URL may still carry `user:password@`.
    #[error("the instance URL is not a valid URL")]
    NotAUrl,
    #[error("the instance URL must use https, not {0}")]
    NotHttps(String),
    #[error("the instance URL must not contain a user name or password")]
    UserInfo,
    #[error("the instance URL must not name a port ({0})")]
    Port(u16),
    #[error("'{0}' is an IP address, not a Dataverse host name")]
    IpAddress(String),
    #[error("'{0}' uses internationalized (punycode) characters; Dataverse host names are plain ASCII")]
    Punycode(String),
    #[error("'{0}' is not a Dataverse host of a known cloud (for example contoso.crm.dynamics.com)")]
    NotDataverse(String),
    #[error("'{0}' is not a valid environment name in the sandbox")]
    BadSandboxEnvironment(String),
}

/// Normalizes `raw`. `sandbox_url` is `wpcrm.sandbox_url` (empty or `None` in production).
pub fn normalize(raw: &str, sandbox_url: Option<&str>) -> Result<InstanceUrl, InstanceUrlError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(InstanceUrlError::Missing);
    }
    // A bare host (`contoso.crm.dynamics.com`) is common; anything with a scheme keeps it.
    let with_scheme = if raw.contains("://") {
        raw.to_owned()
    } else {
        format!("https://{raw}")
    };
    let url = url::Url::parse(&with_scheme).map_err(|_| InstanceUrlError::NotAUrl)?;

    if let Some(sandbox) = sandbox_url.map(str::trim).filter(|s| !s.is_empty()) {
        if let Ok((origin, host, port)) = parse_sandbox_origin(sandbox) {
            if url.scheme() == "https"
                && url.host_str().map(str::to_ascii_lowercase).as_deref() == Some(host.as_str())
                && url.port_or_known_default() == Some(port)
            {
                if !url.username().is_empty() || url.password().is_some() {
                    return Err(InstanceUrlError::UserInfo);
                }
                return sandbox_instance(&url, &origin);
            }
        }
    }

    if url.scheme() != "https" {
        return Err(InstanceUrlError::NotHttps(url.scheme().to_owned()));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(InstanceUrlError::UserInfo);
    }
    if let Some(port) = url.port() {
        return Err(InstanceUrlError::Port(port));
    }
    let host = match url.host() {
        Some(url::Host::Domain(d)) => d.to_ascii_lowercase(),
        Some(url::Host::Ipv4(ip)) => return Err(InstanceUrlError::IpAddress(ip.to_string())),
        Some(url::Host::Ipv6(ip)) => return Err(InstanceUrlError::IpAddress(ip.to_string())),
        None => return Err(InstanceUrlError::NotAUrl),
    };
    let host = host.strip_suffix('.').unwrap_or(&host).to_owned();
    if host.split('.').any(|label| label.starts_with("xn--")) {
        return Err(InstanceUrlError::Punycode(host));
    }
    let (org, rest) = host
        .split_once('.')
        .ok_or_else(|| InstanceUrlError::NotDataverse(host.clone()))?;
    // The Web API host `<org>.api.<suffix>` names the same environment.
    let suffix = rest.strip_prefix("api.").unwrap_or(rest);
    let valid_org = !org.is_empty()
        && org.len() <= 63
        && org.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !org.starts_with('-')
        && !org.ends_with('-');
    let cloud = Cloud::of_dataverse_suffix(suffix).filter(|_| valid_org);
    match cloud {
        Some(cloud) => Ok(InstanceUrl {
            url: format!("https://{org}.{suffix}"),
            cloud,
        }),
        None => Err(InstanceUrlError::NotDataverse(host)),
    }
}

fn sandbox_instance(url: &url::Url, origin: &str) -> Result<InstanceUrl, InstanceUrlError> {
    let first = url
        .path_segments()
        .and_then(|mut segments| segments.next())
        .unwrap_or("")
        .to_owned();
    // `{sandbox}` and its Web API root `{sandbox}/api/data/...` are the origin's own environment.
    if first.is_empty() || first == "api" {
        return Ok(InstanceUrl {
            url: origin.to_owned(),
            cloud: Cloud::Sandbox,
        });
    }
    let env = first.to_ascii_lowercase();
    // `_sandbox` is the sandbox's control plane (docs/sandbox.md), never an environment.
    let valid = env.len() <= 64
        && !env.starts_with('_')
        && env.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !valid {
        return Err(InstanceUrlError::BadSandboxEnvironment(first));
    }
    Ok(InstanceUrl {
        url: format!("{origin}/{env}"),
        cloud: Cloud::Sandbox,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sandbox_control_plane_is_not_an_environment() {
        // Found by tests/hostile_input.rs: `{sandbox}/_sandbox` was accepted as an environment, so
        // the Web API requests of a verification went to the control plane's paths.
        let sandbox = "https://127.0.0.1:8443";
        for raw in [
            "https://127.0.0.1:8443/_sandbox",
            "https://127.0.0.1:8443/_sandbox/reset",
        ] {
            assert!(matches!(
                normalize(raw, Some(sandbox)),
                Err(InstanceUrlError::BadSandboxEnvironment(_))
            ));
        }
        assert!(normalize("https://127.0.0.1:8443/contoso_dev", Some(sandbox)).is_ok());
    }

    fn ok(raw: &str) -> (String, Cloud) {
        let u = normalize(raw, None).unwrap_or_else(|e| panic!("{raw}: {e}"));
        (u.as_str().to_owned(), u.cloud())
    }

    #[test]
    fn browser_urls_normalize_to_the_org_host() {
        let want = ("https://contoso.crm4.dynamics.com".to_owned(), Cloud::Public);
        for raw in [
            "https://contoso.crm4.dynamics.com",
            "https://contoso.crm4.dynamics.com/",
            "  https://Contoso.CRM4.Dynamics.com/main.aspx?appid=1234&pagetype=entitylist ",
            "https://contoso.api.crm4.dynamics.com/api/data/v9.2/",
            "contoso.crm4.dynamics.com",
            "HTTPS://CONTOSO.CRM4.DYNAMICS.COM.",
            "https://contoso.crm4.dynamics.com/#/home",
        ] {
            assert_eq!(ok(raw), want, "{raw}");
        }
    }

    #[test]
    fn every_cloud_is_recognised() {
        assert_eq!(ok("https://a.crm.dynamics.com").1, Cloud::Public);
        assert_eq!(ok("https://a.crm21.dynamics.com").1, Cloud::Public);
        assert_eq!(ok("https://a.crm9.dynamics.com").1, Cloud::Gcc);
        assert_eq!(ok("https://a.crm.microsoftdynamics.us").1, Cloud::UsGovHigh);
        assert_eq!(ok("https://a.api.crm.appsplatform.us").1, Cloud::UsGovDod);
        assert_eq!(ok("https://a.crm.dynamics.cn").1, Cloud::China);
    }

    #[test]
    fn refuses_what_is_not_a_dataverse_host() {
        use InstanceUrlError::*;
        let err = |raw: &str| normalize(raw, None).unwrap_err();
        assert_eq!(err(""), Missing);
        assert_eq!(err("   "), Missing);
        assert_eq!(err("http://contoso.crm.dynamics.com"), NotHttps("http".into()));
        assert_eq!(err("https://admin@contoso.crm.dynamics.com"), UserInfo);
        assert_eq!(err("https://a:b@contoso.crm.dynamics.com"), UserInfo);
        assert_eq!(err("https://contoso.crm.dynamics.com:8443"), Port(8443));
        assert!(matches!(
            err("https://contoso.crm.dynamics.com.evil.test"),
            NotDataverse(_)
        ));
        assert!(matches!(err("https://crm.dynamics.com"), NotDataverse(_)));
        assert!(matches!(err("https://a.b.crm.dynamics.com"), NotDataverse(_)));
        assert!(matches!(err("https://contoso.crm22.dynamics.com"), NotDataverse(_)));
        assert!(matches!(err("https://contoso.dynamics.com"), NotDataverse(_)));
        assert!(matches!(err("https://evil-crm.dynamics.com"), NotDataverse(_)));
        assert!(matches!(err("https://127.0.0.1"), IpAddress(_)));
        assert!(matches!(err("https://[::1]/"), IpAddress(_)));
        assert!(matches!(err("https://contoso.crm.dynаmics.com"), Punycode(_))); // Cyrillic 'а'
        assert!(matches!(err("https://xn--contso-4ya.crm.dynamics.com"), Punycode(_)));
        assert!(matches!(err("ftp://contoso.crm.dynamics.com"), NotHttps(_)));
        assert!(matches!(err("https://"), NotAUrl));
    }

    #[test]
    fn sandbox_urls_take_the_first_segment_as_the_environment() {
        let sb = Some("https://127.0.0.1:8443");
        let n = |raw: &str| normalize(raw, sb).map(|u| (u.as_str().to_owned(), u.cloud()));
        assert_eq!(
            n("https://127.0.0.1:8443/Contoso/main.aspx?x=1").unwrap().0,
            "https://127.0.0.1:8443/contoso"
        );
        assert_eq!(
            n("https://127.0.0.1:8443/contoso/").unwrap().0,
            "https://127.0.0.1:8443/contoso"
        );
        assert_eq!(
            n("https://127.0.0.1:8443").unwrap(),
            ("https://127.0.0.1:8443".into(), Cloud::Sandbox)
        );
        assert_eq!(
            n("https://127.0.0.1:8443/api/data/v9.2/").unwrap().0,
            "https://127.0.0.1:8443"
        );
        // Another port of the same host is not the sandbox, and an IP is not Dataverse.
        assert!(matches!(
            n("https://127.0.0.1:8444/contoso"),
            Err(InstanceUrlError::Port(8444))
        ));
        assert!(matches!(
            n("https://u@127.0.0.1:8443/contoso"),
            Err(InstanceUrlError::UserInfo)
        ));
        // Real hosts stay valid alongside the sandbox.
        assert_eq!(n("https://a.crm.dynamics.com").unwrap().1, Cloud::Public);
    }
}
