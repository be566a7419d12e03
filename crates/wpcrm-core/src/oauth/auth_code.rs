//! The authorization-code grant with PKCE for a public client
//! (<https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow>, RFC 7636 S256),
//! with a loopback redirect the admin pastes back: [`Pkce::new`] makes the verifier and its
//! challenge, [`authorize_url`] the address the admin opens, [`read_redirect`] checks the address
//! the browser ended on (its `state`, or the `error` Entra sent instead of a code), and [`redeem`]
//! trades the code for tokens. The verifier is a secret type: it goes into the sealed state and into
//! the one token request, nowhere else.

use super::refresh::TokenSet;
use super::token_endpoint::request_token;
use crate::secret::CodeVerifier;
use crate::service::{Caller, Error, Service};
use base64::Engine as _;
use sha2::{Digest, Sha256};

/// The redirect URI: the loopback address Entra accepts for public clients on any port
/// (<https://learn.microsoft.com/entra/identity-platform/reply-url#localhost-exceptions>). Nothing
/// listens there: the browser shows an error page whose address holds the code.
pub const LOOPBACK_REDIRECT_URI: &str = "http://localhost";

/// A PKCE pair: the verifier stays with us, the challenge goes into the authorize URL.
pub struct Pkce {
    pub verifier: CodeVerifier,
    pub challenge: String,
}

fn random_b64url(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    if getrandom::getrandom(&mut buf).is_err() {
        // Never happens on supported platforms; two v4 UUIDs still carry 244 random bits.
        buf = [uuid::Uuid::new_v4().into_bytes(), uuid::Uuid::new_v4().into_bytes()].concat();
    }
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

/// `BASE64URL(SHA256(verifier))`, RFC 7636 §4.2.
pub fn s256(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

impl Pkce {
    /// 32 random bytes as 43 base64url characters (RFC 7636 §4.1), and their S256 challenge.
    pub fn new() -> Pkce {
        let verifier = random_b64url(32);
        let challenge = s256(&verifier);
        Pkce {
            verifier: CodeVerifier::new(verifier),
            challenge,
        }
    }
}

impl Default for Pkce {
    fn default() -> Self {
        Self::new()
    }
}

/// A random, unguessable `state` value for one authorize request.
pub fn new_state() -> String {
    random_b64url(24)
}

/// What the authorize request carries besides the endpoint.
pub struct Authorize<'a> {
    pub client_id: &'a str,
    pub scopes: &'a str,
    pub redirect_uri: &'a str,
    pub state: &'a str,
    pub challenge: &'a str,
}

/// `{login}/{tenant}/oauth2/v2.0/authorize?…` on the host of `token_endpoint` (the same authority).
pub fn authorize_url(token_endpoint: &str, a: &Authorize<'_>) -> String {
    let base = token_endpoint.strip_suffix("/token").unwrap_or(token_endpoint);
    let mut url = url::Url::parse(&format!("{base}/authorize")).expect("an endpoint URL parses");
    url.query_pairs_mut()
        .append_pair("client_id", a.client_id)
        .append_pair("response_type", "code")
        .append_pair("redirect_uri", a.redirect_uri)
        .append_pair("response_mode", "query")
        .append_pair("scope", a.scopes)
        .append_pair("state", a.state)
        .append_pair("code_challenge", a.challenge)
        .append_pair("code_challenge_method", "S256")
        .append_pair("prompt", "select_account");
    url.into()
}

/// Why a pasted address yields no code.
#[derive(Debug)]
pub enum Redirect {
    /// Not an address of the redirect URI, or without `code` and `error`.
    NotARedirect,
    /// Its `state` is not the one this sign-in sent (another sign-in's address, or forged).
    StateMismatch,
    /// Entra sent an error instead of a code, as the one answer type (`error`, AADSTS numbers).
    Refused(Error),
}

/// Reads the address the browser was sent to: the code, after checking that the address is the
/// redirect URI's and that its `state` is `expected_state`. An `error=` answer is read into the same
/// [`Error`] a token endpoint refusal is (its AADSTS number taken from `error_codes` or the opening
/// `AADSTSnnnn:` of `error_description`), so one classification serves both.
pub fn read_redirect(pasted: &str, redirect_uri: &str, expected_state: &str) -> Result<String, Redirect> {
    let pasted = pasted.trim();
    let url = url::Url::parse(pasted).map_err(|_| Redirect::NotARedirect)?;
    let expected = url::Url::parse(redirect_uri).map_err(|_| Redirect::NotARedirect)?;
    let same_origin = url.scheme() == expected.scheme() && url.host_str() == expected.host_str();
    if !same_origin {
        return Err(Redirect::NotARedirect);
    }
    // response_mode=query puts the answer in the query; accept the fragment too (a browser or an
    // extension may rewrite it).
    let mut params: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    if let Some(fragment) = url.fragment() {
        params.extend(url::form_urlencoded::parse(fragment.as_bytes()).into_owned());
    }
    let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    if get("state") != Some(expected_state) {
        return if get("code").is_some() || get("error").is_some() {
            Err(Redirect::StateMismatch)
        } else {
            Err(Redirect::NotARedirect)
        };
    }
    if let Some(error) = get("error") {
        let codes: Vec<u32> = get("error_codes")
            .map(|c| c.split([',', ' ', '[', ']']).filter_map(|n| n.parse().ok()).collect())
            .unwrap_or_default();
        let body = serde_json::json!({
            "error": error,
            "error_description": get("error_description").unwrap_or_default(),
            "error_codes": codes,
        });
        let refusal = crate::service::answer::refusal_from_json(Service::Entra, 400, &body)
            .expect("an object with `error` is a refusal");
        return Err(Redirect::Refused(Error::Service(refusal)));
    }
    get("code")
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .ok_or(Redirect::NotARedirect)
}

/// What the token request of [`redeem`] carries.
pub struct Redeem<'a> {
    pub client_id: &'a str,
    pub code: &'a str,
    pub redirect_uri: &'a str,
    pub verifier: &'a CodeVerifier,
    pub scopes: &'a str,
}

