//! The HTTP seam. Protocol clients build an [`HttpRequest`] and read an [`HttpResponse`]; the network
//! sits behind [`Transport`], so engine tests use a closure or the sandbox, never the internet.
//!
//! Every transport failure is classified ([`TransportErrorKind`]) because the report must tell a DNS
//! problem from a TLS one from a timeout, each with its own fix.

pub mod parallel;
mod reqwest_transport;
pub mod retry;

pub use parallel::{DopMemory, Gate};
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
    /// Which of the call's hosts could not be reached, and its real name (under the sandbox, the
    /// host the request stood for): set by [`HttpClient`], so the fix can name what failed.
    pub target: Option<(crate::cloud::HostRole, String)>,
}

impl TransportError {
    pub fn new(kind: TransportErrorKind, detail: impl Into<String>) -> Self {
        Self {
            kind,
            detail: detail.into(),
            target: None,
        }
    }

    /// The same failure, saying which host it was.
    pub fn at(mut self, role: crate::cloud::HostRole, host: &str) -> Self {
        self.target = Some((role, host.to_owned()));
        self
    }
}
