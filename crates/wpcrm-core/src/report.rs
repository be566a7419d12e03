//! The verification report, exactly as the PHP API returns it (`docs/verify.md`, `php/wpcrm-stubs.php`).
//!
//! The engine produces it; the admin page, Site Health and WP-CLI render it. It is serialized with
//! serde and converted to a PHP array by the extension, so field names here are the contract.

use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OverallStatus {
    Pass,
    Warn,
    Fail,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckStatus {
    Pass,
    Warn,
    Fail,
    Skip,
}

/// How far an access right reaches (`RetrieveUserPrivileges` depth), `None` when not held at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Depth {
    None,
    Basic,
    Local,
    Deep,
    Global,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Identity {
    pub user_id: String,
    pub business_unit_id: String,
    pub organization_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// `input`, `tenant`, `token`, `app_user`, `metadata`, `table:<logicalname>`, `secret_expiry`.
    pub id: String,
    pub status: CheckStatus,
    pub title: String,
    pub detail: String,
    pub fix: Option<String>,
    /// An AADSTS number (`AADSTS7000215`), a Dataverse code (`0x80040220`) or a short word
    /// (`timeout`, `tls`, `dns`, `invalid_instance_url`, `table_not_found`, `throttled`, …).
    pub code: Option<String>,
    pub elapsed_ms: u64,
    /// What a translation of `title`, `detail` and `fix` needs (`docs/verify.md`, "Translations").
    #[serde(flatten)]
    pub texts: Texts,
    /// Setup could fix what this check found (`action: 'repair'` of `wpcrm_provision()`).
    pub repairable: bool,
    /// What a repair would do about it (`create_app_user`, `enable_app_user`, `move_app_user`,
    /// `assign_roles`, `grant_privileges`, `deepen_privileges`; `docs/verify.md`).
    pub repair: Option<String>,
}

/// The stable ids and named values behind a check's (or a provisioning error's) English texts, so
/// a plugin can render them in its own language (`docs/verify.md`, "Translations"). The English
/// `title`/`detail`/`fix` stay the contract; these are an addition.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Texts {
    /// The detail's text id when the `code` alone does not name it (a pass, or a code whose detail
    /// depends on where it happened); `None`: the code names it, or the text is free-form.
    pub detail_id: Option<String>,
    /// The fix's text id when the `code` alone does not name it (a fix shared by several codes).
    pub fix_id: Option<String>,
    /// Named values the texts use (`table`, `privilege`, `depth`, `expires_at`, `host`, …); never
    /// a secret.
    pub params: Params,
}

/// Named values of a text, by placeholder name.
pub type Params = BTreeMap<String, String>;

impl Texts {
    /// Texts with these ids and no values yet.
    pub fn ids(detail_id: &str, fix_id: Option<&str>) -> Self {
        Self {
            detail_id: Some(detail_id.to_owned()),
            fix_id: fix_id.map(str::to_owned),
            params: Params::new(),
        }
    }

    /// These texts with the named value `name`.
    pub fn with(mut self, name: &str, value: impl ToString) -> Self {
        self.set(name, value);
        self
    }

    /// Adds the named value `name` (one of the placeholders of the texts).
    pub fn set(&mut self, name: &str, value: impl ToString) {
        self.params.insert(name.to_owned(), value.to_string());
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TableReport {
    pub exists: bool,
    pub entity_set: Option<String>,
    pub display_name: Option<String>,
    /// Access kind (`read`, `create`, …) → depth.
    pub access: BTreeMap<String, Depth>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CloudName {
    Public,
    Gcc,
    Usgovhigh,
    Usgovdod,
    China,
    Sandbox,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// True when no check failed.
    pub ok: bool,
    pub status: OverallStatus,
    pub instance_url: Option<String>,
    pub cloud: Option<CloudName>,
    pub tenant_id: Option<String>,
    pub identity: Option<Identity>,
    pub checks: Vec<Check>,
    pub tables: BTreeMap<String, TableReport>,
    pub elapsed_ms: u64,
    /// HTTP requests made.
    pub requests: u32,
    /// What the least-privilege audit saw (the roles and privileges of the application user), for
    /// drift between runs; `None` when the audit did not run.
    pub audit: Option<AuditReport>,
}

/// The application user's roles and privileges as the `privilege_audit` check saw them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AuditReport {
    /// `None` when the roles could not be read.
    pub roles: Option<Vec<AuditRole>>,
    /// Lower-cased privilege name → widest depth (RetrieveUserPrivileges); `None` when that lookup
    /// failed (an empty map would read as every privilege taken away).
    pub privileges: Option<BTreeMap<String, Depth>>,
    /// Whether the application user is in the root business unit, when known.
    pub root_business_unit: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditRole {
    pub id: String,
    pub name: Option<String>,
    pub business_unit_id: Option<String>,
}

impl VerifyReport {
    /// `ok` and `status` follow from the checks; call this once the checks are final.
    pub fn summarize(&mut self) {
        let worst = self
            .checks
            .iter()
            .map(|c| c.status)
            .filter(|s| *s != CheckStatus::Skip)
            .max_by_key(|s| match s {
                CheckStatus::Fail => 2,
                CheckStatus::Warn => 1,
                _ => 0,
            });
        let any_fail = self.checks.iter().any(|c| c.status == CheckStatus::Fail);
        self.ok = !any_fail;
        self.status = match worst {
            Some(CheckStatus::Fail) => OverallStatus::Fail,
            Some(CheckStatus::Warn) => OverallStatus::Warn,
            _ if any_fail => OverallStatus::Fail,
            _ => OverallStatus::Pass,
        };
    }
}
