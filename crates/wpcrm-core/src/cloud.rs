//! The clouds wpcrm knows, their endpoints, and which hosts belong to each.
//!
//! Sources: <https://learn.microsoft.com/entra/identity-platform/authentication-national-cloud>, <https://learn.microsoft.com/graph/deployments> and <https://learn.microsoft.com/power-platform/admin/new-datacenter-regions>. The cloud is
//! decided from the instance URL (see [`crate::instance_url`]); every request of a call must go to a
//! host of that cloud ([`Endpoints::allows`]), so a tenant or URL taken from a server's answer can
//! never redirect the secret elsewhere.

use crate::report::CloudName;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cloud {
    Public,
    /// US Government Community Cloud: Dataverse in `crm9`, public authority and Graph.
    Gcc,
    UsGovHigh,
    UsGovDod,
    China,
    /// The local emulator at `wpcrm.sandbox_url`: every endpoint at that one origin.
    Sandbox,
}

/// The Dataverse host suffixes of each real cloud (an org host is `<org>.<suffix>`).
const PUBLIC_DATAVERSE_REGIONS: [u8; 19] = [2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21];

impl Cloud {
    pub const ALL: [Cloud; 6] = [
        Cloud::Public,
        Cloud::Gcc,
        Cloud::UsGovHigh,
        Cloud::UsGovDod,
        Cloud::China,
        Cloud::Sandbox,
    ];

    /// The cloud named `name` (`public`, `gcc`, `usgovhigh`, `usgovdod`, `china`; case-insensitive),
    /// as a provisioning request chooses it. The sandbox is not a choice: `wpcrm.sandbox_url` is.
    pub fn from_name(name: &str) -> Option<Cloud> {
        let name = name.trim();
        Cloud::ALL
            .into_iter()
            .filter(|c| *c != Cloud::Sandbox)
            .find(|c| c.name().eq_ignore_ascii_case(name))
    }

    /// The name used in the report (`public`, `gcc`, …).
    pub fn name(self) -> &'static str {
        match self {
            Cloud::Public => "public",
            Cloud::Gcc => "gcc",
            Cloud::UsGovHigh => "usgovhigh",
            Cloud::UsGovDod => "usgovdod",
            Cloud::China => "china",
            Cloud::Sandbox => "sandbox",
        }
    }

    pub fn report_name(self) -> CloudName {
        match self {
            Cloud::Public => CloudName::Public,
            Cloud::Gcc => CloudName::Gcc,
            Cloud::UsGovHigh => CloudName::Usgovhigh,
            Cloud::UsGovDod => CloudName::Usgovdod,
            Cloud::China => CloudName::China,
            Cloud::Sandbox => CloudName::Sandbox,
        }
    }

    /// The host that receives secrets (token endpoint). `None` for the sandbox (its origin).
    pub fn authority_host(self) -> Option<&'static str> {
        match self {
            Cloud::Public | Cloud::Gcc => Some("login.microsoftonline.com"),
            Cloud::UsGovHigh | Cloud::UsGovDod => Some("login.microsoftonline.us"),
            Cloud::China => Some("login.partner.microsoftonline.cn"),
            Cloud::Sandbox => None,
        }
    }

    /// Hosts that may appear as the authority in a Dataverse 401 challenge of this cloud (older
    /// aliases included). They are only accepted as evidence of the tenant; the secret always goes to
    /// [`Cloud::authority_host`].
    pub fn challenge_authority_hosts(self) -> &'static [&'static str] {
        match self {
            Cloud::Public | Cloud::Gcc => &[
                "login.microsoftonline.com",
                "login.windows.net",
                "login.microsoft.com",
                "sts.windows.net",
            ],
            Cloud::UsGovHigh | Cloud::UsGovDod => &["login.microsoftonline.us", "login.usgovcloudapi.net"],
            Cloud::China => &["login.partner.microsoftonline.cn", "login.chinacloudapi.cn"],
            Cloud::Sandbox => &[],
        }
    }

    /// Graph's resource id (scope `{id}/.default`); the sandbox keeps the real public id.
    pub fn graph_resource(self) -> &'static str {
        match self {
            Cloud::Public | Cloud::Gcc | Cloud::Sandbox => "https://graph.microsoft.com",
            Cloud::UsGovHigh => "https://graph.microsoft.us",
            Cloud::UsGovDod => "https://dod-graph.microsoft.us",
            Cloud::China => "https://microsoftgraph.chinacloudapi.cn",
        }
    }

    /// Global Discovery's resource id; the sandbox keeps the real public id.
    pub fn discovery_resource(self) -> &'static str {
        match self {
            Cloud::Public | Cloud::Sandbox => "https://globaldisco.crm.dynamics.com",
            Cloud::Gcc => "https://globaldisco.crm9.dynamics.com",
            Cloud::UsGovHigh => "https://globaldisco.crm.microsoftdynamics.us",
            Cloud::UsGovDod => "https://globaldisco.crm.appsplatform.us",
            Cloud::China => "https://globaldisco.crm.dynamics.cn",
        }
    }

    /// The Dataverse host suffixes (without the org label) of this cloud.
    pub fn dataverse_suffixes(self) -> Vec<String> {
        match self {
            Cloud::Public => {
                let mut v = vec!["crm.dynamics.com".to_owned()];
                v.extend(PUBLIC_DATAVERSE_REGIONS.iter().map(|n| format!("crm{n}.dynamics.com")));
                v
            }
            Cloud::Gcc => vec!["crm9.dynamics.com".to_owned()],
            Cloud::UsGovHigh => vec!["crm.microsoftdynamics.us".to_owned()],
            Cloud::UsGovDod => vec!["crm.appsplatform.us".to_owned()],
            Cloud::China => vec!["crm.dynamics.cn".to_owned()],
            Cloud::Sandbox => vec![],
        }
    }

    /// The real cloud a Dataverse suffix (`crm4.dynamics.com`) belongs to.
    pub fn of_dataverse_suffix(suffix: &str) -> Option<Cloud> {
        Cloud::ALL
            .into_iter()
            .find(|c| c.dataverse_suffixes().iter().any(|s| s == suffix))
    }

    /// True when `host` is `<org>.<suffix>` of this cloud with exactly one org label.
    pub fn is_dataverse_host(self, host: &str) -> bool {
        self.dataverse_suffixes().iter().any(|suffix| {
            host.strip_suffix(suffix.as_str())
                .and_then(|org| org.strip_suffix('.'))
                .is_some_and(|org| !org.is_empty() && !org.contains('.'))
        })
    }
}

