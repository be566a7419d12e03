//! What every check reports: an [`Outcome`] (status, detail, fix, code), collected in report order by
//! [`Checks`] into the report's `checks` list (`docs/verify.md` lists the codes).

use super::check_id::CheckId;
use crate::diagnosis::Diagnosis;
use crate::report::{Check, CheckStatus, Texts};
use std::time::Duration;

/// One check's verdict. Its `texts` carry the text ids and named values a translation needs
/// (`docs/verify.md`, "Translations"): a pass or skip names its detail with [`Outcome::id`] and
/// records what it interpolates with [`Outcome::param`]; a failure takes both from its diagnosis.
pub struct Outcome {
    pub status: CheckStatus,
    pub detail: String,
    pub fix: Option<String>,
    pub code: Option<String>,
    /// Boxed: an `Outcome` travels in `Err` variants.
    pub texts: Box<Texts>,
    /// What a repair would do about it (`None`: judged from the code afterwards, see `repair_hint`).
    pub repair: Option<&'static str>,
}

impl Outcome {
    pub fn pass(detail: impl Into<String>) -> Self {
        Self::plain(CheckStatus::Pass, detail.into())
    }

    pub fn skip(detail: impl Into<String>) -> Self {
        Self::plain(CheckStatus::Skip, detail.into())
    }

    fn plain(status: CheckStatus, detail: String) -> Self {
        Self {
            status,
            detail,
            fix: None,
            code: None,
            texts: Box::default(),
            repair: None,
        }
    }

    pub fn with(status: CheckStatus, d: Diagnosis) -> Self {
        Self {
            status,
            detail: d.detail,
            fix: d.fix,
            code: Some(d.code),
            texts: d.texts,
            repair: None,
        }
    }

    /// Names the detail's text (a pass or skip has no code to name it).
    pub fn id(mut self, detail_id: &str) -> Self {
        self.texts.detail_id = Some(detail_id.to_owned());
        self
    }

    /// Records the named value `name` the texts use.
    pub fn param(mut self, name: &str, value: impl ToString) -> Self {
        self.texts.set(name, value);
        self
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
        let mut texts = *outcome.texts;
        if let CheckId::Table(name) = id {
            texts.set("table", name);
        }
        self.0.push(Check {
            id: id.to_string(),
            status: outcome.status,
            title,
            detail: outcome.detail,
            fix: outcome.fix,
            code: outcome.code,
            elapsed_ms: elapsed.as_millis() as u64,
            texts,
            repairable: outcome.repair.is_some(),
            repair: outcome.repair.map(str::to_owned),
        });
    }

    /// Records `ids` as skipped, each for the reason `why` (shown in English: prefer [`Checks::skip_because`]).
    #[allow(dead_code)]
    pub fn skip_all<'a>(&mut self, ids: impl IntoIterator<Item = &'a CheckId>, why: &str) {
        for id in ids {
            self.push(id, Outcome::skip(why), Duration::ZERO);
        }
    }

    /// Records `ids` as skipped because the check `failed` failed: the detail's text id is `skip.`
    /// and that check's kind (`skip.input`, `skip.token`, …), so the reason is translatable.
    pub fn skip_because<'a>(&mut self, ids: impl IntoIterator<Item = &'a CheckId>, failed: &CheckId, why: &str) {
        let text = format!("skip.{}", failed.kind());
        for id in ids {
            self.push(id, Outcome::skip(why).id(&text), Duration::ZERO);
        }
    }

    /// Records as skipped, for the reason `why`, every check of `ids` (in report order) after `done`.
    pub fn skip_after(&mut self, ids: &[CheckId], done: &CheckId, why: &str) {
        self.skip_because(ids.iter().skip_while(|id| *id != done).skip(1), done, why);
    }

    pub fn into_vec(self) -> Vec<Check> {
        self.0
    }
}
