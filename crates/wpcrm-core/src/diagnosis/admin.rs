//! The signed-in admin against Entra ID, Graph and Dataverse, as setup finds it: which right the
//! account lacks, or which tenant policy stands in the way.

use super::network::transport;
use super::Diagnosis;
use crate::service::{Code, Error, Service};

const NEEDS_APP_ADMIN: &str = "Sign in with an account that holds the Application Administrator or Cloud Application Administrator role (or ask a Global Administrator to run this), or turn on 'Users can register applications' in the tenant, then run again.";
const NEEDS_SYSTEM_ADMIN: &str = "The signed-in account is not a System Administrator of this environment. Sign in with one (or ask one to run this), then run again.";
const CONDITIONAL_ACCESS: &str = "A Conditional Access policy blocks this sign-in (often the device code flow itself). Ask an administrator to exclude this account or the Azure CLI client from the policy, or provision from a compliant device, then run again.";
const SECRET_LIFETIME_POLICY: &str = "The tenant's app management policy limits client secret lifetimes. Run again with a shorter secret_lifetime_days (for example 90), or ask an administrator to relax the policy.";
const SIGN_IN_EXPIRED: &str = "The admin sign-in has expired. Run again to sign in anew.";
const RUN_AGAIN: &str =
    "Run again; the run resumes where it stopped. If the error persists, the message above names the cause.";

/// Graph codes of an app management policy that forbids client secrets (`passwordAddition`). The
/// wire shape is not documented: the code is looked for as `error.code` and in `details[]`.
const SECRETS_FORBIDDEN: [&str; 2] = ["CredentialTypeNotAllowedAsPerAppPolicy", "PasswordAdditionRestricted"];

/// Whether Graph refused a client secret because a tenant policy forbids secrets altogether.
pub fn is_secret_forbidden(error: &Error) -> bool {
    error.service() == Some(Service::Graph)
        && SECRETS_FORBIDDEN
            .iter()
            .any(|c| error.code() == Some(*c) || error.has_detail(c))
}

/// The tenant forbids client secrets: which policy, who can exempt the app, and the alternative.
pub fn secrets_forbidden(error: &Error) -> Diagnosis {
    Diagnosis::new(
        "secret_blocked_by_policy",
        format!(
            "The tenant's application management policy forbids client secrets (its passwordAddition restriction), so Graph refused to add one: {}",
            error.message()
        ),
        "An administrator who may manage application policies (Global Administrator, or a role with Policy.ReadWrite.ApplicationConfiguration) can exempt this application: in Microsoft Graph create an appManagementPolicy without the passwordAddition restriction and assign it to the application (POST /applications/<object id>/appManagementPolicies/$ref), or relax the tenant default policy (/policies/defaultAppManagementPolicy). Then run again; the run resumes at the secret. Otherwise the site needs a certificate credential, which wpcrm does not create.",
    )
    .fix_id("fix.secret_blocked_by_policy")
}

/// A request of setup failed: the code for `error.code`, the service's own message, and the fix.
pub fn explain(error: &Error) -> Diagnosis {
    if is_secret_forbidden(error) {
        return secrets_forbidden(error);
    }
    let (fix, fix_id) = match error {
        Error::Transport { service, error: e } => {
            let d = transport(e, service.name());
            return Diagnosis {
                code: code(error),
                detail: error.message(),
                ..d
            };
        }
        _ if error.code() == Some("Authorization_RequestDenied")
            || (error.status() == Some(403) && error.service() == Some(Service::Graph)) =>
        {
            (NEEDS_APP_ADMIN, "fix.needs_app_admin")
        }
        _ if error.has_aadsts(53003) => (CONDITIONAL_ACCESS, "fix.conditional_access"),
        _ if error.code() == Some("CredentialInvalidLifetimeAsPerAppPolicy")
            || error.has_detail("InvalidKeyEndDate") =>
        {
            (SECRET_LIFETIME_POLICY, "fix.secret_lifetime_policy")
        }
        _ if error.code() == Some(crate::dataverse::codes::PRIVILEGE_DENIED)
            || (error.status() == Some(403) && error.service() == Some(Service::Dataverse)) =>
        {
            (NEEDS_SYSTEM_ADMIN, "fix.needs_system_admin")
        }
        _ if error.code() == Some("invalid_grant") => (SIGN_IN_EXPIRED, "fix.sign_in_expired"),
        _ => (RUN_AGAIN, "fix.run_again"),
    };
    // The detail is the service's own message: it is shown as the service sent it.
    Diagnosis {
        code: code(error),
        detail: error.message(),
        fix: Some(fix.to_owned()),
        ..Diagnosis::default()
    }
    .fix_id(fix_id)
}

