//! The `input` check: everything that can be judged without a request.
//!
//! It makes no request: it proves the instance URL is a Dataverse environment of a known cloud, the
//! application id a GUID, the secret a secret Value (not its Secret ID), the tenant (if given) a
//! tenant, and every table a logical name with known access kinds. A fail (`invalid_instance_url`,
//! `invalid_application_id`, `missing_client_secret`, `secret_id_not_value`, `invalid_tenant_id`,
//! `invalid_table`, `invalid_access_kind`, `too_many_tables`, `docs/verify.md`) means no request at
//! all is made: a bad URL must not be probed, a Secret ID must not be sent to Entra as if it were a
//! secret. A warn (`whitespace_trimmed`) means values were used trimmed.

use crate::api::{ConnectionInput, TableRequest, VerifyOptions};
use crate::diagnosis::input as fixes;
use crate::ids::{looks_like_secret_id, ClientId, TenantError, TenantId};
use crate::instance_url::{normalize, InstanceUrl};
use crate::report::{CheckStatus, Texts};
use crate::secret::ClientSecret;

/// An access kind of `$options['tables']` and the privilege verb it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum AccessKind {
    Read,
    Create,
    Write,
    Delete,
    Append,
    AppendTo,
}

impl AccessKind {
    pub fn parse(raw: &str) -> Option<Self> {
        Some(match raw.trim().to_ascii_lowercase().as_str() {
            "read" => Self::Read,
            "create" => Self::Create,
            "write" => Self::Write,
            "delete" => Self::Delete,
            "append" => Self::Append,
            "appendto" => Self::AppendTo,
            _ => return None,
        })
    }

