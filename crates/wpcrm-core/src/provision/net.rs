//! JSON and form requests for the provisioning clients (OAuth, Graph, discovery, Dataverse admin),
//! bounded by the call's deadline, with one error type that keeps the service's codes as data.
//!
//! 429 and transient 5xx are retried by `http::retry` honouring `Retry-After` within the deadline. Replication
//! errors are *not* retried here: whether a 404 means "not yet" or "not there" depends on the step,
//! so the step decides (see `provision::retry`).

use crate::cloud::Endpoints;
use crate::deadline::Deadline;
use crate::engine::Context;
use crate::http::{HttpClient, HttpRequest, HttpResponse, TransportError, TransportErrorKind};
use crate::oauth::token_endpoint::TokenError;
use crate::secret::AccessToken;
use serde::de::DeserializeOwned;
use std::time::Duration;

/// An error from a service, with its codes kept as data. Messages come from the service and
/// never contain what we sent (tokens and secrets are only ever in requests).
#[derive(Debug, Clone, thiserror::Error)]
pub enum CallError {
    #[error("{0}")]
    Transport(TransportError),
    #[error("HTTP {status}: {code}: {message}")]
    Service {
        status: u16,
        /// OAuth `error` (`authorization_pending`), Graph `error.code`
        /// (`Authorization_RequestDenied`) or Dataverse `error.code` (`0x80040220`).
        code: String,
        /// Graph `error.details[].code` (`NoBackingApplicationObject`, `InvalidKeyEndDate`).
        details: Vec<String>,
        /// AADSTS numbers from `error_codes`.
        aadsts: Vec<u32>,
        message: String,
    },
    #[error("unexpected response: {0}")]
    Parse(String),
    #[error("the call's time budget ran out")]
    Deadline,
}

impl CallError {
    pub fn status(&self) -> Option<u16> {
        match self {
            CallError::Service { status, .. } => Some(*status),
            _ => None,
        }
    }

    pub fn code(&self) -> Option<&str> {
        match self {
            CallError::Service { code, .. } => Some(code),
            _ => None,
        }
    }

    pub fn has_aadsts(&self, n: u32) -> bool {
        matches!(self, CallError::Service { aadsts, .. } if aadsts.contains(&n))
    }

    pub fn has_detail(&self, d: &str) -> bool {
        matches!(self, CallError::Service { details, .. } if details.iter().any(|x| x == d))
    }

    /// The short word or service code for a report's `code`.
    pub fn report_code(&self) -> String {
        match self {
            CallError::Transport(t) => t.kind.code().to_owned(),
            // Throttling outlasted the call's budget: the same word verify reports.
            CallError::Service { status: 429, .. } => "throttled".to_owned(),
            CallError::Service { aadsts, code, .. } => match aadsts.first() {
                Some(n) => format!("AADSTS{n}"),
                None => code.clone(),
            },
            CallError::Parse(_) => "unexpected_response".to_owned(),
            CallError::Deadline => "timeout".to_owned(),
        }
    }

    pub fn message(&self) -> String {
        match self {
            CallError::Service { message, .. } => {
                // Entra appends trace and correlation ids on new lines; the first line says it.
                message.lines().next().unwrap_or_default().trim().to_owned()
            }
            other => other.to_string(),
        }
    }
}

/// One call's network access: the verify engineer's retrying [`HttpClient`] (host allow-list,
/// request counting, 429/5xx backoff within the deadline), plus JSON bodies and service errors.
pub struct Net<'a> {
    pub ctx: &'a Context,
    pub http: HttpClient,
}

