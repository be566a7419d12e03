//! The one `send` every protocol client uses.
//!
//! It enforces what the project asks of every request (`SECURITY.md`, `docs/architecture.md`):
//! - only hosts of the call's cloud (or the sandbox origin) are contacted; any other URL is refused
//!   without sending ([`Endpoints::allows`]);
//! - every request is counted (the report's `requests`);
//! - 429, 502, 503 and 504 are retried, honouring `Retry-After` (seconds or an HTTP date) or else
//!   with capped exponential backoff, but never waiting past the deadline: when the next attempt
//!   could not start in time, the last response is returned as it is and the caller reports it
//!   (`throttled` for a 429);
//! - each attempt's timeout is the time left until the deadline;
//! - a request that changes something (POST, PATCH) is retried only when the answer says it was not
//!   processed (429, 503): after a 502 or 504 the first attempt may have taken effect, and a second
//!   `POST /applications` or `addPassword` would leave a duplicate app or an unrecorded live secret.
//!   Requests that are safe to repeat although they are POSTs (token requests) say so with the
//!   [`RepeatSafe`] extension;
//! - with [`HttpClient::with_dop_memory`] (verification), requests to the Dataverse environment stay
//!   within its degree-of-parallelism hint ([`super::parallel`]);
//! - a real cloud mapped onto the sandbox is checked against its real hosts, then sent to the
//!   sandbox with the real host in `X-Forwarded-Host` ([`Endpoints::physical`]);
//! - a failure names the host that failed and its role ([`TransportError::at`]).

use super::parallel::{DopMemory, Gate};
use super::{HttpRequest, HttpResponse, Transport, TransportError, TransportErrorKind};
use crate::clock::Clock;
use crate::cloud::{Endpoints, HostRole, Mapped};
use crate::deadline::Deadline;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// How often and how long to retry transient answers.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts in total, the first included.
    pub max_attempts: u32,
    /// First backoff when the server gives no `Retry-After`; doubled each time.
    pub base_delay: Duration,
    /// Largest backoff without `Retry-After`.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(8),
        }
    }
}

/// The HTTP client of one engine call: transport, allowed hosts, deadline, request counter.
pub struct HttpClient {
    transport: Arc<dyn Transport>,
    endpoints: Endpoints,
    deadline: Deadline,
    clock: Arc<dyn Clock>,
    policy: RetryPolicy,
    requests: AtomicU32,
    /// Requests in flight to the environment ([`super::parallel`]).
    gate: Gate,
    dop_memory: Option<Arc<DopMemory>>,
    /// Whether requests wait at the gate, or only teach `dop_memory` the environment's hint.
    dop_gated: bool,
}

/// `X-Forwarded-Host`: the real host a request mapped onto the sandbox stands for.
pub const FORWARDED_HOST: &str = "x-forwarded-host";

/// Statuses worth another attempt: throttling and a gateway or service that is briefly unavailable.
pub fn is_transient(status: http::StatusCode) -> bool {
    matches!(status.as_u16(), 429 | 502 | 503 | 504)
}

/// Marks a request whose repetition has no further effect although its method is not idempotent
/// (a token request): `request.extensions_mut().insert(RepeatSafe)`.
#[derive(Debug, Clone, Copy)]
pub struct RepeatSafe;

/// Whether `status` may be retried for a request with these `parts` (see the module docs).
fn may_retry(parts: &http::request::Parts, status: http::StatusCode) -> bool {
    if !is_transient(status) {
        return false;
    }
    let repeat_safe = parts.method.is_idempotent() || parts.extensions.get::<RepeatSafe>().is_some();
    repeat_safe || matches!(status.as_u16(), 429 | 503)
}

impl HttpClient {
    pub fn new(transport: Arc<dyn Transport>, endpoints: Endpoints, deadline: Deadline, clock: Arc<dyn Clock>) -> Self {
        Self {
            transport,
            endpoints,
            deadline,
            clock,
            policy: RetryPolicy::default(),
            requests: AtomicU32::new(0),
            gate: Gate::default(),
            dop_memory: None,
            dop_gated: false,
        }
    }

