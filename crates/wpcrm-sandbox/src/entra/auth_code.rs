//! The token endpoint's `authorization_code` grant
//! (<https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow#redeem-a-code-for-an-access-token>)
//! with PKCE (RFC 7636 §4.6): the code is single-use and short-lived
//! (`auth_code_expires_s`), bound to its client and `redirect_uri`, and when the authorize request
//! carried a challenge, `code_verifier` must be 43–128 unreserved characters whose S256 (or, for
//! `plain`, whose value) equals it. Error choices are listed in `errors.rs`.

use super::policy;
use super::tenant::{first_resource, grant_client, required};
use super::user_tokens::issue_user_tokens;
use crate::errors::Aad;
use crate::http::Req;
use crate::state::Shared;
use crate::store::{Flow, Variant, World};
use crate::util::{b64url, b64url_decode, now};
use serde_json::Value;
use std::collections::HashMap;

/// RFC 7636 §4.1: `code-verifier = 43*128unreserved`.
fn well_formed(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// Whether `verifier` answers the challenge made with `method`.
pub fn verifies(challenge: &str, method: &str, verifier: &str) -> bool {
    if !well_formed(verifier) {
        return false;
    }
    match method {
        "S256" => b64url(ring::digest::digest(&ring::digest::SHA256, verifier.as_bytes()).as_ref()) == challenge,
        _ => verifier == challenge,
    }
}

pub(super) fn redeem(
    shared: &Shared,
    w: &mut World,
    req: &Req,
    form: &HashMap<String, String>,
    seg: &str,
) -> Result<Value, Aad> {
    let code = required(form, "code")?.clone();
    let redirect_uri = required(form, "redirect_uri")?.clone();
    let cid = grant_client(w, req, form, seg)?;
    let c = w
        .auth_codes
        .iter_mut()
        .find(|c| c.code == code && c.client_id == cid)
        .ok_or(Aad::InvalidAuthCode)?;
    if c.redeemed {
        return Err(Aad::AuthCodeRedeemed);
    }
    if now() >= c.expires_at {
        let (number, error, _, message) = Variant::GrantExpired.parts();
        return Err(Aad::Refused {
            number,
            error: error.into(),
            message,
        });
    }
    if c.redirect_uri != redirect_uri {
        return Err(Aad::RedirectMismatch);
    }
    if let Some((challenge, method)) = &c.challenge {
        let verifier = form
            .get("code_verifier")
            .filter(|v| !v.is_empty())
            .ok_or(Aad::MissingParameter {
                name: "code_verifier".into(),
            })?;
        if !verifies(challenge, method, verifier) {
            return Err(Aad::InvalidCodeVerifier);
        }
    }
    c.redeemed = true;
    let (user, scopes, nonce) = (c.user, c.scopes.clone(), c.nonce.clone());
    let aud = first_resource(w, shared, &scopes)?;
    if let Some(refusal) = policy::token_refusal(w, Flow::AuthorizationCode, &aud) {
        return Err(refusal);
    }
    let user = w.user_by_id(user).cloned().ok_or(Aad::InvalidAuthCode)?;
    let want_client_info = form.get("client_info").map(|v| v == "1").unwrap_or(false);
    let mut body = issue_user_tokens(shared, w, &user, cid, &scopes, want_client_info, false)?;
    if let Some(nonce) = nonce {
        with_nonce(shared, &mut body, &nonce);
    }
    Ok(body)
}

/// Re-signs the ID token of `body` with the authorize request's `nonce` among its claims.
fn with_nonce(shared: &Shared, body: &mut Value, nonce: &str) {
    let claims = body["id_token"]
        .as_str()
        .and_then(|t| t.split('.').nth(1))
        .and_then(b64url_decode)
        .and_then(|raw| serde_json::from_slice::<Value>(&raw).ok());
    if let Some(mut claims) = claims {
        claims["nonce"] = Value::String(nonce.to_owned());
        body["id_token"] = Value::String(shared.signer.sign(&claims));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_follows_rfc7636() {
        // Appendix B.
        let v = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert!(verifies("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "S256", v));
        assert!(!verifies(
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            "S256",
            &v.replace('d', "e")
        ));
        assert!(verifies(v, "plain", v));
        assert!(!verifies("short", "plain", "short"), "fewer than 43 characters");
        let bad = format!("{v}!");
        assert!(!verifies(&bad, "plain", &bad), "not unreserved");
    }
}
