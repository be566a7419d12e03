//! The Global Discovery Service: the environments the signed-in admin can reach, for the
//! `choose_environment` answer
//! (<https://learn.microsoft.com/power-apps/developer/data-platform/webapi/discover-url-organization-web-api>).

use crate::secret::AccessToken;
use crate::service::{Call, Caller, Error, Service};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Instance {
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    friendly_name: Option<String>,
    #[serde(default)]
    unique_name: Option<String>,
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    environment_id: Option<String>,
    #[serde(default)]
    is_user_sys_admin: Option<bool>,
    #[serde(default)]
    state: Option<i64>,
}

#[derive(Deserialize)]
struct List {
    value: Vec<Instance>,
}

/// One environment, as `choose_environment` lists it (the contract's field names).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Environment {
    pub url: String,
    pub friendly_name: String,
    pub unique_name: String,
    pub region: String,
    pub environment_id: String,
    pub is_system_admin: bool,
}

/// `GET {discovery}/api/discovery/v2.0/Instances`, enabled instances only, sorted by name.
pub async fn list_environments(caller: &Caller, token: &AccessToken) -> Result<Vec<Environment>, Error> {
    let url = format!("{}/api/discovery/v2.0/Instances", caller.endpoints().discovery);
    let list: List = caller.json(Call::get(Service::Discovery, &url).bearer(token)).await?;
    let mut out: Vec<Environment> = list
        .value
        .into_iter()
        .filter(|i| i.state.unwrap_or(0) == 0)
        .filter_map(|i| {
            Some(Environment {
                url: i.url?.trim_end_matches('/').to_owned(),
                friendly_name: i.friendly_name.unwrap_or_default(),
                unique_name: i.unique_name.unwrap_or_default(),
                region: i.region.unwrap_or_default(),
                environment_id: i.environment_id.unwrap_or_default(),
                is_system_admin: i.is_user_sys_admin.unwrap_or(false),
            })
        })
        .collect();
    out.sort_by(|a, b| a.friendly_name.cmp(&b.friendly_name));
    Ok(out)
}