/// Which of a cloud's hosts a request goes to: what a failure to reach it means for the admin
/// (`diagnosis::network`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HostRole {
    /// The Entra ID authority (`login.microsoftonline.*`): sign-in and every token.
    Login,
    /// Microsoft Graph.
    Graph,
    /// The Global Discovery Service.
    Discovery,
    /// The Dataverse environment (the instance URL's host).
    Environment,
}

/// Where one call's requests go: the cloud's endpoints, resolved (for the sandbox, to its origin).
///
/// Under `wpcrm.sandbox_url` a real cloud's endpoints may be *mapped* onto the sandbox
/// ([`Endpoints::mapped_to`]): requests are built for the real hosts (so every allow-list, scope
/// and host rule of that cloud applies unchanged) and [`Endpoints::physical`] rewrites each one to
/// the sandbox origin just before it is sent, naming the real host in `X-Forwarded-Host`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    pub cloud: Cloud,
    /// `https://login.microsoftonline.com` (no trailing slash).
    pub authority: String,
    /// `https://graph.microsoft.com`.
    pub graph: String,
    /// `https://globaldisco.crm.dynamics.com`.
    pub discovery: String,
    /// Sandbox origin (scheme, host, port), when the cloud is the sandbox or is mapped onto it.
    sandbox: Option<SandboxOrigin>,
}

/// A request rewritten for the sandbox: the URL it is sent to and the real host it stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapped {
    pub url: String,
    pub logical_host: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct SandboxOrigin {
    origin: String,
    host: String,
    port: u16,
}

/// `wpcrm.sandbox_url` is not an https origin.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("wpcrm.sandbox_url must be an https origin such as https://127.0.0.1:8443, not '{0}'")]
pub struct BadSandboxUrl(pub String);

