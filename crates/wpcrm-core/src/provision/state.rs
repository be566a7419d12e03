//! The provisioning state: everything one call hands to the next, sealed so that only the holder of
//! the caller's `state_key` can read or change it.
//!
//! Format: `wpcrm.s1.` + base64url(no padding) of `nonce (24 bytes) || XChaCha20-Poly1305(json)`, with
//! the prefix as associated data. A random 24-byte nonce per seal is safe with XChaCha. The state
//! carries the refresh token, cached access tokens and the new client secret, so the plaintext JSON is
//! zeroed as soon as it is sealed or parsed.

use super::renew_record::RenewalRecord;
use super::steps::{StepId, StepStatus};
use crate::secret::{ClientSecret, DeviceCode, RefreshToken};
use base64::Engine as _;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use zeroize::Zeroizing;

const PREFIX: &str = "wpcrm.s1.";
const NONCE_LEN: usize = 24;
/// Bumped when the JSON shape changes incompatibly; an older state is then refused as invalid.
pub const STATE_VERSION: u32 = 1;

/// Why a state string was refused. Deliberately coarse: a tampered, foreign, truncated or
/// wrong-key state all look the same to an attacker and to the admin.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StateError {
    #[error("the provisioning state is not one this site issued (tampered, truncated, or sealed with another key)")]
    Invalid,
    #[error("the state key must be exactly 32 bytes")]
    BadKey,
}

use crate::oauth::CachedToken;
use crate::secret::serde_adapters::{
    ser_authorization_code, ser_client_secret, ser_code_verifier, ser_device_code, ser_refresh_token,
};
use crate::secret::{AuthorizationCode, CodeVerifier};

/// A pending device authorization (RFC 8628).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeviceState {
    #[serde(with = "ser_device_code")]
    pub device_code: DeviceCode,
    pub user_code: String,
    pub verification_uri: String,
    pub message: String,
    /// Unix seconds.
    pub expires_at: i64,
    pub interval_s: u64,
    /// Unix milliseconds before which the token endpoint must not be polled again.
    pub next_poll_at_ms: i64,
}

/// A pending browser sign-in (authorization code with PKCE): the verifier never leaves the sealed
/// state except in the one token request that redeems the code.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BrowserState {
    #[serde(with = "ser_code_verifier")]
    pub code_verifier: CodeVerifier,
    /// The `state` the authorize request carries; the pasted address must bring it back.
    pub state: String,
    pub redirect_uri: String,
    pub authorize_url: String,
    /// Unix seconds after which a new sign-in link is issued.
    pub expires_at: i64,
    /// The code read from the pasted address, kept until it is redeemed (so a call that runs out
    /// of time redeems it on the next call without the address being pasted again).
    #[serde(with = "ser_authorization_code::opt", default)]
    pub code: Option<AuthorizationCode>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Tokens {
    #[serde(with = "ser_refresh_token::opt", default)]
    pub refresh: Option<RefreshToken>,
    /// Scope (`https://graph.microsoft.com/.default`, `{instance}/.default`, …) → token: the snapshot
    /// of a run's token cache.
    #[serde(default)]
    pub access: BTreeMap<String, CachedToken>,
}

