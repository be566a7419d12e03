//! The one token cache: one entry per authority + tenant + client + scope (+ secret, for an app's
//! own tokens), used until shortly before it expires. Verification keeps one per process for the
//! site's app; provisioning keeps one per call for the signed-in admin and stores its
//! [`TokenCache::snapshot`] in the sealed state between calls.
//!
//! A double-checked lock, as in azure_identity's `cache.rs`: the map is read under a short lock; on a
//! miss the key's own async lock is taken and the entry checked again, because another task may have
//! fetched it meanwhile, so concurrent callers for one key cause one request. Unlike azure_identity,
//! the clock is passed in. The secret is part of the key only as a keyed hash (SipHash with a random
//! per-cache key), so a changed secret never reuses the old secret's token and the map holds nothing
//! that reveals it. Failures are never cached.

use crate::clock::Clock;
use crate::secret::serde_adapters::ser_access_token;
use crate::secret::{AccessToken, ClientSecret};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::future::Future;
use std::hash::BuildHasher;
use std::sync::{Arc, Mutex};
use time::{Duration, OffsetDateTime};

/// Refresh this long before expiry (or at half the lifetime, for short-lived tokens).
pub const REFRESH_MARGIN: Duration = Duration::minutes(5);

/// Longest lifetime believed (seconds).
const MAX_LIFETIME_S: u64 = 2 * 24 * 60 * 60;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CachedToken {
    pub token: AccessToken,
    pub expires_at: OffsetDateTime,
    refresh_at: OffsetDateTime,
}

/// How a token is kept in the sealed provisioning state: the token and its expiry (Unix seconds).
#[derive(Serialize, Deserialize)]
struct StoredToken {
    #[serde(with = "ser_access_token")]
    token: AccessToken,
    expires_at: i64,
}

impl Serialize for CachedToken {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        StoredToken {
            token: self.token.clone(),
            expires_at: self.expires_at.unix_timestamp(),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for CachedToken {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let stored = StoredToken::deserialize(d)?;
        let expires_at = OffsetDateTime::from_unix_timestamp(stored.expires_at).map_err(serde::de::Error::custom)?;
        Ok(Self {
            token: stored.token,
            expires_at,
            refresh_at: expires_at - REFRESH_MARGIN,
        })
    }
}

impl CachedToken {
    /// A token received at `now`, valid for `expires_in` seconds.
    pub fn new(token: AccessToken, now: OffsetDateTime, expires_in: u64) -> Self {
        // Entra's tokens live at most about a day; a larger `expires_in` is capped, never trusted to
        // overflow the date arithmetic.
        let lifetime = Duration::seconds(expires_in.min(MAX_LIFETIME_S) as i64);
        let margin = REFRESH_MARGIN.min(lifetime / 2);
        Self {
            token,
            expires_at: now + lifetime,
            refresh_at: now + lifetime - margin,
        }
    }

    /// Still good to use (not within the refresh margin of its expiry).
    pub fn is_fresh(&self, now: OffsetDateTime) -> bool {
        now < self.refresh_at
    }
}

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct CacheKey {
    authority: String,
    tenant: String,
    client_id: String,
    scope: String,
    /// For an app's own tokens, a keyed hash of its secret; none for a signed-in user's.
    secret_hash: Option<u64>,
}

impl CacheKey {
    /// A signed-in user's (delegated) token for `scope`, obtained with a refresh token.
    pub fn delegated(authority: &str, tenant: &str, client_id: &str, scope: &str) -> Self {
        Self {
            authority: authority.to_ascii_lowercase(),
            tenant: tenant.to_ascii_lowercase(),
            client_id: client_id.to_ascii_lowercase(),
            scope: scope.to_owned(),
            secret_hash: None,
        }
    }

    pub fn scope(&self) -> &str {
        &self.scope
    }

    /// An app's own (client-credentials) token for `scope`.
    pub fn new(
        authority: &str,
        tenant: &str,
        client_id: &str,
        scope: &str,
        secret: &ClientSecret,
        cache: &TokenCache,
    ) -> Self {
        Self {
            authority: authority.to_ascii_lowercase(),
            tenant: tenant.to_ascii_lowercase(),
            client_id: client_id.to_ascii_lowercase(),
            scope: scope.to_owned(),
            secret_hash: Some(cache.hasher.hash_one(secret.secret())),
        }
    }
}

type Slot = Arc<tokio::sync::Mutex<Option<CachedToken>>>;

pub struct TokenCache {
    slots: Mutex<HashMap<CacheKey, Slot>>,
    hasher: std::collections::hash_map::RandomState,
}

impl Default for TokenCache {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.slots.lock().map(|s| s.len()).unwrap_or(0);
        write!(f, "TokenCache({n} keys)")
    }
}

impl TokenCache {
    pub fn new() -> Self {
        Self {
            slots: Mutex::new(HashMap::new()),
            hasher: Default::default(),
        }
    }

