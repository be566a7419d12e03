//! The one real transport: reqwest over rustls (ring), with the system's trusted roots plus
//! `wpcrm.ca_file`, redirects off (following them would let a server send the engine, and its
//! bearer token, to another host), and a body size cap.

use super::{BoxFuture, HttpRequest, HttpResponse, Transport, TransportError, TransportErrorKind, MAX_BODY_BYTES};
use std::error::Error as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone, Default)]
pub struct TransportConfig {
    /// Extra trusted root certificates (PEM), added to the system roots.
    pub ca_file: Option<PathBuf>,
    /// HTTPS proxy URL.
    pub proxy: Option<String>,
    /// Trust only `ca_file`, not the system roots (the sandbox tests use this to prove that
    /// trust comes from the CA file they pass).
    pub only_ca_file: bool,
}

pub struct ReqwestTransport {
    client: reqwest::Client,
}

/// Why a transport could not be built: the administrator's configuration is wrong.
#[derive(Debug, thiserror::Error)]
pub enum TransportBuildError {
    #[error("cannot read wpcrm.ca_file {path}: {reason}")]
    CaFile { path: String, reason: String },
    #[error("wpcrm.proxy is not a valid proxy URL: {0}")]
    Proxy(String),
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
}

impl ReqwestTransport {
    pub fn new(config: &TransportConfig) -> Result<Self, TransportBuildError> {
        let mut roots = rustls::RootCertStore::empty();
        if !config.only_ca_file {
            // Unreadable individual system certificates are skipped, as every TLS client does.
            let native = rustls_native_certs::load_native_certs();
            roots.add_parsable_certificates(native.certs);
        }
        if let Some(path) = &config.ca_file {
            use rustls_pki_types::pem::PemObject;
            let ca_err = |reason: String| TransportBuildError::CaFile {
                path: path.display().to_string(),
                reason,
            };
            let certs = rustls_pki_types::CertificateDer::pem_file_iter(path)
                .map_err(|e| ca_err(e.to_string()))?
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| ca_err(e.to_string()))?;
            if certs.is_empty() {
                return Err(ca_err("no PEM certificate in the file".to_owned()));
            }
            for cert in certs {
                roots.add(cert).map_err(|e| ca_err(e.to_string()))?;
            }
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| TransportBuildError::Client(e.to_string()))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        tls.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];

        let mut builder = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .redirect(reqwest::redirect::Policy::none())
            .https_only(true)
            .connect_timeout(Duration::from_secs(10))
            .pool_idle_timeout(Duration::from_secs(90))
            .user_agent(concat!("wpcrm/", env!("CARGO_PKG_VERSION")));
        builder = match &config.proxy {
            Some(url) => {
                builder.proxy(reqwest::Proxy::https(url).map_err(|e| TransportBuildError::Proxy(e.to_string()))?)
            }
            None => builder.no_proxy(),
        };
        let client = builder
            .build()
            .map_err(|e| TransportBuildError::Client(e.to_string()))?;
        Ok(Self { client })
    }
}

impl Transport for ReqwestTransport {
    fn send(&self, request: HttpRequest, timeout: Duration) -> BoxFuture<'_, Result<HttpResponse, TransportError>> {
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let url = parts.uri.to_string();
            let host = parts.uri.host().unwrap_or("").to_owned();
            let response = self
                .client
                .request(parts.method, &url)
                .headers(parts.headers)
                .body(body)
                .timeout(timeout)
                .send()
                .await
                .map_err(|e| classify(&e, &host))?;
            let mut builder = http::Response::builder()
                .status(response.status())
                .version(response.version());
            for (name, value) in response.headers() {
                builder = builder.header(name, value);
            }
            let mut response = response;
            let mut body = Vec::new();
            while let Some(chunk) = response.chunk().await.map_err(|e| classify(&e, &host))? {
                if body.len() + chunk.len() > MAX_BODY_BYTES {
                    return Err(TransportError::new(
                        TransportErrorKind::Protocol,
                        format!("{host} sent a response larger than {MAX_BODY_BYTES} bytes"),
                    ));
                }
                body.extend_from_slice(&chunk);
            }
            builder
                .body(body)
                .map_err(|e| TransportError::new(TransportErrorKind::Protocol, e.to_string()))
        })
    }
}

/// Sorts a reqwest failure into the kinds the report distinguishes. reqwest does not expose DNS or
/// TLS failures as types, so the source chain is inspected.
fn classify(error: &reqwest::Error, host: &str) -> TransportError {
    let chain = source_chain(error);
    let kind = if error.is_timeout() || chain.contains("timed out") {
        TransportErrorKind::Timeout
    } else if chain.contains("dns error") || chain.contains("failed to lookup address") {
        TransportErrorKind::Dns
    } else if chain_has_rustls_error(error) || chain.contains("certificate") || chain.contains("tls handshake") {
        TransportErrorKind::Tls
    } else if error.is_connect() {
        TransportErrorKind::Connect
    } else {
        TransportErrorKind::Protocol
    };
    let detail = match kind {
        TransportErrorKind::Timeout => format!("{host} did not answer in time"),
        TransportErrorKind::Dns => format!("the name {host} could not be resolved"),
        TransportErrorKind::Tls => format!("TLS with {host} failed: {}", innermost(error)),
        TransportErrorKind::Connect => format!("could not connect to {host}: {}", innermost(error)),
        _ => format!("the connection to {host} failed: {}", innermost(error)),
    };
    TransportError::new(kind, detail)
}

fn source_chain(error: &reqwest::Error) -> String {
    let mut text = error.to_string().to_lowercase();
    let mut source = error.source();
    while let Some(s) = source {
        text.push_str(" | ");
        text.push_str(&s.to_string().to_lowercase());
        source = s.source();
    }
    text
}

fn chain_has_rustls_error(error: &reqwest::Error) -> bool {
    let mut source = error.source();
    while let Some(s) = source {
        if s.downcast_ref::<rustls::Error>().is_some() {
            return true;
        }
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            if io
                .get_ref()
                .is_some_and(|inner| inner.downcast_ref::<rustls::Error>().is_some())
            {
                return true;
            }
        }
        source = s.source();
    }
    false
}

/// The deepest cause's message: the useful part ("invalid peer certificate: UnknownIssuer").
fn innermost(error: &reqwest::Error) -> String {
    let mut last: &dyn std::error::Error = error;
    while let Some(s) = last.source() {
        last = s;
    }
    last.to_string()
}