/// The report code of a failed request of setup: the first AADSTS number, else the service's code,
/// else what the status or the network says.
fn code(error: &Error) -> String {
    match error {
        Error::Transport { error, .. } => error.kind.code().to_owned(),
        Error::Deadline => "timeout".to_owned(),
        // Throttling outlasted the call's budget: the same word verify reports.
        _ if error.is_throttled() => "throttled".to_owned(),
        Error::Service(refusal) => match (&refusal.code, error.aadsts()) {
            (_, Some(n)) => format!("AADSTS{n}"),
            (Code::None, _) | (Code::Dataverse { code: None }, _) => format!("http_{}", refusal.status),
            _ => error.code().unwrap_or_default().to_owned(),
        },
        // Not the service's answer: a page from something in between is reported by its status.
        Error::Unexpected { status, .. } if *status >= 300 => format!("http_{status}"),
        Error::Unexpected { .. } => "unexpected_response".to_owned(),
    }
}

/// Undoing setup failed at one of its steps.
pub fn rollback_failed(error: &Error) -> Diagnosis {
    Diagnosis {
        fix: Some("Run the rollback again; what was already removed stays removed.".to_owned()),
        ..explain(error)
    }
    .fix_id("fix.rollback_again")
}

/// Still refused once the replication `window` has passed: `who` ("Entra ID", "Dataverse") still
/// does not see the new application, or the refusal was not replication after all. A fix, with its
/// text id and values.
pub fn replication_outlasted(window: &std::time::Duration, who: &str) -> super::Phrase {
    let secs = window.as_secs();
    let (span, id, unit, n) = if secs >= 120 && secs % 60 == 0 {
        (
            format!("{} minutes", secs / 60),
            "fix.provision.replication_minutes",
            "minutes",
            secs / 60,
        )
    } else {
        (
            format!("{secs} seconds"),
            "fix.provision.replication_seconds",
            "seconds",
            secs,
        )
    };
    super::Phrase::new(id, format!(
        "{who} still refuses the new application {span} after it was created, longer than replication usually takes. If the message above names a cause (a missing right, a policy), fix that; otherwise run again later: the run resumes where it stopped and nothing is created twice."
    ))
    .param("service", who)
    .param(unit, n)
}

/// Failures that belong to the account the admin signed in with (no right to register apps, not a
/// System Administrator in the environment, blocked by Conditional Access, sign-in refused): running
/// again with the same sign-in would fail the same way.
pub fn blames_the_signed_in_account(code: &str) -> bool {
    matches!(
        code,
        "Authorization_RequestDenied"
            | "0x80040220"
            | "cannot_register_apps"
            | "cannot_create_users"
            | "cannot_assign_roles"
            | "cannot_create_roles"
            | "AADSTS53003"
            | "authorization_declined"
            | "expired_token"
            | "invalid_grant"
    ) || super::entra::is_sign_in_policy_code(code)
}

// ---- What provisioning itself refuses or cannot find (`error` of `wpcrm_provision()`) ------------
// The request, its state and what the signed-in admin's environment lacks. Each text is compared by
// the tests and by the PHP plugin: change it here and only here.

/// `wpcrm.sandbox_url` is set but is no https origin.
pub fn invalid_sandbox_url(detail: impl Into<String>) -> Diagnosis {
    Diagnosis::new(
        "invalid_sandbox_url",
        detail,
        "Set wpcrm.sandbox_url to an https origin, or leave it empty in production.",
    )
    .fix_id("fix.provision.invalid_sandbox_url")
}

/// The sealed state does not open with this key (tampered, truncated, another key or version).
pub fn invalid_state(detail: impl Into<String>) -> Diagnosis {
    Diagnosis::new(
        "invalid_state",
        detail,
        "Start again without a state (the site keeps no other copy), or pass the state this site's last call returned.",
    )
    .fix_id("fix.provision.invalid_state")
}

/// The state key is not 32 bytes.
pub fn invalid_state_key() -> Diagnosis {
    Diagnosis::new(
        "invalid_state_key",
        "The state key must be exactly 32 bytes.",
        "Pass a 32-byte key derived from the site's salts.",
    )
    .ids("provision.invalid_state_key", "fix.provision.invalid_state_key")
}

