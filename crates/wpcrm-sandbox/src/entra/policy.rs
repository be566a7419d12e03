//! Planted sign-in policies at work: which answer a flow gives for a resource instead of a token
//! (Conditional Access, MFA, device authentication, an external challenge, consent, an expired or
//! revoked grant). Microsoft documents the AADSTS numbers
//! (<https://learn.microsoft.com/entra/identity-platform/reference-error-codes>) but not every
//! `error` value they travel with; each policy can name the `error` to send, so both variants exist.

use crate::errors::Aad;
use crate::resources::{DISCO, GRAPH};
use crate::store::{Flow, World};

/// The first policy that applies to `flow` for the audience `aud`, used once; `None` lets the
/// flow go on.
fn take(w: &mut World, flow: Flow, aud: &str) -> Option<(u32, String, String, &'static str)> {
    let p = w
        .sign_in_policies
        .iter_mut()
        .find(|p| p.applies(flow, aud, GRAPH, DISCO))?;
    if let Some(t) = p.times.as_mut() {
        *t -= 1;
    }
    let (number, token_error, redirect_error, message) = p.variant.parts();
    let chosen = p.error.clone();
    Some((
        number,
        chosen.clone().unwrap_or_else(|| token_error.to_owned()),
        chosen.unwrap_or_else(|| redirect_error.to_owned()),
        message,
    ))
}

/// The token endpoint's refusal for `flow` and `aud`, when a planted policy applies.
pub(super) fn token_refusal(w: &mut World, flow: Flow, aud: &str) -> Option<Aad> {
    let (number, error, _, message) = take(w, flow, aud)?;
    Some(Aad::Refused { number, error, message })
}

/// The `error` and `error_description` the authorize page redirects with, when a planted policy
/// applies to the browser sign-in for `aud`.
pub(super) fn redirect_refusal(w: &mut World, aud: &str) -> Option<(String, String)> {
    let (number, _, error, message) = take(w, Flow::Authorize, aud)?;
    Some((error, format!("AADSTS{number}: {message}")))
}