    /// Keeps the requests to the environment within its parallelism hint ([`super::parallel`]),
    /// remembering (and starting from) the hints across calls. Verification fans out per table and
    /// uses it; provisioning's own Dataverse requests are a handful whatever the tables, and do not.
    pub fn with_dop_memory(mut self, memory: Arc<DopMemory>) -> Self {
        self.dop_memory = Some(memory);
        self.dop_gated = true;
        self
    }

    /// Only learns the environments' hints into `memory` (for a verification later in this
    /// process), without waiting at the gate.
    pub fn learning_dop(mut self, memory: Arc<DopMemory>) -> Self {
        self.dop_memory = Some(memory);
        self
    }

    /// The most requests this call had in flight to the environment at once.
    pub fn environment_peak(&self) -> u32 {
        self.gate.peak()
    }

    pub fn with_policy(mut self, policy: RetryPolicy) -> Self {
        self.policy = policy;
        self
    }

    pub fn endpoints(&self) -> &Endpoints {
        &self.endpoints
    }

    pub fn deadline(&self) -> Deadline {
        self.deadline
    }

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// HTTP requests sent so far (each retry counts).
    pub fn requests(&self) -> u32 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Sends `request`, retrying transient answers within the deadline (see the module docs).
    pub async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let (parts, body) = request.into_parts();
        // Form bodies carry client secrets and refresh tokens: wipe this copy when done.
        let body = zeroize::Zeroizing::new(body);
        let (role, host, mapped, uri) = self.route(&parts.uri)?;
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            // Each attempt takes its own place: a retry after a 429 waits outside the gate, and
            // comes back within the limit the 429 lowered.
            let permit = self.permit(role, &host).await?;
            let remaining = self.deadline.remaining();
            if remaining.is_zero() {
                return Err(deadline_passed(&host).at(role, &host));
            }
            let mut builder = http::Request::builder()
                .method(parts.method.clone())
                .uri(uri.clone())
                .version(parts.version);
            for (name, value) in &parts.headers {
                builder = builder.header(name, value);
            }
            if let Some(m) = &mapped {
                builder = builder.header(FORWARDED_HOST, m.logical_host.as_str());
            }
            let request = builder
                .body(body.to_vec())
                .map_err(|e| TransportError::new(TransportErrorKind::Refused, e.to_string()))?;
            self.requests.fetch_add(1, Ordering::Relaxed);
            // The transport is asked to give up at the deadline; the outer bound also catches a
            // transport that ignores it.
            let response = match self.deadline.run(self.transport.send(request, remaining)).await {
                Some(result) => result.map_err(|e| e.at(role, &host))?,
                None => return Err(deadline_passed(&host).at(role, &host)),
            };
            if let (HostRole::Environment, Some(memory)) = (role, &self.dop_memory) {
                self.gate.observe(&host, &response, Some(memory));
            }
            drop(permit);
            if !may_retry(&parts, response.status()) || attempt >= self.policy.max_attempts {
                return Ok(response);
            }
            let wait = match retry_after(&response, self.clock.as_ref()) {
                Some(wait) => wait,
                None => self
                    .policy
                    .base_delay
                    .saturating_mul(1 << (attempt - 1).min(16))
                    .min(self.policy.max_delay),
            };
            // Waiting is only worth it if the next attempt can still start (and get an answer)
            // before the deadline.
            if wait >= self.deadline.remaining() {
                return Ok(response);
            }
            tokio::time::sleep(wait).await;
        }
    }
}

