//! A minimal Dataverse Web API client: the instance's `/api/data/v9.2/` root plus a bearer token,
//! GET and POST JSON with the documented headers (`dataverse-web-api.md` §1), errors parsed (§2).

use super::error::{normalize_code, DataverseError};
use crate::http::{describe_non_json, HttpClient, HttpResponse};
use crate::instance_url::InstanceUrl;
use crate::secret::AccessToken;
use serde_json::Value;

pub struct DataverseClient<'a> {
    http: &'a HttpClient,
    /// `{instance}/api/data/v9.2/`.
    base: String,
    token: AccessToken,
}

impl<'a> DataverseClient<'a> {
    pub fn new(http: &'a HttpClient, instance: &InstanceUrl, token: AccessToken) -> Self {
        Self {
            http,
            base: instance.web_api(),
            token,
        }
    }

    /// `{instance}/api/data/v9.2/`.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// GET `{base}{path}` (path relative to the Web API root, query included), as JSON.
    pub async fn get(&self, path: &str) -> Result<Value, DataverseError> {
        let response = self.send(http::Method::GET, path, None).await?;
        parse(&response).map(|v| v.unwrap_or(Value::Null))
    }

    /// POST JSON; `None` for a 204.
    pub async fn post(&self, path: &str, body: &Value) -> Result<Option<Value>, DataverseError> {
        let body = serde_json::to_vec(body).unwrap_or_default();
        let response = self.send(http::Method::POST, path, Some(body)).await?;
        parse(&response)
    }

    /// Sends one request with the Web API headers and returns the raw response.
    pub async fn send(
        &self,
        method: http::Method,
        path: &str,
        body: Option<Vec<u8>>,
    ) -> Result<HttpResponse, DataverseError> {
        let url = format!("{}{}", self.base, path.trim_start_matches('/'));
        let mut builder = http::Request::builder()
            .method(method)
            .uri(&url)
            .header(http::header::ACCEPT, "application/json")
            .header("OData-MaxVersion", "4.0")
            .header("OData-Version", "4.0")
            .header(http::header::IF_NONE_MATCH, "null")
            .header(http::header::AUTHORIZATION, format!("Bearer {}", self.token.secret()));
        if body.is_some() {
            builder = builder.header(http::header::CONTENT_TYPE, "application/json; charset=utf-8");
        }
        let request = builder
            .body(body.unwrap_or_default())
            .map_err(|e| DataverseError::Unexpected {
                status: 0,
                detail: format!("cannot build a request for {path}: {e}"),
            })?;
        Ok(self.http.send(request).await?)
    }
}

/// Reads a Web API response: 2xx JSON (or nothing for 204), else the error JSON.
pub fn parse(response: &HttpResponse) -> Result<Option<Value>, DataverseError> {
    let status = response.status().as_u16();
    if status == 204 || (response.body().is_empty() && (200..300).contains(&status)) {
        return Ok(None);
    }
    if (300..400).contains(&status) {
        let location = response
            .headers()
            .get(http::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("nowhere");
        return Err(DataverseError::Unexpected {
            status,
            detail: format!("a redirect (HTTP {status}) to {location}, which is never followed"),
        });
    }
    let json: Option<Value> = serde_json::from_slice(response.body()).ok();
    if (200..300).contains(&status) {
        return match json {
            Some(v @ Value::Object(_)) => Ok(Some(v)),
            _ => Err(DataverseError::Unexpected {
                status,
                detail: describe_non_json(response),
            }),
        };
    }
    let error = json.as_ref().and_then(|v| v.get("error"));
    match error {
        Some(e) => Err(DataverseError::Api {
            status,
            code: e.get("code").and_then(Value::as_str).and_then(normalize_code),
            message: e.get("message").and_then(Value::as_str).unwrap_or("").to_owned(),
        }),
        // A 401 from Dataverse has no documented body; 429/5xx without JSON are still what they are.
        None if response.body().is_empty() || matches!(status, 401 | 403 | 404 | 429 | 502 | 503 | 504) => {
            Err(DataverseError::Api {
                status,
                code: None,
                message: String::new(),
            })
        }
        None => Err(DataverseError::Unexpected {
            status,
            detail: describe_non_json(response),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(status: u16, body: &str) -> HttpResponse {
        http::Response::builder()
            .status(status)
            .body(body.as_bytes().to_vec())
            .unwrap()
    }

    #[test]
    fn parses_success_and_errors() {
        assert_eq!(parse(&resp(200, r#"{"UserId":"x"}"#)).unwrap().unwrap()["UserId"], "x");
        assert!(parse(&resp(204, "")).unwrap().is_none());
        let e = parse(&resp(
            403,
            r#"{"error":{"code":"0x80072560","message":"The user is not a member of the organization."}}"#,
        ))
        .unwrap_err();
        assert_eq!(e.code(), Some("0x80072560"));
        assert_eq!(e.status(), Some(403));
        let e = parse(&resp(200, r#"{"value":[{"a":"#)).unwrap_err();
        assert!(matches!(e, DataverseError::Unexpected { .. }), "{e:?}");
        let e = parse(&resp(500, "<html>oops</html>")).unwrap_err();
        assert!(matches!(e, DataverseError::Unexpected { status: 500, .. }), "{e:?}");
        assert!(parse(&resp(429, "")).unwrap_err().is_throttled());
    }
}
