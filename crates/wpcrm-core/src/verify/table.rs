//! The `table:<logicalname>` checks: the application user can use each table the site needs, with
//! the access kinds asked for.
//!
//! Per table, beside WhoAmI: `GET EntityDefinitions(LogicalName='x')?$select=…&$expand=Privileges`,
//! then, when read access is asked for, `GET {entityset}?$select={id}&$top=1`
//! (<https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query-metadata-web-api>).
//! The privileges needed are held against RetrieveUserPrivileges, read by the `app_user` check
//! (<https://learn.microsoft.com/power-platform/admin/security-roles-privileges>). A pass proves
//! every access kind is granted; a fail names the missing table (`table_not_found`) or every missing
//! `prv<Verb><SchemaName>` (`0x80040220`); a warn (`basic_depth`, `local_depth`) means the site sees
//! only the app user's own or its business unit's rows (`docs/verify.md`).

use super::check_id::CheckId;
use super::input::{AccessKind, TableSpec};
use super::metadata::missing_privilege_named;
use super::outcome::{Checks, Outcome};
use crate::dataverse::metadata::TableDefinition;
use crate::dataverse::{codes, Dataverse};
use crate::diagnosis::{app, Diagnosis, Facts, Phrase};
use crate::report::{CheckStatus, Depth, TableReport, VerifyReport};
use crate::service::Error;
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;
use tokio::time::Instant;

/// The application user's privileges, lower-cased name → depth, or why they could not be listed.
pub type Held = Result<HashMap<String, Depth>, Diagnosis>;

/// What one table's requests answered.
pub struct Answers {
    definition: Result<TableDefinition, Error>,
    read: Option<Result<(), Error>>,
    elapsed: Duration,
}

/// Every table's definition, then its row read: two round trips, whatever the number of tables.
pub async fn fetch_all(dv: &Dataverse<'_>, specs: &[TableSpec]) -> Vec<Answers> {
    futures_util::future::join_all(specs.iter().map(|spec| fetch(dv, spec))).await
}

async fn fetch(dv: &Dataverse<'_>, spec: &TableSpec) -> Answers {
    let t0 = Instant::now();
    let definition = dv.table_definition(&spec.logical_name).await;
    let read = match &definition {
        Ok(d) if spec.access.contains(&AccessKind::Read) => Some(dv.read_one_row(d).await),
        _ => None,
    };
    Answers {
        definition,
        read,
        elapsed: t0.elapsed(),
    }
}

impl Answers {
    /// The privileges `spec` needs, as its definition names them (none when it was not read).
    pub fn privileges_needed(&self, spec: &TableSpec) -> Vec<String> {
        match &self.definition {
            Ok(d) => spec
                .access
                .iter()
                .map(|k| d.privilege_for(k.verb(), &spec.logical_name))
                .collect(),
            Err(_) => Vec::new(),
        }
    }
}

/// The privileges as the table checks judge them (RetrieveUserPrivileges' answer, if WhoAmI answered).
pub fn held(privileges: Option<Result<HashMap<String, Depth>, Error>>, facts: &Facts) -> Option<Held> {
    let action = Phrase::new("action.privileges", "read its privileges");
    privileges.map(|r| r.map_err(|e| app::dataverse(&e, facts, action)))
}

/// Judges and records one table's check, and its entry in the report's `tables` when its
/// definition was looked up. The check took at least `identity_elapsed` (its privileges came from
/// there).
pub fn check(
    spec: &TableSpec,
    answers: Answers,
    held: Option<&Held>,
    facts: &Facts,
    identity_elapsed: Duration,
    checks: &mut Checks,
    report: &mut VerifyReport,
) {
    let (mut outcome, table) = judge(spec, answers.definition, answers.read, held, facts);
    let title = CheckId::table_title(&spec.logical_name, table.display_name.as_deref());
    if let Some(display_name) = &table.display_name {
        outcome = outcome.param("display_name", display_name);
    }
    if table.exists || outcome.code.as_deref() == Some("table_not_found") {
        report.tables.insert(spec.logical_name.clone(), table);
    }
    let id = CheckId::Table(spec.logical_name.clone());
    checks.push_titled(&id, title, outcome, answers.elapsed.max(identity_elapsed));
}

fn judge(
    spec: &TableSpec,
    definition: Result<TableDefinition, Error>,
    read: Option<Result<(), Error>>,
    held: Option<&Held>,
    facts: &Facts,
) -> (Outcome, TableReport) {
    let name = &spec.logical_name;
    let definition = match definition {
        Ok(d) => d,
        Err(e) if codes::is_missing_object(&e) => {
            return (Outcome::fail(app::table_not_found(name, facts)), TableReport::default());
        }
        Err(e) => {
            let action = Phrase::new(
                "action.table_definition",
                format!("read the definition of table '{name}'"),
            );
            return (
                Outcome::fail(app::dataverse(&e, facts, action.param("table", name))),
                TableReport::default(),
            );
        }
    };
    let mut judged = Judged::new(spec, &definition);
    let listed = match held {
        Some(Ok(map)) => Some(map),
        _ => None,
    };
    judged.note_privileges(listed);
    if let Err(outcome) = judged.note_read(read, listed.is_some(), facts) {
        return (outcome, judged.table);
    }
    let outcome = if !judged.missing.is_empty() {
        judged.missing_outcome()
    } else if let Some(Err(d)) = held {
        judged.depth_unknown(d)
    } else {
        judged.access_outcome()
    };
    (outcome, judged.table)
}

/// One table whose definition was read, as its access is worked out.
struct Judged<'a> {
    spec: &'a TableSpec,
    definition: &'a TableDefinition,
    display: String,
    table: TableReport,
    /// The privileges found missing, in the order of the access kinds.
    missing: Vec<String>,
}

