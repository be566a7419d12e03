//! The site's own app against Dataverse, as verification finds it: what the application user lacks
//! and where an admin gives it.

use super::network::{deadline, throttled, transport, unexpected};
use super::{Diagnosis, Facts, Phrase, APP_USERS};
use crate::dataverse::codes;
use crate::service::{Code, Error, Refusal};

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
    .ids("app.not_a_member", "fix.not_a_member")
    .param("application_id", &facts.application_id)
    .param("instance_url", &facts.instance_url)
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
    .ids("app.app_blocked", "fix.app_blocked")
    .param("application_id", &facts.application_id)
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
    .ids("app.user_disabled", "fix.user_disabled")
    .param("application_id", &facts.application_id)
    .param("instance_url", &facts.instance_url)
}

/// The application user holds no security role: Dataverse refuses even its own privileges (or lists
/// none). `refusal` is Dataverse's answer, when it refused.
pub fn no_role(facts: &Facts, refusal: Option<&Error>) -> Diagnosis {
    let said = match refusal {
        Some(e) => format!(
            " Dataverse answered HTTP {}{}: {}",
            e.status().unwrap_or_default(),
            e.code().map(|c| format!(" {c}")).unwrap_or_default(),
            e.message().chars().take(300).collect::<String>()
        ),
        None => " Dataverse lists no privilege for it.".to_owned(),
    };
    let d = Diagnosis::new(
        "no_role",
        format!(
            "The application user of {} in {} has no security role assigned.{said}",
            facts.application_id, facts.instance_url
        ),
        format!(
            "{APP_USERS} → select the app user of {} → Edit security roles, and assign Basic User plus a role that can read the tables the site needs (or run setup again, which assigns them).",
            facts.application_id
        ),
    )
    .param("application_id", &facts.application_id)
    .param("instance_url", &facts.instance_url);
    // Dataverse's own refusal is free text: then only the fix has an id.
    match refusal {
        Some(_) => d.fix_id("fix.no_role"),
        None => d.ids("app.no_role", "fix.no_role"),
    }
}

/// Dataverse rejected the token itself (401).
pub fn token_rejected(facts: &Facts) -> Diagnosis {
    Diagnosis::new(
        "unauthorized",
        format!("Dataverse at {} rejected the access token (HTTP 401).", facts.instance_url),
        "Check that the environment URL belongs to the tenant the token came from; if the tenant was typed, leave it empty to discover the environment's own tenant.",
    )
    .ids("app.unauthorized", "fix.unauthorized")
    .param("instance_url", &facts.instance_url)
}

/// A missing privilege, named (`prvReadEntity`, `prvReadincident`), with the role change that fixes it.
pub fn missing_privilege(privilege: &str, what: impl Into<Phrase>, depth_hint: impl Into<Phrase>) -> Diagnosis {
    let (what, depth_hint) = (what.into(), depth_hint.into());
    Diagnosis::new(
        codes::PRIVILEGE_DENIED,
        format!("The application user lacks the privilege {privilege}, needed to {}.", what.english),
        format!(
            "{APP_USERS} → select the app user → Edit security roles, and add a role that grants {privilege} ({}); or, in Settings → Security roles, edit one of its roles and set that privilege on the table's row. Prefer a dedicated least-privilege role over System Administrator.",
            depth_hint.english
        ),
    )
    .ids("app.missing_privilege", "fix.missing_privilege")
    .param("privilege", privilege)
    .phrase("what", &what)
    .phrase("depth_hint", &depth_hint)
}

/// The depth hint of a table's missing privilege.
pub const HINT_EVERY_ROW: &str = "Organization level if the site must see every row";

/// Any other Dataverse failure while trying to `action` ("read the table list", …).
pub fn dataverse(error: &Error, facts: &Facts, action: impl Into<Phrase>) -> Diagnosis {
    let action = action.into();
    let refusal = match error {
        Error::Transport { error, .. } => return transport(error, "Dataverse"),
        Error::Deadline => return deadline("Dataverse"),
        Error::Unexpected { status: 429, .. } => return throttled("Dataverse"),
        Error::Unexpected { detail, .. } => return unexpected(detail, "Dataverse"),
        Error::Service(r) => r,
    };
    match refusal.status {
        429 => return super::network::throttled_by("Dataverse", error.code()),
        _ if error.code() == Some(codes::NOT_A_MEMBER) => return not_a_member(facts),
        _ if error.code() == Some(codes::APP_BLOCKED) => return app_blocked(facts),
        _ if codes::is_user_disabled(error) => return user_disabled(facts, error.code()),
        _ if codes::is_privilege_denied(error) => {
            let privilege = crate::dataverse::privilege_message::parse(&refusal.message)
                .map(|m| m.privilege)
                .unwrap_or_else(|| "a privilege".to_owned());
            return missing_privilege(
                &privilege,
                action,
                Phrase::new("hint.organization", "Organization level"),
            );
        }
        401 => return token_rejected(facts),
        _ => {}
    }
    refused(refusal, &action)
}

