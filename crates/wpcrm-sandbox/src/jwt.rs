//! RS256 access tokens.
//!
//! The signing key is a fixed 2048-bit RSA test key embedded in the binary
//! (`keys/jwt-signing-key.pk8.der`): ring cannot generate RSA keys, and generating one with a pure-Rust
//! crate takes seconds in debug builds, which would break "ready in well under a second" for the test
//! suites that start a sandbox per test. A fixed key is harmless here because every token also carries
//! a per-instance claim (`xms_sbx`) that the issuing sandbox checks, so tokens of one sandbox are
//! rejected by another. The public half is served as a JWKS at `{tenant}/discovery/v2.0/keys`.

use crate::util::{b64url, b64url_decode};
use ring::rand::SystemRandom;
use ring::signature::{self, KeyPair, RsaKeyPair};
use serde_json::{json, Value};

const KEY_DER: &[u8] = include_bytes!("../keys/jwt-signing-key.pk8.der");

pub struct Signer {
    key: RsaKeyPair,
    pub kid: String,
    public_der: Vec<u8>,
    n: String,
    e: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenError {
    Malformed,
    BadSignature,
    Expired,
    NotYetValid,
    OtherInstance,
}

impl Signer {
    pub fn new() -> Signer {
        let key = RsaKeyPair::from_pkcs8(KEY_DER).expect("embedded RSA key is valid PKCS#8");
        let public_der = key.public_key().as_ref().to_vec();
        let comps: signature::RsaPublicKeyComponents<Vec<u8>> = key.public().into();
        let kid = b64url(&ring::digest::digest(&ring::digest::SHA256, &comps.n).as_ref()[..20]);
        Signer {
            n: b64url(&comps.n),
            e: b64url(&comps.e),
            key,
            kid,
            public_der,
        }
    }

    pub fn jwks(&self) -> Value {
        json!({"keys":[{"kty":"RSA","use":"sig","kid":self.kid,"x5t":self.kid,"n":self.n,"e":self.e,
            "issuer":"https://login.microsoftonline.com/{tenantid}/v2.0"}]})
    }

    pub fn sign(&self, claims: &Value) -> String {
        let header = json!({"typ":"JWT","alg":"RS256","x5t":self.kid,"kid":self.kid});
        let signing_input = format!(
            "{}.{}",
            b64url(header.to_string().as_bytes()),
            b64url(claims.to_string().as_bytes())
        );
        let mut sig = vec![0u8; self.key.public().modulus_len()];
        self.key
            .sign(
                &signature::RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                signing_input.as_bytes(),
                &mut sig,
            )
            .expect("RSA signing");
        format!("{signing_input}.{}", b64url(&sig))
    }

    /// Checks signature, `nbf`/`exp` (no skew) and the instance claim; returns the claims.
    pub fn verify(&self, token: &str, instance: &str, now: i64) -> Result<Value, TokenError> {
        let mut parts = token.split('.');
        let (h, p, s) = match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some(h), Some(p), Some(s), None) => (h, p, s),
            _ => return Err(TokenError::Malformed),
        };
        let sig = b64url_decode(s).ok_or(TokenError::Malformed)?;
        let pk = signature::UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, &self.public_der);
        pk.verify(format!("{h}.{p}").as_bytes(), &sig)
            .map_err(|_| TokenError::BadSignature)?;
        let claims: Value = b64url_decode(p)
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or(TokenError::Malformed)?;
        if claims["xms_sbx"].as_str() != Some(instance) {
            return Err(TokenError::OtherInstance);
        }
        if claims["exp"].as_i64().unwrap_or(0) <= now {
            return Err(TokenError::Expired);
        }
        if claims["nbf"].as_i64().unwrap_or(0) > now + 1 {
            return Err(TokenError::NotYetValid);
        }
        Ok(claims)
    }
}

impl Default for Signer {
    fn default() -> Self {
        Signer::new()
    }
}
