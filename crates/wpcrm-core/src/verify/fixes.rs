//! The one catalogue of what went wrong and how to fix it: every AADSTS code of
//! `entra-and-graph.md` §2, the Dataverse codes of `dataverse-web-api.md` §2.3, and each transport
//! failure, as a plain-language detail and a concrete fix. Checks only pick an entry from here.
//!
//! Nothing here ever sees the secret or a token.

use crate::dataverse::{codes, DataverseError};
use crate::http::{TransportError, TransportErrorKind};
use crate::instance_url::InstanceUrlError;
use crate::oauth::{AadError, TokenError};

/// A check's code, detail and fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnosis {
    pub code: String,
    pub detail: String,
    pub fix: Option<String>,
}

impl Diagnosis {
    fn new(code: impl Into<String>, detail: impl Into<String>, fix: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }
}

/// Facts the texts mention, none of them secret.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub application_id: String,
    pub tenant: String,
    pub instance_url: String,
    pub cloud: &'static str,
}

const APP_USERS: &str = "In the Power Platform admin center open Environments → your environment → Settings → \
Users + permissions → Application users";

pub const MISSING_INSTANCE_URL: &str =
    "Enter the environment URL from the Power Platform admin center (Environments → your \
environment → Environment URL), for example https://contoso.crm.dynamics.com.";
pub const APPLICATION_ID: &str = "Copy the Application (client) ID from the Microsoft Entra admin center → App \
registrations → your app → Overview. It looks like 11111111-2222-3333-4444-555555555555.";
pub const MISSING_SECRET: &str =
    "Enter the client secret Value (Microsoft Entra admin center → App registrations → your \
app → Certificates & secrets). If it was not copied when created, add a new client secret and copy its Value.";
pub const SECRET_ID_DETAIL: &str =
    "The client secret field holds a GUID: that is the secret's Secret ID, not its Value. \
Entra ID would reject it (AADSTS7000215).";
pub const SECRET_ID_FIX: &str = "In the Microsoft Entra admin center → App registrations → your app → Certificates & \
secrets, the Value column (about 40 characters, often containing '~') is the secret; the Secret ID column is not. The \
Value is shown only right after the secret is created: if it is hidden now, add a new client secret and paste its Value.";
pub const TENANT_ID: &str =
    "Enter the Directory (tenant) ID from the Microsoft Entra admin center → Overview (a GUID), \
or your tenant's domain such as contoso.onmicrosoft.com, or leave the field empty to discover it from the environment.";
pub const TABLE_NAME: &str = "Use the table's logical name as shown in Power Apps → Tables → the table → Properties \
(for example account, incident or new_review).";
pub const ACCESS_KIND: &str = "Use only read, create, write, delete, append and appendto.";
pub const WHITESPACE: &str =
    "Remove the spaces or line breaks from the saved values so other tools reading them work too.";

pub fn instance_url_fix(error: &InstanceUrlError) -> String {
    use InstanceUrlError::*;
    match error {
        Missing => MISSING_INSTANCE_URL.to_owned(),
        NotHttps(_) => {
            "Use the https:// address of the environment, for example https://contoso.crm.dynamics.com.".to_owned()
        }
        UserInfo | Port(_) => {
            "Remove the user name, password or port: the environment URL is just https://<name>.crm<N>.dynamics.com."
                .to_owned()
        }
        BadSandboxEnvironment(_) => {
            "Use the sandbox origin followed by the environment name, for example https://127.0.0.1:8443/contoso."
                .to_owned()
        }
        NotAUrl | IpAddress(_) | Punycode(_) | NotDataverse(_) => "Copy the Environment URL from the Power Platform \
admin center (Environments → your environment). Dataverse hosts look like contoso.crm.dynamics.com or \
contoso.crm4.dynamics.com (US government: .crm9.dynamics.com, .crm.microsoftdynamics.us, .crm.appsplatform.us; China: \
.crm.dynamics.cn)."
            .to_owned(),
    }
}

