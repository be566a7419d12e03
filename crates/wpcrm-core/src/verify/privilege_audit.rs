//! The `privilege_audit` check: the application user holds what the site declared and not much
//! more, and what it needs comes from the site's own role.
//!
//! Beside `RetrieveUserPrivileges` (so no round trip is added: WhoAmI → (privileges ∥ these)):
//! `GET systemusers(<id>)/systemuserroles_association?$select=roleid,name,_businessunitid_value,_roletemplateid_value&$expand=roleprivileges_association($select=name)`
//! and `GET businessunits(<its business unit>)?$select=_parentbusinessunitid_value`
//! (<https://learn.microsoft.com/power-platform/admin/security-roles-privileges>,
//! <https://learn.microsoft.com/power-platform/admin/database-security>). A pass proves no role of
//! the user is System Administrator or System Customizer, no privilege well beyond the declared
//! tables is held, and (with `$options['site_role_id']`) the needed privileges are in the site's
//! own role. A warn names the role and the fix: `system_administrator`, `system_customizer`,
//! `excess_privileges`, `foreign_role_only`, `site_role_missing`, `business_unit_not_root`
//! (`docs/verify.md`). Roles that cannot be read (no `prvReadRole`) leave the privileges judged
//! without naming their roles.

use super::check_id::CheckId;
use super::outcome::{Checks, Outcome};
use super::repair_hint::{ASSIGN_ROLES, GRANT_PRIVILEGES, MOVE_APP_USER};
use super::table::Held;
use crate::dataverse::roles::AssignedRole;
use crate::dataverse::Dataverse;
use crate::diagnosis::least_privilege as lp;
use crate::diagnosis::Diagnosis;
use crate::report::{AuditReport, AuditRole, CheckStatus, Depth, Identity, VerifyReport};
use crate::service::Error;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// Role templates whose roles reach everything, whatever they are called
/// (<https://learn.microsoft.com/power-platform/admin/database-security#predefined-security-roles>).
const SYSTEM_ADMINISTRATOR: (&str, &str, &str) = (
    "system_administrator",
    "System Administrator",
    "627090ff-40a3-4053-8790-584edc5be201",
);
const SYSTEM_CUSTOMIZER: (&str, &str, &str) = (
    "system_customizer",
    "System Customizer",
    "119f245c-3cc8-4b62-b31c-d1a046ced15d",
);

/// Customization privileges: flagged at any depth (they are organization-wide).
const CUSTOMIZATION: [&str; 8] = [
    "prvcustomization",
    "prvpublishcustomization",
    "prvcreateentity",
    "prvwriteentity",
    "prvdeleteentity",
    "prvcreateattribute",
    "prvwriteattribute",
    "prvdeleteattribute",
];
/// User, role and business unit privileges: who may do what.
const SECURITY: [&str; 10] = [
    "prvcreateuser",
    "prvwriteuser",
    "prvdeleteuser",
    "prvcreaterole",
    "prvwriterole",
    "prvdeleterole",
    "prvassignrole",
    "prvcreatebusinessunit",
    "prvwritebusinessunit",
    "prvdeletebusinessunit",
];

/// What the audit's requests answered (they start once WhoAmI named the user).
pub struct Answers {
    pub roles: Result<Vec<AssignedRole>, Error>,
    pub root: Result<bool, Error>,
    pub business_unit_id: String,
}

/// The user's roles ∥ whether its business unit is the root one: one round trip, beside the
/// privilege lookup.
pub async fn fetch(dv: &Dataverse<'_>, identity: &Identity) -> Answers {
    let (roles, root) = futures_util::future::join(
        dv.user_roles(&identity.user_id),
        dv.is_root_business_unit(&identity.business_unit_id),
    )
    .await;
    Answers {
        roles,
        root,
        business_unit_id: identity.business_unit_id.clone(),
    }
}

/// What the site declared: the privileges its tables need, and its own role.
pub struct Declared<'a> {
    pub needed: &'a [String],
    pub site_role_id: Option<&'a str>,
}