/// Parses `wpcrm.sandbox_url` into its normalized origin (`https://host:port`, no trailing slash).
pub fn parse_sandbox_origin(raw: &str) -> Result<(String, String, u16), BadSandboxUrl> {
    let bad = || BadSandboxUrl(raw.to_owned());
    let url = url::Url::parse(raw.trim()).map_err(|_| bad())?;
    if url.scheme() != "https" || !url.username().is_empty() || url.password().is_some() {
        return Err(bad());
    }
    if url.path() != "/" && !url.path().is_empty() || url.query().is_some() {
        return Err(bad());
    }
    let host = url.host_str().ok_or_else(bad)?.to_ascii_lowercase();
    let port = url.port_or_known_default().ok_or_else(bad)?;
    let origin = match url.port() {
        Some(p) => format!("https://{host}:{p}"),
        None => format!("https://{host}"),
    };
    Ok((origin, host, port))
}

impl Endpoints {
    /// The endpoints of a real cloud. Panics for [`Cloud::Sandbox`]: use [`Endpoints::sandbox`].
    pub fn real(cloud: Cloud) -> Self {
        let authority = cloud.authority_host().expect("a real cloud");
        let graph = cloud.graph_resource();
        Self {
            cloud,
            authority: format!("https://{authority}"),
            graph: graph.to_owned(),
            discovery: cloud.discovery_resource().to_owned(),
            sandbox: None,
        }
    }

    /// Every endpoint at the sandbox origin (`wpcrm.sandbox_url`).
    pub fn sandbox(sandbox_url: &str) -> Result<Self, BadSandboxUrl> {
        let (origin, host, port) = parse_sandbox_origin(sandbox_url)?;
        Ok(Self {
            cloud: Cloud::Sandbox,
            authority: origin.clone(),
            graph: origin.clone(),
            discovery: origin.clone(),
            sandbox: Some(SandboxOrigin { origin, host, port }),
        })
    }

    /// This real cloud's endpoints, served by the sandbox at `sandbox_url` (see the type's docs).
    pub fn mapped_to(mut self, sandbox_url: &str) -> Result<Self, BadSandboxUrl> {
        let (origin, host, port) = parse_sandbox_origin(sandbox_url)?;
        if self.cloud != Cloud::Sandbox {
            self.sandbox = Some(SandboxOrigin { origin, host, port });
        }
        Ok(self)
    }

    /// A real cloud mapped onto the sandbox.
    pub fn is_mapped(&self) -> bool {
        self.cloud != Cloud::Sandbox && self.sandbox.is_some()
    }

    /// Which of this call's hosts `uri` is. For the sandbox's own layout (one origin), the path
    /// decides as it does in the sandbox (`/v1.0/…` Graph, `/api/discovery/…` discovery,
    /// `…/api/data/…` an environment, anything else the authority).
    pub fn role_of(&self, uri: &http::Uri) -> HostRole {
        if self.cloud == Cloud::Sandbox {
            let segs: Vec<&str> = uri.path().split('/').filter(|s| !s.is_empty()).collect();
            return match segs.as_slice() {
                ["v1.0", ..] => HostRole::Graph,
                ["api", "discovery", ..] => HostRole::Discovery,
                ["api", "data", ..] | [_, "api", "data", ..] => HostRole::Environment,
                _ => HostRole::Login,
            };
        }
        let host = uri.host().unwrap_or("").to_ascii_lowercase();
        let is = |origin: &str| origin.strip_prefix("https://") == Some(host.as_str());
        if is(&self.authority) {
            HostRole::Login
        } else if is(&self.graph) {
            HostRole::Graph
        } else if is(&self.discovery) {
            HostRole::Discovery
        } else {
            HostRole::Environment
        }
    }

    /// Where a request for `uri` (already allowed) is really sent: unchanged, except for a real
    /// cloud mapped onto the sandbox, where the origin becomes the sandbox's and an environment's
    /// organization label (`contoso` of `contoso.crm.microsoftdynamics.us`) becomes the first path
    /// segment, as the sandbox lays environments out.
    pub fn physical(&self, uri: &http::Uri) -> Option<Mapped> {
        let sandbox = self.sandbox.as_ref().filter(|_| self.is_mapped())?;
        let host = uri.host().unwrap_or("").to_ascii_lowercase();
        let path_and_query = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
        let url = match self.role_of(uri) {
            HostRole::Environment => {
                let org = host.split('.').next().unwrap_or_default();
                format!("{}/{org}{path_and_query}", sandbox.origin)
            }
            _ => format!("{}{path_and_query}", sandbox.origin),
        };
        Some(Mapped {
            url,
            logical_host: host,
        })
    }