impl<'a> Judged<'a> {
    fn new(spec: &'a TableSpec, definition: &'a TableDefinition) -> Self {
        Self {
            spec,
            definition,
            display: definition
                .display_name
                .clone()
                .unwrap_or_else(|| spec.logical_name.clone()),
            table: TableReport {
                exists: true,
                entity_set: definition.entity_set.clone(),
                display_name: definition.display_name.clone(),
                access: BTreeMap::new(),
            },
            missing: Vec::new(),
        }
    }

    fn privilege(&self, kind: AccessKind) -> String {
        self.definition.privilege_for(kind.verb(), &self.spec.logical_name)
    }

    /// Each access kind's depth from the privilege list, when it could be read.
    fn note_privileges(&mut self, listed: Option<&HashMap<String, Depth>>) {
        let Some(map) = listed else { return };
        for &kind in &self.spec.access {
            let privilege = self.privilege(kind);
            let depth = map.get(&privilege.to_ascii_lowercase()).copied().unwrap_or(Depth::None);
            self.table.access.insert(kind.name().to_owned(), depth);
            if depth == Depth::None {
                self.missing.push(privilege);
            }
        }
    }

    /// The real read confirms (or overrides) what the privilege list says about `read`; any other
    /// failure of the read is the check's outcome.
    fn note_read(&mut self, read: Option<Result<(), Error>>, listed: bool, facts: &Facts) -> Result<(), Outcome> {
        match read {
            Some(Err(e)) if codes::is_privilege_denied(&e) => {
                let privilege = missing_privilege_named(&e).unwrap_or_else(|| self.privilege(AccessKind::Read));
                self.table.access.insert("read".to_owned(), Depth::None);
                if !self.missing.iter().any(|m| m.eq_ignore_ascii_case(&privilege)) {
                    self.missing.insert(0, privilege);
                }
                Ok(())
            }
            Some(Err(e)) => {
                let action = Phrase::new("action.table_read", format!("read a row of '{}'", self.display));
                Err(Outcome::fail(app::dataverse(
                    &e,
                    facts,
                    action.param("display", &self.display),
                )))
            }
            // The privilege list was not readable; the read itself proves some read depth.
            Some(Ok(())) if !listed => {
                self.table.access.entry("read".to_owned()).or_insert(Depth::Basic);
                Ok(())
            }
            Some(Ok(())) | None => Ok(()),
        }
    }

    /// Fail: every missing privilege, and the access kinds that lack them.
    fn missing_outcome(&self) -> Outcome {
        let kinds: Vec<&str> = self
            .spec
            .access
            .iter()
            .filter(|k| self.table.access.get(k.name()) == Some(&Depth::None))
            .map(|k| k.name())
            .collect();
        let what = Phrase::new(
            "action.table_access",
            format!(
                "{} the table '{}' ({})",
                kinds.join("/"),
                self.display,
                self.spec.logical_name
            ),
        )
        .param("kinds", kinds.join("/"))
        .param("display", &self.display);
        let mut d = app::missing_privilege(
            &self.missing.join(", "),
            what,
            Phrase::new("hint.every_row", app::HINT_EVERY_ROW),
        );
        if self.missing.len() > 1 {
            d.detail = d.detail.replace("the privilege", "the privileges");
            d.texts.detail_id = Some("app.missing_privileges".to_owned());
        }
        Outcome::fail(d)
    }

    /// Warn: a row could be read but the privilege list could not, so the depth is unknown.
    fn depth_unknown(&self, d: &Diagnosis) -> Outcome {
        Outcome::with(
            CheckStatus::Warn,
            Diagnosis {
                code: d.code.clone(),
                detail: format!(
                    "The table '{}' exists and a row could be read, but the application user's privileges could not be listed, so the depth of its access is unknown: {}",
                    self.display, d.detail
                ),
                fix: d.fix.clone(),
                // The inner detail is free text here: the prefix is not translated on its own.
                texts: Box::new(crate::report::Texts {
                    detail_id: None,
                    ..(*d.texts).clone()
                }),
            },
        )
    }

    /// Pass, or warn when reads reach only the user's own or its business unit's rows.
    fn access_outcome(&self) -> Outcome {
        let summary = self
            .table
            .access
            .iter()
            .map(|(k, d)| format!("{k}: {}", depth_word(*d)))
            .collect::<Vec<_>>()
            .join(", ");
        let display = &self.display;
        let set = self.definition.entity_set.as_deref().unwrap_or("?");
        let (depth, code, whose) = match self.table.access.get("read").copied() {
            Some(depth @ Depth::Basic) => (depth, "basic_depth", "records the application user owns"),
            Some(depth @ Depth::Local) => (depth, "local_depth", "records in the application user's business unit"),
            _ => {
                return Outcome::pass(format!("'{display}' ({set}) is accessible. Access: {summary}."))
                    .id("table.pass")
                    .param("display", display)
                    .param("entity_set", set)
                    .param("access", &summary)
            }
        };
        let privilege = self.privilege(AccessKind::Read);
        let detail = format!(
            "The application user can read '{display}' ({set}) only at {} depth: the site will see only {whose}. Access: {summary}.",
            depth_word(depth)
        );
        let d = app::shallow_read(code, detail, &privilege)
            .param("display", display)
            .param("entity_set", set)
            .param("access", &summary)
            .param("depth", depth_word(depth));
        Outcome::with(CheckStatus::Warn, d)
    }
}

fn depth_word(d: Depth) -> &'static str {
    match d {
        Depth::None => "none",
        Depth::Basic => "user (basic)",
        Depth::Local => "business unit (local)",
        Depth::Deep => "parent: child business units (deep)",
        Depth::Global => "organization (global)",
    }
}
