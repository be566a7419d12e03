//! One request to a Microsoft service, built and sent the same way whoever sends it: verification,
//! provisioning, every protocol client.
//!
//! A [`Call`] names the service, method, URL, bearer token, body and extra headers; [`Caller`] sends
//! it through the call's [`HttpClient`] (allowed hosts, deadline, 429/5xx retries, request count)
//! and reads a failure into the one [`Error`] with [`read_error`].

use super::answer::{read_error, read_json};
use super::error::{Error, Service};
use crate::cloud::Endpoints;
use crate::http::{HttpClient, HttpRequest, HttpResponse, RepeatSafe, TransportError, TransportErrorKind};
use crate::secret::AccessToken;
use serde::de::DeserializeOwned;
use std::time::Duration;

/// Below this much time left, a request is not started: it could not finish.
const MIN_TIME_FOR_A_REQUEST: Duration = Duration::from_millis(50);

/// A request body.
#[derive(Clone, Copy)]
pub enum Body<'b> {
    None,
    Json(&'b serde_json::Value),
    /// `application/x-www-form-urlencoded` (token requests: it carries secrets, and the copy the
    /// HTTP client makes is wiped after sending).
    Form(&'b [(&'b str, &'b str)]),
}

/// One request, described.
#[derive(Clone, Copy)]
pub struct Call<'a> {
    service: Service,
    method: &'a http::Method,
    url: &'a str,
    bearer: Option<&'a AccessToken>,
    body: Body<'a>,
    headers: &'a [(&'a str, &'a str)],
    repeat_safe: bool,
}

impl<'a> Call<'a> {
    pub fn new(service: Service, method: &'a http::Method, url: &'a str) -> Self {
        Self {
            service,
            method,
            url,
            bearer: None,
            body: Body::None,
            headers: &[],
            repeat_safe: false,
        }
    }

    pub fn get(service: Service, url: &'a str) -> Self {
        Self::new(service, &http::Method::GET, url)
    }

    pub fn post(service: Service, url: &'a str) -> Self {
        Self::new(service, &http::Method::POST, url)
    }

    pub fn bearer(mut self, token: &'a AccessToken) -> Self {
        self.bearer = Some(token);
        self
    }

    pub fn body(mut self, body: Body<'a>) -> Self {
        self.body = body;
        self
    }

    pub fn headers(mut self, headers: &'a [(&'a str, &'a str)]) -> Self {
        self.headers = headers;
        self
    }

    /// Repeating this POST has no further effect (a token request), so a 502 or 504 may be retried.
    pub fn repeat_safe(mut self) -> Self {
        self.repeat_safe = true;
        self
    }

    fn build(&self) -> Result<HttpRequest, Error> {
        let mut builder = http::Request::builder()
            .method(self.method.clone())
            .uri(self.url)
            .header(http::header::ACCEPT, "application/json")
            .header(http::header::USER_AGENT, concat!("wpcrm/", env!("CARGO_PKG_VERSION")));
        if let Some(token) = self.bearer {
            // The header value is a copy the HTTP stack owns; this one is wiped at once.
            let bearer = zeroize::Zeroizing::new(format!("Bearer {}", token.secret()));
            builder = builder.header(http::header::AUTHORIZATION, bearer.as_str());
        }
        let bytes = match self.body {
            Body::None => Vec::new(),
            Body::Json(v) => {
                builder = builder.header(http::header::CONTENT_TYPE, "application/json; charset=utf-8");
                serde_json::to_vec(v).unwrap_or_default()
            }
            Body::Form(fields) => {
                builder = builder.header(http::header::CONTENT_TYPE, "application/x-www-form-urlencoded");
                url::form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(fields.iter())
                    .finish()
                    .into_bytes()
            }
        };
        for (k, v) in self.headers {
            builder = builder.header(*k, *v);
        }
        if self.repeat_safe {
            builder = builder.extension(RepeatSafe);
        }
        builder.body(bytes).map_err(|_| Error::Transport {
            service: self.service,
            error: TransportError::new(
                TransportErrorKind::Refused,
                format!("invalid request URL {}", self.url.split('?').next().unwrap_or_default()),
            ),
        })
    }
}

/// Sends [`Call`]s within one engine call's deadline.
pub struct Caller {
    http: HttpClient,
}

impl Caller {
    pub fn new(http: HttpClient) -> Self {
        Self { http }
    }

    pub fn http(&self) -> &HttpClient {
        &self.http
    }

    pub fn endpoints(&self) -> &Endpoints {
        self.http.endpoints()
    }

    /// Time left until the call's deadline.
    pub fn remaining(&self) -> Duration {
        self.http.deadline().remaining()
    }

    /// HTTP requests sent so far (each retry counts).
    pub fn requests(&self) -> u32 {
        self.http.requests()
    }

    /// Sends the request and returns the answer whatever its status (the 401 challenge probe
    /// reads its headers); only a failure below HTTP is an error.
    pub async fn exchange(&self, call: Call<'_>) -> Result<HttpResponse, Error> {
        if self.remaining() < MIN_TIME_FOR_A_REQUEST {
            return Err(Error::Deadline);
        }
        let request = call.build()?;
        match self.http.send(request).await {
            Ok(response) => Ok(response),
            // Each attempt's timeout is the time left, so a timeout at the deadline is the budget.
            Err(e) if e.kind == TransportErrorKind::Timeout && self.http.deadline().expired() => Err(Error::Deadline),
            Err(error) => Err(Error::Transport {
                service: call.service,
                error,
            }),
        }
    }

    /// Sends the request; a success (2xx) is returned as it came, anything else is read into an
    /// [`Error`].
    pub async fn send(&self, call: Call<'_>) -> Result<HttpResponse, Error> {
        let response = self.exchange(call).await?;
        if response.status().is_success() {
            Ok(response)
        } else {
            Err(read_error(call.service, &response))
        }
    }

    /// Sends the request and reads a successful answer's JSON into `T`.
    pub async fn json<T: DeserializeOwned>(&self, call: Call<'_>) -> Result<T, Error> {
        let response = self.send(call).await?;
        read_json(&response)
    }
}