    /// The fresh token for `key`, if any (no fetching).
    pub async fn get(&self, key: &CacheKey, clock: &dyn Clock) -> Option<CachedToken> {
        let slot = self.slot(key);
        let guard = slot.lock().await;
        guard.as_ref().filter(|t| t.is_fresh(clock.now())).cloned()
    }

    /// The fresh token for `key`, or the result of `fetch` (stored when it succeeds).
    pub async fn get_or_fetch<F, Fut, E>(&self, key: CacheKey, clock: &dyn Clock, fetch: F) -> Result<CachedToken, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<CachedToken, E>>,
    {
        let slot = self.slot(&key);
        // First check without waiting for a fetch in progress would need a second lock; the slot
        // lock is uncontended in the common case, so one lock serves both checks.
        let mut guard = slot.lock().await;
        if let Some(token) = guard.as_ref().filter(|t| t.is_fresh(clock.now())) {
            return Ok(token.clone());
        }
        let token = fetch().await?;
        *guard = Some(token.clone());
        Ok(token)
    }

    /// Forgets `key` (after the resource rejected the token).
    pub fn evict(&self, key: &CacheKey) {
        self.slots.lock().unwrap_or_else(|p| p.into_inner()).remove(key);
    }

    /// Forgets every token (the sign-in they came from is no longer usable).
    pub fn clear(&self) {
        self.slots.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }

    /// Puts a token back, as a snapshot held it.
    pub fn restore(&self, key: CacheKey, token: CachedToken) {
        let slot: Slot = Arc::new(tokio::sync::Mutex::new(Some(token)));
        self.slots.lock().unwrap_or_else(|p| p.into_inner()).insert(key, slot);
    }

    /// Every token held and not being fetched right now, with its key.
    pub fn snapshot(&self) -> Vec<(CacheKey, CachedToken)> {
        let slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        slots
            .iter()
            .filter_map(|(key, slot)| Some((key.clone(), slot.try_lock().ok()?.clone()?)))
            .collect()
    }

    fn slot(&self, key: &CacheKey) -> Slot {
        let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        slots.entry(key.clone()).or_default().clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    struct TestClock(Mutex<OffsetDateTime>);
    impl Clock for TestClock {
        fn now(&self) -> OffsetDateTime {
            *self.0.lock().unwrap()
        }
    }

    fn key(cache: &TokenCache, secret: &str) -> CacheKey {
        CacheKey::new(
            "https://login.microsoftonline.com",
            "t",
            "c",
            "https://x.crm.dynamics.com/.default",
            &ClientSecret::new(secret),
            cache,
        )
    }

    #[tokio::test]
    async fn reuses_until_shortly_before_expiry_and_fetches_once_when_concurrent() {
        let cache = TokenCache::new();
        let clock = TestClock(Mutex::new(time::macros::datetime!(2026-11-26 15:00 UTC)));
        let fetches = AtomicU32::new(0);
        let fetch = || async {
            let n = fetches.fetch_add(1, Ordering::SeqCst);
            tokio::task::yield_now().await;
            Ok::<_, ()>(CachedToken::new(AccessToken::new(format!("tok{n}")), clock.now(), 3600))
        };
        let (a, b) = tokio::join!(
            cache.get_or_fetch(key(&cache, "s"), &clock, fetch),
            cache.get_or_fetch(key(&cache, "s"), &clock, fetch)
        );
        assert_eq!(a.unwrap().token.secret(), "tok0");
        assert_eq!(b.unwrap().token.secret(), "tok0");
        assert_eq!(fetches.load(Ordering::SeqCst), 1);

        let token_for = |secret: &'static str| {
            let key = key(&cache, secret);
            let (cache, clock) = (&cache, &clock);
            async move { cache.get_or_fetch(key, clock, fetch).await.unwrap().token }
        };
        // 54 minutes later: still fresh. 56 minutes: within the 5-minute margin, refreshed.
        *clock.0.lock().unwrap() += Duration::minutes(54);
        assert_eq!(token_for("s").await.secret(), "tok0");
        *clock.0.lock().unwrap() += Duration::minutes(2);
        assert_eq!(token_for("s").await.secret(), "tok1");

        // Another secret is another key.
        assert_eq!(token_for("other").await.secret(), "tok2");
        assert!(!format!("{:?} {:?}", key(&cache, "s"), cache).contains("\"s\""));
    }

    #[test]
    fn absurd_lifetimes_are_capped() {
        let t = CachedToken::new(AccessToken::new("t"), OffsetDateTime::UNIX_EPOCH, u64::MAX);
        assert_eq!(t.expires_at, OffsetDateTime::UNIX_EPOCH + Duration::days(2));
    }

    #[tokio::test]
    async fn failures_are_not_cached() {
        let cache = TokenCache::new();
        let clock = TestClock(Mutex::new(OffsetDateTime::UNIX_EPOCH));
        let r: Result<CachedToken, &str> = cache
            .get_or_fetch(key(&cache, "s"), &clock, || async { Err("no") })
            .await;
        assert!(r.is_err());
        assert!(cache.get(&key(&cache, "s"), &clock).await.is_none());
    }
}
