//! Idempotent creation: Graph's upserts of an application by a client-chosen `uniqueName`
//! (<https://learn.microsoft.com/graph/api/application-upsert>) and of a service principal by
//! `appId` (<https://learn.microsoft.com/graph/api/serviceprincipal-upsert>):
//! `PATCH /applications(uniqueName='…')` / `PATCH /servicePrincipals(appId='…')` with
//! `Prefer: create-if-missing` answer 201 with the new object, or 204 when it already existed (and
//! was updated). So a create whose answer was lost, sent again, cannot make a second object.
//!
//! Availability has varied between clouds (the pages list national clouds; earlier revisions did
//! not) and `reference/entra-and-graph.md` does not record it, so an answer that says the
//! operation does not exist (400, 404 without creating, 405, 501) is [`Upserted::Unavailable`]: the
//! caller falls back to `POST` and its lookups.

use super::{Application, Graph, ServicePrincipal, APP_SELECT};
use crate::service::answer::read_json;
use crate::service::{Body, Call, Error, Service};
use serde_json::json;

const CREATE_IF_MISSING: [(&str, &str); 1] = [("Prefer", "create-if-missing")];

/// What an upsert did.
#[derive(Debug)]
pub enum Upserted<T> {
    /// 201: it did not exist and was created; the new object.
    Created(T),
    /// 204: it existed already (and was updated).
    Existed,
    /// This Graph does not offer the upsert: fall back to create and look up.
    Unavailable,
}

/// Statuses that mean "no such operation here", not a refusal of this request. A 404 means the
/// `Prefer` header was not honoured (the PATCH was taken for an update of nothing); for the service
/// principal it may also be its application not replicated yet: the `POST` fallback then answers
/// NoBackingApplicationObject, which the caller retries.
fn unavailable(e: &Error) -> bool {
    match e.status() {
        Some(404 | 405 | 501) => true,
        Some(400) => !e.has_detail("NoBackingApplicationObject"),
        _ => false,
    }
}

impl Graph<'_> {
    async fn upsert<T: serde::de::DeserializeOwned>(
        &self,
        url: &str,
        body: &serde_json::Value,
    ) -> Result<Upserted<T>, Error> {
        let call = Call::new(Service::Graph, &http::Method::PATCH, url)
            .bearer(self.token)
            .headers(&CREATE_IF_MISSING)
            .body(Body::Json(body));
        match self.caller.send(call).await {
            Ok(r) if r.status() == http::StatusCode::CREATED => Ok(Upserted::Created(read_json(&r)?)),
            Ok(r) if r.status() == http::StatusCode::NO_CONTENT => Ok(Upserted::Existed),
            // Neither answer the operation defines (a proxy's page, say): nothing is known.
            Ok(r) => Err(Error::Unexpected {
                status: r.status().as_u16(),
                detail: format!(
                    "an answer to an upsert that is neither 201 nor 204 (HTTP {})",
                    r.status().as_u16()
                ),
            }),
            Err(e) if unavailable(&e) => Ok(Upserted::Unavailable),
            Err(e) => Err(e),
        }
    }

    /// Creates the application `unique_name` unless it exists.
    pub async fn upsert_application(
        &self,
        unique_name: &str,
        display_name: &str,
        tags: &[&str],
    ) -> Result<Upserted<Application>, Error> {
        let body = json!({"displayName": display_name, "signInAudience": "AzureADMyOrg", "tags": tags});
        let url = self.url(&format!(
            "applications(uniqueName='{}')",
            super::enc(&super::lit(unique_name))
        ));
        self.upsert(&url, &body).await
    }

    /// The application `unique_name` (404 while it replicates).
    pub async fn application_by_unique_name(&self, unique_name: &str) -> Result<Application, Error> {
        let key = super::enc(&super::lit(unique_name));
        let url = self.url(&format!("applications(uniqueName='{key}')?$select={APP_SELECT}"));
        self.get(&url).await
    }

    /// The service principal of `app_id`, by its alternate key (404 while it replicates).
    pub async fn service_principal_by_app_id(&self, app_id: &str) -> Result<ServicePrincipal, Error> {
        let key = super::enc(&super::lit(app_id));
        self.get(&self.url(&format!("servicePrincipals(appId='{key}')?$select=id,appId")))
            .await
    }

    /// Creates the service principal of `app_id` unless it exists (400 NoBackingApplicationObject
    /// while the application replicates, as for `POST`).
    pub async fn upsert_service_principal(&self, app_id: &str) -> Result<Upserted<ServicePrincipal>, Error> {
        let url = self.url(&format!(
            "servicePrincipals(appId='{}')",
            super::enc(&super::lit(app_id))
        ));
        self.upsert(&url, &json!({})).await
    }
}
