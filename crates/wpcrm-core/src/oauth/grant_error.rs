//! What a refused user grant means, decided by the OAuth `error` value and the AADSTS numbers only
//! (<https://learn.microsoft.com/entra/identity-platform/reference-error-codes>: clients must not
//! branch on `error_description`). The device-code poll, the refresh-token grant and the
//! authorization-code grant (and the `error=` of a browser redirect) all end up here, so a
//! Conditional Access block reads the same whichever way it arrives.
//!
//! Only a code or grant that was redeemed, expired or revoked ([`Refused::Spent`]) may lead to a new
//! sign-in; anything a tenant policy or the admin decided ([`Refused::Blocked`],
//! [`Refused::Declined`]) stops, because signing in the same way again would meet the same answer.

use crate::service::Error;

/// Why a code or grant can no longer be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spent {
    /// Redeemed already (by a call whose answer never came back, or a pasted address used twice).
    Redeemed,
    /// Past its lifetime (or idle too long, or past a sign-in frequency policy).
    Expired,
    /// Revoked (password change, admin revocation) or unknown to the service.
    Revoked,
}

/// What a refused user grant says to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// Sign in anew: this code or grant is spent.
    Spent(Spent),
    /// The admin (or the consent prompt) said no.
    Declined,
    /// A tenant policy stands in the way (Conditional Access, MFA, device authentication, an
    /// external challenge, consent the admin cannot give): stop and explain.
    Blocked,
    /// Anything else: stop with the error as it is.
    Other,
}

/// AADSTS numbers of a code or grant that is spent, and how.
/// 54005: authorization code already redeemed; 70000: invalid grant (redeemed, expired or revoked
/// code; the documentation does not say which, so it restarts); 70008: expired or revoked code or
/// refresh token; 700082: refresh token expired for inactivity; 70043 / 700084: past a sign-in
/// frequency or lifetime limit; 50173: grant revoked (password change); 50089: flow token expired;
/// 70018 and 70020: a device code redeemed/unknown and expired; 9002313: a malformed or unknown token
/// (Entra's answer for a refresh token it no longer knows).
fn spent_by_number(n: u32) -> Option<Spent> {
    Some(match n {
        54005 | 70018 => Spent::Redeemed,
        70008 | 700082 | 70043 | 700084 | 50089 | 70020 => Spent::Expired,
        70000 | 50173 | 9002313 => Spent::Revoked,
        _ => return None,
    })
}

/// AADSTS numbers of a tenant policy or a missing consent: Conditional Access (53000 compliant
/// device, 53001 hybrid-joined device, 53002 approved client app, 53003 blocked, 53004/53011 risk,
/// 530032 security policy), MFA (50074, 50076 required, 50079/50072 registration required), 50097
/// device authentication, 50158 external security challenge, 50105 user not assigned to the app,
/// 65001 no consent, 65002 first-party client not pre-authorized.
pub fn is_policy_number(n: u32) -> bool {
    matches!(
        n,
        53000
            | 53001
            | 53002
            | 53003
            | 53004
            | 53011
            | 530032
            | 50072
            | 50074
            | 50076
            | 50079
            | 50097
            | 50158
            | 50105
            | 65001
            | 65002
    )
}

/// AADSTS numbers of a declined sign-in or consent (65004: the user declined to consent).
fn is_declined_number(n: u32) -> bool {
    n == 65004
}

/// Whether `e` is Entra ID's own refusal of the request (an OAuth error answer), not throttling, a
/// network failure or a foreign page: only those are the sign-in's to explain.
pub fn is_entra_refusal(e: &Error) -> bool {
    matches!(e.refusal(), Some(r) if r.service == crate::service::Service::Entra && matches!(r.code, crate::service::Code::Entra { .. }))
        && !e.is_throttled()
}

