//! The clouds the sandbox can play, and which real host a request stands for.
//!
//! The sandbox serves every service on one origin. A client that maps a real cloud's hosts onto it
//! (wpcrm under `wpcrm.sandbox_url` does) names the real host each request was meant for in
//! `X-Forwarded-Host` (RFC 7239's de-facto predecessor, as a reverse proxy would); without it a
//! request stands for the public cloud, as before. Each seeded environment belongs to one cloud
//! (seed field `cloud`, default `public`).
//!
//! Hosts per cloud follow <https://learn.microsoft.com/entra/identity-platform/authentication-national-cloud>,
//! <https://learn.microsoft.com/graph/deployments> and the Global Discovery table of
//! <https://learn.microsoft.com/power-apps/developer/data-platform/discovery-service>. Where the
//! documentation is silent (`reference/entra-and-graph.md` §5): GCC's Graph is taken to be the
//! commercial `graph.microsoft.com`; China's authority is `login.partner.microsoftonline.cn`, its
//! older alias `login.chinacloudapi.cn` is served too.
//!
//! A token is valid in the cloud of the authority that issued it (the sandbox records that in the
//! private claim `xms_sbx_cloud`, beside `xms_sbx`): an authority issues tokens only for resources
//! of its own clouds (else AADSTS500011, as for any resource it does not know), and every resource
//! refuses a token from another cloud's authority.

use crate::http::Req;

/// A cloud an environment can belong to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SbCloud {
    Public,
    Gcc,
    UsGovHigh,
    UsGovDod,
    China,
}

/// The Dataverse regions of the public cloud (`crm{n}.dynamics.com`; `crm9` is GCC).
const PUBLIC_REGIONS: [u8; 19] = [2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21];

impl SbCloud {
    pub const ALL: [SbCloud; 5] = [
        SbCloud::Public,
        SbCloud::Gcc,
        SbCloud::UsGovHigh,
        SbCloud::UsGovDod,
        SbCloud::China,
    ];

    pub fn name(self) -> &'static str {
        match self {
            SbCloud::Public => "public",
            SbCloud::Gcc => "gcc",
            SbCloud::UsGovHigh => "usgovhigh",
            SbCloud::UsGovDod => "usgovdod",
            SbCloud::China => "china",
        }
    }

    pub fn from_name(name: &str) -> Option<SbCloud> {
        SbCloud::ALL
            .into_iter()
            .find(|c| c.name().eq_ignore_ascii_case(name.trim()))
    }

    /// The Entra ID authority whose tokens this cloud's resources accept: `global`, `usgov` or
    /// `china` (GCC signs in on the commercial authority; GCC High and DoD share the US one).
    pub fn authority(self) -> &'static str {
        match self {
            SbCloud::Public | SbCloud::Gcc => "global",
            SbCloud::UsGovHigh | SbCloud::UsGovDod => "usgov",
            SbCloud::China => "china",
        }
    }

    /// The authority's host, as a challenge names it.
    pub fn login_host(self) -> &'static str {
        match self.authority() {
            "usgov" => "login.microsoftonline.us",
            "china" => "login.partner.microsoftonline.cn",
            _ => "login.microsoftonline.com",
        }
    }

    pub fn graph_host(self) -> &'static str {
        match self {
            SbCloud::Public | SbCloud::Gcc => "graph.microsoft.com",
            SbCloud::UsGovHigh => "graph.microsoft.us",
            SbCloud::UsGovDod => "dod-graph.microsoft.us",
            SbCloud::China => "microsoftgraph.chinacloudapi.cn",
        }
    }

    pub fn discovery_host(self) -> &'static str {
        match self {
            SbCloud::Public => "globaldisco.crm.dynamics.com",
            SbCloud::Gcc => "globaldisco.crm9.dynamics.com",
            SbCloud::UsGovHigh => "globaldisco.crm.microsoftdynamics.us",
            SbCloud::UsGovDod => "globaldisco.crm.appsplatform.us",
            SbCloud::China => "globaldisco.crm.dynamics.cn",
        }
    }

    /// The environment host suffixes (`<org>.<suffix>`, or the Web API's `<org>.api.<suffix>`).
    pub fn dataverse_suffixes(self) -> Vec<String> {
        match self {
            SbCloud::Public => std::iter::once("crm.dynamics.com".to_string())
                .chain(PUBLIC_REGIONS.iter().map(|n| format!("crm{n}.dynamics.com")))
                .collect(),
            SbCloud::Gcc => vec!["crm9.dynamics.com".into()],
            SbCloud::UsGovHigh => vec!["crm.microsoftdynamics.us".into()],
            SbCloud::UsGovDod => vec!["crm.appsplatform.us".into()],
            SbCloud::China => vec!["crm.dynamics.cn".into()],
        }
    }

    /// `https://{env}.{first suffix}`: the environment's real URL in this cloud.
    pub fn env_url(self, env: &str) -> String {
        format!("https://{env}.{}", self.dataverse_suffixes()[0])
    }

    /// The cloud whose environment host `host` is, and the organization label.
    pub fn of_env_host(host: &str) -> Option<(SbCloud, String)> {
        let host = host.to_ascii_lowercase();
        let (org, rest) = host.split_once('.')?;
        let suffix = rest.strip_prefix("api.").unwrap_or(rest);
        SbCloud::ALL
            .into_iter()
            .find(|c| c.dataverse_suffixes().iter().any(|s| s == suffix))
            .map(|c| (c, org.to_string()))
    }
}

