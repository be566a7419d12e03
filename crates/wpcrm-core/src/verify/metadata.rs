//! The `metadata` check: the application user can read table definitions at all.
//!
//! One `GET EntityDefinitions(LogicalName='systemuser')?$select=LogicalName`, sent beside WhoAmI
//! (<https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query-metadata-web-api>).
//! A pass proves the user holds `prvReadEntity` (the Basic User role grants it). A fail
//! (`0x80040220` naming the missing privilege, or a transport code, `docs/verify.md`) usually means
//! the user has no security role at all; the table checks are skipped then.

use super::check_id::CheckId;
use super::outcome::{Checks, Outcome};
use crate::dataverse::{codes, privilege_message, Dataverse};
use crate::diagnosis::{app, Facts, Phrase};
use crate::service::Error;
use std::time::Duration;
use tokio::time::Instant;

/// What the metadata request answered.
pub struct Answer {
    pub probe: Result<(), Error>,
    pub elapsed: Duration,
}

pub async fn fetch(dv: &Dataverse<'_>) -> Answer {
    let t0 = Instant::now();
    let probe = dv.probe_metadata().await;
    Answer {
        probe,
        elapsed: t0.elapsed(),
    }
}

/// Judges and records the check; `false` when it failed.
pub fn check(answer: &Answer, facts: &Facts, checks: &mut Checks) -> bool {
    let outcome = match &answer.probe {
        Ok(()) => Outcome::pass("The application user can read table definitions.").id("metadata.pass"),
        Err(e) if codes::is_privilege_denied(e) => {
            let privilege = missing_privilege_named(e).unwrap_or_else(|| "prvReadEntity".to_owned());
            Outcome::fail(app::no_metadata_access(&privilege))
        }
        Err(e) => Outcome::fail(app::dataverse(
            e,
            facts,
            Phrase::new("action.metadata", "read table definitions (metadata)"),
        )),
    };
    let ok = !outcome.failed();
    checks.push(&CheckId::Metadata, outcome, answer.elapsed);
    ok
}

/// The privilege a missing-privilege refusal names (the table checks read it too).
pub fn missing_privilege_named(e: &Error) -> Option<String> {
    let refusal = e.refusal()?;
    privilege_message::parse(&refusal.message).map(|m| m.privilege)
}
