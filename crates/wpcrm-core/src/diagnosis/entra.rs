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

/// How the admin was signing in when Entra refused, for the words of the fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInFlow {
    /// The device code flow (a code entered at the verification page).
    DeviceCode,
    /// The browser sign-in with a pasted-back address (authorization code with PKCE).
    Browser,
    /// A refresh of the admin's sign-in for one resource (Graph, discovery or the environment).
    Refresh,
}

/// What a sign-in refusal's words mention; none of it secret.
#[derive(Debug, Clone, Copy)]
pub struct SignInFacts<'a> {
    pub flow: SignInFlow,
    /// The resource the token was for, in words (`Microsoft Graph`, `the Dataverse environment …`).
    pub resource: &'a str,
    /// The public client the admin signs in with (`wpcrm.admin_client_id`).
    pub client_id: &'a str,
}

const EXCLUDE: &str = "ask the Conditional Access administrator (Microsoft Entra admin center → Protection → Conditional Access) to exclude this account or the client app";
const USE_BROWSER: &str = "use \"Sign in in the browser\" (WP-CLI: --sign-in=browser) instead of the device code";

/// Why Entra refused the admin's sign-in (device code, browser or refresh) for a tenant policy, a
/// declined consent or another refusal of a user grant: the AADSTS code (else the OAuth `error`),
/// which policy blocks what, and what the admin can do. Decided by the numbers, never the text.
pub fn sign_in_refused(error: &Error, f: &SignInFacts<'_>) -> Diagnosis {
    let numbers: Vec<u32> = match error.refusal().map(|r| &r.code) {
        Some(Code::Entra { aadsts, .. }) => aadsts.clone(),
        _ => Vec::new(),
    };
    let known = numbers.iter().copied().find(|n| policy_entry(*n, f).is_some());
    let code = match known.or(numbers.first().copied()) {
        Some(n) => format!("AADSTS{n}"),
        None => error.code().unwrap_or("sign_in_refused").to_owned(),
    };
    let entry = known
        .and_then(|n| policy_entry(n, f))
        .or_else(|| value_entry(error.code(), f));
    let fix_id = match (known, error.code()) {
        (Some(n), _) => policy_fix_id(n, f.flow),
        (None, Some("authorization_declined" | "access_denied")) => policy_fix_id(65004, f.flow),
        (None, Some("consent_required")) => policy_fix_id(65001, f.flow),
        (None, Some("interaction_required" | "login_required")) => "fix.sign_in.interaction_required".to_owned(),
        // Exactly the refusals `value_entry` has no words for: the generic fix below.
        _ => "fix.sign_in.generic".to_owned(),
    };
    let said = first_sentence(&error.message()).to_owned();
    let (what, fix) = entry.unwrap_or_else(|| {
        (
            format!("Entra ID refused the sign-in for {}.", f.resource),
            format!("Look up {code} at https://login.microsoftonline.com/error?code={}; if a tenant policy is named, {EXCLUDE} ({}), or {USE_BROWSER}.", code.trim_start_matches("AADSTS"), f.client_id),
        )
    });
    let detail = if said.is_empty() {
        what
    } else {
        format!("{what} Entra ID said: {said}")
    };
    // The detail quotes Entra ID's own words: only the fix has an id.
    let aadsts = code.trim_start_matches("AADSTS").to_owned();
    Diagnosis::new(code.clone(), detail, fix)
        .fix_id(&fix_id)
        .param("client_id", f.client_id)
        .param("resource", f.resource)
        .param("code", &code)
        .param("aadsts", aadsts)
}

/// The fix's text id of a policy number: `fix.sign_in.AADSTS<n>`, and the flow where its words differ.
fn policy_fix_id(n: u32, flow: SignInFlow) -> String {
    let n = match n {
        53011 => 53004,
        50079 => 50072,
        50076 => 50074,
        n => n,
    };
    let variant = match (n, flow) {
        (53000 | 53001 | 53003, SignInFlow::DeviceCode) => ".device_code",
        (53003 | 530032 | 50074 | 50158, SignInFlow::Browser) => ".browser",
        (53003, SignInFlow::Refresh) => ".refresh",
        _ => "",
    };
    format!("fix.sign_in.AADSTS{n}{variant}")
}

/// A notice: the admin's earlier sign-in is spent (redeemed, expired or revoked), so a new one is
/// asked for.
pub fn sign_in_spent(error: &Error) -> Diagnosis {
    let code = error
        .aadsts()
        .map(|n| format!("AADSTS{n}"))
        .unwrap_or_else(|| error.code().unwrap_or("invalid_grant").to_owned());
    Diagnosis::new(
        code,
        "The earlier sign-in expired or was revoked (for example after a password change or a sign-in frequency policy); sign in again to continue.",
        "Sign in again when asked; the run then resumes where it stopped.",
    )
    .ids("provision.sign_in_spent", "fix.provision.sign_in_spent")
}

