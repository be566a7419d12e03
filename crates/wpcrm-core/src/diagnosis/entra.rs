//! Entra ID's refusals of a token request, one entry per AADSTS code
//! (<https://learn.microsoft.com/entra/identity-platform/reference-error-codes>).

use super::network::{deadline, throttled, transport, unexpected};
use super::{input, Diagnosis, Facts};
use crate::service::{Code, Error, Refusal};

/// Why the site's app got no token.
pub fn token_error(error: &Error, facts: &Facts) -> Diagnosis {
    match error {
        Error::Service(Refusal { status: 429, .. }) | Error::Unexpected { status: 429, .. } => throttled("Entra ID"),
        Error::Service(Refusal {
            code: Code::Entra { .. },
            ..
        }) => aadsts(error, facts),
        Error::Service(refusal) => unexpected(&refusal.message, "Entra ID"),
        Error::Transport { error, .. } => transport(error, "Entra ID"),
        Error::Deadline => deadline("Entra ID"),
        Error::Unexpected { detail, .. } => unexpected(detail, "Entra ID"),
    }
}

/// An Entra ID refusal at the token endpoint, by its AADSTS number.
fn aadsts(error: &Error, facts: &Facts) -> Diagnosis {
    let number = error.aadsts();
    let oauth_error = error.code().unwrap_or_default();
    let code = match number {
        Some(n) => format!("AADSTS{n}"),
        None => oauth_error.to_owned(),
    };
    let entry = app_entry(number, facts).or_else(|| sign_in_entry(number));
    let known = entry.is_some();
    let message = first_sentence(&error.message()).to_owned();
    let number_text = code.trim_start_matches("AADSTS").to_owned();
    let (detail, fix) = entry.unwrap_or_else(|| {
        (
            format!("Entra ID refused the token request: {oauth_error} ({message})."),
            format!("Look up {code} at https://login.microsoftonline.com/error?code={number_text} and check the application ID, secret and tenant."),
        )
    });
    let (detail_id, fix_id) = match number {
        _ if !known => ("entra.generic".to_owned(), "fix.entra_generic".to_owned()),
        Some(7000215) => (code.clone(), "fix.secret_id".to_owned()),
        Some(900023 | 50059) => (code.clone(), "fix.tenant_id".to_owned()),
        _ => (code.clone(), format!("fix.{code}")),
    };
    Diagnosis::new(code.clone(), detail, fix)
        .ids(&detail_id, &fix_id)
        .param("application_id", &facts.application_id)
        .param("tenant", &facts.tenant)
        .param("cloud", facts.cloud)
        .param("instance_url", &facts.instance_url)
        .param("oauth_error", oauth_error)
        .param("message", message)
        .param("code", &code)
        .param("aadsts", number_text)
}

/// Codes about the app's registration, its secret, the tenant or the resource.
fn app_entry(number: Option<u32>, facts: &Facts) -> Option<(String, String)> {
    let app = &facts.application_id;
    let tenant = &facts.tenant;
    Some(match number? {
        7000215 => (
            format!("Entra ID rejected the client secret of application {app}. Most often the Secret ID was pasted instead of the secret Value, or the secret belongs to another app or was replaced."),
            input::SECRET_ID_FIX.to_owned(),
        ),
        7000222 => (
            format!("The client secrets of application {app} have expired."),
            "In the Microsoft Entra admin center → App registrations → your app → Certificates & secrets, add a new client secret, paste its Value here, and delete the expired one. Note the new expiry date.".to_owned(),
        ),
        7000218 => (
            "The token request carried no client secret.".to_owned(),
            "Enter the client secret Value; the application is a confidential client and must authenticate with it.".to_owned(),
        ),
        700024 => (
            "The client assertion is outside its valid time range.".to_owned(),
            "Check the server's clock (enable NTP) and try again.".to_owned(),
        ),
        700016 => (
            format!("Entra ID has no application {app} in the tenant {tenant}."),
            format!("Check the Application (client) ID and the tenant: the app must be registered in tenant {tenant} (Microsoft Entra admin center → App registrations → All applications). If the app was created in the last few minutes, wait a minute and retry: new registrations take time to replicate."),
        ),
        90002 => (
            format!("The tenant {tenant} does not exist in the {} cloud.", facts.cloud),
            format!("Check the Directory (tenant) ID (Microsoft Entra admin center → Overview), or leave it empty to discover it from the environment. {}", cloud_hint(facts)),
        ),
        900023 => (
            format!("'{tenant}' is not a valid tenant identifier."),
            input::TENANT_ID.to_owned(),
        ),
        500011 => (
            format!("Entra ID does not know the resource {} in the tenant {tenant}.", facts.instance_url),
            "Check the environment URL for typos and that the environment belongs to this tenant; if the tenant was typed, check it too (or leave it empty to discover it).".to_owned(),
        ),
        50059 => (
            "The token request named no tenant.".to_owned(),
            input::TENANT_ID.to_owned(),
        ),
        90014 | 900144 => (
            "The token request was missing a required field.".to_owned(),
            "This is a client bug or a proxy rewriting the request body; check for a TLS-inspecting proxy that alters POST bodies.".to_owned(),
        ),
        700022 | 700023 | 70011 => (
            format!("Entra ID rejected the requested scope {}/.default.", facts.instance_url),
            "Check the environment URL: the scope is built from it.".to_owned(),
        ),
        7000112 | 7000114 => (
            format!("Application {app} is disabled in tenant {tenant}."),
            "Enable the application's service principal (Microsoft Entra admin center → Enterprise applications → the app → Properties → Enabled for users to sign in).".to_owned(),
        ),
        _ => return None,
    })
}

/// Codes about a person signing in (the admin, during setup).
fn sign_in_entry(number: Option<u32>) -> Option<(String, String)> {
    Some(match number? {
        50034 => (
            "The account does not exist in this directory.".to_owned(),
            "Use an account of this tenant, or invite it as a guest.".to_owned(),
        ),
        50126 => (
            "Wrong user name or password.".to_owned(),
            "Re-enter the credentials.".to_owned(),
        ),
        50076 | 50079 => (
            "Multi-factor authentication is required.".to_owned(),
            "Complete MFA in the browser sign-in step.".to_owned(),
        ),
        53003 => (
            "Conditional Access blocked the sign-in.".to_owned(),
            "Ask an Entra administrator to exclude this app or user from the blocking Conditional Access policy, or sign in another way.".to_owned(),
        ),
        65001 => (
            "The application has no consent for this resource.".to_owned(),
            "Grant admin consent for the application in the Microsoft Entra admin center → Enterprise applications.".to_owned(),
        ),
        65002 => (
            "This first-party client is not pre-authorized for the resource.".to_owned(),
            "Use a pre-authorized client or your own app registration.".to_owned(),
        ),
        _ => return None,
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    fn aad(code: u32, error: &str) -> Error {
        Error::Service(Refusal {
            service: crate::service::Service::Entra,
            status: 400,
            code: Code::Entra {
                error: error.into(),
                aadsts: vec![code],
            },
            message: format!("AADSTS{code}: something. Trace ID: x"),
        })
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
}
