//! The HTTPS server: accepts connections, buffers each request, applies the global latency and the
//! injected faults, routes to the service module, and records the request log. Every connection is
//! its own task, so requests (and their latency) run concurrently.

use crate::http::{Req, Resp};
use crate::state::Shared;
use crate::store::{Fault, FaultKind, LogEntry};
use crate::util::new_uuid;
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Login,
    Graph,
    Discovery,
    Dataverse,
    Control,
}

impl Service {
    pub fn name(self) -> &'static str {
        match self {
            Service::Login => "login",
            Service::Graph => "graph",
            Service::Discovery => "discovery",
            Service::Dataverse => "dataverse",
            Service::Control => "control",
        }
    }
}

pub fn classify(path: &str) -> Service {
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    match segs.as_slice() {
        ["_sandbox", ..] => Service::Control,
        ["v1.0", ..] => Service::Graph,
        ["api", "discovery", ..] => Service::Discovery,
        ["api", "data", ..] | [_, "api", "data", ..] => Service::Dataverse,
        _ => Service::Login,
    }
}

pub async fn serve(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = shutdown.changed() => return,
        };
        let (tcp, _) = match accepted {
            Ok(x) => x,
            Err(e) => {
                log_line(format!("wpcrm-sandbox: accept failed: {e}"));
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
        };
        let _ = tcp.set_nodelay(true);
        let acceptor = acceptor.clone();
        let shared = shared.clone();
        let mut conn_shutdown = shutdown.clone();
        tokio::spawn(async move {
            let tls = match tokio::time::timeout(Duration::from_secs(10), acceptor.accept(tcp)).await {
                Ok(Ok(t)) => t,
                _ => return,
            };
            let svc = service_fn(move |req| handle(shared.clone(), req));
            // HTTP/1.1 and HTTP/2 (ALPN), like the real services; h2 streams are served concurrently.
            let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
            let conn = builder.serve_connection(TokioIo::new(tls), svc);
            tokio::select! {
                _ = conn => {}
                _ = conn_shutdown.changed() => {}
            }
        });
    }
}

#[derive(Debug)]
pub struct Dropped;
impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}
impl std::error::Error for Dropped {}

/// `*` matches within one segment, `**` across segments; the query string is not part of the match.
pub fn glob_match(pattern: &str, path: &str) -> bool {
    fn rec(p: &[u8], s: &[u8]) -> bool {
        if p.is_empty() {
            return s.is_empty();
        }
        if p.starts_with(b"**") {
            let rest = &p[2..];
            (0..=s.len()).any(|i| rec(rest, &s[i..]))
        } else if p[0] == b'*' {
            let rest = &p[1..];
            let mut i = 0;
            loop {
                if rec(rest, &s[i..]) {
                    return true;
                }
                if i >= s.len() || s[i] == b'/' {
                    return false;
                }
                i += 1;
            }
        } else {
            !s.is_empty() && p[0] == s[0] && rec(&p[1..], &s[1..])
        }
    }
    let decoded = crate::util::percent_decode(path);
    rec(pattern.as_bytes(), path.as_bytes()) || rec(pattern.as_bytes(), decoded.as_bytes())
}

enum Terminal {
    None,
    // Boxed: a fault carries headers and a body, and most requests have none.
    Fault(Box<Fault>),
}