/// An Entra ID error from the token endpoint.
pub fn aadsts(error: &AadError, facts: &Facts) -> Diagnosis {
    let code = error.code_string();
    let app = &facts.application_id;
    let tenant = &facts.tenant;
    let (detail, fix): (String, String) = match error.code() {
        Some(7000215) => (
            format!("Entra ID rejected the client secret of application {app}. Most often the Secret ID was pasted instead of the secret Value, or the secret belongs to another app or was replaced."),
            SECRET_ID_FIX.to_owned(),
        ),
        Some(7000222) => (
            format!("The client secrets of application {app} have expired."),
            "In the Microsoft Entra admin center → App registrations → your app → Certificates & secrets, add a new client secret, paste its Value here, and delete the expired one. Note the new expiry date.".to_owned(),
        ),
        Some(7000218) => (
            "The token request carried no client secret.".to_owned(),
            "Enter the client secret Value; the application is a confidential client and must authenticate with it.".to_owned(),
        ),
        Some(700024) => (
            "The client assertion is outside its valid time range.".to_owned(),
            "Check the server's clock (enable NTP) and try again.".to_owned(),
        ),
        Some(700016) => (
            format!("Entra ID has no application {app} in the tenant {tenant}."),
            format!("Check the Application (client) ID and the tenant: the app must be registered in tenant {tenant} (Microsoft Entra admin center → App registrations → All applications). If the app was created in the last few minutes, wait a minute and retry: new registrations take time to replicate."),
        ),
        Some(90002) => (
            format!("The tenant {tenant} does not exist in the {} cloud.", facts.cloud),
            format!("Check the Directory (tenant) ID (Microsoft Entra admin center → Overview), or leave it empty to discover it from the environment. {}", cloud_hint(facts)),
        ),
        Some(900023) => (
            format!("'{tenant}' is not a valid tenant identifier."),
            TENANT_ID.to_owned(),
        ),
        Some(500011) => (
            format!("Entra ID does not know the resource {} in the tenant {tenant}.", facts.instance_url),
            "Check the environment URL for typos and that the environment belongs to this tenant; if the tenant was typed, check it too (or leave it empty to discover it).".to_owned(),
        ),
        Some(50059) => (
            "The token request named no tenant.".to_owned(),
            TENANT_ID.to_owned(),
        ),
        Some(90014) | Some(900144) => (
            "The token request was missing a required field.".to_owned(),
            "This is a client bug or a proxy rewriting the request body; check for a TLS-inspecting proxy that alters POST bodies.".to_owned(),
        ),
        Some(700022) | Some(700023) | Some(70011) => (
            format!("Entra ID rejected the requested scope {}/.default.", facts.instance_url),
            "Check the environment URL: the scope is built from it.".to_owned(),
        ),
        Some(50034) => (
            "The account does not exist in this directory.".to_owned(),
            "Use an account of this tenant, or invite it as a guest.".to_owned(),
        ),
        Some(50126) => (
            "Wrong user name or password.".to_owned(),
            "Re-enter the credentials.".to_owned(),
        ),
        Some(50076) | Some(50079) => (
            "Multi-factor authentication is required.".to_owned(),
            "Complete MFA in the browser sign-in step.".to_owned(),
        ),
        Some(53003) => (
            "Conditional Access blocked the sign-in.".to_owned(),
            "Ask an Entra administrator to exclude this app or user from the blocking Conditional Access policy, or sign in another way.".to_owned(),
        ),
        Some(65001) => (
            "The application has no consent for this resource.".to_owned(),
            "Grant admin consent for the application in the Microsoft Entra admin center → Enterprise applications.".to_owned(),
        ),
        Some(65002) => (
            "This first-party client is not pre-authorized for the resource.".to_owned(),
            "Use a pre-authorized client or your own app registration.".to_owned(),
        ),
        Some(7000112) | Some(7000114) => (
            format!("Application {app} is disabled in tenant {tenant}."),
            "Enable the application's service principal (Microsoft Entra admin center → Enterprise applications → the app → Properties → Enabled for users to sign in).".to_owned(),
        ),
        _ => (
            format!("Entra ID refused the token request: {} ({}).", error.error, first_sentence(&error.description)),
            format!("Look up {code} at https://login.microsoftonline.com/error?code={} and check the application ID, secret and tenant.", code.trim_start_matches("AADSTS")),
        ),
    };
    Diagnosis::new(code, detail, fix)
}