/// `secret_lifetime_days` outside 1..=`max_days`.
pub fn invalid_secret_lifetime(days: i64, max_days: i64) -> Diagnosis {
    Diagnosis::new(
        "invalid_secret_lifetime",
        format!("secret_lifetime_days is {days}; it must be between 1 and {max_days}."),
        format!("Choose a lifetime of at most {max_days} days (180 is the default)."),
    )
    .ids(
        "provision.invalid_secret_lifetime",
        "fix.provision.invalid_secret_lifetime",
    )
    .param("days", days)
    .param("max_days", max_days)
}

/// A table asks for an access kind Dataverse has no privilege type for.
pub fn invalid_access_kind(kind: &str, table: &str) -> Diagnosis {
    Diagnosis::new(
        "invalid_access_kind",
        format!("Unknown access kind '{kind}' for table '{table}'."),
        "Use read, create, write, delete, append or appendto.",
    )
    .ids("provision.invalid_access_kind", "fix.provision.invalid_access_kind")
    .param("kind", kind)
    .param("table", table)
}

/// The request's `action` is none of the three.
pub fn invalid_action(action: &str) -> Diagnosis {
    Diagnosis::new(
        "invalid_action",
        format!("Unknown action '{action}'."),
        "Use 'run', 'cancel', 'rollback', 'forget_secret' or 'renew'.",
    )
    .ids("provision.invalid_action", "fix.provision.invalid_action")
    .param("action", action)
}

/// `action: cancel`; `what_exists` lists what the run created so far.
pub fn cancelled(what_exists: &str) -> Diagnosis {
    Diagnosis::new(
        "cancelled",
        format!("Provisioning was cancelled. {what_exists}"),
        "Run with action 'rollback' to remove what this flow created, or 'run' to continue.",
    )
    .fix_id("fix.provision.cancelled")
}

/// The device code expired before the admin entered it.
pub fn expired_token() -> Diagnosis {
    Diagnosis::new(
        "expired_token",
        "The sign-in code expired before it was used.",
        "Run again to get a new code, and enter it within 15 minutes.",
    )
    .ids("provision.expired_token", "fix.provision.expired_token")
}

/// The admin declined the sign-in.
pub fn authorization_declined() -> Diagnosis {
    Diagnosis::new(
        "authorization_declined",
        "The sign-in was declined.",
        "Run again and approve the sign-in with an administrator account.",
    )
    .ids(
        "provision.authorization_declined",
        "fix.provision.authorization_declined",
    )
}

/// The sign-in succeeded without a refresh token (no `offline_access`).
pub fn no_refresh_token() -> Diagnosis {
    Diagnosis::new(
        "no_refresh_token",
        "The sign-in returned no refresh token.",
        "Check that the admin client may request offline_access, then run again.",
    )
    .ids("provision.no_refresh_token", "fix.provision.no_refresh_token")
}

/// The requested `instance_url` is no Dataverse environment URL.
pub fn invalid_instance_url(detail: impl Into<String>) -> Diagnosis {
    Diagnosis::new(
        "invalid_instance_url",
        detail,
        "Pass the environment URL, e.g. https://contoso.crm.dynamics.com, or omit instance_url to choose from a list.",
    )
    .fix_id("fix.provision.invalid_instance_url")
}

/// The Global Discovery Service lists no environment for the signed-in account.
pub fn no_environments() -> Diagnosis {
    Diagnosis::new(
        "no_environments",
        "The signed-in account cannot reach any Dataverse environment.",
        "Sign in with an account that is a System Administrator of the environment, or pass instance_url.",
    )
    .ids("provision.no_environments", "fix.provision.no_environments")
}

/// The environment shows the signed-in account no root business unit.
pub fn no_root_business_unit() -> Diagnosis {
    Diagnosis::new(
        "no_root_business_unit",
        "The environment has no root business unit visible to the signed-in account.",
        "Sign in as a System Administrator of the environment.",
    )
    .ids("provision.no_root_business_unit", "fix.provision.no_root_business_unit")
}

/// A requested security role does not exist in the root business unit.
pub fn role_not_found(name: &str) -> Diagnosis {
    Diagnosis::new(
        "role_not_found",
        format!("There is no security role named '{name}' in the root business unit."),
        "Check the role's name in the Power Platform admin center (Security roles), or remove it from roles.",
    )
    .ids("provision.role_not_found", "fix.provision.role_not_found")
    .param("name", name)
}