/// `sign_in_method` is neither `device_code` nor `browser`.
pub fn invalid_sign_in_method(method: &str) -> Diagnosis {
    Diagnosis::new(
        "invalid_sign_in_method",
        format!("Unknown sign-in method '{method}'."),
        "Use 'device_code' (the default) or 'browser'.",
    )
    .ids(
        "provision.invalid_sign_in_method",
        "fix.provision.invalid_sign_in_method",
    )
    .param("method", method)
}

/// The pasted address is not the sign-in's redirect address, or carries neither a code nor an error.
pub fn not_a_sign_in_response(redirect_uri: &str) -> Diagnosis {
    Diagnosis::new(
        "invalid_sign_in_response",
        format!("The pasted address is not the address the browser was sent to after signing in (it starts with {redirect_uri} and carries code= and state=)."),
        format!("Open the sign-in link again, sign in, and when the browser shows an error page for {redirect_uri}, copy the whole address from the address bar and paste it."),
    )
    .ids("provision.invalid_sign_in_response", "fix.provision.invalid_sign_in_response")
    .param("redirect_uri", redirect_uri)
}

/// The pasted address answers another sign-in (its `state` is not this one's).
pub fn sign_in_state_mismatch() -> Diagnosis {
    Diagnosis::new(
        "sign_in_state_mismatch",
        "The pasted address belongs to another sign-in link (its state does not match), so it was not used.",
        "Open the sign-in link shown now (not an older one), sign in, and paste the address the browser ends on.",
    )
    .ids(
        "provision.sign_in_state_mismatch",
        "fix.provision.sign_in_state_mismatch",
    )
}

/// Whether a report code (`AADSTS53000`…) is a tenant policy or a declined consent that refused the
/// admin's sign-in: signing in the same way again would be refused the same way.
pub fn is_sign_in_policy_code(code: &str) -> bool {
    code.strip_prefix("AADSTS")
        .and_then(|n| n.parse::<u32>().ok())
        .is_some_and(|n| crate::oauth::grant_error::is_policy_number(n) || n == 65004)
}

/// Where the refusal came from, in words.
fn flow_words(flow: SignInFlow) -> &'static str {
    match flow {
        SignInFlow::DeviceCode => "the device code sign-in",
        SignInFlow::Browser => "the browser sign-in",
        SignInFlow::Refresh => "the token request made with your earlier sign-in",
    }
}

