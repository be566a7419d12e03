//! The Microsoft Graph v1.0 calls provisioning makes: applications, their service principals and
//! password credentials (<https://learn.microsoft.com/graph/api/resources/application>,
//! <https://learn.microsoft.com/graph/api/resources/serviceprincipal>). Each function is one
//! request; replication retries belong to the step that calls it.

mod directory;
mod upsert;
pub use directory::{Membership, APP_REGISTERING_ROLES};
pub use upsert::Upserted;

use crate::secret::{AccessToken, ClientSecret};
use crate::service::{Body, Call, Caller, Error, Service};
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Application {
    pub id: String,
    pub app_id: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub password_credentials: Vec<PasswordCredential>,
}

/// A password credential as listed (never with its value).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PasswordCredential {
    pub key_id: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub end_date_time: Option<String>,
}

/// The answer of addPassword: the only time the value is ever seen.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewPassword {
    pub key_id: String,
    #[serde(with = "crate::secret::serde_adapters::ser_client_secret")]
    pub secret_text: ClientSecret,
    #[serde(default)]
    pub end_date_time: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServicePrincipal {
    pub id: String,
    pub app_id: String,
}

#[derive(Deserialize)]
struct List<T> {
    value: Vec<T>,
}

/// A member of an `owners` collection (a user or a service principal).
#[derive(Deserialize)]
struct DirectoryObject {
    id: String,
}

/// Graph calls with one token, against the call's Graph origin.
pub struct Graph<'a> {
    caller: &'a Caller,
    token: &'a AccessToken,
}

