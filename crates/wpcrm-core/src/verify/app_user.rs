//! The `app_user` check: the app is an enabled application user of the environment.
//!
//! `GET WhoAmI` names the application user and its business unit; then, concurrently,
//! `GET systemusers({id})?$select=isdisabled`, `GET RetrieveUserPrivileges` (the privileges are
//! judged by the table checks) and the requests of the `privilege_audit` check
//! (<https://learn.microsoft.com/power-platform/admin/manage-application-users>). A pass proves
//! Dataverse accepts the token as an enabled user. A fail (`0x80072560` no application user,
//! `0x80095ffc` blocked by policy, `user_disabled`, `unauthorized`, transport codes, `docs/verify.md`)
//! means the metadata and table checks are skipped.

use super::check_id::CheckId;
use super::outcome::{Checks, Outcome};
use crate::dataverse::{codes, Dataverse};
use crate::diagnosis::{app, Facts, Phrase};
use crate::report::{Depth, Identity, VerifyReport};
use crate::service::Error;
use std::collections::HashMap;
use std::time::Duration;
use tokio::time::Instant;

/// What the identity requests answered.
pub struct Answers {
    pub who: Result<Identity, Error>,
    /// `isdisabled`, read only once WhoAmI answered.
    pub disabled: Option<Result<Option<bool>, Error>>,
    /// RetrieveUserPrivileges, read only once WhoAmI answered.
    pub privileges: Option<Result<HashMap<String, Depth>, Error>>,
    /// The least-privilege audit's requests, beside the privileges.
    pub audit: Option<super::privilege_audit::Answers>,
    pub elapsed: Duration,
}

/// WhoAmI, then the user record ∥ its privileges: two round trips.
pub async fn fetch(dv: &Dataverse<'_>) -> Answers {
    let t0 = Instant::now();
    let who = dv.who_am_i().await;
    let (disabled, privileges, audit) = match &who {
        Ok(id) => {
            let (d, p, a) = futures_util::future::join3(
                dv.user_is_disabled(&id.user_id),
                dv.user_privileges(&id.user_id),
                super::privilege_audit::fetch(dv, id),
            )
            .await;
            (Some(d), Some(p), Some(a))
        }
        Err(_) => (None, None, None),
    };
    Answers {
        who,
        disabled,
        privileges,
        audit,
        elapsed: t0.elapsed(),
    }
}

impl Answers {
    /// Dataverse rejected the token itself.
    pub fn token_rejected(&self) -> bool {
        matches!(&self.who, Err(e) if e.status() == Some(401))
    }
}

/// Judges and records the check (and the report's identity); `false` when it failed.
pub fn check(answers: &Answers, facts: &Facts, checks: &mut Checks, report: &mut VerifyReport) -> bool {
    let outcome = judge(answers, facts);
    let ok = !outcome.failed();
    if let Ok(id) = &answers.who {
        report.identity = Some(id.clone());
    }
    checks.push(&CheckId::AppUser, outcome, answers.elapsed);
    ok
}

fn judge(answers: &Answers, facts: &Facts) -> Outcome {
    match (&answers.who, &answers.disabled) {
        (Err(e), _) => Outcome::fail(app::dataverse(
            e,
            facts,
            Phrase::new("action.whoami", "identify the application user (WhoAmI)"),
        )),
        (Ok(_), Some(Ok(Some(true)))) => Outcome::fail(app::user_disabled(facts, None)),
        (Ok(_), Some(Err(e))) if codes::is_user_disabled(e) => Outcome::fail(app::user_disabled(facts, e.code())),
        (Ok(id), Some(Ok(Some(false)))) => Outcome::pass(format!(
            "The application user {} exists and is enabled (business unit {}).",
            id.user_id, id.business_unit_id
        ))
        .id("app_user.pass")
        .param("user_id", &id.user_id)
        .param("business_unit_id", &id.business_unit_id),
        (Ok(id), _) => Outcome::pass(format!(
            "The application user {} exists (business unit {}); whether it is enabled could not be read.",
            id.user_id, id.business_unit_id
        ))
        .id("app_user.pass_unknown_enabled")
        .param("user_id", &id.user_id)
        .param("business_unit_id", &id.business_unit_id),
    }
}
