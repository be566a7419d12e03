//! Sending to an environment's Web API: `{instance}/api/data/v9.2/` plus a bearer token, with the
//! documented OData headers on every request
//! (<https://learn.microsoft.com/power-apps/developer/data-platform/webapi/compose-http-requests-handle-errors#http-headers>).

use crate::instance_url::InstanceUrl;
use crate::secret::AccessToken;
use crate::service::answer::read_json;
use crate::service::{Body, Call, Caller, Error, Service};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Sent with every request.
const ODATA_HEADERS: [(&str, &str); 2] = [("OData-MaxVersion", "4.0"), ("OData-Version", "4.0")];
/// Reads also ask Dataverse not to answer from a cache.
const READ_HEADERS: [(&str, &str); 3] = [
    ("OData-MaxVersion", "4.0"),
    ("OData-Version", "4.0"),
    ("If-None-Match", "null"),
];
/// A create asks for the new record back, so its id is in the body.
const CREATE_HEADERS: [(&str, &str); 3] = [
    ("OData-MaxVersion", "4.0"),
    ("OData-Version", "4.0"),
    ("Prefer", "return=representation"),
];

/// One environment's Web API, with one token.
pub struct Dataverse<'a> {
    caller: &'a Caller,
    /// `{instance}/api/data/v9.2/`.
    base: String,
    token: AccessToken,
}

impl<'a> Dataverse<'a> {
    pub fn new(caller: &'a Caller, instance: &InstanceUrl, token: AccessToken) -> Self {
        Self::at(caller, instance.web_api(), token)
    }

    /// `web_api` is `{instance}/api/data/v9.2/`.
    pub fn at(caller: &'a Caller, web_api: String, token: AccessToken) -> Self {
        let base = if web_api.ends_with('/') {
            web_api
        } else {
            format!("{web_api}/")
        };
        Self { caller, base, token }
    }

    /// `{instance}/api/data/v9.2/`.
    pub fn base(&self) -> &str {
        &self.base
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path.trim_start_matches('/'))
    }

    /// GET `{base}{path}` (relative to the Web API root, query included): a JSON object.
    pub async fn get(&self, path: &str) -> Result<Value, Error> {
        match self.get_as::<Value>(path).await? {
            v @ Value::Object(_) => Ok(v),
            _ => Err(Error::Unexpected {
                status: 200,
                detail: "JSON that is not an object where Dataverse answers with one".to_owned(),
            }),
        }
    }

    /// GET, read into `T`.
    pub async fn get_as<T: DeserializeOwned>(&self, path: &str) -> Result<T, Error> {
        let url = self.url(path);
        let call = Call::get(Service::Dataverse, &url)
            .bearer(&self.token)
            .headers(&READ_HEADERS);
        self.caller.json(call).await
    }

    /// POST that creates a record; returns its id, from the body or the `OData-EntityId` header.
    pub async fn create(&self, path: &str, body: &Value, id_field: &str) -> Result<String, Error> {
        let url = self.url(path);
        let call = Call::post(Service::Dataverse, &url)
            .bearer(&self.token)
            .body(Body::Json(body))
            .headers(&CREATE_HEADERS);
        let response = self.caller.send(call).await?;
        if !response.body().is_empty() {
            let v: Value = read_json(&response)?;
            if let Some(id) = v[id_field].as_str() {
                return Ok(id.to_owned());
            }
        }
        let header = response
            .headers()
            .get("odata-entityid")
            .and_then(|h| h.to_str().ok())
            .unwrap_or_default();
        header
            .rsplit_once('(')
            .and_then(|(_, rest)| rest.strip_suffix(')'))
            .map(str::to_owned)
            .ok_or_else(|| Error::Unexpected {
                status: response.status().as_u16(),
                detail: format!("the created record's id ({id_field}) is missing"),
            })
    }

    /// A request whose answer has no body worth reading (204): PATCH, DELETE, `$ref`, actions.
    pub async fn send(&self, method: &http::Method, path: &str, body: Option<&Value>) -> Result<(), Error> {
        let url = self.url(path);
        let call = Call::new(Service::Dataverse, method, &url)
            .bearer(&self.token)
            .body(body.map(Body::Json).unwrap_or(Body::None))
            .headers(&ODATA_HEADERS);
        self.caller.send(call).await.map(drop)
    }
}

/// OData string literal: a quote is doubled.
pub(crate) fn literal(s: &str) -> String {
    s.replace('\'', "''")
}

/// Percent-encodes a query value.
pub(crate) fn encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A GUID as an OData literal (unquoted); anything that is not one is refused before it reaches a
/// URL.
pub(crate) fn guid(s: &str) -> Result<&str, Error> {
    if uuid::Uuid::parse_str(s).is_ok() {
        Ok(s)
    } else {
        Err(Error::Unexpected {
            status: 0,
            detail: format!("not a GUID: {}", s.chars().take(40).collect::<String>()),
        })
    }
}
