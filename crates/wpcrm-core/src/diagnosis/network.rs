//! Failures that are not a service's refusal: the network, answers that are not the service's, and
//! throttling that outlasted the call.

use super::{Diagnosis, Phrase};
use crate::cloud::HostRole;
use crate::http::{TransportError, TransportErrorKind};

/// A failure below HTTP while talking to `service` ("Entra ID", "Dataverse"). When the error says
/// which host failed ([`TransportError::target`]), the fix names it and what it is for: only a
/// failure of the environment's own host points at the environment URL; the sign-in, Graph and
/// discovery hosts are fixed Microsoft names, so failing to reach them is the server's network.
pub fn transport(error: &TransportError, service: &str) -> Diagnosis {
    let target = error.target.as_ref().map(|(role, host)| (*role, host.as_str()));
    let (code, fix) = match error.kind {
        TransportErrorKind::Timeout => (
            "timeout",
            format!("{} did not answer within the time allowed. Retry; if it persists, check the server's outbound HTTPS (firewall, proxy via wpcrm.proxy) or raise the timeout option.", what(target, service)),
        ),
        TransportErrorKind::Dns => ("dns", dns_fix(target)),
        TransportErrorKind::Connect => (
            "connect",
            format!("The server could not open a connection to {}: allow outbound HTTPS (port 443) to it in the firewall, or set wpcrm.proxy if the server must use a proxy.", what(target, "Microsoft's hosts")),
        ),
        TransportErrorKind::Tls => (
            "tls",
            format!("The TLS certificate of {} was not trusted. If a TLS-inspecting proxy or firewall sits between this server and Microsoft, add its root certificate (PEM) to wpcrm.ca_file; otherwise update the system's CA certificates (ca-certificates package).", what(target, "the host")),
        ),
        TransportErrorKind::Protocol => (
            "network",
            format!("The connection to {} broke during the exchange. Retry; if it persists, check proxies and firewalls between this server and Microsoft.", what(target, service)),
        ),
        TransportErrorKind::Refused => (
            "host_not_allowed",
            "wpcrm only contacts Microsoft's hosts of the environment's cloud. Check the environment URL.".to_owned(),
        ),
    };
    // The detail is the transport's own technical wording: it stays English; the fix is translated.
    let d = Diagnosis::new(code, format!("{}.", error.detail.trim_end_matches('.')), fix).param("service", service);
    match (error.kind, target) {
        (TransportErrorKind::Refused, _) | (_, None) => d.fix_id(&format!("fix.{code}")),
        (TransportErrorKind::Dns, Some((role, host))) => {
            d.fix_id(&format!("fix.dns_{}", role_word(role))).param("host", host)
        }
        (_, Some((role, host))) => d
            .fix_id(&format!("fix.{code}_host"))
            .phrase("target", &host_phrase(role, host)),
    }
}

/// The text id's word for a host's role (`host.login`, `fix.dns_graph`).
fn role_word(role: HostRole) -> &'static str {
    match role {
        HostRole::Login => "login",
        HostRole::Graph => "graph",
        HostRole::Discovery => "discovery",
        HostRole::Environment => "environment",
    }
}

/// [`what`] of a known host, as a translatable phrase.
fn host_phrase(role: HostRole, host: &str) -> Phrase {
    Phrase::new(&format!("host.{}", role_word(role)), what(Some((role, host)), "")).param("host", host)
}

/// "the Entra ID sign-in host login.microsoftonline.us", or `fallback` when the host is unknown.
fn what(target: Option<(HostRole, &str)>, fallback: &str) -> String {
    match target {
        Some((HostRole::Login, host)) => format!("the Entra ID sign-in host {host}"),
        Some((HostRole::Graph, host)) => format!("the Microsoft Graph host {host}"),
        Some((HostRole::Discovery, host)) => format!("the Dataverse discovery host {host}"),
        Some((HostRole::Environment, host)) => format!("the environment's host {host}"),
        None => fallback.to_owned(),
    }
}

