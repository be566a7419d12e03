//! What renewing a connection's client secret (`wpcrm_provision()` with `action: renew`,
//! `docs/provision.md`, "Renewing the secret") refuses or cannot find. Failed requests of a renewal
//! are explained by [`super::admin::explain`], as those of setup: a tenant policy capping secret
//! lifetimes (`CredentialInvalidLifetimeAsPerAppPolicy`) included.

use super::Diagnosis;

/// `action: renew` without the connection to renew.
pub fn connection_required(missing: &str) -> Diagnosis {
    Diagnosis::new(
        "connection_required",
        format!("Renewing the secret needs the current connection's {missing}."),
        "Pass application_id (the Application (client) ID) and instance_url of the saved connection, and tenant_id when known.",
    )
    .ids("provision.connection_required", "fix.provision.connection_required")
    .param("missing", missing)
}

/// The admin signed in to another tenant than the connection's.
pub fn wrong_tenant(signed_in: &str, connection: &str) -> Diagnosis {
    Diagnosis::new(
        "wrong_tenant",
        format!("The administrator signed in to tenant {signed_in}, but the site's connection belongs to tenant {connection}."),
        "Sign in again with an administrator account of the connection's tenant (the one its application is registered in).",
    )
    .ids("provision.wrong_tenant", "fix.provision.wrong_tenant")
    .param("signed_in", signed_in)
    .param("tenant", connection)
}

/// The application the site recorded is not in the signed-in tenant (removed, or another tenant).
pub fn application_not_found(app_id: &str) -> Diagnosis {
    Diagnosis::new(
        "application_not_found",
        format!("The application {app_id} that the site's connection uses was not found in the signed-in tenant (or the account cannot see it)."),
        "Sign in with an administrator of the tenant the application is registered in. If the application was deleted, run setup again instead of renewing.",
    )
    .ids("provision.application_not_found", "fix.provision.application_not_found")
    .param("app_id", app_id)
}

/// Entra ID still refuses the new secret after `minutes`.
pub fn secret_not_accepted(minutes: i64) -> Diagnosis {
    Diagnosis::new(
        "secret_not_accepted",
        format!("Entra ID still does not accept the new client secret after {minutes} minutes. The site keeps using its current secret."),
        "Renew again later: the next renewal adds a fresh secret, and the unused one is removed once a renewal is saved.",
    )
    .ids("provision.secret_not_accepted", "fix.provision.secret_not_accepted")
    .param("minutes", minutes)
}

/// `rollback` or `run` sent with the state of a renewal.
pub fn not_a_setup_run() -> Diagnosis {
    Diagnosis::new(
        "not_a_setup_run",
        "This state belongs to a renewal of the secret, not to a setup run: it cannot be continued as setup or undone.",
        "Continue it with action 'renew' (then 'forget_secret' once the new secret is saved), or start setup without a state.",
    )
    .ids("provision.not_a_setup_run", "fix.provision.not_a_setup_run")
}