    /// The report's key (`read`, `appendto`, …).
    pub fn name(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Create => "create",
            Self::Write => "write",
            Self::Delete => "delete",
            Self::Append => "append",
            Self::AppendTo => "appendto",
        }
    }

    /// The verb in privilege names and `PrivilegeType` (`prvAppendTo…`, `"AppendTo"`).
    pub fn verb(self) -> &'static str {
        match self {
            Self::Read => "Read",
            Self::Create => "Create",
            Self::Write => "Write",
            Self::Delete => "Delete",
            Self::Append => "Append",
            Self::AppendTo => "AppendTo",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableSpec {
    pub logical_name: String,
    pub access: Vec<AccessKind>,
}

/// The validated Connection tab.
#[derive(Debug, Clone)]
pub struct ValidInput {
    pub instance: InstanceUrl,
    pub client_id: ClientId,
    pub secret: ClientSecret,
    pub tenant: Option<TenantId>,
    pub tables: Vec<TableSpec>,
}

/// What the input check found.
#[derive(Debug, Clone)]
pub struct InputOutcome {
    pub status: CheckStatus,
    pub detail: String,
    pub fix: Option<String>,
    pub code: Option<String>,
    /// Text ids and values for translation (`docs/verify.md`); none when several problems were found.
    pub texts: Texts,
    /// The normalized instance URL, even when another value failed (the report shows it).
    pub instance: Option<InstanceUrl>,
    /// `Some` only when the check did not fail.
    pub valid: Option<ValidInput>,
}

impl InputOutcome {
    /// The tables the report has a row for: the valid ones, or, when the input failed, as many
    /// (normalized, deduplicated) names as [`check`] would have checked, no more.
    pub fn table_names(&self, options: &VerifyOptions) -> Vec<String> {
        if let Some(v) = &self.valid {
            return v.tables.iter().map(|t| t.logical_name.clone()).collect();
        }
        let mut names: Vec<String> = Vec::new();
        for t in options.tables.iter().take(MAX_TABLES) {
            let n = t.logical_name.trim().to_ascii_lowercase();
            if !names.contains(&n) {
                names.push(n);
            }
        }
        names
    }
}

/// Most tables one verification checks (each costs two requests).
pub const MAX_TABLES: usize = 200;

const MISSING_ALL: &str = "Enter the instance URL, the application (client) ID and the client secret Value.";

struct Problem {
    code: &'static str,
    detail: String,
    fix: String,
    texts: Texts,
}

/// What the checks of the single values found, in the order of the Connection tab.
#[derive(Default)]
struct Findings {
    problems: Vec<Problem>,
    /// The values that had spaces or line breaks around them.
    trimmed: Vec<&'static str>,
}

impl Findings {
    fn problem(&mut self, code: &'static str, detail: String, fix: impl Into<String>, texts: Texts) {
        self.problems.push(Problem {
            code,
            detail,
            fix: fix.into(),
            texts,
        });
    }

    fn note_trim(&mut self, raw: &str, label: &'static str) {
        if raw.trim() != raw {
            self.trimmed.push(label);
        }
    }
}

/// Validates the Connection tab and the table list. `sandbox_url` is `wpcrm.sandbox_url`.
pub fn check(connection: &ConnectionInput, options: &VerifyOptions, sandbox_url: Option<&str>) -> InputOutcome {
    let mut found = Findings::default();
    let instance = instance_url(connection.instance_url.as_deref(), sandbox_url, &mut found);
    let client_id = application_id(connection.application_id.as_deref(), &mut found);
    let secret = client_secret(connection.client_secret.as_ref(), &mut found);
    let tenant = tenant(connection.tenant_id.as_deref(), &mut found);
    let tables = tables(&options.tables, &mut found);
    if !found.problems.is_empty() {
        return failed(&found.problems, instance);
    }
    // Every missing value was recorded as a problem above, so this always matches; the fallback
    // keeps the engine panic-free even if that ever changes.
    let (Some(instance_url), Some(client_id), Some(secret)) = (instance.clone(), client_id, secret) else {
        return InputOutcome {
            status: CheckStatus::Fail,
            detail: "A connection value is missing. No request was made.".to_owned(),
            fix: Some(MISSING_ALL.to_owned()),
            code: Some("invalid_input".to_owned()),
            texts: Texts::ids("input.missing", Some("fix.missing_all")),
            instance,
            valid: None,
        };
    };
    let valid = ValidInput {
        instance: instance_url,
        client_id,
        secret,
        tenant,
        tables,
    };
    passed(valid, &found.trimmed)
}

/// A value as typed, trimmed; `None` when empty.
fn given(raw: Option<&str>) -> Option<&str> {
    raw.map(str::trim).filter(|s| !s.is_empty())
}

fn instance_url(raw: Option<&str>, sandbox_url: Option<&str>, found: &mut Findings) -> Option<InstanceUrl> {
    let Some(value) = given(raw) else {
        let detail = "The instance URL is missing.".to_owned();
        let texts = Texts::ids("input.url_missing", Some("fix.url_missing"));
        found.problem("invalid_instance_url", detail, fixes::MISSING_INSTANCE_URL, texts);
        return None;
    };
    found.note_trim(raw.unwrap_or(""), "instance URL");
    match normalize(value, sandbox_url) {
        Ok(url) => Some(url),
        Err(e) => {
            let detail = format!("The instance URL is not usable: {}.", clip(&e.to_string()));
            let texts = Texts::ids("input.url_unusable", Some(fixes::instance_url_fix_id(&e)))
                .with("error", clip(&e.to_string()));
            found.problem("invalid_instance_url", detail, fixes::instance_url_fix(&e), texts);
            None
        }
    }
}

fn application_id(raw: Option<&str>, found: &mut Findings) -> Option<ClientId> {
    let Some(value) = given(raw) else {
        let detail = "The application (client) ID is missing.".to_owned();
        let texts = Texts::ids("input.app_missing", Some("fix.application_id"));
        found.problem("invalid_application_id", detail, fixes::APPLICATION_ID, texts);
        return None;
    };
    found.note_trim(raw.unwrap_or(""), "application ID");
    let parsed = ClientId::parse(value);
    if parsed.is_none() {
        let detail = format!("The application (client) ID '{}' is not a GUID.", printable(value));
        let texts = Texts::ids("input.app_not_guid", Some("fix.application_id")).with("value", printable(value));
        found.problem("invalid_application_id", detail, fixes::APPLICATION_ID, texts);
    }
    parsed
}

/// The client secret, never echoed.
fn client_secret(typed: Option<&ClientSecret>, found: &mut Findings) -> Option<ClientSecret> {
    let Some(secret) = typed.filter(|s| !s.secret().trim().is_empty()) else {
        let detail = "The client secret is missing.".to_owned();
        let texts = Texts::ids("input.secret_missing", Some("fix.secret_missing"));
        found.problem("missing_client_secret", detail, fixes::MISSING_SECRET, texts);
        return None;
    };
    found.note_trim(secret.secret(), "client secret");
    if looks_like_secret_id(secret.secret()) {
        let detail = fixes::SECRET_ID_DETAIL.to_owned();
        let texts = Texts::ids("input.secret_id", Some("fix.secret_id"));
        found.problem("secret_id_not_value", detail, fixes::SECRET_ID_FIX, texts);
        return None;
    }
    Some(ClientSecret::new(secret.secret().trim()))
}

/// The tenant, optional.
fn tenant(raw: Option<&str>, found: &mut Findings) -> Option<TenantId> {
    let value = given(raw)?;
    found.note_trim(raw.unwrap_or(""), "tenant ID");
    let (detail, id, value) = match TenantId::parse(value) {
        Ok(t) => return Some(t),
        Err(TenantError::NotATenant) => {
            let d = format!("'{value}' does not name a tenant; an application signs in to one specific tenant.");
            (d, "input.tenant_not_a_tenant", value.to_owned())
        }
        Err(TenantError::Invalid) => {
            let p = printable(value);
            let d = format!("The tenant '{p}' is neither a GUID nor a domain name such as contoso.onmicrosoft.com.");
            (d, "input.tenant_invalid", p)
        }
    };
    let texts = Texts::ids(id, Some("fix.tenant_id")).with("value", value);
    found.problem("invalid_tenant_id", detail, fixes::TENANT_ID, texts);
    None
}

/// Tables and access kinds, normalized and merged. A list longer than any site needs is refused
/// outright: each table costs requests, and checking it would blow the deadline (and the report)
/// before any answer.
fn tables(requests: &[TableRequest], found: &mut Findings) -> Vec<TableSpec> {
    if requests.len() > MAX_TABLES {
        let detail = format!(
            "{} tables were asked for; at most {MAX_TABLES} can be checked in one call.",
            requests.len()
        );
        let fix = format!("List only the tables the site reads or writes (at most {MAX_TABLES}).");
        let texts = Texts::ids("input.too_many_tables", Some("fix.too_many_tables"))
            .with("count", requests.len())
            .with("max", MAX_TABLES);
        found.problem("too_many_tables", detail, fix, texts);
    }
    let mut tables: Vec<TableSpec> = Vec::new();
    for request in requests.iter().take(MAX_TABLES) {
        let Some(spec) = table_spec(request, found) else {
            continue;
        };
        match tables.iter_mut().find(|t| t.logical_name == spec.logical_name) {
            Some(existing) => {
                for k in spec.access {
                    if !existing.access.contains(&k) {
                        existing.access.push(k);
                    }
                }
                existing.access.sort();
            }
            None => tables.push(spec),
        }
    }
    tables
}

/// One table request: its logical name and its access kinds (read when none).
fn table_spec(request: &TableRequest, found: &mut Findings) -> Option<TableSpec> {
    let name = request.logical_name.trim().to_ascii_lowercase();
    let valid_name = !name.is_empty()
        && name.len() <= 128
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && name.as_bytes()[0].is_ascii_alphabetic();
    if !valid_name {
        let detail = format!(
            "'{}' is not a table logical name (lower-case letters, digits and underscores).",
            printable(&request.logical_name)
        );
        let texts =
            Texts::ids("input.invalid_table", Some("fix.table_name")).with("value", printable(&request.logical_name));
        found.problem("invalid_table", detail, fixes::TABLE_NAME, texts);
        return None;
    }
    let mut access = Vec::new();
    for kind in &request.access {
        match AccessKind::parse(kind) {
            Some(k) if !access.contains(&k) => access.push(k),
            Some(_) => {}
            None => {
                let detail = format!("'{}' for table '{name}' is not an access kind.", printable(kind));
                let texts = Texts::ids("input.invalid_access_kind", Some("fix.access_kind"))
                    .with("value", printable(kind))
                    .with("table", &name);
                found.problem("invalid_access_kind", detail, fixes::ACCESS_KIND, texts);
            }
        }
    }
    if access.is_empty() {
        access.push(AccessKind::Read);
    }
    access.sort();
    Some(TableSpec {
        logical_name: name,
        access,
    })
}

/// Fail: every problem's detail, each distinct fix once, the first problem's code.
fn failed(problems: &[Problem], instance: Option<InstanceUrl>) -> InputOutcome {
    let detail = problems.iter().map(|p| p.detail.as_str()).collect::<Vec<_>>().join(" ");
    let mut fix_list: Vec<&str> = Vec::new();
    for p in problems {
        if !fix_list.contains(&p.fix.as_str()) {
            fix_list.push(&p.fix);
        }
    }
    InputOutcome {
        status: CheckStatus::Fail,
        detail: format!("{detail} No request was made."),
        fix: Some(fix_list.join(" ")),
        code: problems.first().map(|p| p.code.to_owned()),
        // One problem has its own texts; several are shown in English (their ids are not a list).
        texts: match problems {
            [one] => one.texts.clone(),
            _ => Texts::default(),
        },
        instance,
        valid: None,
    }
}

/// Pass, or warn when values were trimmed.
fn passed(valid: ValidInput, trimmed: &[&str]) -> InputOutcome {
    let instance_url = valid.instance.clone();
    let cloud = instance_url.cloud().name();
    let (status, detail, fix, code, texts) = if trimmed.is_empty() {
        (
            CheckStatus::Pass,
            format!(
                "The values are well formed; instance {} in the {} cloud.",
                instance_url,
                instance_url.cloud().name()
            ),
            None,
            None,
            Texts::ids("input.pass", None),
        )
    } else {
        (
            CheckStatus::Warn,
            format!(
                "Spaces or line breaks around the {} were removed before use; instance {} in the {} cloud.",
                trimmed.join(", "),
                instance_url,
                instance_url.cloud().name()
            ),
            Some(fixes::WHITESPACE.to_owned()),
            Some("whitespace_trimmed".to_owned()),
            Texts::ids("input.whitespace_trimmed", Some("fix.whitespace")).with("values", trimmed.join(", ")),
        )
    };
    let texts = texts.with("instance_url", &instance_url).with("cloud", cloud);
    InputOutcome {
        status,
        detail,
        fix,
        code,
        texts,
        instance: Some(instance_url),
        valid: Some(valid),
    }
}

/// A message that quotes an admin-typed value, shortened so that a huge value does not make a huge
/// report.
fn clip(message: &str) -> String {
    let mut out: String = message.chars().take(300).collect();
    if message.chars().count() > 300 {
        out.push('…');
    }
    out
}

/// An admin-typed value, shortened and with control characters shown, safe to echo (never used for
/// the secret).
fn printable(raw: &str) -> String {
    let mut out: String = raw.chars().take(80).flat_map(char::escape_default).collect();
    if raw.chars().count() > 80 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::TableRequest;

    /// Shaped like a secret Value; not the sandbox's (these tests make no request).
    const SECRET: &str = "Sbx8Q~madeUpSecretValue.000000000000000001";

    fn conn(url: &str, app: &str, secret: &str, tenant: Option<&str>) -> ConnectionInput {
        ConnectionInput {
            instance_url: Some(url.to_owned()),
            application_id: Some(app.to_owned()),
            client_secret: Some(ClientSecret::new(secret)),
            tenant_id: tenant.map(str::to_owned),
        }
    }

    /// A made-up application id.
    const APP: &str = "a0a0a0a0-1111-4111-8111-a0a0a0a0a0a0";

    #[test]
    fn huge_values_and_table_lists_give_short_clear_errors() {
        // Found by tests/hostile_input.rs: a 1 MiB instance URL made a 1 MiB report, and 10 000
        // table names ran past the deadline before the first request.
        let big = format!("https://{}.crm.dynamics.com", "a".repeat(1 << 20));
        let out = check(&conn(&big, APP, SECRET, None), &Default::default(), None);
        assert_eq!(out.code.as_deref(), Some("invalid_instance_url"));
        assert!(out.detail.len() < 1_000, "{} bytes", out.detail.len());

        let options = VerifyOptions {
            tables: (0..10_000).map(|i| TableRequest::read(format!("t{i}"))).collect(),
            ..Default::default()
        };
        let out = check(
            &conn("https://contoso.crm.dynamics.com", APP, SECRET, None),
            &options,
            None,
        );
        assert_eq!(out.code.as_deref(), Some("too_many_tables"), "{}", out.detail);
        assert!(out.detail.len() < 1_000);
        let options = VerifyOptions {
            tables: (0..MAX_TABLES).map(|i| TableRequest::read(format!("t{i}"))).collect(),
            ..Default::default()
        };
        let out = check(
            &conn("https://contoso.crm.dynamics.com", APP, SECRET, None),
            &options,
            None,
        );
        assert_eq!(out.status, CheckStatus::Pass, "{}", out.detail);
    }

    #[test]
    fn good_values_pass() {
        let out = check(
            &conn("https://contoso.crm.dynamics.com/main.aspx", APP, SECRET, None),
            &Default::default(),
            None,
        );
        assert_eq!(out.status, CheckStatus::Pass, "{}", out.detail);
        assert_eq!(out.valid.unwrap().instance.as_str(), "https://contoso.crm.dynamics.com");
    }

    #[test]
    fn whitespace_warns_and_is_trimmed() {
        let out = check(
            &conn(
                " https://contoso.crm.dynamics.com\n",
                APP,
                &format!("{SECRET} "),
                Some(" contoso.onmicrosoft.com"),
            ),
            &Default::default(),
            None,
        );
        assert_eq!(out.status, CheckStatus::Warn);
        assert_eq!(out.code.as_deref(), Some("whitespace_trimmed"));
        assert!(out.detail.contains("client secret"));
        assert_eq!(out.valid.unwrap().secret.secret(), SECRET);
    }

    #[test]
    fn secret_id_is_caught() {
        let out = check(
            &conn(
                "https://contoso.crm.dynamics.com",
                APP,
                "a1111111-1111-4111-8111-111111111111",
                None,
            ),
            &Default::default(),
            None,
        );
        assert_eq!(out.status, CheckStatus::Fail);
        assert_eq!(out.code.as_deref(), Some("secret_id_not_value"));
        assert!(out.fix.unwrap().contains("Value"));
        assert!(!out.detail.contains("a1111111"), "the secret field is never echoed");
    }

    #[test]
    fn missing_values_and_bad_tables_fail_with_all_problems() {
        let options = VerifyOptions {
            tables: vec![
                TableRequest::read("Account"),
                TableRequest {
                    logical_name: "contact".into(),
                    access: vec!["read".into(), "upsert".into()],
                },
                TableRequest::read("bad name"),
            ],
            ..Default::default()
        };
        let out = check(&ConnectionInput::default(), &options, None);
        assert_eq!(out.status, CheckStatus::Fail);
        assert_eq!(out.code.as_deref(), Some("invalid_instance_url"));
        for needle in [
            "instance URL is missing",
            "client) ID is missing",
            "secret is missing",
            "upsert",
            "bad name",
        ] {
            assert!(out.detail.contains(needle), "{needle}: {}", out.detail);
        }
    }

    #[test]
    fn tables_are_normalized_and_merged() {
        let options = VerifyOptions {
            tables: vec![
                TableRequest::read("Account"),
                TableRequest {
                    logical_name: "account".into(),
                    access: vec!["Write".into()],
                },
                TableRequest {
                    logical_name: "lead".into(),
                    access: vec![],
                },
            ],
            ..Default::default()
        };
        let out = check(&conn("contoso.crm.dynamics.com", APP, SECRET, None), &options, None);
        let tables = out.valid.unwrap().tables;
        assert_eq!(
            tables,
            vec![
                TableSpec {
                    logical_name: "account".into(),
                    access: vec![AccessKind::Read, AccessKind::Write]
                },
                TableSpec {
                    logical_name: "lead".into(),
                    access: vec![AccessKind::Read]
                },
            ]
        );
    }

    #[test]
    fn bad_tenants() {
        for t in ["common", "{{tenantid}}", "undefined"] {
            let out = check(
                &conn("contoso.crm.dynamics.com", APP, SECRET, Some(t)),
                &Default::default(),
                None,
            );
            assert_eq!(out.code.as_deref(), Some("invalid_tenant_id"), "{t}");
        }
    }
}
