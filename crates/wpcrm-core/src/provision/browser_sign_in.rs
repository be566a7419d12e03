//! Step `sign_in` by browser: the authorization-code grant with PKCE (S256) for the same public
//! client, with a loopback redirect (<https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow>),
//! for tenants whose Conditional Access blocks the device code flow.
//!
//! 1. The first call makes a verifier, its challenge and a random `state`, keeps the verifier in the
//!    sealed state only, and returns `sign_in_required` with `sign_in.authorize_url`.
//! 2. The admin opens the link, signs in; Entra sends the browser to `http://localhost/?code=…&state=…`,
//!    where nothing listens; the admin copies that address and the caller passes it back as
//!    `sign_in_response_url`.
//! 3. This step checks the address (its origin, its `state`), keeps the code in the state, and
//!    redeems it with the verifier. An `error=` in the address, or a refusal of the redemption, is
//!    classified like every other refused grant: a spent code starts a new link, a policy or a
//!    declined consent stops with the policy explained.

use super::machine::{Machine, StepResult, Stop};
use super::response::SignIn;
use super::sign_in::unix_rfc3339;
use super::state::BrowserState;
use super::steps::StepId;
use crate::diagnosis::entra;
use crate::oauth::auth_code::{self, Authorize, Pkce, Redeem, Redirect, LOOPBACK_REDIRECT_URI};
use crate::oauth::grant_error::{self, Refused};
use crate::secret::AuthorizationCode;

/// How long one sign-in link stays usable before a new one is issued (Entra's own sign-in page
/// session is about as long; the code it returns lives minutes).
const LINK_LIFETIME_S: i64 = 3600;

fn browser_view(b: &BrowserState) -> Box<SignIn> {
    Box::new(SignIn {
        method: "browser",
        user_code: String::new(),
        verification_uri: b.authorize_url.clone(),
        message: format!(
            "Open the sign-in link in your browser and sign in. The browser then shows an error page for {0} (nothing runs there): copy the whole address from the address bar and paste it back.",
            b.redirect_uri
        ),
        expires_at: unix_rfc3339(b.expires_at),
        authorize_url: Some(b.authorize_url.clone()),
        redirect_uri: Some(b.redirect_uri.clone()),
    })
}

impl Machine<'_> {
    pub(super) async fn browser_sign_in(&self) -> StepResult {
        let step = StepId::SignIn;
        let now = self.now_s();
        let pending = self.st().browser.clone().filter(|b| b.expires_at > now);
        let Some(mut browser) = pending else {
            return self.start_browser();
        };
        if browser.code.is_none() {
            let Some(pasted) = self.opts.sign_in_response_url.as_deref() else {
                return Err(Stop::SignIn(browser_view(&browser)));
            };
            match auth_code::read_redirect(pasted, &browser.redirect_uri, &browser.state) {
                Ok(code) => browser.code = Some(AuthorizationCode::new(code)),
                // The link stays valid: the admin may paste the right address.
                Err(Redirect::NotARedirect) => {
                    return self.give_up(step, entra::not_a_sign_in_response(&browser.redirect_uri))
                }
                Err(Redirect::StateMismatch) => return self.give_up(step, entra::sign_in_state_mismatch()),
                Err(Redirect::Refused(e)) => {
                    self.st().browser = None;
                    return match grant_error::classify(&e) {
                        Refused::Spent(_) => self.start_browser(),
                        _ => self.give_up(step, self.refused_sign_in(&e, entra::SignInFlow::Browser)),
                    };
                }
            }
            self.st().browser = Some(browser.clone());
        }
        self.redeem(browser).await
    }

    /// Trades the pasted code for tokens with the verifier.
    async fn redeem(&self, browser: BrowserState) -> StepResult {
        let step = StepId::SignIn;
        let code = browser.code.as_ref().expect("read before redeeming");
        let scopes = self.sign_in_scopes();
        let redeem = Redeem {
            client_id: self.client_id(),
            code: code.secret(),
            redirect_uri: &browser.redirect_uri,
            verifier: &browser.code_verifier,
            scopes: &scopes,
        };
        match auth_code::redeem(&self.caller, "organizations", &redeem).await {
            Ok(set) => self.signed_in(set),
            // Out of time: the code stays in the state and the next call redeems it.
            Err(crate::service::Error::Deadline) => Err(Stop::Pending(step)),
            Err(e) => {
                self.st().browser = None;
                match grant_error::classify(&e) {
                    Refused::Spent(_) => {
                        // Used already (a call whose answer was lost) or expired: a new link.
                        self.notice(entra::sign_in_spent(&e));
                        self.start_browser()
                    }
                    Refused::Blocked | Refused::Declined => {
                        self.give_up(step, self.refused_sign_in(&e, entra::SignInFlow::Browser))
                    }
                    Refused::Other => self.fail_sign_in(step, &e, entra::SignInFlow::Browser),
                }
            }
        }
    }

    /// A new verifier, challenge and `state`, kept in the sealed state; the link for the admin.
    fn start_browser(&self) -> StepResult {
        let pkce = Pkce::new();
        let state = auth_code::new_state();
        let scopes = self.sign_in_scopes();
        let authorize_url = auth_code::authorize_url(
            &self.caller.endpoints().token_endpoint("organizations"),
            &Authorize {
                client_id: self.client_id(),
                scopes: &scopes,
                redirect_uri: LOOPBACK_REDIRECT_URI,
                state: &state,
                challenge: &pkce.challenge,
            },
        );
        let browser = BrowserState {
            code_verifier: pkce.verifier,
            state,
            redirect_uri: LOOPBACK_REDIRECT_URI.to_owned(),
            authorize_url,
            expires_at: self.now_s() + LINK_LIFETIME_S,
            code: None,
        };
        let view = browser_view(&browser);
        self.st().browser = Some(browser);
        Err(Stop::SignIn(view))
    }

    /// Graph (the first resource), and a refresh token and the admin's identity.
    pub(super) fn sign_in_scopes(&self) -> String {
        format!("{} offline_access openid profile", self.graph_scope())
    }
}