/// One finding: its diagnosis and what a repair would do.
type Finding = (Diagnosis, Option<&'static str>);

/// Judges and records the check, and the report's `audit`.
pub fn check(
    answers: Option<Answers>,
    held: Option<&Held>,
    declared: &Declared<'_>,
    elapsed: Duration,
    checks: &mut Checks,
    report: &mut VerifyReport,
) {
    let Some(answers) = answers else {
        let outcome = Outcome::skip("Skipped: the application user was not identified.").id("privilege_audit.skip");
        return checks.push(&CheckId::PrivilegeAudit, outcome, elapsed);
    };
    let read: Option<BTreeMap<String, Depth>> = match held {
        Some(Ok(map)) => Some(map.iter().map(|(k, v)| (k.clone(), *v)).collect()),
        _ => None,
    };
    let privileges = read.clone().unwrap_or_default();
    let roles = answers.roles.as_ref().ok();
    let mut findings = Vec::new();
    if let Some(roles) = roles {
        findings.extend(powerful(roles));
    }
    // Before the roles: moving the user back is what brings the site's roles back with it.
    if let Ok(false) = answers.root {
        let d = lp::business_unit_not_root(&answers.business_unit_id);
        findings.push((d, Some(MOVE_APP_USER)));
    }
    if let Some(roles) = roles {
        findings.extend(site_role(roles, &privileges, declared));
    }
    findings.extend(excess(&privileges, roles, declared.needed));
    report.audit = Some(AuditReport {
        roles: roles.map(|r| r.iter().map(audit_role).collect()),
        privileges: read,
        root_business_unit: answers.root.as_ref().ok().copied(),
    });
    checks.push(&CheckId::PrivilegeAudit, outcome(findings, roles), elapsed);
}

fn outcome(findings: Vec<Finding>, roles: Option<&Vec<AssignedRole>>) -> Outcome {
    let note = if roles.is_none() {
        format!(" {}", lp::roles_unreadable())
    } else {
        String::new()
    };
    if findings.is_empty() {
        let names = roles.map(|r| r.iter().map(role_name).collect::<Vec<_>>().join(", "));
        let pass = Outcome::pass(format!(
            "The application user holds nothing well beyond what the site declared.{}{note}",
            names.as_ref().map(|n| format!(" Roles: {n}.")).unwrap_or_default()
        ));
        return match names {
            Some(names) => pass.id("privilege_audit.pass").param("roles", names),
            None => pass.id("privilege_audit.pass_roles_unreadable"),
        };
    }
    let repair = findings.iter().find_map(|(_, r)| *r);
    let code = findings[0].0.code.clone();
    let detail = findings
        .iter()
        .map(|(d, _)| d.detail.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let fixes: Vec<&str> = findings.iter().filter_map(|(d, _)| d.fix.as_deref()).collect();
    let mut out = Outcome::with(
        CheckStatus::Warn,
        Diagnosis {
            code,
            detail: format!("{detail}{note}"),
            fix: Some(fixes.join(" ")),
            // One finding keeps its text ids; several are joined, and their join is English only.
            // With the note appended, the detail is that finding's and the note's: its own id then.
            texts: match findings.as_slice() {
                [(only, _)] if note.is_empty() => only.texts.clone(),
                [(only, _)] => {
                    let mut texts = only.texts.clone();
                    texts.detail_id = texts.detail_id.map(|id| format!("{id}.roles_unreadable"));
                    texts
                }
                _ => Default::default(),
            },
        },
    );
    out.repair = repair;
    out
}

fn role_name(r: &AssignedRole) -> String {
    r.name.clone().unwrap_or_else(|| r.roleid.clone())
}

fn audit_role(r: &AssignedRole) -> AuditRole {
    AuditRole {
        id: r.roleid.to_ascii_lowercase(),
        name: r.name.clone(),
        business_unit_id: r.business_unit_id.clone(),
    }
}

fn is_template(r: &AssignedRole, (_, name, template): (&str, &str, &str)) -> bool {
    r.template_id
        .as_deref()
        .is_some_and(|t| t.eq_ignore_ascii_case(template))
        || r.name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(name))
}

/// System Administrator and System Customizer, by template or name.
fn powerful(roles: &[AssignedRole]) -> Vec<Finding> {
    let mut out = Vec::new();
    for kind in [SYSTEM_ADMINISTRATOR, SYSTEM_CUSTOMIZER] {
        for r in roles.iter().filter(|r| is_template(r, kind)) {
            out.push((lp::powerful_role(kind.0, kind.1, &role_name(r)), None));
        }
    }
    out
}

fn contains(r: &AssignedRole, privilege: &str) -> bool {
    r.privileges
        .iter()
        .flatten()
        .any(|p| p.name.eq_ignore_ascii_case(privilege))
}

/// A privilege well beyond a site that did not declare it.
fn is_excess(name: &str, depth: Depth) -> bool {
    if CUSTOMIZATION.contains(&name) {
        return depth > Depth::None;
    }
    if SECURITY.contains(&name) {
        // Users may edit their own user record in some environments; anything wider is too much.
        return depth > Depth::Basic || (name != "prvwriteuser" && depth > Depth::None);
    }
    let wide = ["prvdelete", "prvassign", "prvshare"]
        .iter()
        .any(|v| name.starts_with(v));
    // Basic User grants deletes of the user's own rows; only a wider reach is beyond the site.
    wide && depth > Depth::Basic
}

/// Privileges beyond what the site declared, and the roles (other than the all-powerful ones,
/// already named) that contain them.
fn excess(
    privileges: &BTreeMap<String, Depth>,
    roles: Option<&Vec<AssignedRole>>,
    needed: &[String],
) -> Option<Finding> {
    let needed: BTreeSet<String> = needed.iter().map(|n| n.to_ascii_lowercase()).collect();
    let powerful_roles: Vec<&AssignedRole> = roles
        .into_iter()
        .flatten()
        .filter(|r| is_template(r, SYSTEM_ADMINISTRATOR) || is_template(r, SYSTEM_CUSTOMIZER))
        .collect();
    let mut names = Vec::new();
    let mut granting: Vec<String> = Vec::new();
    for (name, depth) in privileges {
        if needed.contains(name) || !is_excess(name, *depth) {
            continue;
        }
        if powerful_roles.iter().any(|r| contains(r, name)) {
            continue;
        }
        let from: Vec<&AssignedRole> = roles.into_iter().flatten().filter(|r| contains(r, name)).collect();
        let display = from
            .iter()
            .flat_map(|r| r.privileges.iter().flatten())
            .find(|p| p.name.eq_ignore_ascii_case(name))
            .map(|p| p.name.clone())
            .unwrap_or_else(|| name.clone());
        names.push(display);
        // Basic User's share of a privilege is its Basic depth, which is not the excess.
        let wider: Vec<&&AssignedRole> = from.iter().filter(|r| !is_basic_user(r)).collect();
        for r in if wider.is_empty() { from.iter().collect() } else { wider } {
            let n = role_name(r);
            if !granting.contains(&n) {
                granting.push(n);
            }
        }
    }
    (!names.is_empty()).then(|| (lp::excess_privileges(&names, &granting), None))
}

fn is_basic_user(r: &AssignedRole) -> bool {
    r.name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case("Basic User"))
}

