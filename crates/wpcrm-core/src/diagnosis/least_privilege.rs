//! The least-privilege audit of verification (`privilege_audit`) and the repairs setup can make:
//! what the application user holds beyond what the site declared, where a privilege it needs comes
//! from, and how to fix each (`docs/verify.md`, "Least-privilege audit").

use super::{Diagnosis, APP_USERS};

/// Where roles and their privileges are edited.
const SECURITY_ROLES: &str = "In the Power Platform admin center open Environments → your environment → Settings → \
Users + permissions → Security roles";

/// The application user holds a role made from an all-powerful template.
pub fn powerful_role(code: &str, template: &str, role: &str) -> Diagnosis {
    Diagnosis::new(
        code,
        format!(
            "The application user holds the role '{role}' ({template}): the site's secret can then change any data, customization and security setting of the environment."
        ),
        format!(
            "{APP_USERS} → select the app user → Manage roles → remove '{role}'; keep Basic User and the site's own role (Repair in the plugin restores what the site needs)."
        ),
    )
    .ids("privilege_audit.powerful_role", "fix.powerful_role")
    .param("role", role)
    .param("template", template)
}

/// Privileges well beyond what the site declared (deletes, assignments, shares at more than the
/// user's own records; user, role or customization privileges), and the roles that grant them.
pub fn excess_privileges(privileges: &[String], roles: &[String]) -> Diagnosis {
    let (granted_by, detail_id) = if roles.is_empty() {
        (
            "a role of the application user (its roles could not be read)".to_owned(),
            "privilege_audit.excess_privileges_unknown_roles",
        )
    } else {
        (quoted(roles), "privilege_audit.excess_privileges")
    };
    Diagnosis::new(
        "excess_privileges",
        format!(
            "The application user holds privileges the site did not declare: {}, granted by {granted_by}.",
            privileges.join(", ")
        ),
        format!(
            "{SECURITY_ROLES} → the role named → clear those privileges, or remove the role from the application user ({APP_USERS}). The site needs only the tables and access kinds it declares."
        ),
    )
    .ids(detail_id, "fix.excess_privileges")
    .param("privileges", privileges.join(", "))
    .param("roles", granted_by)
}

/// Role names, each quoted: `'A', 'B'`.
fn quoted(roles: &[String]) -> String {
    roles.iter().map(|r| format!("'{r}'")).collect::<Vec<_>>().join(", ")
}

/// Privileges the site needs come only from a role other than the site's own.
pub fn foreign_role_only(privileges: &[String], roles: &[String]) -> Diagnosis {
    Diagnosis::new(
        "foreign_role_only",
        format!(
            "The site's own role does not grant {}: the application user has it only through {}. Removing that role would break the site.",
            privileges.join(", "),
            quoted(roles)
        ),
        "Press Repair (or run `wp wpcrm repair`): it adds the privileges to the site's own role. Or add them by hand to the site's role under Settings → Security roles.",
    )
    .ids("privilege_audit.foreign_role_only", "fix.foreign_role_only")
    .param("privileges", privileges.join(", "))
    .param("roles", quoted(roles))
}

/// The site's own role is no longer assigned to the application user.
pub fn site_role_missing(role_id: &str) -> Diagnosis {
    Diagnosis::new(
        "site_role_missing",
        format!("The application user no longer holds the site's own role {role_id}."),
        format!(
            "Press Repair (or run `wp wpcrm repair`), or {APP_USERS} → select the app user → Manage roles → add the site's role back."
        ),
    )
    .ids("privilege_audit.site_role_missing", "fix.site_role_missing")
    .param("role_id", role_id)
}

/// The application user is outside the root business unit.
pub fn business_unit_not_root(business_unit: &str) -> Diagnosis {
    Diagnosis::new(
        "business_unit_not_root",
        format!(
            "The application user is in business unit {business_unit}, not the root one: roles at Business Unit depth reach only that unit's rows, and the site's roles were made in the root unit."
        ),
        format!(
            "Press Repair (or run `wp wpcrm repair`), or {APP_USERS} → select the app user → change its business unit to the root one, then assign its roles again (moving removes them)."
        ),
    )
    .ids("privilege_audit.business_unit_not_root", "fix.business_unit_not_root")
    .param("business_unit", business_unit)
}

/// The roles could not be read, so the audit judged the privileges alone.
pub fn roles_unreadable() -> String {
    "The application user's roles could not be read (it lacks prvReadRole), so privileges are judged without naming the roles that grant them.".to_owned()
}

/// `action: repair` on a state that records no finished setup of this site.
pub fn nothing_to_repair() -> Diagnosis {
    Diagnosis::new(
        "nothing_to_repair",
        "Repair works on what this site's setup created, and this state records no finished setup (no application, environment or application user).",
        "Run setup once (Set up automatically, or `wp wpcrm provision`); a connection entered by hand cannot be repaired, only verified.",
    )
    .ids("provision.nothing_to_repair", "fix.provision.nothing_to_repair")
}

/// `action: repair` without the connection's current client secret, which its verification needs.
pub fn repair_needs_secret() -> Diagnosis {
    Diagnosis::new(
        "missing_client_secret",
        "Repair verifies the connection after its changes, with the site's current client secret, and none was given.",
        "Pass the saved connection's `client_secret` with `action: 'repair'` (the plugin does).",
    )
    .ids("provision.missing_client_secret", "fix.provision.missing_client_secret")
}