/// Classifies a refused user grant (not `authorization_pending`/`slow_down`: the poller reads those
/// first). Numbers decide before the `error` value, since the same number arrives as `invalid_grant`
/// or `interaction_required` depending on the tenant (unconfirmed; both are handled).
pub fn classify(e: &Error) -> Refused {
    let numbers: Vec<u32> = match e.refusal() {
        Some(r) => match &r.code {
            crate::service::Code::Entra { aadsts, .. } => aadsts.clone(),
            _ => Vec::new(),
        },
        None => return Refused::Other,
    };
    if numbers.iter().any(|n| is_policy_number(*n)) {
        return Refused::Blocked;
    }
    if numbers.iter().any(|n| is_declined_number(*n)) {
        return Refused::Declined;
    }
    if let Some(spent) = numbers.iter().find_map(|n| spent_by_number(*n)) {
        return Refused::Spent(spent);
    }
    match e.code() {
        Some("authorization_declined") | Some("access_denied") => Refused::Declined,
        Some("expired_token") | Some("code_expired") => Refused::Spent(Spent::Expired),
        Some("bad_verification_code") => Refused::Spent(Spent::Redeemed),
        Some("interaction_required") | Some("consent_required") | Some("login_required") => Refused::Blocked,
        _ => Refused::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::answer::{read_error, test_answer};
    use crate::service::Service;

    fn c(body: &str) -> Refused {
        classify(&read_error(Service::Entra, &test_answer(400, body)))
    }

    #[test]
    fn numbers_decide_before_the_error_value() {
        for n in [53000, 53001, 53002, 53003, 530032, 50076, 50079, 50097, 50158, 65001] {
            assert_eq!(
                c(&format!(r#"{{"error":"invalid_grant","error_codes":[{n}]}}"#)),
                Refused::Blocked,
                "{n}"
            );
            assert_eq!(
                c(&format!(r#"{{"error":"interaction_required","error_codes":[{n}]}}"#)),
                Refused::Blocked,
                "{n}"
            );
        }
        assert_eq!(
            c(r#"{"error":"invalid_grant","error_codes":[54005]}"#),
            Refused::Spent(Spent::Redeemed)
        );
        assert_eq!(
            c(r#"{"error":"invalid_grant","error_codes":[70008]}"#),
            Refused::Spent(Spent::Expired)
        );
        assert_eq!(
            c(r#"{"error":"invalid_grant","error_codes":[700082]}"#),
            Refused::Spent(Spent::Expired)
        );
        assert_eq!(
            c(r#"{"error":"invalid_grant","error_codes":[50173]}"#),
            Refused::Spent(Spent::Revoked)
        );
        assert_eq!(
            c(r#"{"error":"invalid_grant","error_codes":[70000]}"#),
            Refused::Spent(Spent::Revoked)
        );
        assert_eq!(
            c(r#"{"error":"authorization_declined","error_codes":[65004]}"#),
            Refused::Declined
        );
        assert_eq!(c(r#"{"error":"access_denied"}"#), Refused::Declined);
        assert_eq!(c(r#"{"error":"authorization_declined"}"#), Refused::Declined);
        assert_eq!(c(r#"{"error":"consent_required"}"#), Refused::Blocked);
        assert_eq!(c(r#"{"error":"expired_token"}"#), Refused::Spent(Spent::Expired));
        assert_eq!(
            c(r#"{"error":"bad_verification_code"}"#),
            Refused::Spent(Spent::Redeemed)
        );
    }

    #[test]
    fn an_unknown_invalid_grant_is_not_taken_for_a_spent_code() {
        assert_eq!(c(r#"{"error":"invalid_grant","error_codes":[99999]}"#), Refused::Other);
        assert_eq!(c(r#"{"error":"invalid_grant"}"#), Refused::Other);
        // The description is never read for meaning: "expired" in prose changes nothing.
        assert_eq!(
            c(r#"{"error":"invalid_grant","error_description":"the code has expired or was already redeemed"}"#),
            Refused::Other
        );
        assert_eq!(classify(&Error::Deadline), Refused::Other);
    }
}