fn cloud_hint(facts: &Facts) -> String {
    format!(
        "The environment is in the {} cloud, so the app must be registered in that cloud's Entra ID.",
        facts.cloud
    )
}

fn first_sentence(s: &str) -> &str {
    let s = s.trim();
    let s = s
        .split_once(": ")
        .filter(|(p, _)| p.starts_with("AADSTS"))
        .map(|(_, r)| r)
        .unwrap_or(s);
    s.char_indices()
        .find(|(i, c)| *c == '.' && s[i + 1..].starts_with(' '))
        .map(|(i, _)| &s[..=i])
        .unwrap_or(s)
}

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
    Diagnosis::new(code, format!("{}.", error.detail.trim_end_matches('.')), fix)
}

/// An answer that is neither success nor the service's error format.
pub fn unexpected(detail: &str, service: &str) -> Diagnosis {
    Diagnosis::new(
        "unexpected_response",
        format!("{service} sent {detail}."),
        "Something between this server and Microsoft answered instead of the service (a proxy, captive portal or firewall page), or the service had a transient fault. Retry; if it persists, check wpcrm.proxy and the network path.",
    )
}

/// A 429 that the deadline did not leave time to wait out.
pub fn throttled(service: &str) -> Diagnosis {
    Diagnosis::new(
        "throttled",
        format!("{service} is throttling requests (HTTP 429) for longer than this call's deadline allowed waiting."),
        "Wait a few minutes and retry. If it happens often, other integrations using the same application user are exceeding Dataverse's service protection limits (6000 requests per 5 minutes per user): spread their load or give them their own application users.",
    )
}

pub fn token_error(error: &TokenError, facts: &Facts) -> Diagnosis {
    match error {
        TokenError::Aad(e) if e.status == 429 => throttled("Entra ID"),
        TokenError::Aad(e) => aadsts(e, facts),
        TokenError::Transport(e) => transport(e, "Entra ID"),
        TokenError::Unexpected { status: 429, .. } => throttled("Entra ID"),
        TokenError::Unexpected { detail, .. } => unexpected(detail, "Entra ID"),
    }
}

/// The app is not an application user of the environment.
pub fn not_a_member(facts: &Facts) -> Diagnosis {
    Diagnosis::new(
        codes::NOT_A_MEMBER,
        format!(
            "Dataverse says the application {} is not a member of the organization: the environment {} has no application user for it.",
            facts.application_id, facts.instance_url
        ),
        format!(
            "{APP_USERS} → New app user: pick the app {}, the root business unit, and security roles (Basic User plus a role that can read the tables the site needs).",
            facts.application_id
        ),
    )
}

pub fn app_blocked(facts: &Facts) -> Diagnosis {
    Diagnosis::new(
        codes::APP_BLOCKED,
        format!(
            "A tenant policy blocks application {} from the Dataverse API.",
            facts.application_id
        ),
        "Ask a Power Platform administrator to allow this application: the tenant restricts which app ids may call Dataverse (Power Platform admin center → Security / tenant settings, or the allow-list PowerShell cmdlets).",
    )
}

pub fn user_disabled(facts: &Facts, code: Option<&str>) -> Diagnosis {
    Diagnosis::new(
        code.unwrap_or("user_disabled"),
        format!(
            "The application user of {} in {} is disabled.",
            facts.application_id, facts.instance_url
        ),
        format!("{APP_USERS} → select the app user → Activate (application users need no licence)."),
    )
}