impl HttpClient {
    /// A place in flight at the environment's gate (verification only), within the deadline.
    async fn permit(&self, role: HostRole, host: &str) -> Result<Option<super::parallel::Permit<'_>>, TransportError> {
        if role != HostRole::Environment || !self.dop_gated {
            return Ok(None);
        }
        let remembered = self.dop_memory.as_ref().and_then(|m| m.get(host));
        match self.deadline.run(self.gate.enter(remembered)).await {
            Some(permit) => Ok(Some(permit)),
            None => Err(deadline_passed(host).at(role, host)),
        }
    }

    /// Which host `uri` is, whether this call may contact it, and where it is really sent.
    fn route(&self, uri: &http::Uri) -> Result<(HostRole, String, Option<Mapped>, http::Uri), TransportError> {
        let host = uri.host().unwrap_or("").to_owned();
        let role = self.endpoints.role_of(uri);
        let refused = |detail: String| TransportError::new(TransportErrorKind::Refused, detail).at(role, &host);
        if !self.endpoints.allows(uri) {
            let cloud = self.endpoints.cloud.name();
            return Err(refused(format!(
                "refused to contact {host}: it is not a host of the {cloud} cloud"
            )));
        }
        let mapped = self.endpoints.physical(uri);
        let physical = match &mapped {
            Some(m) => m.url.parse::<http::Uri>().map_err(|e| refused(e.to_string()))?,
            None => uri.clone(),
        };
        Ok((role, host, mapped, physical))
    }
}

fn deadline_passed(host: &str) -> TransportError {
    TransportError::new(
        TransportErrorKind::Timeout,
        format!("{host} did not answer before the deadline"),
    )
}

