//! Step `sign_in`: the admin signs in with the device code flow
//! (<https://learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code>), or, where device
//! code is blocked, in the browser with a pasted-back address (`browser_sign_in.rs`).
//!
//! Requests: `POST {login}/organizations/oauth2/v2.0/devicecode` once, then the token endpoint's
//! device code grant, no sooner than the interval the code came with (see `docs/provision.md`,
//! "Time"). The first call returns `sign_in_required`; later calls poll within their budget.
//!
//! What a poll answered, and what to do about it, is [`device_code::Poll`]'s to say: this step only
//! acts on it (wait, slow down, start over for a redeemed code, stop with the catalogue's text for
//! a declined sign-in or a tenant policy, or keep the tokens).
//! The granted access token goes into the machine's [`TokenCache`](crate::oauth::TokenCache), the
//! refresh token into the state.
//!
//! Safe to re-run: a state that holds a refresh token is signed in already; the pending device
//! code, its interval and its next poll time live in the state, so a later call resumes polling
//! the same code instead of asking the admin for a new one.

use super::machine::{rfc3339, Machine, StepResult, Stop};
use super::response::SignIn;
use super::state::DeviceState;
use super::steps::{StepId, StepStatus};
use crate::api::SignInMethod;
use crate::diagnosis::{admin, entra};
use crate::oauth::refresh::TokenSet;
use crate::oauth::{device_code, CachedToken};
use std::ops::ControlFlow;
use std::time::Duration;

pub(super) fn unix_rfc3339(t: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t)
        .map(rfc3339)
        .unwrap_or_default()
}

fn sign_in_view(d: &DeviceState) -> Box<SignIn> {
    Box::new(SignIn {
        method: "device_code",
        user_code: d.user_code.clone(),
        verification_uri: d.verification_uri.clone(),
        message: d.message.clone(),
        expires_at: unix_rfc3339(d.expires_at),
        authorize_url: None,
        redirect_uri: None,
    })
}