async fn handle(shared: Arc<Shared>, req: hyper::Request<Incoming>) -> Result<hyper::Response<Full<Bytes>>, Dropped> {
    let started = Instant::now();
    let (parts, body) = req.into_parts();
    let body = match body.collect().await {
        Ok(b) => b.to_bytes().to_vec(),
        Err(_) => return Err(Dropped),
    };
    let path = parts.uri.path().to_string();
    let query = parts.uri.query().unwrap_or("").to_string();
    let method = parts.method.as_str().to_string();
    let service = classify(&path);
    let req = Req {
        method: method.clone(),
        path: path.clone(),
        query: query.clone(),
        headers: parts.headers,
        body,
        origin: shared.origin.clone(),
        request_id: new_uuid().to_string(),
    };

    // Dataverse's concurrency limit counts the request from its arrival (`dataverse::throttling`).
    let _in_flight = match service {
        Service::Dataverse => match crate::dataverse::throttling::enter(&shared, &req) {
            Ok(in_flight) => Some(in_flight),
            Err(resp) => {
                log(&shared, &req, service, resp.status, started);
                return Ok(to_hyper(resp));
            }
        },
        _ => None,
    };
    // Global latency and faults apply to the Microsoft paths only, never to the control plane.
    let mut terminal = Terminal::None;
    if service != Service::Control {
        let (latency, delays, t) = {
            let mut w = shared.world();
            let latency = w.config.latency_ms;
            let mut delays = Vec::new();
            let mut terminal = None;
            for f in w.faults.iter_mut() {
                if f.times == Some(0) {
                    continue;
                }
                if let Some(m) = &f.method {
                    if !m.eq_ignore_ascii_case(&method) {
                        continue;
                    }
                }
                if !glob_match(&f.path, &path) {
                    continue;
                }
                if f.kind == FaultKind::Latency {
                    delays.push(f.latency_ms.unwrap_or(0));
                } else if terminal.is_some() {
                    continue;
                } else {
                    terminal = Some(f.clone());
                }
                if let Some(t) = f.times.as_mut() {
                    *t -= 1;
                }
            }
            w.faults.retain(|f| f.times != Some(0));
            (latency, delays, terminal)
        };
        let total: u64 = latency + delays.iter().sum::<u64>();
        if total > 0 {
            tokio::time::sleep(Duration::from_millis(total)).await;
        }
        if let Some(f) = t {
            terminal = Terminal::Fault(Box::new(f));
        }
    }

    let mut resp = match &terminal {
        Terminal::Fault(f) if f.kind == FaultKind::Drop => {
            log(&shared, &req, service, 0, started);
            return Err(Dropped);
        }
        Terminal::Fault(f) if f.kind == FaultKind::Hang => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            return Err(Dropped);
        }
        Terminal::Fault(f) if f.kind == FaultKind::Status => {
            let status = f.status.unwrap_or(500);
            let mut r = Resp::new(status).body(f.body.clone().unwrap_or_default().into_bytes());
            if f.body
                .as_deref()
                .map(|b| b.trim_start().starts_with(['{', '[']))
                .unwrap_or(false)
            {
                r = r.header("Content-Type", "application/json; charset=utf-8");
            }
            match &f.headers {
                Some(h) => {
                    for (k, v) in h {
                        r = r.header(k, v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()));
                    }
                }
                None if status == 429 => r = r.header("Retry-After", "1"),
                None => {}
            }
            r
        }
        Terminal::Fault(f) if f.kind == FaultKind::Html => {
            let body = f.body.clone().unwrap_or_else(|| {
                "<!DOCTYPE html><html><head><title>Service Unavailable</title></head><body><h1>Service Unavailable</h1><p>The proxy could not reach the service.</p></body></html>".into()
            });
            Resp::html(f.status.unwrap_or(200), body)
        }
        Terminal::Fault(f) if f.kind == FaultKind::Redirect => Resp::new(f.status.unwrap_or(302)).header(
            "Location",
            f.location.clone().unwrap_or_else(|| "https://example.invalid/".into()),
        ),
        _ => route(&shared, &req, service),
    };
    if let Terminal::Fault(f) = &terminal {
        if f.kind == FaultKind::LoseResponse {
            // Applied, but the answer never reaches the client.
            log(&shared, &req, service, resp.status, started);
            return Err(Dropped);
        }
        if f.kind == FaultKind::MalformedJson {
            resp.body = b"{\"error\": {\"code\": \"0x0\", \"message\": oops}".to_vec();
            resp = resp.header("Content-Type", "application/json; charset=utf-8");
            if let Some(s) = f.status {
                resp.status = s;
            }
        } else if f.kind == FaultKind::TruncatedJson {
            let n = resp.body.len() / 2;
            resp.body.truncate(n.max(1).min(resp.body.len()));
            if let Some(s) = f.status {
                resp.status = s;
            }
        }
    }
    log(&shared, &req, service, resp.status, started);
    Ok(to_hyper(resp))
}