/// `POST {login}/{tenant}/oauth2/v2.0/token` with `grant_type=authorization_code` and the verifier.
pub async fn redeem(caller: &Caller, tenant: &str, r: &Redeem<'_>) -> Result<TokenSet, Error> {
    let url = caller.endpoints().token_endpoint(tenant);
    let form = [
        ("grant_type", "authorization_code"),
        ("client_id", r.client_id),
        ("code", r.code),
        ("redirect_uri", r.redirect_uri),
        ("code_verifier", r.verifier.secret()),
        ("scope", r.scopes),
        ("client_info", "1"),
    ];
    Ok(request_token(caller, &url, &form).await?.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s256_matches_rfc7636_appendix_b() {
        assert_eq!(
            s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        let p = Pkce::new();
        assert_eq!(p.verifier.secret().len(), 43);
        assert_eq!(p.challenge, s256(p.verifier.secret()));
        assert!(!format!("{:?}", p.verifier).contains(p.verifier.secret()));
    }

    #[test]
    fn the_authorize_url_carries_the_challenge_not_the_verifier() {
        let p = Pkce::new();
        let u = authorize_url(
            "https://login.microsoftonline.com/organizations/oauth2/v2.0/token",
            &Authorize {
                client_id: "c",
                scopes: "https://graph.microsoft.com/.default offline_access",
                redirect_uri: LOOPBACK_REDIRECT_URI,
                state: "st",
                challenge: &p.challenge,
            },
        );
        assert!(u.starts_with("https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize?client_id=c&response_type=code&redirect_uri=http%3A%2F%2Flocalhost&"));
        assert!(u.contains("code_challenge_method=S256") && u.contains(&p.challenge));
        assert!(!u.contains(p.verifier.secret()));
    }

    #[test]
    fn a_redirect_is_read_only_with_its_state() {
        let r = |u: &str| read_redirect(u, LOOPBACK_REDIRECT_URI, "st");
        assert_eq!(r("http://localhost/?code=abc&state=st&session_state=x").unwrap(), "abc");
        assert_eq!(r(" http://localhost:0/?code=abc&state=st ").unwrap(), "abc");
        assert!(matches!(
            r("http://localhost/?code=abc&state=other"),
            Err(Redirect::StateMismatch)
        ));
        assert!(matches!(r("http://localhost/?code=abc"), Err(Redirect::StateMismatch)));
        assert!(matches!(
            r("https://evil.example/?code=abc&state=st"),
            Err(Redirect::NotARedirect)
        ));
        assert!(matches!(r("not a url"), Err(Redirect::NotARedirect)));
        assert!(matches!(r("http://localhost/?state=st"), Err(Redirect::NotARedirect)));
        match r("http://localhost/?error=access_denied&error_description=AADSTS53003%3A+Blocked.&state=st") {
            Err(Redirect::Refused(e)) => {
                assert_eq!(e.code(), Some("access_denied"));
                assert_eq!(e.aadsts(), Some(53003));
            }
            other => panic!("{other:?}"),
        }
        match r("http://localhost/#error=interaction_required&error_codes=%5B50076%5D&state=st") {
            Err(Redirect::Refused(e)) => assert!(e.has_aadsts(50076)),
            other => panic!("{other:?}"),
        }
    }
}