/// A table of the least-privilege role does not exist in the environment.
pub fn table_not_found(table: &str) -> Diagnosis {
    Diagnosis::new(
        "table_not_found",
        format!("The environment has no table '{table}'."),
        "Check the table's logical name (lower case, e.g. 'incident' for Cases), or install the solution that adds it.",
    )
    .ids("provision.table_not_found", "fix.provision.table_not_found")
    .param("table", table)
}

/// A table defines no privilege of the requested kind (`type_name`, e.g. `Delete`).
pub fn privilege_not_found(table: &str, kind: &str, type_name: &str) -> Diagnosis {
    Diagnosis::new(
        "privilege_not_found",
        format!("Table '{table}' has no {type_name} privilege."),
        format!("Remove '{kind}' for '{table}' from tables."),
    )
    .ids("provision.privilege_not_found", "fix.provision.privilege_not_found")
    .param("table", table)
    .param("kind", kind)
    .param("type_name", type_name)
}

/// The application's user exists, but outside the root business unit where its roles were resolved.
pub fn app_user_in_other_business_unit(user_id: &str, business_unit_id: &str) -> Diagnosis {
    Diagnosis::new(
        "app_user_in_other_business_unit",
        format!(
            "The application user {user_id} for this application exists in business unit {business_unit_id}, not in the root business unit."
        ),
        "In the Power Platform admin center (Environment → Settings → Users → Application users), change the user's business unit to the root one or delete the user, then run again.",
    )
    .ids("provision.app_user_in_other_business_unit", "fix.provision.app_user_in_other_business_unit")
    .param("user_id", user_id)
    .param("business_unit_id", business_unit_id)
}

/// Dataverse refused a second application user for the app, yet lists none for it.
pub fn app_user_duplicate_unseen(app_id: &str) -> Diagnosis {
    Diagnosis::new(
        "app_user_duplicate_unseen",
        format!(
            "Dataverse refuses to create an application user for application {app_id} because one exists, but does not list it to the signed-in account."
        ),
        "In the Power Platform admin center (Environment → Settings → Users + permissions → Application users), find the user of this application and make sure it is in the root business unit and visible to you, or delete it, then run again.",
    )
    .ids("provision.app_user_duplicate_unseen", "fix.provision.app_user_duplicate_unseen")
    .param("app_id", app_id)
}

/// The tenant does not let members register applications and the admin holds no role that may.
pub fn cannot_register_apps() -> Diagnosis {
    Diagnosis::new(
        "cannot_register_apps",
        "The signed-in account may not register applications: the tenant's 'Users can register applications' setting is off and the account holds none of the roles that may (Application Administrator, Cloud Application Administrator, Application Developer, Global Administrator). Nothing was created.",
        NEEDS_APP_ADMIN,
    )
    .ids("provision.cannot_register_apps", "fix.needs_app_admin")
}

/// Neither the tenant's setting nor the admin's roles could be read (`error`, when one failed):
/// the run goes on, and Graph refuses the registration itself if the right is missing.
pub fn app_registration_unchecked(error: Option<&Error>) -> Diagnosis {
    let why = error.map(|e| format!(" ({})", e.message())).unwrap_or_default();
    let d = Diagnosis::new(
        "app_registration_unchecked",
        format!("Whether the signed-in account may register applications could not be read beforehand{why}; setup goes on and stops before anything else is created if Graph refuses."),
        "Nothing to do unless registering the application fails; then sign in with an Application Administrator.",
    );
    // Graph's own message, when quoted, leaves the detail English.
    match error {
        Some(_) => d.fix_id("fix.provision.app_registration_unchecked"),
        None => d.ids(
            "provision.app_registration_unchecked",
            "fix.provision.app_registration_unchecked",
        ),
    }
}

/// The admin lacks privileges the run needs in the environment (`missing`, lower-case privilege
/// names); `code` names the first missing right.
pub fn missing_environment_rights(code: &str, missing: &[&str], instance_url: &str) -> Diagnosis {
    Diagnosis::new(
        code,
        format!(
            "The signed-in account lacks {} in {instance_url}, needed to create the application user, assign its roles and create the site's role. Nothing was created.",
            missing.join(", ")
        ),
        "Sign in with a System Administrator of this environment (Power Platform admin center → Environments → the environment → Settings → Users + permissions → Users → your user → Manage security roles), or ask one to run setup, then run again.",
    )
    .ids("provision.missing_environment_rights", "fix.provision.missing_environment_rights")
    .param("privileges", missing.join(", "))
    .param("instance_url", instance_url)
}