/// OData string literal: a quote is doubled.
fn lit(s: &str) -> String {
    s.replace('\'', "''")
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

const APP_SELECT: &str = "id,appId,displayName,tags,passwordCredentials";

impl<'a> Graph<'a> {
    pub fn new(caller: &'a Caller, token: &'a AccessToken) -> Self {
        Self { caller, token }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/v1.0/{}", self.caller.endpoints().graph, path)
    }

    async fn get<T: serde::de::DeserializeOwned>(&self, url: &str) -> Result<T, Error> {
        self.caller
            .json(Call::get(Service::Graph, url).bearer(self.token))
            .await
    }

    async fn post<T: serde::de::DeserializeOwned>(&self, url: &str, body: &serde_json::Value) -> Result<T, Error> {
        let call = Call::post(Service::Graph, url)
            .bearer(self.token)
            .body(Body::Json(body));
        self.caller.json(call).await
    }

    /// A request whose answer has no body worth reading (204).
    async fn send(&self, method: &http::Method, url: &str, body: Body<'_>) -> Result<(), Error> {
        let call = Call::new(Service::Graph, method, url).bearer(self.token).body(body);
        self.caller.send(call).await.map(drop)
    }

    /// Applications carrying `tag` (`tags/any(t:t eq '…')`).
    pub async fn find_applications_by_tag(&self, tag: &str) -> Result<Vec<Application>, Error> {
        let filter = enc(&format!("tags/any(t:t eq '{}')", lit(tag)));
        let url = self.url(&format!("applications?$filter={filter}&$select={APP_SELECT}"));
        let list: List<Application> = self.get(&url).await?;
        Ok(list.value)
    }

    /// The application whose client id is `app_id`, if the signed-in admin can see it.
    pub async fn find_application_by_app_id(&self, app_id: &str) -> Result<Option<Application>, Error> {
        let filter = enc(&format!("appId eq '{}'", lit(app_id)));
        let url = self.url(&format!("applications?$filter={filter}&$select={APP_SELECT}"));
        let list: List<Application> = self.get(&url).await?;
        Ok(list.value.into_iter().next())
    }

    pub async fn get_application(&self, object_id: &str) -> Result<Application, Error> {
        let url = self.url(&format!("applications/{}?$select={APP_SELECT}", enc(object_id)));
        self.get(&url).await
    }

    pub async fn create_application(&self, display_name: &str, tags: &[&str]) -> Result<Application, Error> {
        let body = json!({"displayName": display_name, "signInAudience": "AzureADMyOrg", "tags": tags});
        self.post(&self.url("applications"), &body).await
    }

    pub async fn delete_application(&self, object_id: &str) -> Result<(), Error> {
        let url = self.url(&format!("applications/{}", enc(object_id)));
        self.send(&http::Method::DELETE, &url, Body::None).await
    }

    pub async fn find_service_principal(&self, app_id: &str) -> Result<Option<ServicePrincipal>, Error> {
        let filter = enc(&format!("appId eq '{}'", lit(app_id)));
        let url = self.url(&format!("servicePrincipals?$filter={filter}&$select=id,appId"));
        let list: List<ServicePrincipal> = self.get(&url).await?;
        Ok(list.value.into_iter().next())
    }

    pub async fn create_service_principal(&self, app_id: &str) -> Result<ServicePrincipal, Error> {
        let body = json!({"appId": app_id});
        self.post(&self.url("servicePrincipals"), &body).await
    }

    pub async fn delete_service_principal(&self, id: &str) -> Result<(), Error> {
        let url = self.url(&format!("servicePrincipals/{}", enc(id)));
        self.send(&http::Method::DELETE, &url, Body::None).await
    }

    /// The object ids of an application's owners
    /// (<https://learn.microsoft.com/graph/api/application-list-owners>).
    pub async fn application_owners(&self, object_id: &str) -> Result<Vec<String>, Error> {
        let url = self.url(&format!("applications/{}/owners?$select=id", enc(object_id)));
        let list: List<DirectoryObject> = self.get(&url).await?;
        Ok(list.value.into_iter().map(|o| o.id).collect())
    }

    /// Makes a user an owner of an application
    /// (<https://learn.microsoft.com/graph/api/application-post-owners>).
    pub async fn add_application_owner(&self, object_id: &str, user_id: &str) -> Result<(), Error> {
        let reference = format!(
            "{}/v1.0/directoryObjects/{}",
            self.caller.endpoints().graph_resource(),
            enc(user_id)
        );
        let body = json!({ "@odata.id": reference });
        let url = self.url(&format!("applications/{}/owners/$ref", enc(object_id)));
        self.send(&http::Method::POST, &url, Body::Json(&body)).await
    }

    /// `addPassword` with an explicit end date (a tenant lifetime policy refuses the default).
    pub async fn add_password(
        &self,
        object_id: &str,
        display_name: &str,
        end_date_time: &str,
    ) -> Result<NewPassword, Error> {
        let body = json!({"passwordCredential": {"displayName": display_name, "endDateTime": end_date_time}});
        let url = self.url(&format!("applications/{}/addPassword", enc(object_id)));
        self.post(&url, &body).await
    }

    pub async fn remove_password(&self, object_id: &str, key_id: &str) -> Result<(), Error> {
        let body = json!({"keyId": key_id});
        let url = self.url(&format!("applications/{}/removePassword", enc(object_id)));
        self.send(&http::Method::POST, &url, Body::Json(&body)).await
    }
}

/// Graph's "not there (yet)" answers: 404 Request_ResourceNotFound, or 400 with
/// NoBackingApplicationObject while a new application replicates
/// (<https://learn.microsoft.com/graph/api/serviceprincipal-post-serviceprincipals>; `docs/provision.md`, "Time").
pub fn is_replication(e: &Error) -> bool {
    e.has_detail("NoBackingApplicationObject")
        || e.code() == Some("Request_ResourceNotFound")
        || (e.status() == Some(404) && e.code().is_some_and(|c| c.contains("NotFound")))
}

pub fn is_not_found(e: &Error) -> bool {
    e.status() == Some(404)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_password_debug_hides_the_value() {
        let p: NewPassword =
            serde_json::from_str(r#"{"keyId":"k","secretText":"Sbx8Q~value","endDateTime":"2027-01-01T00:00:00Z"}"#)
                .unwrap();
        assert!(!format!("{p:?}").contains("Sbx8Q"));
        assert_eq!(p.secret_text.secret(), "Sbx8Q~value");
    }

    #[test]
    fn odata_literals_are_quoted() {
        assert_eq!(lit("o'brien"), "o''brien");
    }
}