/// A name that did not resolve: the environment URL only when it is the environment's host.
fn dns_fix(target: Option<(HostRole, &str)>) -> String {
    match target {
        Some((HostRole::Environment, host)) => format!("The environment's host {host} did not resolve: check the environment URL for typos (a deleted or renamed environment no longer resolves), then the server's DNS."),
        Some((_, host)) => format!("{} did not resolve. That name is Microsoft's and always exists, so the environment URL is not the cause: this server's DNS resolver or outbound network is failing. Check the server's DNS settings (/etc/resolv.conf), that it may resolve and reach {host}, and set wpcrm.proxy if the server must use a proxy.", capitalize(&what(target, ""))),
        None => "The host name did not resolve: check the environment URL for typos, and the server's DNS (a deleted or renamed environment no longer resolves).".to_owned(),
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
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
    throttled_by(service, None)
}

/// A 429 that the deadline did not leave time to wait out, by Dataverse's service-protection code
/// (`reference/dataverse-web-api.md` §2.5): `0x80072322` requests, `0x80072321` execution time,
/// `0x80072326` concurrency.
pub fn throttled_by(service: &str, code: Option<&str>) -> Diagnosis {
    // Each limit has its own texts, so its own ids (a translation of another limit's fix would
    // give the wrong advice); the code stays `throttled`, the limit's code is a value.
    let (limit, fix, ids) = match code {
        Some("0x80072326") => (
            "too many requests at once (the concurrency limit)",
            "Retry in a moment. wpcrm keeps to the parallelism the environment recommends (x-ms-dop-hint); other integrations using the same application user count against the same limit: lower their parallelism or give them their own application users.",
            ("network.throttled_concurrency", "fix.throttled_concurrency"),
        ),
        Some("0x80072321") => (
            "too much combined execution time (20 minutes per 5-minute window)",
            "Wait a few minutes and retry. Heavy requests by the same application user (large queries, synchronous plug-ins or workflows on its writes) use up the execution-time limit: spread them out or give those integrations their own application users.",
            ("network.throttled_execution_time", "fix.throttled_execution_time"),
        ),
        _ => (
            "too many requests (6000 per user per 5 minutes)",
            "Wait a few minutes and retry. If it happens often, other integrations using the same application user are exceeding Dataverse's service protection limits (6000 requests per 5 minutes per user): spread their load or give them their own application users.",
            ("network.throttled", "fix.throttled"),
        ),
    };
    Diagnosis::new(
        "throttled",
        format!("{service} is throttling requests (HTTP 429: {limit}) for longer than this call's deadline allowed waiting."),
        fix,
    )
    .ids(ids.0, ids.1)
    .param("service", service)
    .param("limit_code", code.unwrap_or(""))
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

    #[test]
    fn throttling_names_the_limit_by_its_code() {
        let fix = |code| throttled_by("Dataverse", code).fix.unwrap();
        assert!(fix(Some("0x80072326")).contains("x-ms-dop-hint"));
        assert!(fix(Some("0x80072321")).contains("execution-time"));
        assert!(fix(Some("0x80072322")).contains("6000"));
        assert_eq!(fix(None), fix(Some("0x80072322")));
        assert_eq!(throttled("Dataverse").code, "throttled");
    }

    #[test]
    fn a_dns_failure_names_the_host_that_failed_and_blames_the_url_only_for_the_environment() {
        let dns = |role, host| {
            let e = TransportError::new(
                TransportErrorKind::Dns,
                format!("the name {host} could not be resolved"),
            );
            transport(&e.at(role, host), "Entra ID")
        };
        let login = dns(HostRole::Login, "login.microsoftonline.us");
        let fix = login.fix.unwrap();
        assert_eq!(login.code, "dns");
        assert!(fix.contains("sign-in host login.microsoftonline.us"), "{fix}");
        assert!(fix.contains("DNS"), "{fix}");
        assert!(!fix.contains("typos"), "{fix}");
        for (role, host, name) in [
            (HostRole::Graph, "graph.microsoft.us", "Microsoft Graph host"),
            (HostRole::Discovery, "globaldisco.crm.dynamics.com", "discovery host"),
        ] {
            let fix = dns(role, host).fix.unwrap();
            assert!(
                fix.contains(name) && fix.contains(host) && !fix.contains("typos"),
                "{fix}"
            );
        }
        let env = dns(HostRole::Environment, "contoso.crm4.dynamics.com").fix.unwrap();
        assert!(
            env.contains("typos") && env.contains("contoso.crm4.dynamics.com"),
            "{env}"
        );
    }
}