fn route(shared: &Shared, req: &Req, service: Service) -> Resp {
    // A token of another cloud than the host the request stands for is refused (`cloud_gate`).
    let refused = match service {
        Service::Graph => crate::cloud_gate::gate(shared, req, true),
        Service::Discovery => crate::cloud_gate::gate(shared, req, false),
        _ => None,
    };
    if let Some(resp) = refused {
        return resp;
    }
    match service {
        Service::Control => crate::control::handle(shared, req),
        Service::Graph => crate::graph::handle(shared, req),
        Service::Discovery => crate::discovery::handle(shared, req),
        Service::Dataverse => crate::dataverse::handle(shared, req),
        Service::Login => crate::entra::handle(shared, req),
    }
}

fn log(shared: &Shared, req: &Req, service: Service, status: u16, started: Instant) {
    let elapsed_ms = started.elapsed().as_millis() as u64;
    // Control-plane reads of the log itself are not logged, so assertions on the log stay stable.
    if service == Service::Control && req.path.starts_with("/_sandbox/requests") {
        return;
    }
    let query = redact_query(&req.query);
    log_line(format!(
        "wpcrm-sandbox: {} {} {}{} -> {} ({} ms)",
        service.name(),
        req.method,
        req.path,
        if query.is_empty() {
            String::new()
        } else {
            format!("?{query}")
        },
        status,
        elapsed_ms
    ));
    let mut w = shared.world();
    let seq = w.next_seq;
    w.next_seq += 1;
    w.log.push(LogEntry {
        seq,
        method: req.method.clone(),
        path: req.path.clone(),
        query,
        status,
        elapsed_ms,
        service: service.name(),
        host: crate::clouds::forwarded_host(req),
    });
    if w.log.len() > 10_000 {
        w.log.remove(0);
    }
}

/// Writes a line to stderr from a dedicated thread. A harness that pipes stderr and never reads it
/// must not stall or crash the server: lines beyond a bounded backlog are dropped, and write
/// errors (closed pipe) are ignored instead of panicking like `eprintln!`.
pub fn log_line(line: String) {
    use std::io::Write;
    use std::sync::mpsc::{sync_channel, SyncSender};
    use std::sync::OnceLock;
    static TX: OnceLock<Option<SyncSender<String>>> = OnceLock::new();
    let tx = TX.get_or_init(|| {
        let (tx, rx) = sync_channel::<String>(4096);
        std::thread::Builder::new()
            .name("wpcrm-sandbox-log".into())
            .spawn(move || {
                for line in rx {
                    let mut err = std::io::stderr().lock();
                    let _ = writeln!(err, "{line}");
                }
            })
            .ok()
            .map(|_| tx)
    });
    if let Some(tx) = tx {
        let _ = tx.try_send(line);
    }
}

/// Query strings never carry secrets in the protocols emulated, but redact the OAuth ones anyway.
fn redact_query(q: &str) -> String {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let key = p.split('=').next().unwrap_or("");
            if matches!(
                key,
                "client_secret"
                    | "code"
                    | "device_code"
                    | "refresh_token"
                    | "access_token"
                    | "password"
                    | "client_assertion"
            ) {
                format!("{key}=REDACTED")
            } else {
                p.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn to_hyper(r: Resp) -> hyper::Response<Full<Bytes>> {
    let mut b = hyper::Response::builder().status(r.status);
    for (k, v) in &r.headers {
        b = b.header(k.as_str(), v.as_str());
    }
    b.body(Full::new(Bytes::from(r.body)))
        .unwrap_or_else(|_| hyper::Response::new(Full::new(Bytes::new())))
}