/// The entry of a policy, MFA, device or consent number.
fn policy_entry(n: u32, f: &SignInFacts<'_>) -> Option<(String, String)> {
    let how = flow_words(f.flow);
    let res = f.resource;
    let client = f.client_id;
    let device_code = f.flow == SignInFlow::DeviceCode;
    let or_browser = if f.flow == SignInFlow::Browser {
        String::new()
    } else {
        format!(", or {USE_BROWSER}")
    };
    Some(match n {
        53000 => (
            format!("A Conditional Access policy requires a compliant (Intune-managed) device for {res}, and {how} did not come from one."),
            format!("Sign in in the browser on a compliant device{}; or {EXCLUDE} ({client}) from the policy that requires a compliant device.", if device_code { " (a device code sign-in can never satisfy this policy: the device that approves the code is not the one that gets the token)" } else { "" }),
        ),
        53001 => (
            format!("A Conditional Access policy requires a Microsoft Entra hybrid joined device for {res}, and {how} did not come from one."),
            format!("Sign in in the browser on a hybrid joined device{}; or {EXCLUDE} ({client}) from the policy.", if device_code { " (device code cannot satisfy it)" } else { "" }),
        ),
        53002 => (
            format!("A Conditional Access policy allows only approved client apps for {res}; the admin client {client} is not one."),
            format!("{} exclude the client app {client} from the 'Require approved client app' policy, or run setup with an approved client (wpcrm.admin_client_id).", capitalize(EXCLUDE)),
        ),
        53003 => (
            format!("A Conditional Access policy blocked {how} for {res}{}.", if device_code { " (often a policy that blocks the device code flow: Conditions → Authentication flows → Device code flow)" } else { "" }),
            format!(
                "{}; otherwise {EXCLUDE} ({client}) from the blocking policy. The sign-in logs (Microsoft Entra admin center → Sign-in logs → Conditional Access tab) name the policy.",
                match f.flow {
                    SignInFlow::DeviceCode => capitalize(USE_BROWSER),
                    SignInFlow::Browser => "Sign in from a device and location the policy allows".to_owned(),
                    SignInFlow::Refresh => format!("Sign in again from a device and location the policy allows{or_browser}"),
                }
            ),
        ),
        53004 | 53011 => (
            format!("Identity Protection blocked {how} because the account is considered at risk."),
            "Ask an administrator to review the risky sign-in (Microsoft Entra admin center → Protection → Identity Protection → Risky users) and dismiss or remediate the risk, then sign in again.".to_owned(),
        ),
        530032 => (
            format!("A security policy of the tenant (security defaults or a Conditional Access security policy) blocked {how} for {res}."),
            format!("Ask an administrator to review the policy in the sign-in logs (Conditional Access tab){or_browser}, or sign in with an account the policy allows."),
        ),
        50074 | 50076 => (
            format!("Multi-factor authentication is required for {res}, and {how} did not satisfy it{}.", if f.flow == SignInFlow::Refresh { " (a Conditional Access policy requires MFA for this resource only)" } else { "" }),
            format!("Sign in again and complete the MFA prompt{or_browser}; if no prompt appears, ask the Conditional Access administrator which policy requires MFA for {res}."),
        ),
        50072 | 50079 => (
            "The account must register for multi-factor authentication before it may sign in.".to_owned(),
            "Register an MFA method at https://aka.ms/mfasetup with this account, then sign in again.".to_owned(),
        ),
        50097 => (
            format!("A policy requires device authentication (a registered or joined device) for {res}, which {how} cannot provide."),
            format!("Sign in in the browser on a registered or joined device (with its Microsoft Entra identity, e.g. Edge or the Enterprise SSO extension); or {EXCLUDE} ({client}) from the policy that requires it."),
        ),
        50158 => (
            format!("An external security challenge (a third-party MFA or federated provider) must be completed for {res}, which {how} did not do."),
            format!("Sign in interactively and complete the external challenge{or_browser}; or ask the administrator to exempt this account or the client app {client} from the custom control."),
        ),
        50105 => (
            format!("The client app {client} requires user assignment, and this account is not assigned to it."),
            format!("Ask an administrator to assign the account to the enterprise application {client} (Enterprise applications → the app → Users and groups), or turn off 'Assignment required'."),
        ),
        65001 => (
            format!("Nobody has consented to the client app {client} accessing {res}."),
            format!("Ask a Global Administrator or Privileged Role Administrator to grant admin consent to {client} for {res} (Microsoft Entra admin center → Enterprise applications → the app → Permissions), or to sign in once and accept the consent prompt."),
        ),
        65002 => (
            format!("The first-party client {client} is not pre-authorized for {res}."),
            "Use a client that is pre-authorized for the resource, or your own public client registration, as wpcrm.admin_client_id.".to_owned(),
        ),
        65004 => (
            format!("The sign-in or its consent prompt was declined ({how})."),
            "Run again and approve the sign-in (and the consent prompt) with an administrator account; if consent is not yours to give, ask an administrator to grant admin consent for the client app.".to_owned(),
        ),
        _ => return None,
    })
}

/// The entry of an OAuth `error` value that came without a number Entra documents.
fn value_entry(error: Option<&str>, f: &SignInFacts<'_>) -> Option<(String, String)> {
    let how = flow_words(f.flow);
    Some(match error? {
        "authorization_declined" | "access_denied" => policy_entry(65004, f)?,
        "consent_required" => policy_entry(65001, f)?,
        "interaction_required" | "login_required" => (
            format!("Entra ID requires an interactive step (MFA, consent or a policy prompt) that {how} did not complete for {}.", f.resource),
            format!("Sign in again in the browser and complete every prompt; if the sign-in logs name a Conditional Access policy, {EXCLUDE} ({}).", f.client_id),
        ),
        _ => return None,
    })
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
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
        let sign_in = SignInFacts {
            flow: SignInFlow::DeviceCode,
            resource: "Microsoft Graph",
            client_id: "04b07795",
        };
        let generic = sign_in_refused(&aad(1, "invalid_grant"), &sign_in);
        for code in [
            53000, 53001, 53002, 53003, 53004, 530032, 50074, 50076, 50079, 50097, 50158, 50105, 65001, 65002, 65004,
        ] {
            for flow in [SignInFlow::DeviceCode, SignInFlow::Browser, SignInFlow::Refresh] {
                let d = sign_in_refused(&aad(code, "invalid_grant"), &SignInFacts { flow, ..sign_in });
                assert_eq!(d.code, format!("AADSTS{code}"));
                assert_ne!(d.fix, generic.fix, "{code} falls through to the generic fix");
                assert!(
                    crate::oauth::grant_error::is_policy_number(code) || code == 65004,
                    "{code}"
                );
            }
        }
        let d = sign_in_refused(&aad(53003, "invalid_grant"), &sign_in);
        assert!(d.fix.as_deref().unwrap().contains("in the browser"), "{d:?}");
        assert!(d.detail.contains("Device code flow"), "{d:?}");
        assert!(aadsts(&aad(700016, "unauthorized_client"), &facts)
            .fix
            .unwrap()
            .contains("replicate"));
    }
}