/// The authority a login host belongs to (`global`, `usgov`, `china`).
pub fn authority_of_login_host(host: &str) -> Option<&'static str> {
    match host.to_ascii_lowercase().as_str() {
        "login.microsoftonline.com" | "login.windows.net" | "login.microsoft.com" => Some("global"),
        "login.microsoftonline.us" | "login.usgovcloudapi.net" => Some("usgov"),
        "login.partner.microsoftonline.cn" | "login.chinacloudapi.cn" => Some("china"),
        _ => None,
    }
}

/// The real host this request stands for (`X-Forwarded-Host`, port and case dropped), if named.
pub fn forwarded_host(req: &Req) -> Option<String> {
    let v = req.headers.get("x-forwarded-host")?.to_str().ok()?;
    let host = v.split(',').next()?.trim().to_ascii_lowercase();
    let host = host.split(':').next().unwrap_or("").to_string();
    (!host.is_empty()).then_some(host)
}

/// The cloud of the Graph resource or host `r` (`https://graph.microsoft.us` or `graph.microsoft.us`).
pub fn graph_cloud(r: &str) -> Option<SbCloud> {
    let host = host_of(r);
    SbCloud::ALL.into_iter().find(|c| c.graph_host() == host)
}

/// The cloud of the Global Discovery resource or host `r`.
pub fn discovery_cloud(r: &str) -> Option<SbCloud> {
    let host = host_of(r);
    SbCloud::ALL.into_iter().find(|c| c.discovery_host() == host)
}

fn host_of(r: &str) -> String {
    let r = r.trim().to_ascii_lowercase();
    let r = r.strip_prefix("https://").unwrap_or(&r);
    r.split('/').next().unwrap_or("").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_map_to_their_clouds() {
        assert_eq!(
            SbCloud::of_env_host("contoso.api.crm.microsoftdynamics.us"),
            Some((SbCloud::UsGovHigh, "contoso".into()))
        );
        assert_eq!(SbCloud::of_env_host("a.crm9.dynamics.com").unwrap().0, SbCloud::Gcc);
        assert_eq!(SbCloud::of_env_host("a.crm4.dynamics.com").unwrap().0, SbCloud::Public);
        assert_eq!(SbCloud::of_env_host("a.crm.dynamics.cn").unwrap().0, SbCloud::China);
        assert!(SbCloud::of_env_host("a.example.com").is_none());
        assert_eq!(graph_cloud("https://dod-graph.microsoft.us/"), Some(SbCloud::UsGovDod));
        assert_eq!(graph_cloud("https://graph.microsoft.com"), Some(SbCloud::Public));
        assert_eq!(discovery_cloud("globaldisco.crm9.dynamics.com"), Some(SbCloud::Gcc));
        assert_eq!(authority_of_login_host("login.chinacloudapi.cn"), Some("china"));
        assert_eq!(SbCloud::Gcc.authority(), SbCloud::Public.authority());
    }
}
