//! Failures that are not a service's refusal: the network, answers that are not the service's, and
//! throttling that outlasted the call.

use super::Diagnosis;
use crate::http::{TransportError, TransportErrorKind};

/// A failure below HTTP while talking to `service` ("Entra ID", "Dataverse").
pub fn transport(error: &TransportError, service: &str) -> Diagnosis {
    let (code, fix) = match error.kind {
        TransportErrorKind::Timeout => (
            "timeout",
            format!("{service} did not answer within the time allowed. Retry; if it persists, check the server's outbound HTTPS (firewall, proxy via wpcrm.proxy) or raise the timeout option."),
        ),
        TransportErrorKind::Dns => (
            "dns",
            "The host name did not resolve: check the environment URL for typos, and the server's DNS (a deleted or renamed environment no longer resolves).".to_owned(),
        ),
        TransportErrorKind::Connect => (
            "connect",
            "The server could not open a connection: allow outbound HTTPS (port 443) to Microsoft's hosts in the firewall, or set wpcrm.proxy if the server must use a proxy.".to_owned(),
        ),
        TransportErrorKind::Tls => (
            "tls",
            "The TLS certificate was not trusted. If a TLS-inspecting proxy or firewall sits between this server and Microsoft, add its root certificate (PEM) to wpcrm.ca_file; otherwise update the system's CA certificates (ca-certificates package).".to_owned(),
        ),
        TransportErrorKind::Protocol => (
            "network",
            "The connection broke during the exchange. Retry; if it persists, check proxies and firewalls between this server and Microsoft.".to_owned(),
        ),
        TransportErrorKind::Refused => (
            "host_not_allowed",
            "wpcrm only contacts Microsoft's hosts of the environment's cloud. Check the environment URL.".to_owned(),
        ),
    };
    // The detail is the transport's own technical wording: it stays English; the fix is translated.
    let mut d = Diagnosis::new(code, format!("{}.", error.detail.trim_end_matches('.')), fix).param("service", service);
    d.texts.fix_id = Some(format!("fix.{code}"));
    d
}

/// An answer that is neither success nor the service's error format.
pub fn unexpected(detail: &str, service: &str) -> Diagnosis {
    Diagnosis::new(
        "unexpected_response",
        format!("{service} sent {detail}."),
        "Something between this server and Microsoft answered instead of the service (a proxy, captive portal or firewall page), or the service had a transient fault. Retry; if it persists, check wpcrm.proxy and the network path.",
    )
    .ids("network.unexpected", "fix.unexpected_response")
    .param("service", service)
    .param("what", detail)
}

/// A 429 that the deadline did not leave time to wait out.
pub fn throttled(service: &str) -> Diagnosis {
    Diagnosis::new(
        "throttled",
        format!("{service} is throttling requests (HTTP 429) for longer than this call's deadline allowed waiting."),
        "Wait a few minutes and retry. If it happens often, other integrations using the same application user are exceeding Dataverse's service protection limits (6000 requests per 5 minutes per user): spread their load or give them their own application users.",
    )
    .ids("network.throttled", "fix.throttled")
    .param("service", service)
}

/// The call's time budget ran out before `service` answered.
pub fn deadline(service: &str) -> Diagnosis {
    transport(
        &TransportError::new(
            TransportErrorKind::Timeout,
            format!("{service} did not answer before the deadline"),
        ),
        service,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_transport_kind_has_its_code() {
        for (kind, code) in [
            (TransportErrorKind::Timeout, "timeout"),
            (TransportErrorKind::Dns, "dns"),
            (TransportErrorKind::Connect, "connect"),
            (TransportErrorKind::Tls, "tls"),
            (TransportErrorKind::Protocol, "network"),
        ] {
            assert_eq!(transport(&TransportError::new(kind, "x"), "Dataverse").code, code);
        }
    }
}