/// The site's own role is assigned, and the privileges the site needs are in it.
fn site_role(roles: &[AssignedRole], privileges: &BTreeMap<String, Depth>, declared: &Declared<'_>) -> Option<Finding> {
    let site_role = declared.site_role_id?.trim();
    if site_role.is_empty() {
        return None;
    }
    let Some(own) = roles.iter().find(|r| r.roleid.eq_ignore_ascii_case(site_role)) else {
        return Some((lp::site_role_missing(site_role), Some(ASSIGN_ROLES)));
    };
    // Without the roles' privileges (not expanded) nothing more can be told.
    own.privileges.as_ref()?;
    let mut only_foreign = Vec::new();
    let mut foreign_roles: Vec<String> = Vec::new();
    for needed in declared.needed {
        let held = privileges
            .get(&needed.to_ascii_lowercase())
            .is_some_and(|d| *d > Depth::None);
        if !held || contains(own, needed) {
            continue;
        }
        only_foreign.push(needed.clone());
        for r in roles.iter().filter(|r| contains(r, needed)) {
            let n = role_name(r);
            if !foreign_roles.contains(&n) {
                foreign_roles.push(n);
            }
        }
    }
    (!only_foreign.is_empty()).then(|| {
        (
            lp::foreign_role_only(&only_foreign, &foreign_roles),
            Some(GRANT_PRIVILEGES),
        )
    })
}