fn millis(t: time::OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

impl Machine<'_> {
    pub(super) async fn sign_in(&self) -> StepResult {
        let step = StepId::SignIn;
        if self.st().tokens.refresh.is_some() {
            self.done(step);
            return Ok(());
        }
        self.begin(step);
        if self.browser_chosen() {
            self.st().device = None;
            return self.browser_sign_in().await;
        }
        self.st().browser = None;
        let device = self.st().device.clone();
        let Some(mut device) = device else {
            return self.start_device().await;
        };
        loop {
            let now = self.now();
            if now.unix_timestamp() >= device.expires_at {
                self.st().device = None;
                return self.give_up(step, admin::expired_token());
            }
            let wait = Duration::from_millis(device.next_poll_at_ms.saturating_sub(millis(now)).max(0) as u64);
            if wait + Duration::from_millis(200) > self.caller.remaining() {
                return Err(Stop::SignIn(sign_in_view(&device)));
            }
            tokio::time::sleep(wait).await;
            let poll = device_code::poll(&self.caller, "organizations", self.client_id(), &device.device_code).await;
            if let ControlFlow::Break(outcome) = self.on_poll(poll, &mut device).await {
                return outcome;
            }
        }
    }

    /// Requests a new device code and returns it for the admin.
    async fn start_device(&self) -> StepResult {
        let step = StepId::SignIn;
        let scopes = format!("{} offline_access openid profile", self.graph_scope());
        let auth = match device_code::start(&self.caller, "organizations", self.client_id(), &scopes).await {
            Ok(a) => a,
            Err(e) => return self.fail(step, &e),
        };
        let now = self.now();
        let device = DeviceState {
            device_code: auth.device_code,
            user_code: auth.user_code,
            verification_uri: auth.verification_uri,
            message: auth.message,
            expires_at: now.unix_timestamp() + auth.expires_in as i64,
            interval_s: auth.interval.max(1),
            next_poll_at_ms: millis(now) + auth.interval.max(1) as i64 * 1000,
        };
        let view = sign_in_view(&device);
        self.st().device = Some(device);
        Err(Stop::SignIn(view))
    }

    /// Does what the poll's answer says: poll again (`Continue`), or stop polling with the outcome.
    async fn on_poll(&self, poll: device_code::Poll, device: &mut DeviceState) -> ControlFlow<StepResult> {
        let step = StepId::SignIn;
        let after_ms = millis(self.now());
        let outcome = match poll {
            device_code::Poll::Pending | device_code::Poll::SlowDown => {
                if matches!(poll, device_code::Poll::SlowDown) {
                    device.interval_s += 5;
                }
                device.next_poll_at_ms = after_ms + device.interval_s as i64 * 1000;
                self.st().device = Some(device.clone());
                return ControlFlow::Continue(());
            }
            device_code::Poll::Granted(set) => return ControlFlow::Break(self.signed_in(set)),
            device_code::Poll::OutOfTime => return ControlFlow::Break(Err(Stop::SignIn(sign_in_view(device)))),
            device_code::Poll::Declined(e) | device_code::Poll::Blocked(e) => {
                self.give_up(step, self.refused_sign_in(&e, entra::SignInFlow::DeviceCode))
            }
            device_code::Poll::Expired => self.give_up(step, admin::expired_token()),
            device_code::Poll::Restart => {
                self.st().device = None;
                return ControlFlow::Break(self.start_device().await);
            }
            device_code::Poll::Failed(e) => self.fail_sign_in(step, &e, entra::SignInFlow::DeviceCode),
        };
        // Declined, expired or failed: this code is spent.
        self.st().device = None;
        ControlFlow::Break(outcome)
    }

    /// The browser sign-in when the request asks for it, or continues one (a pasted address, or a
    /// pending browser sign-in and no method named).
    fn browser_chosen(&self) -> bool {
        match self.opts.sign_in_method {
            Some(m) => m == SignInMethod::Browser,
            None => self.opts.sign_in_response_url.is_some() || self.st().browser.is_some(),
        }
    }

    /// The catalogue's words for a sign-in Entra refused (a policy, MFA, a declined consent…).
    pub(super) fn refused_sign_in(
        &self,
        e: &crate::service::Error,
        flow: entra::SignInFlow,
    ) -> crate::diagnosis::Diagnosis {
        let resource = self.resource_words(&self.graph_scope());
        let facts = entra::SignInFacts {
            flow,
            resource: &resource,
            client_id: self.client_id(),
        };
        entra::sign_in_refused(e, &facts)
    }

    /// A sign-in request that failed otherwise: an Entra refusal (an unknown AADSTS number) gets the
    /// sign-in catalogue's words, never "expired"; the network, throttling or a deadline get theirs.
    pub(super) fn fail_sign_in<T>(
        &self,
        step: StepId,
        e: &crate::service::Error,
        flow: entra::SignInFlow,
    ) -> StepResult<T> {
        if crate::oauth::grant_error::is_entra_refusal(e) {
            return self.give_up(step, self.refused_sign_in(e, flow));
        }
        self.fail(step, e)
    }

    /// The admin approved: keep the access token in the cache and the refresh token in the state.
    pub(super) fn signed_in(&self, set: TokenSet) -> StepResult {
        let step = StepId::SignIn;
        let token = CachedToken::new(set.access, self.now(), set.expires_in.max(0) as u64);
        self.tokens.restore(self.token_key(&self.graph_scope()), token);
        let mut st = self.st();
        st.device = None;
        st.browser = None;
        st.tokens.refresh = set.refresh;
        if st.tenant_id.is_none() {
            st.tenant_id = set.tenant_id;
        }
        st.admin_id = set.user_id;
        if st.tokens.refresh.is_none() {
            drop(st);
            return self.give_up(step, admin::no_refresh_token());
        }
        st.finish(step, StepStatus::Done);
        Ok(())
    }
}
