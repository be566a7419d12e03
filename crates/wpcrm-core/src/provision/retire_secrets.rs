//! `action: forget_secret`, sent once the caller has saved the new connection: the state forgets
//! the secret's value, and this site's older secrets on its application are removed, so that the
//! application ends with exactly one secret of this site's (`docs/provision.md`, "Older secrets,
//! forget_secret"). Not before: a run or a renewal that dies before the caller saved the new secret
//! leaves the site on its old one, which must still work.
//!
//! Requests: `GET /applications/{id}` for its password credentials, then
//! `POST /applications/{id}/removePassword` for each secret whose display name carries this site's
//! keyed mark (`marker.rs`) and is not the new one
//! (<https://learn.microsoft.com/graph/api/application-removepassword>). Secrets someone else added
//! are left alone. Those of a run whose state was lost carry the same mark, so they go too.
//!
//! Safe to re-run: removing what is already gone is not an error; out of time, the answer is
//! `in_progress` and the next `forget_secret` continues. A failure does not undo the connection,
//! which works: the admin is told which secrets stay (`notices`).

use super::machine::{Machine, StepResult, Stop};
use super::state::State;
use super::steps::{StepId, StepStatus};
use crate::diagnosis::admin;
use crate::service::Error;

/// The new secret works: Entra ID granted a token with it — its verification's `token` check passed
/// (whatever the later checks found: a missing privilege is for Repair, not a reason to keep
/// secrets), or a renewal's `secret_active` step did.
fn new_secret_works(st: &State) -> bool {
    let token_passed = |v: &serde_json::Value| {
        v["ok"] == true
            || v["checks"]
                .as_array()
                .is_some_and(|checks| checks.iter().any(|c| c["id"] == "token" && c["status"] == "pass"))
    };
    st.verification.as_ref().is_some_and(token_passed)
        || st.renewal.as_ref().is_some_and(|r| r.secret_active == StepStatus::Done)
}

impl Machine<'_> {
    /// `action: forget_secret`: the caller has saved the connection; the state keeps its record (for
    /// a later undo) but no longer the secret's value, then the older secrets go, then the admin's
    /// tokens.
    pub(super) async fn forget_secret(&self) -> StepResult {
        {
            let mut st = self.st();
            // Verified, even with failed checks: the run answered `done` and the caller saved the
            // connection, so the state must forget the secret and keep its record (Undo, Repair).
            let verified = st.verification.is_some() && st.step(StepId::Verify) != StepStatus::Pending;
            let finished = st.secret.is_some()
                && (st.step(StepId::Verify) == StepStatus::Done || verified || new_secret_works(&st));
            if !finished {
                let error = super::response::ProvisionError::new(None, admin::not_finished());
                return Err(Stop::Failed(error));
            }
            if let Some(secret) = st.secret.as_mut() {
                secret.value = crate::secret::ClientSecret::new(String::new());
            }
            st.secret_forgotten = true;
        }
        self.retire_older_secrets().await?;
        let mut st = self.st();
        st.tokens = Default::default();
        st.device = None;
        Ok(())
    }

    async fn retire_older_secrets(&self) -> StepResult {
        let (passed, retired, new_key) = {
            let st = self.st();
            let passed = new_secret_works(&st);
            (
                passed,
                st.older_secrets_retired,
                st.secret.as_ref().map(|s| s.key_id.clone()),
            )
        };
        let Some(new_key) = new_key.filter(|_| passed && !retired) else {
            return Ok(());
        };
        if self.app_fresh.load(std::sync::atomic::Ordering::Relaxed) {
            // This call registered the application: its only secret is the new one.
            self.st().older_secrets_retired = true;
            return Ok(());
        }
        let step = StepId::Verify;
        let app = self.app();
        let found = match self.token(&self.graph_scope()).await {
            Ok(token) => self
                .graph(&token)
                .get_application(&app.object_id)
                .await
                .map(|a| (token, a)),
            Err(e) => Err(e),
        };
        let (token, current) = match found {
            Ok(found) => found,
            Err(Error::Deadline) => return Err(Stop::Pending(step)),
            Err(e) => {
                // The connection works: say which secrets stay rather than fail the run.
                self.notice(admin::older_secrets_kept(&e));
                self.st().older_secrets_retired = true;
                return Ok(());
            }
        };
        let graph = self.graph(&token);
        let prefix = &self.opts.marker.secret_prefix;
        let older = current.password_credentials.iter().filter(|c| {
            c.key_id != new_key
                && c.display_name
                    .as_deref()
                    .is_some_and(|n| n.starts_with(prefix.as_str()))
        });
        for secret in older {
            let why = "an older secret of this site, after the new one was verified";
            match self.remove_secret(&graph, &app.object_id, &secret.key_id, why).await {
                Ok(()) => {}
                Err(Error::Deadline) => return Err(Stop::Pending(step)),
                Err(e) => {
                    self.notice(admin::older_secrets_kept(&e));
                    break;
                }
            }
        }
        self.st().older_secrets_retired = true;
        Ok(())
    }
}