/// `Retry-After` as seconds or as an HTTP date (relative to `clock`).
pub fn retry_after(response: &HttpResponse, clock: &dyn Clock) -> Option<Duration> {
    let value = response.headers().get(http::header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    if let Ok(seconds) = value.parse::<f64>() {
        if seconds.is_finite() && seconds >= 0.0 {
            return Some(Duration::from_secs_f64(seconds.min(86_400.0)));
        }
    }
    let at = httpdate::parse_http_date(value).ok()?;
    let at = time::OffsetDateTime::from(at);
    let delta = at - clock.now();
    Some(if delta.is_negative() {
        Duration::ZERO
    } else {
        delta.unsigned_abs()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::Cloud;
    use std::sync::Mutex;
    use tokio::time::Instant;

    struct FixedClock(time::OffsetDateTime);
    impl Clock for FixedClock {
        fn now(&self) -> time::OffsetDateTime {
            self.0
        }
    }

    fn clock() -> Arc<dyn Clock> {
        Arc::new(FixedClock(time::macros::datetime!(2026-11-26 15:00:00 UTC)))
    }

    fn get(url: &str) -> HttpRequest {
        http::Request::get(url).body(Vec::new()).unwrap()
    }

    fn response(status: u16, retry_after: Option<&str>) -> HttpResponse {
        let mut b = http::Response::builder().status(status);
        if let Some(r) = retry_after {
            b = b.header("Retry-After", r);
        }
        b.body(b"{}".to_vec()).unwrap()
    }

    /// A transport answering from a script, recording when each request arrived.
    fn scripted(script: Vec<HttpResponse>) -> (Arc<dyn Transport>, Arc<Mutex<Vec<Instant>>>) {
        let script = Arc::new(Mutex::new(std::collections::VecDeque::from(script)));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let seen2 = seen.clone();
        let transport = move |_req: HttpRequest, _timeout: Duration| {
            seen2.lock().unwrap().push(Instant::now());
            let next = script.lock().unwrap().pop_front().expect("no more scripted responses");
            async move { Ok(next) }
        };
        (Arc::new(transport), seen)
    }

    fn client(transport: Arc<dyn Transport>, budget: Duration) -> HttpClient {
        HttpClient::new(
            transport,
            Endpoints::real(Cloud::Public),
            Deadline::after(budget),
            clock(),
        )
    }

    const URL: &str = "https://contoso.crm.dynamics.com/api/data/v9.2/WhoAmI";

    /// What reached the transport: the URL and the `X-Forwarded-Host` header.
    async fn sent_with(endpoints: Endpoints, url: &str) -> (String, Option<String>) {
        let seen = Arc::new(Mutex::new(None));
        let seen2 = seen.clone();
        let transport = move |req: HttpRequest, _timeout: Duration| {
            let host = req
                .headers()
                .get(FORWARDED_HOST)
                .map(|v| v.to_str().unwrap().to_owned());
            *seen2.lock().unwrap() = Some((req.uri().to_string(), host));
            async move { Ok(response(200, None)) }
        };
        let c = HttpClient::new(
            Arc::new(transport),
            endpoints,
            Deadline::after(Duration::from_secs(5)),
            clock(),
        );
        c.send(get(url)).await.unwrap();
        let sent = seen.lock().unwrap().clone();
        sent.unwrap()
    }

    #[tokio::test]
    async fn only_a_cloud_mapped_onto_the_sandbox_is_rewritten_and_names_its_real_host() {
        let (url, host) = sent_with(Endpoints::real(Cloud::Public), URL).await;
        assert_eq!(
            (url.as_str(), host),
            (URL, None),
            "production sends as built, no header"
        );
        let mapped = Endpoints::real(Cloud::China)
            .mapped_to("https://127.0.0.1:9443")
            .unwrap();
        let (url, host) = sent_with(mapped, "https://contoso.crm.dynamics.cn/api/data/v9.2/WhoAmI").await;
        assert_eq!(url, "https://127.0.0.1:9443/contoso/api/data/v9.2/WhoAmI");
        assert_eq!(host.as_deref(), Some("contoso.crm.dynamics.cn"));
    }

    #[tokio::test]
    async fn a_refused_or_failed_request_says_which_host_it_was() {
        let c = client(
            Arc::new(|_r: HttpRequest, _t: Duration| async {
                Err::<HttpResponse, _>(TransportError::new(TransportErrorKind::Dns, "no such name"))
            }),
            Duration::from_secs(5),
        );
        let e = c
            .send(get("https://login.microsoftonline.com/t/oauth2/v2.0/token"))
            .await
            .unwrap_err();
        assert_eq!(
            e.target,
            Some((HostRole::Login, "login.microsoftonline.com".to_owned()))
        );
        let e = c.send(get("https://graph.microsoft.us/v1.0/")).await.unwrap_err();
        assert_eq!(e.kind, TransportErrorKind::Refused);
        let e = c.send(get(URL)).await.unwrap_err();
        assert_eq!(e.target.unwrap().0, HostRole::Environment);
    }

    #[tokio::test(start_paused = true)]
    async fn honours_retry_after_seconds_then_succeeds() {
        let (t, seen) = scripted(vec![
            response(429, Some("2")),
            response(503, Some("1")),
            response(200, None),
        ]);
        let c = client(t, Duration::from_secs(20));
        let start = Instant::now();
        let r = c.send(get(URL)).await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(c.requests(), 3);
        let seen = seen.lock().unwrap();
        assert_eq!(seen[1] - start, Duration::from_secs(2));
        assert_eq!(seen[2] - start, Duration::from_secs(3));
    }

    #[tokio::test(start_paused = true)]
    async fn honours_retry_after_as_http_date() {
        let (t, seen) = scripted(vec![
            response(429, Some("Thu, 26 Nov 2026 15:00:04 GMT")),
            response(200, None),
        ]);
        let c = client(t, Duration::from_secs(20));
        let start = Instant::now();
        assert_eq!(c.send(get(URL)).await.unwrap().status(), 200);
        assert_eq!(seen.lock().unwrap()[1] - start, Duration::from_secs(4));
    }

    #[tokio::test(start_paused = true)]
    async fn backs_off_exponentially_without_retry_after() {
        let (t, seen) = scripted(vec![
            response(502, None),
            response(504, None),
            response(503, None),
            response(200, None),
        ]);
        let c = client(t, Duration::from_secs(20));
        let start = Instant::now();
        assert_eq!(c.send(get(URL)).await.unwrap().status(), 200);
        let at: Vec<u64> = seen
            .lock()
            .unwrap()
            .iter()
            .map(|i| (*i - start).as_millis() as u64)
            .collect();
        assert_eq!(at, vec![0, 250, 750, 1750]);
    }

    fn post(url: &str) -> HttpRequest {
        http::Request::post(url).body(b"{}".to_vec()).unwrap()
    }

    #[tokio::test(start_paused = true)]
    async fn a_post_is_not_repeated_after_a_gateway_error_it_may_have_passed() {
        for status in [502, 504] {
            let (t, _) = scripted(vec![response(status, None), response(201, None)]);
            let c = client(t, Duration::from_secs(20));
            assert_eq!(c.send(post(URL)).await.unwrap().status(), status);
            assert_eq!(c.requests(), 1, "POST after {status} must not be repeated");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_post_is_repeated_when_the_answer_says_it_was_not_processed() {
        let (t, _) = scripted(vec![response(429, Some("1")), response(503, None), response(201, None)]);
        let c = client(t, Duration::from_secs(20));
        assert_eq!(c.send(post(URL)).await.unwrap().status(), 201);
        assert_eq!(c.requests(), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn a_repeat_safe_post_is_retried_like_a_get() {
        let (t, _) = scripted(vec![response(502, None), response(200, None)]);
        let c = client(t, Duration::from_secs(20));
        let mut request = post(URL);
        request.extensions_mut().insert(RepeatSafe);
        assert_eq!(c.send(request).await.unwrap().status(), 200);
        assert_eq!(c.requests(), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn gives_back_the_429_when_waiting_would_pass_the_deadline() {
        let (t, _) = scripted(vec![response(429, Some("30"))]);
        let c = client(t, Duration::from_secs(5));
        let start = Instant::now();
        assert_eq!(c.send(get(URL)).await.unwrap().status(), 429);
        assert_eq!(c.requests(), 1);
        assert_eq!(Instant::now(), start, "must not wait for a retry it cannot make");
    }

    #[tokio::test(start_paused = true)]
    async fn stops_after_max_attempts() {
        let (t, _) = scripted((0..5).map(|_| response(429, Some("0"))).collect());
        let c = client(t, Duration::from_secs(5));
        assert_eq!(c.send(get(URL)).await.unwrap().status(), 429);
        assert_eq!(c.requests(), 5);
    }

    #[tokio::test(start_paused = true)]
    async fn a_hung_transport_ends_at_the_deadline() {
        let transport = |_req: HttpRequest, _timeout: Duration| async {
            std::future::pending::<Result<HttpResponse, TransportError>>().await
        };
        let c = client(Arc::new(transport), Duration::from_secs(3));
        let start = Instant::now();
        let err = c.send(get(URL)).await.unwrap_err();
        assert_eq!(err.kind, TransportErrorKind::Timeout);
        assert_eq!(Instant::now() - start, Duration::from_secs(3));
    }

    #[tokio::test(start_paused = true)]
    async fn the_per_attempt_timeout_is_the_time_left() {
        let timeouts = Arc::new(Mutex::new(Vec::new()));
        let t2 = timeouts.clone();
        let transport = move |_req: HttpRequest, timeout: Duration| {
            t2.lock().unwrap().push(timeout);
            async { Ok(response(503, Some("1"))) }
        };
        let c = client(Arc::new(transport), Duration::from_secs(3));
        assert_eq!(c.send(get(URL)).await.unwrap().status(), 503);
        assert_eq!(
            *timeouts.lock().unwrap(),
            vec![Duration::from_secs(3), Duration::from_secs(2), Duration::from_secs(1)]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn other_hosts_are_refused_without_sending() {
        let (t, seen) = scripted(vec![]);
        let c = client(t, Duration::from_secs(3));
        for url in [
            "https://contoso.crm.dynamics.com.evil.test/api/data/v9.2/",
            "http://contoso.crm.dynamics.com/api/data/v9.2/",
            "https://login.microsoftonline.us/t/oauth2/v2.0/token",
            "https://127.0.0.1/",
        ] {
            let err = c.send(get(url)).await.unwrap_err();
            assert_eq!(err.kind, TransportErrorKind::Refused, "{url}");
        }
        assert_eq!(c.requests(), 0);
        assert!(seen.lock().unwrap().is_empty());
    }
}