/// An object found or created, and whether this flow created it (rollback removes only those).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Owned {
    pub id: String,
    pub created: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AppRecord {
    pub object_id: String,
    pub app_id: String,
    /// This site created it (this run, or an earlier one its marker proves): rollback removes it.
    pub created: bool,
    /// Graph lists the signed-in admin among its owners (checked, or made so).
    #[serde(default)]
    pub owner_confirmed: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SecretRecord {
    pub key_id: String,
    #[serde(with = "ser_client_secret")]
    pub value: ClientSecret,
    /// ISO 8601.
    pub expires_at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AppUserRecord {
    pub id: String,
    pub created: bool,
    pub was_disabled: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RoleRecord {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StepRecord {
    pub status: StepStatus,
    /// Unix seconds of the first attempt of this step (bounds how long replication may take).
    pub started_at: Option<i64>,
    pub attempts: u32,
}

/// What happened to each thing during a rollback (so a re-run does not redo it).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RollbackRecord {
    pub started: bool,
    pub done: BTreeMap<String, StepStatus>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct State {
    pub version: u32,
    /// Random, per run: the client secret's display name ends with it, so that a secret created by
    /// this run but lost before it reached the state can be recognised.
    pub run_nonce: String,
    pub tenant_id: Option<String>,
    /// The signed-in admin's object id (`oid`), for the owner check of what setup may reuse.
    #[serde(default)]
    pub admin_id: Option<String>,
    /// The cloud this run works in (`public`, `usgovhigh`, …, `sandbox`), fixed by its first call:
    /// its sign-in and tokens are valid there only.
    #[serde(default)]
    pub cloud: Option<String>,
    pub device: Option<DeviceState>,
    /// A pending browser sign-in (`sign_in_method: browser`).
    #[serde(default)]
    pub browser: Option<BrowserState>,
    pub tokens: Tokens,
    pub instance_url: Option<String>,
    pub steps: BTreeMap<StepId, StepRecord>,
    pub app: Option<AppRecord>,
    pub service_principal: Option<Owned>,
    /// Unix seconds when the service principal was created (or first found by this run): Dataverse
    /// may refuse the application user for a while after it (the replication window).
    #[serde(default)]
    pub service_principal_at: Option<i64>,
    pub secret: Option<SecretRecord>,
    pub business_unit_id: Option<String>,
    pub app_user: Option<AppUserRecord>,
    /// Roles resolved in the business unit (name → id), and those this flow assigned.
    pub roles_resolved: Vec<RoleRecord>,
    pub roles_assigned: Vec<RoleRecord>,
    pub custom_role: Option<Owned>,
    /// Its privileges were set (Add/ReplacePrivilegesRole succeeded).
    #[serde(default)]
    pub custom_role_ready: bool,
    pub custom_role_assigned: bool,
    /// The verification report of the `verify` step, as returned.
    pub verification: Option<serde_json::Value>,
    /// After a verification that passed, this site's older client secrets on the app were removed.
    /// A state sealed before secrets were retired reads as done: it has nothing to catch up on.
    #[serde(default = "already_done")]
    pub older_secrets_retired: bool,
    /// The caller saved the connection and asked the state to forget the secret's value
    /// (`action: forget_secret`).
    #[serde(default)]
    pub secret_forgotten: bool,
    pub cancelled: bool,
    #[serde(default)]
    pub rollback: RollbackRecord,
    /// Present when this state is a renewal of the secret (`action: renew`), never a setup run.
    #[serde(default)]
    pub renewal: Option<RenewalRecord>,
}

fn already_done() -> bool {
    true
}

impl State {
    pub fn new(run_nonce: String) -> Self {
        Self {
            version: STATE_VERSION,
            run_nonce,
            ..Self::default()
        }
    }

    pub fn step(&self, id: StepId) -> StepStatus {
        self.steps.get(&id).map(|s| s.status).unwrap_or_default()
    }

    pub fn step_mut(&mut self, id: StepId) -> &mut StepRecord {
        self.steps.entry(id).or_default()
    }

    /// Marks a step running (recording when it first started) before its effect.
    pub fn begin(&mut self, id: StepId, now: i64) {
        let rec = self.step_mut(id);
        if rec.started_at.is_none() {
            rec.started_at = Some(now);
        }
        rec.attempts += 1;
        rec.status = StepStatus::Running;
    }

    pub fn finish(&mut self, id: StepId, status: StepStatus) {
        self.step_mut(id).status = status;
    }
}

fn cipher(key: &[u8]) -> Result<XChaCha20Poly1305, StateError> {
    if key.len() != 32 {
        return Err(StateError::BadKey);
    }
    XChaCha20Poly1305::new_from_slice(key).map_err(|_| StateError::BadKey)
}

/// Seals the state into an opaque string.
pub fn seal(state: &State, key: &[u8]) -> Result<String, StateError> {
    let cipher = cipher(key)?;
    let json = Zeroizing::new(serde_json::to_vec(state).map_err(|_| StateError::Invalid)?);
    let mut nonce = [0u8; NONCE_LEN];
    getrandom::getrandom(&mut nonce).map_err(|_| StateError::Invalid)?;
    let ciphertext = cipher
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: &json,
                aad: PREFIX.as_bytes(),
            },
        )
        .map_err(|_| StateError::Invalid)?;
    let mut raw = Vec::with_capacity(NONCE_LEN + ciphertext.len());
    raw.extend_from_slice(&nonce);
    raw.extend_from_slice(&ciphertext);
    Ok(format!(
        "{PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
    ))
}

/// Opens a sealed state; anything not sealed by this key, or changed since, is `Invalid`.
pub fn open(sealed: &str, key: &[u8]) -> Result<State, StateError> {
    let cipher = cipher(key)?;
    let body = sealed.trim().strip_prefix(PREFIX).ok_or(StateError::Invalid)?;
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(body)
        .map_err(|_| StateError::Invalid)?;
    if raw.len() < NONCE_LEN + 16 {
        return Err(StateError::Invalid);
    }
    let (nonce, ciphertext) = raw.split_at(NONCE_LEN);
    let json = Zeroizing::new(
        cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: PREFIX.as_bytes(),
                },
            )
            .map_err(|_| StateError::Invalid)?,
    );
    let state: State = serde_json::from_slice(&json).map_err(|_| StateError::Invalid)?;
    if state.version != STATE_VERSION {
        return Err(StateError::Invalid);
    }
    Ok(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> State {
        let mut s = State::new("n0nce".into());
        s.tokens.refresh = Some(RefreshToken::new("rt-very-secret"));
        s.secret = Some(SecretRecord {
            key_id: "k1".into(),
            value: ClientSecret::new("Sbx8Q~secretvalue"),
            expires_at: "2027-01-01T00:00:00Z".into(),
        });
        s.begin(StepId::RegisterApp, 100);
        s
    }

    #[test]
    fn seal_then_open_round_trips() {
        let key = [7u8; 32];
        let sealed = seal(&sample(), &key).unwrap();
        assert!(sealed.starts_with(PREFIX));
        assert!(!sealed.contains("secret"), "{sealed}");
        let opened = open(&sealed, &key).unwrap();
        assert_eq!(opened.run_nonce, "n0nce");
        assert_eq!(opened.secret.unwrap().value.secret(), "Sbx8Q~secretvalue");
        assert_eq!(opened.tokens.refresh.unwrap().secret(), "rt-very-secret");
        assert_eq!(opened.steps[&StepId::RegisterApp].started_at, Some(100));
    }

    #[test]
    fn two_seals_differ() {
        let key = [7u8; 32];
        assert_ne!(seal(&sample(), &key).unwrap(), seal(&sample(), &key).unwrap());
    }

    #[test]
    fn wrong_key_is_refused() {
        let sealed = seal(&sample(), &[7u8; 32]).unwrap();
        assert_eq!(open(&sealed, &[8u8; 32]).unwrap_err(), StateError::Invalid);
    }

    #[test]
    fn tampering_anywhere_is_refused() {
        let key = [7u8; 32];
        let sealed = seal(&sample(), &key).unwrap();
        for i in PREFIX.len()..sealed.len() {
            let mut bytes = sealed.clone().into_bytes();
            bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
            let tampered = String::from_utf8(bytes).unwrap();
            if tampered == sealed {
                continue;
            }
            assert!(open(&tampered, &key).is_err(), "byte {i}");
        }
    }

    #[test]
    fn foreign_and_garbage_states_are_refused() {
        let key = [7u8; 32];
        for s in [
            "",
            "wpcrm.s1.",
            "hello",
            "wpcrm.s1.!!!!",
            "wpcrm.s0.AAAA",
            &"A".repeat(500),
        ] {
            assert_eq!(open(s, &key).unwrap_err(), StateError::Invalid, "{s}");
        }
        let sealed = seal(&sample(), &key).unwrap();
        assert!(open(&sealed[..sealed.len() - 4], &key).is_err());
    }

    #[test]
    fn a_key_of_the_wrong_length_is_refused() {
        assert_eq!(seal(&sample(), &[1u8; 16]).unwrap_err(), StateError::BadKey);
        assert_eq!(open("wpcrm.s1.AAAA", &[1u8; 31]).unwrap_err(), StateError::BadKey);
    }
}
