//! Step `verify`: checks the new connection as the site will use it, with `crate::verify::run`
//! (the checks of `wpcrm_verify_connection()`; a stand-in in tests) and the new credentials.
//!
//! Requests: those of the verification (a client-credentials token, then Dataverse with it). While
//! the token check fails with AADSTS700016 or AADSTS7000215 the new application or secret has not
//! replicated yet: retried after 1, 2, 4, 8, 8… s within the budget and at most
//! `REPLICATION_BOUND_S` after the step started (`docs/provision.md`, "Time").
//!
//! Reuses the instance URL, application, tenant and secret the state records and the requested
//! tables. Safe to re-run: it only reads; a report that is not `ok` is kept (the connection exists
//! either way) and the next run verifies again.

use super::machine::{Machine, StepResult, Stop, REPLICATION_BOUND_S};
use super::steps::{StepId, StepStatus};
use crate::api::{ConnectionInput, VerifyOptions};
use crate::report::VerifyReport;
use std::time::Duration;

/// The token check failed because Entra ID does not know the new application or secret yet.
fn still_replicating(report: &VerifyReport) -> bool {
    report.checks.iter().any(|c| {
        c.id == "token"
            && c.status == crate::report::CheckStatus::Fail
            && matches!(c.code.as_deref(), Some("AADSTS700016") | Some("AADSTS7000215"))
    })
}

impl Machine<'_> {
    /// The new connection, as the verification takes it, with the rest of this call's budget.
    fn new_connection(&self) -> (ConnectionInput, VerifyOptions) {
        let st = self.st();
        let secret = st.secret.clone().expect("client_secret ran first");
        (
            ConnectionInput {
                instance_url: st.instance_url.clone(),
                application_id: st.app.as_ref().map(|a| a.app_id.clone()),
                client_secret: Some(secret.value),
                tenant_id: st.tenant_id.clone(),
            },
            VerifyOptions {
                tables: self.opts.tables.clone(),
                timeout: Some(self.caller.remaining()),
                secret_expires_at: Some(secret.expires_at),
                site_role_id: st.custom_role.as_ref().map(|r| r.id.clone()),
            },
        )
    }

    pub(super) async fn verify(&self) -> StepResult {
        let step = StepId::Verify;
        self.begin(step);
        let mut wait = Duration::from_secs(1);
        loop {
            if self.caller.remaining() < Duration::from_secs(2) {
                return Err(Stop::Pending(step));
            }
            let (connection, options) = self.new_connection();
            let report = (self.verifier)(self.ctx, connection, options).await;
            if still_replicating(&report) {
                let started = self.st().step_mut(step).started_at.unwrap_or_else(|| self.now_s());
                if self.now_s() - started <= REPLICATION_BOUND_S {
                    if wait + Duration::from_secs(2) > self.caller.remaining() {
                        return Err(Stop::Pending(step));
                    }
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(Duration::from_secs(8));
                    continue;
                }
            }
            let ok = report.ok;
            let mut st = self.st();
            st.verification = serde_json::to_value(&report).ok();
            // The connection exists either way; the report says what (if anything) to fix.
            st.finish(step, if ok { StepStatus::Done } else { StepStatus::Failed });
            if !ok {
                // Keep `done` reachable on a re-run: the next run verifies again.
                st.step_mut(step).started_at = None;
            }
            return Ok(());
        }
    }
}