    /// `{authority}/{tenant}/oauth2/v2.0/token`.
    pub fn token_endpoint(&self, tenant: &str) -> String {
        format!("{}/{}/oauth2/v2.0/token", self.authority, tenant)
    }

    /// `{authority}/{tenant}/oauth2/v2.0/devicecode`.
    pub fn device_code_endpoint(&self, tenant: &str) -> String {
        format!("{}/{}/oauth2/v2.0/devicecode", self.authority, tenant)
    }

    /// Graph's resource id for scopes (`https://graph.microsoft.com/.default`).
    pub fn graph_resource(&self) -> &'static str {
        self.cloud.graph_resource()
    }

    pub fn discovery_resource(&self) -> &'static str {
        self.cloud.discovery_resource()
    }

    /// The sandbox origin, when this is the sandbox (or a real cloud mapped onto it).
    pub fn sandbox_origin(&self) -> Option<&str> {
        self.sandbox.as_ref().map(|s| s.origin.as_str())
    }

    /// May a request of this call go to `uri`? https only; for a real cloud one of its authority,
    /// Graph, discovery or Dataverse hosts on the default port; for the sandbox exactly its origin.
    pub fn allows(&self, uri: &http::Uri) -> bool {
        if uri.scheme_str() != Some("https") {
            return false;
        }
        let Some(authority) = uri.authority() else { return false };
        if authority.as_str().contains('@') {
            return false;
        }
        let host = authority.host().to_ascii_lowercase();
        let port = authority.port_u16().unwrap_or(443);
        // A real cloud mapped onto the sandbox is judged by its real hosts (`physical` then
        // rewrites); only the sandbox's own layout is its one origin.
        if let Some(sandbox) = self.sandbox.as_ref().filter(|_| self.cloud == Cloud::Sandbox) {
            return host == sandbox.host && port == sandbox.port;
        }
        if port != 443 {
            return false;
        }
        let fixed = [&self.authority, &self.graph, &self.discovery];
        if fixed
            .iter()
            .any(|origin| origin.strip_prefix("https://") == Some(host.as_str()))
        {
            return true;
        }
        // `<org>.<suffix>` or the Web API host `<org>.api.<suffix>` (`api` right after the org label).
        let host = match host.split_once('.') {
            Some((org, rest)) => match rest.strip_prefix("api.") {
                Some(suffix) => format!("{org}.{suffix}"),
                None => host.clone(),
            },
            None => host.clone(),
        };
        self.cloud.is_dataverse_host(&host)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(s: &str) -> http::Uri {
        s.parse().unwrap()
    }

    #[test]
    fn suffixes_map_to_their_cloud() {
        assert_eq!(Cloud::of_dataverse_suffix("crm.dynamics.com"), Some(Cloud::Public));
        assert_eq!(Cloud::of_dataverse_suffix("crm4.dynamics.com"), Some(Cloud::Public));
        assert_eq!(Cloud::of_dataverse_suffix("crm21.dynamics.com"), Some(Cloud::Public));
        assert_eq!(Cloud::of_dataverse_suffix("crm9.dynamics.com"), Some(Cloud::Gcc));
        assert_eq!(
            Cloud::of_dataverse_suffix("crm.microsoftdynamics.us"),
            Some(Cloud::UsGovHigh)
        );
        assert_eq!(Cloud::of_dataverse_suffix("crm.appsplatform.us"), Some(Cloud::UsGovDod));
        assert_eq!(Cloud::of_dataverse_suffix("crm.dynamics.cn"), Some(Cloud::China));
        assert_eq!(Cloud::of_dataverse_suffix("crm22.dynamics.com"), None);
        assert_eq!(Cloud::of_dataverse_suffix("crm1.dynamics.com"), None);
    }

    #[test]
    fn allow_list_of_a_real_cloud() {
        let public = Endpoints::real(Cloud::Public);
        assert!(public.allows(&uri("https://login.microsoftonline.com/t/oauth2/v2.0/token")));
        assert!(public.allows(&uri("https://contoso.crm4.dynamics.com/api/data/v9.2/WhoAmI")));
        assert!(public.allows(&uri("https://contoso.api.crm.dynamics.com/api/data/v9.2/")));
        assert!(
            !public.allows(&uri("https://contoso.crm.api.dynamics.com/")),
            "`api` only right after the organization label"
        );
        assert!(public.allows(&uri("https://graph.microsoft.com/v1.0/applications")));
        assert!(!public.allows(&uri("http://contoso.crm.dynamics.com/")));
        assert!(!public.allows(&uri("https://contoso.crm.dynamics.com:8443/")));
        assert!(!public.allows(&uri("https://contoso.crm.dynamics.com.evil.test/")));
        assert!(!public.allows(&uri("https://contoso.crm.microsoftdynamics.us/")));
        assert!(!public.allows(&uri("https://login.microsoftonline.us/t/oauth2/v2.0/token")));
        assert!(!public.allows(&uri("https://login.windows.net/t/oauth2/v2.0/token")));
        let high = Endpoints::real(Cloud::UsGovHigh);
        assert!(high.allows(&uri("https://login.microsoftonline.us/t/oauth2/v2.0/token")));
        assert!(high.allows(&uri("https://contoso.crm.microsoftdynamics.us/api/data/v9.2/")));
        assert!(!high.allows(&uri("https://login.microsoftonline.com/t/oauth2/v2.0/token")));
    }

    #[test]
    fn a_real_cloud_mapped_onto_the_sandbox_keeps_its_rules_and_names_its_hosts() {
        let high = Endpoints::real(Cloud::UsGovHigh)
            .mapped_to("https://127.0.0.1:8443")
            .unwrap();
        assert!(high.is_mapped());
        assert!(high.allows(&uri("https://login.microsoftonline.us/t/oauth2/v2.0/token")));
        assert!(!high.allows(&uri("https://login.microsoftonline.com/t/oauth2/v2.0/token")));
        assert!(!high.allows(&uri("https://127.0.0.1:8443/t/oauth2/v2.0/token")));
        let m = high
            .physical(&uri(
                "https://contoso.crm.microsoftdynamics.us/api/data/v9.2/WhoAmI?x=1",
            ))
            .unwrap();
        assert_eq!(m.url, "https://127.0.0.1:8443/contoso/api/data/v9.2/WhoAmI?x=1");
        assert_eq!(m.logical_host, "contoso.crm.microsoftdynamics.us");
        let m = high
            .physical(&uri("https://graph.microsoft.us/v1.0/applications"))
            .unwrap();
        assert_eq!(m.url, "https://127.0.0.1:8443/v1.0/applications");
        assert_eq!(m.logical_host, "graph.microsoft.us");
        assert_eq!(
            high.role_of(&uri("https://login.microsoftonline.us/t")),
            HostRole::Login
        );
        assert_eq!(
            high.role_of(&uri(
                "https://globaldisco.crm.microsoftdynamics.us/api/discovery/v2.0/Instances"
            )),
            HostRole::Discovery
        );
        assert!(Endpoints::real(Cloud::Public)
            .physical(&uri("https://graph.microsoft.com/v1.0/"))
            .is_none());
    }

    #[test]
    fn clouds_are_chosen_by_name() {
        assert_eq!(Cloud::from_name("USGovHigh"), Some(Cloud::UsGovHigh));
        assert_eq!(Cloud::from_name(" gcc "), Some(Cloud::Gcc));
        assert_eq!(Cloud::from_name("sandbox"), None);
        assert_eq!(Cloud::from_name("mars"), None);
    }

    #[test]
    fn allow_list_of_the_sandbox_is_its_origin() {
        let sandbox = Endpoints::sandbox("https://127.0.0.1:8443/").unwrap();
        assert_eq!(sandbox.authority, "https://127.0.0.1:8443");
        assert_eq!(
            sandbox.token_endpoint("t"),
            "https://127.0.0.1:8443/t/oauth2/v2.0/token"
        );
        assert!(sandbox.allows(&uri("https://127.0.0.1:8443/contoso/api/data/v9.2/")));
        assert!(!sandbox.allows(&uri("https://127.0.0.1:8444/contoso/api/data/v9.2/")));
        assert!(!sandbox.allows(&uri("https://login.microsoftonline.com/t/oauth2/v2.0/token")));
        assert_eq!(sandbox.graph_resource(), "https://graph.microsoft.com");
        assert!(Endpoints::sandbox("http://127.0.0.1:8443").is_err());
        assert!(Endpoints::sandbox("https://127.0.0.1:8443/x").is_err());
    }
}