/// A refusal the catalogue has no entry for: its code (or status) and message, and the general fix.
fn refused(refusal: &Refusal, action: &Phrase) -> Diagnosis {
    let status = refusal.status;
    let code = match &refusal.code {
        Code::Dataverse { code: Some(code) } => code.clone(),
        _ => format!("http_{status}"),
    };
    let message = match refusal.code {
        Code::None => "",
        _ => refusal.message.as_str(),
    };
    let (fix, fix_id) = if status >= 500 {
        ("Dataverse had an internal error; retry in a few minutes, and check the Power Platform admin center's service health if it persists.", "fix.dataverse_5xx")
    } else {
        (
            "Check the environment URL and the application user's security roles.",
            "fix.dataverse_refused",
        )
    };
    let message: String = message.chars().take(300).collect();
    let english = &action.english;
    let (detail, detail_id) = if message.is_empty() {
        (
            format!("Dataverse refused to {english} (HTTP {status})."),
            "app.refused",
        )
    } else {
        (
            format!("Dataverse refused to {english} (HTTP {status}): {message}"),
            "app.refused_message",
        )
    };
    Diagnosis::new(code, detail, fix)
        .ids(detail_id, fix_id)
        .phrase("action", action)
        .param("status", status)
        .param("message", message)
}

/// A table the environment does not have.
pub fn table_not_found(name: &str, facts: &Facts) -> Diagnosis {
    Diagnosis::new(
        "table_not_found",
        format!("There is no table with the logical name '{name}' in {}.", facts.instance_url),
        format!(
            "Check the name: logical names are lower case and custom tables carry their publisher prefix (for example new_review). If the table comes from a solution, import it into {} first.",
            facts.instance_url
        ),
    )
    .ids("app.table_not_found", "fix.table_not_found")
    .param("table", name)
    .param("instance_url", &facts.instance_url)
}

const RENEW: &str = "In the Microsoft Entra admin center → App registrations → your app → Certificates & secrets, add a new client secret, paste its Value here, then delete the old one.";

/// `secret_expires_at` that is not a date.
pub fn invalid_secret_expiry(raw: &str) -> Diagnosis {
    let value: String = raw.chars().take(60).collect();
    Diagnosis::new(
        "invalid_secret_expiry",
        format!("'{value}' is not an ISO 8601 date."),
        "Pass secret_expires_at as an ISO 8601 date, for example 2026-12-31T00:00:00Z (Graph's endDateTime).",
    )
    .ids("secret_expiry.invalid", "fix.secret_expiry_format")
    .param("value", value)
}

/// The client secret expired on `date`.
pub fn secret_expired(date: time::Date) -> Diagnosis {
    Diagnosis::new("secret_expired", format!("The client secret expired on {date}."), RENEW)
        .ids("secret_expiry.expired", "fix.renew_secret")
        .param("expires_at", date)
}

/// The client secret expires on `date`, `days` from now.
pub fn secret_expiring(date: time::Date, days: i64) -> Diagnosis {
    Diagnosis::new(
        "secret_expiring",
        format!("The client secret expires on {date}, in {days} days; the site stops working then."),
        RENEW,
    )
    .ids("secret_expiry.expiring", "fix.renew_secret")
    .param("expires_at", date)
    .param("days", days)
}

/// The application user reads a table only at user (`basic`) or business-unit (`local`) depth.
pub fn shallow_read(code: &str, detail: String, privilege: &str) -> Diagnosis {
    Diagnosis::new(
        code,
        detail,
        format!(
            "If the site must show every row, give the application user a role with {privilege} at Organization level (Settings → Security roles → the role → the table's Read column, full circle)."
        ),
    )
    .ids(&format!("table.{code}"), "fix.shallow_read")
    .param("privilege", privilege)
}

/// Table definitions cannot be read: usually the application user has no role at all.
pub fn no_metadata_access(privilege: &str) -> Diagnosis {
    let mut d = missing_privilege(
        privilege,
        Phrase::new("action.metadata", "read table definitions (metadata)"),
        Phrase::new("hint.basic_user", "the Basic User role includes it"),
    );
    d.fix = Some(format!(
        "{} Usually the application user has no security role at all: assign Basic User plus a role that can read the site's tables.",
        d.fix.unwrap_or_default()
    ));
    d.texts.fix_id = Some("fix.no_metadata_access".to_owned());
    d
}
