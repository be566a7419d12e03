//! What every check reports: an [`Outcome`] (status, detail, fix, code), collected in report order by
//! [`Checks`] into the report's `checks` list (`docs/verify.md` lists the codes).

use super::check_id::CheckId;
use crate::diagnosis::Diagnosis;
use crate::report::{Check, CheckStatus};
use std::time::Duration;

/// One check's verdict.
pub struct Outcome {
    pub status: CheckStatus,
    pub detail: String,
    pub fix: Option<String>,
    pub code: Option<String>,
    /// What a repair would do about it (`None`: judged from the code afterwards, see `repair_hint`).
    pub repair: Option<&'static str>,
}

impl Outcome {
    pub fn pass(detail: impl Into<String>) -> Self {
        Self {
            status: CheckStatus::Pass,
            detail: detail.into(),
            fix: None,
            code: None,
            repair: None,
        }
    }

    pub fn skip(detail: impl Into<String>) -> Self {
        Self {
            status: CheckStatus::Skip,
            detail: detail.into(),
            fix: None,
            code: None,
            repair: None,
        }
    }

    pub fn with(status: CheckStatus, d: Diagnosis) -> Self {
        Self {
            status,
            detail: d.detail,
            fix: d.fix,
            code: Some(d.code),
            repair: None,
        }
    }

    pub fn fail(d: Diagnosis) -> Self {
        Self::with(CheckStatus::Fail, d)
    }

    pub fn failed(&self) -> bool {
        self.status == CheckStatus::Fail
    }
}

/// The report's checks, in the order they are pushed.
#[derive(Default)]
pub struct Checks(Vec<Check>);

impl Checks {
    /// Records a check under its usual title.
    pub fn push(&mut self, id: &CheckId, outcome: Outcome, elapsed: Duration) {
        self.push_titled(id, id.title(), outcome, elapsed);
    }

    /// Records a check under `title`. The id becomes the report's string here, and only here.
    pub fn push_titled(&mut self, id: &CheckId, title: String, outcome: Outcome, elapsed: Duration) {
        self.0.push(Check {
            id: id.to_string(),
            status: outcome.status,
            title,
            detail: outcome.detail,
            fix: outcome.fix,
            code: outcome.code,
            elapsed_ms: elapsed.as_millis() as u64,
            repairable: outcome.repair.is_some(),
            repair: outcome.repair.map(str::to_owned),
        });
    }

    /// Records `ids` as skipped, each for the reason `why`.
    pub fn skip_all<'a>(&mut self, ids: impl IntoIterator<Item = &'a CheckId>, why: &str) {
        for id in ids {
            self.push(id, Outcome::skip(why), Duration::ZERO);
        }
    }

    /// Records as skipped, for the reason `why`, every check of `ids` (in report order) after `done`.
    pub fn skip_after(&mut self, ids: &[CheckId], done: &CheckId, why: &str) {
        self.skip_all(ids.iter().skip_while(|id| *id != done).skip(1), why);
    }

    pub fn into_vec(self) -> Vec<Check> {
        self.0
    }
}