/// Dataverse rejected the token itself (401).
pub fn token_rejected(facts: &Facts) -> Diagnosis {
    Diagnosis::new(
        "unauthorized",
        format!("Dataverse at {} rejected the access token (HTTP 401).", facts.instance_url),
        "Check that the environment URL belongs to the tenant the token came from; if the tenant was typed, leave it empty to discover the environment's own tenant.",
    )
}

/// A missing privilege, named (`prvReadEntity`, `prvReadincident`), with the role change that fixes it.
pub fn missing_privilege(privilege: &str, what: &str, depth_hint: &str) -> Diagnosis {
    Diagnosis::new(
        codes::PRIVILEGE_DENIED,
        format!("The application user lacks the privilege {privilege}, needed to {what}."),
        format!(
            "{APP_USERS} → select the app user → Edit security roles, and add a role that grants {privilege} ({depth_hint}); or, in Settings → Security roles, edit one of its roles and set that privilege on the table's row. Prefer a dedicated least-privilege role over System Administrator."
        ),
    )
}

/// Any other Dataverse failure in `step` ("read the table list", …).
pub fn dataverse(error: &DataverseError, facts: &Facts, step: &str) -> Diagnosis {
    match error {
        DataverseError::Transport(e) => transport(e, "Dataverse"),
        DataverseError::Unexpected { status: 429, .. } => throttled("Dataverse"),
        DataverseError::Unexpected { detail, .. } => unexpected(detail, "Dataverse"),
        DataverseError::Api { status: 429, .. } => throttled("Dataverse"),
        e if e.code() == Some(codes::NOT_A_MEMBER) => not_a_member(facts),
        e if e.code() == Some(codes::APP_BLOCKED) => app_blocked(facts),
        e if e.is_user_disabled() => user_disabled(facts, e.code()),
        e if e.is_privilege_denied() => {
            let privilege = e
                .message()
                .and_then(crate::dataverse::privilege_message::parse)
                .map(|m| m.privilege)
                .unwrap_or_else(|| "a privilege".to_owned());
            missing_privilege(&privilege, step, "Organization level")
        }
        DataverseError::Api { status: 401, .. } => token_rejected(facts),
        DataverseError::Api {
            status, code, message, ..
        } => {
            let code = code.clone().unwrap_or_else(|| format!("http_{status}"));
            let fix = if *status >= 500 {
                "Dataverse had an internal error; retry in a few minutes, and check the Power Platform admin center's service health if it persists."
            } else {
                "Check the environment URL and the application user's security roles."
            };
            Diagnosis::new(
                code,
                format!(
                    "Dataverse refused to {step} (HTTP {status}){}",
                    if message.is_empty() {
                        ".".to_owned()
                    } else {
                        format!(": {}", message.chars().take(300).collect::<String>())
                    }
                ),
                fix,
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aad(code: u64, error: &str) -> AadError {
        AadError {
            status: 400,
            error: error.into(),
            error_codes: vec![code],
            description: format!("AADSTS{code}: something. Trace ID: x"),
        }
    }

    #[test]
    fn every_reference_code_has_its_own_entry() {
        let facts = Facts {
            application_id: "app".into(),
            tenant: "t".into(),
            instance_url: "https://x.crm.dynamics.com".into(),
            cloud: "public",
        };
        let generic = aadsts(&aad(1, "invalid_request"), &facts);
        for code in [
            7000215, 7000222, 7000218, 700024, 700016, 90002, 900023, 500011, 50059, 90014, 900144, 50034, 50126,
            50076, 50079, 53003, 65001, 65002,
        ] {
            let d = aadsts(&aad(code, "invalid_client"), &facts);
            assert_eq!(d.code, format!("AADSTS{code}"));
            assert_ne!(d.fix, generic.fix, "{code} falls through to the generic fix");
            assert!(d.fix.as_deref().is_some_and(|f| !f.is_empty()));
        }
        assert!(aadsts(&aad(7000215, "invalid_client"), &facts)
            .fix
            .unwrap()
            .contains("Secret ID"));
        assert!(aadsts(&aad(700016, "unauthorized_client"), &facts)
            .fix
            .unwrap()
            .contains("replicate"));
    }

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