/// More tables than one call may set up.
pub fn too_many_tables(asked: usize, max: usize) -> Diagnosis {
    Diagnosis::new(
        "too_many_tables",
        format!("{asked} tables were asked for; at most {max} can be set up in one run."),
        format!("Ask for at most {max} tables (the ones the site reads or writes)."),
    )
    .ids("provision.too_many_tables", "fix.provision.too_many_tables")
    .param("asked", asked)
    .param("max", max)
}

/// `action: forget_secret` on a run that has not finished.
pub fn not_finished() -> Diagnosis {
    Diagnosis::new(
        "not_finished",
        "The run has not finished: there is no connection whose secret could be forgotten yet.",
        "Run until the answer is 'done', save the connection, then forget the secret.",
    )
    .ids("provision.not_finished", "fix.provision.not_finished")
}

/// An application tagged or named like this site's, which this site cannot prove it created.
pub fn lookalike_application(app_id: &str, display_name: &str) -> Diagnosis {
    Diagnosis::new(
        "lookalike_ignored",
        format!(
            "The application '{display_name}' ({app_id}) looks like the one setup makes for this site, but this site cannot prove it created it (it does not carry this site's secret marker with you among its owners). It was left alone; setup uses its own application."
        ),
        "If you do not know who registered it, review it in the Microsoft Entra admin center → App registrations, and remove it if it is not yours.",
    )
    .ids("provision.lookalike_application", "fix.provision.lookalike_application")
    .param("app_id", app_id)
    .param("display_name", display_name)
}

/// A security role named like the one setup makes, which this site has not recorded.
pub fn lookalike_role(role_id: &str, name: &str, used_name: &str) -> Diagnosis {
    Diagnosis::new(
        "lookalike_ignored",
        format!(
            "A security role named '{name}' ({role_id}) already exists, and this site did not create it. It was left alone; setup made its own role, '{used_name}'."
        ),
        "Review the role in the Power Platform admin center → Security roles, and remove it if nobody uses it.",
    )
    .ids("provision.lookalike_role", "fix.provision.lookalike_role")
    .param("role_id", role_id)
    .param("name", name)
    .param("used_name", used_name)
}

/// Older client secrets of this site could not all be removed.
pub fn older_secrets_kept(error: &Error) -> Diagnosis {
    Diagnosis::new(
        "older_secrets_kept",
        format!(
            "The new client secret works, but older secrets this site created on its application could not be removed: {}",
            error.message()
        ),
        "Run setup again later, or remove the older secrets named 'wpcrm:…' in the Microsoft Entra admin center → App registrations → the app → Certificates & secrets (keep the newest).",
    )
    .fix_id("fix.provision.older_secrets_kept")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::answer::{read_error, test_answer};

    fn error(service: Service, status: u16, body: &str) -> Error {
        read_error(service, &test_answer(status, body))
    }

    #[test]
    fn codes_follow_the_answer() {
        let e = error(
            Service::Entra,
            400,
            r#"{"error":"invalid_grant","error_codes":[53003]}"#,
        );
        assert_eq!(explain(&e).code, "AADSTS53003");
        assert_eq!(explain(&e).fix.as_deref(), Some(CONDITIONAL_ACCESS));
        let e = error(
            Service::Graph,
            403,
            r#"{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges."}}"#,
        );
        assert_eq!(explain(&e).code, "Authorization_RequestDenied");
        assert_eq!(explain(&e).fix.as_deref(), Some(NEEDS_APP_ADMIN));
        let e = error(
            Service::Dataverse,
            403,
            r#"{"error":{"code":"0x80040220","message":"no"}}"#,
        );
        assert_eq!(explain(&e).fix.as_deref(), Some(NEEDS_SYSTEM_ADMIN));
        assert_eq!(explain(&error(Service::Graph, 429, "")).code, "throttled");
        assert_eq!(explain(&error(Service::Graph, 502, "<html>")).code, "http_502");
        assert_eq!(explain(&error(Service::Graph, 500, "<html>")).code, "http_500");
        let redirect = http::Response::builder()
            .status(302)
            .header("location", "https://x.example/")
            .body(Vec::new())
            .unwrap();
        assert_eq!(explain(&read_error(Service::Graph, &redirect)).code, "http_302");
        assert_eq!(
            explain(&Error::Unexpected {
                status: 200,
                detail: "x".into()
            })
            .code,
            "unexpected_response"
        );
    }
}
