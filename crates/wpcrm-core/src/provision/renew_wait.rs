//! Step `secret_active` of a renewal: waits until Entra ID accepts the new client secret, by asking
//! for a client-credentials token with it for the environment
//! (<https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow>), never by
//! sleeping a fixed time. A new secret is refused with `invalid_client` AADSTS7000215 until it has
//! replicated (AADSTS700016 while the application itself is not yet known there). Replication
//! usually takes seconds, so the token is asked for after 0.5 s, then every second for ten seconds,
//! then after 2, 4, 8, 8… s (a doubling from the start overshot a 2 s replication by 1.5 s: README,
//! "Measurements"); the count continues across calls (the state keeps it and when the wait began),
//! the step ends `in_progress` when the call's budget is spent, and fails with
//! `secret_not_accepted` `REPLICATION_BOUND_S` after it began. Any other refusal fails with the
//! catalogue's explanation.
//!
//! Safe to re-run: it only asks for tokens; once one was granted the step is done.

use super::machine::{Machine, StepResult, Stop, REPLICATION_BOUND_S};
use super::steps::StepStatus;
use crate::diagnosis::{admin, renewal};
use crate::ids::{ClientId, TenantId};
use crate::oauth::client_credentials::{acquire, ClientCredentials};
use crate::service::Error;
use std::time::Duration;

const STEP: &str = "secret_active";
const FIRST_WAIT: Duration = Duration::from_millis(500);
/// Refusals answered by a wait of one second before the waits start doubling.
const STEADY_WAITS: u32 = 10;
const LONGEST_WAIT: Duration = Duration::from_secs(8);

/// Entra ID does not know the new secret (or the application) yet.
fn not_yet_accepted(e: &Error) -> bool {
    e.has_aadsts(7_000_215) || e.has_aadsts(700_016)
}

/// The wait after the `n`-th refusal (n ≥ 1): 0.5 s, then 1 s ten times, then 2, 4, 8, 8… s.
fn backoff(n: u32) -> Duration {
    match n {
        0 | 1 => FIRST_WAIT,
        n if n <= 1 + STEADY_WAITS => Duration::from_secs(1),
        n => Duration::from_secs(1u64 << (n - 1 - STEADY_WAITS).min(4)).min(LONGEST_WAIT),
    }
}

impl Machine<'_> {
    pub(super) async fn secret_active(&self) -> StepResult {
        if self.renewal_mut(|r| r.secret_active) == StepStatus::Done {
            return Ok(());
        }
        let (tenant, app_id, secret) = {
            let st = self.st();
            let secret = st.secret.as_ref().map(|s| s.value.clone());
            (st.tenant_id.clone(), st.app.as_ref().map(|a| a.app_id.clone()), secret)
        };
        let tenant = tenant.and_then(|t| TenantId::parse(&t).ok());
        let (Some(tenant), Some(client_id), Some(secret)) = (tenant, app_id.and_then(|a| ClientId::parse(&a)), secret)
        else {
            return self.renewal_failed(STEP, renewal::connection_required("tenant_id"));
        };
        let scope = self.dataverse_scope();
        let creds = ClientCredentials {
            tenant: &tenant,
            client_id: &client_id,
            secret: &secret,
            scope: &scope,
        };
        loop {
            let now = self.now_s();
            let started = self.renewal_mut(|r| {
                r.secret_active = StepStatus::Running;
                *r.active_started_at.get_or_insert(now)
            });
            match acquire(&self.caller, &creds).await {
                Ok(_) => {
                    self.renewal_mut(|r| r.secret_active = StepStatus::Done);
                    return Ok(());
                }
                Err(Error::Deadline) => return Err(Stop::PendingNamed(STEP)),
                Err(e) if not_yet_accepted(&e) => {
                    if self.now_s() - started > REPLICATION_BOUND_S {
                        return self.renewal_failed(STEP, renewal::secret_not_accepted(REPLICATION_BOUND_S / 60));
                    }
                    let wait = backoff(self.renewal_mut(|r| {
                        r.active_attempts += 1;
                        r.active_attempts
                    }));
                    if wait + Duration::from_millis(500) > self.caller.remaining() {
                        return Err(Stop::PendingNamed(STEP));
                    }
                    tokio::time::sleep(wait).await;
                }
                Err(e) => return self.renewal_failed(STEP, admin::explain(&e)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_is_short_while_replication_is_likely_then_doubles_up_to_eight_seconds() {
        let waits: Vec<u64> = (1..=16).map(|n| backoff(n).as_millis() as u64).collect();
        let mut expected = vec![500];
        expected.extend([1000; 10]);
        expected.extend([2000, 4000, 8000, 8000, 8000]);
        assert_eq!(waits, expected);
        assert_eq!(backoff(u32::MAX), LONGEST_WAIT);
        let first_minute: Duration = (1..=16).map(backoff).sum();
        assert!(first_minute < Duration::from_secs(60), "{first_minute:?}");
    }
}
