//! The `app_user` check: the app is an enabled application user of the environment.
//!
//! `GET WhoAmI` names the application user and its business unit; then, concurrently,
//! `GET systemusers({id})?$select=isdisabled`, `GET RetrieveUserPrivileges` (the privileges are
//! judged by the table checks) and the requests of the `privilege_audit` check
//! (<https://learn.microsoft.com/power-platform/admin/manage-application-users>). A pass proves
//! Dataverse accepts the token as an enabled user. A fail (`0x80072560` no application user,
//! `0x80095ffc` blocked by policy, `user_disabled`, `unauthorized`, transport codes, `docs/verify.md`)
//! means the metadata and table checks are skipped. An application user that holds no security role
//! (its own privileges list empty, or refused as Dataverse refuses a user without roles) fails
//! with `no_role`, whose fix names the missing role assignment.

use super::check_id::CheckId;
use super::outcome::{Checks, Outcome};
use crate::dataverse::{codes, privilege_message, Dataverse};
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
    if answers.who.is_ok() {
        if let Some(refusal) = no_role(answers.privileges.as_ref()) {
            return Outcome::fail(app::no_role(facts, refusal));
        }
    }
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

/// Whether the application user (which WhoAmI just identified) holds no security role at all, from
/// its own `RetrieveUserPrivileges`: an empty list, or a refusal that is not about membership,
/// enabling or policy and either says `roleCount=0` or names no missing privilege (Dataverse's own
/// "has not been assigned any roles" refusals, under `0x80040220` or other codes). `Some(None)` for
/// the empty list, `Some(Some(e))` for a refusal; decided by status, code and the structured
/// `roleCount` field, never by wording.
fn no_role(privileges: Option<&Result<HashMap<String, Depth>, Error>>) -> Option<Option<&Error>> {
    match privileges? {
        Ok(held) => held.is_empty().then_some(None),
        Err(e) => {
            let refused = matches!(e.status(), Some(400 | 403))
                && !matches!(
                    e.code(),
                    Some(codes::NOT_A_MEMBER | codes::APP_BLOCKED | codes::USER_DISABLED)
                );
            let roles = e
                .refusal()
                .and_then(|r| privilege_message::parse(&r.message))
                .map(|m| m.role_count);
            let none_held = match roles {
                Some(count) => count == Some(0),
                None => true,
            };
            (refused && none_held).then_some(Some(e))
        }
    }
}
