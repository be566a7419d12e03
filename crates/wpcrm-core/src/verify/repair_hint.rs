//! Which checks setup could fix, and how: the report's `repairable` and `repair` (`docs/verify.md`,
//! "Repairable checks"). `action: 'repair'` of `wpcrm_provision()` makes exactly these changes,
//! and only to this site's own objects (`docs/provision.md`, "Repair").
//!
//! A check decides its own hint when it knows better (`privilege_audit`); the others are judged
//! here from their id, status and code, never from their words.

use crate::dataverse::codes;
use crate::report::{Check, CheckStatus};

/// No application user for the app in this environment: create it.
pub const CREATE_APP_USER: &str = "create_app_user";
/// The application user is disabled: enable it.
pub const ENABLE_APP_USER: &str = "enable_app_user";
/// The application user is outside the root business unit: move it back (and re-assign its roles).
pub const MOVE_APP_USER: &str = "move_app_user";
/// A role setup assigned was removed: assign it again.
pub const ASSIGN_ROLES: &str = "assign_roles";
/// A privilege a table needs is missing (a role removed, a table added): grant it on the site's role.
pub const GRANT_PRIVILEGES: &str = "grant_privileges";
/// A privilege a table needs is held too shallowly: deepen it on the site's role.
pub const DEEPEN_PRIVILEGES: &str = "deepen_privileges";

/// Marks each check setup could fix.
pub fn mark(checks: &mut [Check]) {
    for check in checks.iter_mut().filter(|c| c.repair.is_none()) {
        if let Some(hint) = hint(check) {
            check.repair = Some(hint.to_owned());
        }
        check.repairable = check.repair.is_some();
    }
}

fn hint(check: &Check) -> Option<&'static str> {
    let code = check.code.as_deref()?;
    let table = check.id.starts_with("table:");
    match (check.id.as_str(), check.status) {
        ("app_user", CheckStatus::Fail) if code == codes::NOT_A_MEMBER => Some(CREATE_APP_USER),
        ("app_user", CheckStatus::Fail) if code == codes::USER_DISABLED || code == "user_disabled" => {
            Some(ENABLE_APP_USER)
        }
        // The roles setup assigned are gone (removed, or taken away by a move to another business
        // unit): the user holds none at all, or none reaches even the metadata.
        ("app_user", CheckStatus::Fail) if code == "no_role" => Some(ASSIGN_ROLES),
        ("metadata", CheckStatus::Fail) if code == codes::PRIVILEGE_DENIED => Some(ASSIGN_ROLES),
        (_, CheckStatus::Fail) if table && code == codes::PRIVILEGE_DENIED => Some(GRANT_PRIVILEGES),
        (_, CheckStatus::Warn) if table && matches!(code, "basic_depth" | "local_depth") => Some(DEEPEN_PRIVILEGES),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(id: &str, status: CheckStatus, code: &str) -> Check {
        Check {
            id: id.into(),
            status,
            title: String::new(),
            detail: String::new(),
            fix: None,
            code: Some(code.into()),
            elapsed_ms: 0,
            texts: Default::default(),
            repairable: false,
            repair: None,
        }
    }

    #[test]
    fn hints_follow_id_status_and_code() {
        let mut checks = vec![
            check("app_user", CheckStatus::Fail, codes::NOT_A_MEMBER),
            check("app_user", CheckStatus::Fail, "user_disabled"),
            check("table:account", CheckStatus::Fail, codes::PRIVILEGE_DENIED),
            check("table:lead", CheckStatus::Warn, "basic_depth"),
            check("table:nope", CheckStatus::Fail, "table_not_found"),
            check("token", CheckStatus::Fail, "AADSTS7000215"),
            check("app_user", CheckStatus::Fail, codes::APP_BLOCKED),
            check("metadata", CheckStatus::Fail, codes::PRIVILEGE_DENIED),
        ];
        mark(&mut checks);
        let hints: Vec<_> = checks.iter().map(|c| (c.repairable, c.repair.as_deref())).collect();
        assert_eq!(
            hints,
            vec![
                (true, Some(CREATE_APP_USER)),
                (true, Some(ENABLE_APP_USER)),
                (true, Some(GRANT_PRIVILEGES)),
                (true, Some(DEEPEN_PRIVILEGES)),
                (false, None),
                (false, None),
                (false, None),
                (true, Some(ASSIGN_ROLES)),
            ]
        );
    }
}