pub enum Body<'b> {
    None,
    Json(&'b serde_json::Value),
    Form(&'b [(&'b str, &'b str)]),
}

impl From<TokenError> for CallError {
    fn from(e: TokenError) -> Self {
        match e {
            TokenError::Aad(a) => CallError::Service {
                status: a.status,
                code: a.error,
                details: Vec::new(),
                aadsts: a.error_codes.iter().map(|n| *n as u32).collect(),
                message: a.description,
            },
            TokenError::Transport(t) => transport(t),
            // A status the sign-in service did not explain in its JSON (a throttling or gateway
            // page): reported like the same answer from Graph or Dataverse (`throttled`, `http_502`).
            TokenError::Unexpected { status, .. } if status >= 300 => CallError::Service {
                status,
                code: format!("http_{status}"),
                details: Vec::new(),
                aadsts: Vec::new(),
                message: format!("the sign-in service answered HTTP {status}"),
            },
            TokenError::Unexpected { detail, .. } => CallError::Parse(detail),
        }
    }
}

/// Each attempt's timeout is the time left until the deadline, so a timeout means the budget ran out.
fn transport(e: TransportError) -> CallError {
    if e.kind == TransportErrorKind::Timeout {
        return CallError::Deadline;
    }
    CallError::Transport(e)
}

impl<'a> Net<'a> {
    pub fn new(ctx: &'a Context, endpoints: Endpoints, deadline: Deadline) -> Self {
        Self {
            ctx,
            http: HttpClient::new(ctx.transport.clone(), endpoints, deadline, ctx.clock.clone()),
        }
    }

    pub fn requests(&self) -> u32 {
        self.http.requests()
    }

    pub fn remaining(&self) -> Duration {
        self.http.deadline().remaining()
    }

    /// Sends a request and returns the raw response when it succeeded (2xx), or the service's error.
    pub async fn send(
        &self,
        method: http::Method,
        url: &str,
        bearer: Option<&AccessToken>,
        body: Body<'_>,
        extra_headers: &[(&str, &str)],
    ) -> Result<HttpResponse, CallError> {
        if self.remaining() < Duration::from_millis(50) {
            return Err(CallError::Deadline);
        }
        let request = build(method, url, bearer, &body, extra_headers)?;
        let response = match self.http.send(request).await {
            Ok(r) => r,
            Err(e) if e.kind == TransportErrorKind::Timeout && self.http.deadline().expired() => {
                return Err(CallError::Deadline)
            }
            Err(e) => return Err(CallError::Transport(e)),
        };
        if response.status().is_success() {
            return Ok(response);
        }
        Err(parse_error(response.status().as_u16(), response.body()))
    }

    /// Sends and parses a JSON answer.
    pub async fn json<T: DeserializeOwned>(
        &self,
        method: http::Method,
        url: &str,
        bearer: Option<&AccessToken>,
        body: Body<'_>,
        extra_headers: &[(&str, &str)],
    ) -> Result<T, CallError> {
        let response = self.send(method, url, bearer, body, extra_headers).await?;
        parse_json(response.body())
    }
}

pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, CallError> {
    // serde's message can quote a value from the body (a token, a secret): keep only where and what.
    serde_json::from_slice(body).map_err(|e| {
        CallError::Parse(format!(
            "the answer is not the expected JSON ({:?} error at line {}, column {})",
            e.classify(),
            e.line(),
            e.column()
        ))
    })
}

fn build(
    method: http::Method,
    url: &str,
    bearer: Option<&AccessToken>,
    body: &Body<'_>,
    extra_headers: &[(&str, &str)],
) -> Result<HttpRequest, CallError> {
    let mut builder = http::Request::builder()
        .method(method)
        .uri(url)
        .header("accept", "application/json")
        .header("user-agent", concat!("wpcrm/", env!("CARGO_PKG_VERSION")));
    if let Some(token) = bearer {
        builder = builder.header("authorization", format!("Bearer {}", token.secret()));
    }
    let bytes = match body {
        Body::None => Vec::new(),
        Body::Json(v) => {
            builder = builder.header("content-type", "application/json");
            serde_json::to_vec(v).map_err(|e| CallError::Parse(e.to_string()))?
        }
        Body::Form(fields) => {
            builder = builder.header("content-type", "application/x-www-form-urlencoded");
            let mut ser = url::form_urlencoded::Serializer::new(String::new());
            for (k, v) in fields.iter() {
                ser.append_pair(k, v);
            }
            ser.finish().into_bytes()
        }
    };
    for (k, v) in extra_headers {
        builder = builder.header(*k, *v);
    }
    builder.body(bytes).map_err(|_| {
        CallError::Transport(TransportError::new(
            TransportErrorKind::Refused,
            format!("invalid request URL {}", redact_query(url)),
        ))
    })
}

fn redact_query(url: &str) -> &str {
    url.split('?').next().unwrap_or(url)
}

/// Reads an OAuth (`{"error":"…","error_codes":[…]}`), Graph or Dataverse (`{"error":{"code":…}}`)
/// error body; anything else keeps only the status.
pub fn parse_error(status: u16, body: &[u8]) -> CallError {
    let v: serde_json::Value = serde_json::from_slice(body).unwrap_or(serde_json::Value::Null);
    let err = &v["error"];
    if let Some(code) = err.as_str() {
        let aadsts = v["error_codes"]
            .as_array()
            .map(|a| a.iter().filter_map(|n| n.as_u64()).map(|n| n as u32).collect())
            .unwrap_or_default();
        return CallError::Service {
            status,
            code: code.to_owned(),
            details: Vec::new(),
            aadsts,
            message: v["error_description"].as_str().unwrap_or_default().to_owned(),
        };
    }
    if err.is_object() {
        let details = err["details"]
            .as_array()
            .map(|a| a.iter().filter_map(|d| d["code"].as_str()).map(str::to_owned).collect())
            .unwrap_or_default();
        return CallError::Service {
            status,
            code: err["code"].as_str().unwrap_or_default().to_owned(),
            details,
            aadsts: Vec::new(),
            message: err["message"].as_str().unwrap_or_default().to_owned(),
        };
    }
    CallError::Service {
        status,
        code: format!("http_{status}"),
        details: Vec::new(),
        aadsts: Vec::new(),
        message: format!("the service answered HTTP {status}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_three_error_shapes() {
        let e = parse_error(
            400,
            br#"{"error":"authorization_pending","error_description":"AADSTS70016: pending\r\nTrace ID: x","error_codes":[70016]}"#,
        );
        assert_eq!(e.code(), Some("authorization_pending"));
        assert!(e.has_aadsts(70016));
        assert_eq!(e.message(), "AADSTS70016: pending");
        assert_eq!(e.report_code(), "AADSTS70016");
        let e = parse_error(
            400,
            br#"{"error":{"code":"Request_BadRequest","message":"m","details":[{"code":"NoBackingApplicationObject","target":"appId"}]}}"#,
        );
        assert!(e.has_detail("NoBackingApplicationObject"));
        assert_eq!(e.report_code(), "Request_BadRequest");
        let e = parse_error(502, b"<html>");
        assert_eq!(e.status(), Some(502));
        // Graph's and Dataverse's 429 bodies differ; both are reported as `throttled`.
        let e = parse_error(429, b"");
        assert_eq!(e.report_code(), "throttled");
        let e = parse_error(
            429,
            br#"{"error":{"code":"0x80072322","message":"Number of requests exceeded the limit"}}"#,
        );
        assert_eq!(e.report_code(), "throttled");
    }

    #[test]
    fn a_parse_error_never_quotes_the_body() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct T {
            n: u64,
        }
        let e = parse_json::<T>(br#"{"n":"Sbx8Q~secret"}"#).unwrap_err();
        assert!(!e.to_string().contains("Sbx8Q"), "{e}");
    }
}
