//! The HTTP seam. Protocol clients build an [`HttpRequest`] and read an [`HttpResponse`]; the network
//! sits behind [`Transport`], so engine tests use a closure or the sandbox, never the internet.
//!
//! Every transport failure is classified ([`TransportErrorKind`]) because the report must tell a DNS
//! problem from a TLS one from a timeout, each with its own fix.

mod reqwest_transport;
pub mod retry;

pub use reqwest_transport::{ReqwestTransport, TransportBuildError, TransportConfig};
pub use retry::{HttpClient, RepeatSafe, RetryPolicy};

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

pub type HttpRequest = http::Request<Vec<u8>>;
pub type HttpResponse = http::Response<Vec<u8>>;
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Largest response body the engine reads. Nothing it asks for comes close; a larger answer is a
/// misbehaving or hostile server.
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// Sends one request. Implementations never follow redirects (a redirect is returned as a response)
/// and give up after `timeout`.
pub trait Transport: Send + Sync {
    fn send(&self, request: HttpRequest, timeout: Duration) -> BoxFuture<'_, Result<HttpResponse, TransportError>>;
}

impl<F, Fut> Transport for F
where
    F: Fn(HttpRequest, Duration) -> Fut + Send + Sync,
    Fut: Future<Output = Result<HttpResponse, TransportError>> + Send + 'static,
{
    fn send(&self, request: HttpRequest, timeout: Duration) -> BoxFuture<'_, Result<HttpResponse, TransportError>> {
        Box::pin(self(request, timeout))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportErrorKind {
    /// No answer within the time allowed.
    Timeout,
    /// The host name did not resolve.
    Dns,
    /// TCP connection refused, reset or unreachable.
    Connect,
    /// TLS handshake failed: untrusted or invalid certificate, protocol mismatch.
    Tls,
    /// The connection broke or the response was not valid HTTP, or was too large.
    Protocol,
    /// The request was refused before it was sent (host not allowed for this cloud, bad URL).
    Refused,
}

impl TransportErrorKind {
    /// The short word used as a check's `code`.
    pub fn code(self) -> &'static str {
        match self {
            Self::Timeout => "timeout",
            Self::Dns => "dns",
            Self::Connect => "connect",
            Self::Tls => "tls",
            Self::Protocol => "network",
            Self::Refused => "host_not_allowed",
        }
    }
}

/// A failure below HTTP. `detail` is safe to show: it names hosts, never credentials.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{kind:?}: {detail}")]
pub struct TransportError {
    pub kind: TransportErrorKind,
    pub detail: String,
}

impl TransportError {
    pub fn new(kind: TransportErrorKind, detail: impl Into<String>) -> Self {
        Self {
            kind,
            detail: detail.into(),
        }
    }
}

/// Says what a body that should have been JSON was instead (for an `unexpected_response` detail):
/// an HTML page (a proxy, a sign-in page, an error page), nothing, or JSON cut short.
pub fn describe_non_json(response: &HttpResponse) -> String {
    let body = response.body();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let start = String::from_utf8_lossy(&body[..body.len().min(512)])
        .trim_start()
        .to_ascii_lowercase();
    if body.is_empty() {
        format!("an empty answer (HTTP {status}) where JSON was expected")
    } else if content_type.contains("html") || start.starts_with("<!doctype") || start.starts_with("<html") {
        format!("an HTML page (HTTP {status}) instead of JSON, as a proxy, firewall or sign-in page sends")
    } else if start.starts_with('{') || start.starts_with('[') {
        format!("JSON that is cut short or malformed (HTTP {status})")
    } else {
        format!("an answer that is not JSON (HTTP {status}, content type '{content_type}')")
    }
}
