//! Identifiers an admin types: application (client) ids, tenants, and the Secret ID that gets pasted
//! where the secret Value belongs (<https://learn.microsoft.com/entra/identity-platform/how-to-add-credentials>: the Value is shown once, the Secret ID always).

use std::fmt;

/// An application (client) id: a GUID, lower case, hyphenated.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ClientId(String);

impl ClientId {
    /// Accepts a GUID in any case, with or without braces.
    pub fn parse(raw: &str) -> Option<Self> {
        parse_guid(raw).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ClientId({})", self.0)
    }
}

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A tenant: a GUID or a verified domain (`contoso.onmicrosoft.com`). Not `common`/`organizations`/
/// `consumers`, which name no tenant (client credentials there fail with AADSTS50059).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct TenantId(String);

/// Why a tenant value was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TenantError {
    /// `common`, `organizations`, `consumers`.
    NotATenant,
    /// Neither a GUID nor a domain name.
    Invalid,
}

impl TenantId {
    pub fn parse(raw: &str) -> Result<Self, TenantError> {
        if let Some(guid) = parse_guid(raw) {
            return Ok(Self(guid));
        }
        let lower = raw.to_ascii_lowercase();
        if matches!(lower.as_str(), "common" | "organizations" | "consumers") {
            return Err(TenantError::NotATenant);
        }
        if is_domain(&lower) {
            Ok(Self(lower))
        } else {
            Err(TenantError::Invalid)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_guid(&self) -> bool {
        parse_guid(&self.0).is_some()
    }
}

impl fmt::Debug for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TenantId({})", self.0)
    }
}

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A GUID, normalized to lower-case hyphenated form. Only the forms people paste are accepted:
/// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, optionally in braces.
pub fn parse_guid(raw: &str) -> Option<String> {
    let inner = raw.strip_prefix('{').and_then(|s| s.strip_suffix('}')).unwrap_or(raw);
    if inner.len() != 36 {
        return None;
    }
    uuid::Uuid::parse_str(inner).ok().map(|u| u.hyphenated().to_string())
}

/// A DNS name with at least two labels, each 1–63 letters, digits or hyphens, the last alphabetic.
fn is_domain(s: &str) -> bool {
    let labels: Vec<&str> = s.split('.').collect();
    s.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic()))
}

/// True when a "secret" is really a Secret **ID** (Graph's `keyId`, a GUID). Secret **Values** are
/// about 40 characters of random text, usually with a `~` in the fourth place, never a GUID.
pub fn looks_like_secret_id(secret: &str) -> bool {
    parse_guid(secret.trim()).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use wpcrm_sandbox::fixtures;

    /// A well-formed GUID that is deliberately not a seeded id.
    const MADE_UP_GUID: &str = "abcdef01-2345-4678-89ab-cdef01234567";

    #[test]
    fn guids() {
        let braced_upper = format!("{{{}}}", MADE_UP_GUID.to_ascii_uppercase());
        assert_eq!(parse_guid(&braced_upper).as_deref(), Some(MADE_UP_GUID));
        assert!(parse_guid(&MADE_UP_GUID.replace('-', "")).is_none());
        assert!(parse_guid(&MADE_UP_GUID[..MADE_UP_GUID.len() - 2]).is_none());
        assert!(parse_guid("not-a-guid").is_none());
        assert!(ClientId::parse(fixtures::app("wp-ok").app_id).is_some());
    }

    #[test]
    fn tenants() {
        assert!(TenantId::parse(fixtures::tenant_id()).unwrap().is_guid());
        let domain = fixtures::tenant_domain();
        let mixed_case = format!("{}{}", domain[..1].to_ascii_uppercase(), &domain[1..]);
        assert_ne!(mixed_case, domain);
        assert_eq!(TenantId::parse(&mixed_case).unwrap().as_str(), domain);
        assert_eq!(TenantId::parse("common"), Err(TenantError::NotATenant));
        assert_eq!(TenantId::parse("organizations"), Err(TenantError::NotATenant));
        for bad in [
            "{{tenantid}}",
            "undefined",
            "contoso",
            "a..b",
            "x.123",
            "ten ant.com",
            "-a.com",
        ] {
            assert_eq!(TenantId::parse(bad), Err(TenantError::Invalid), "{bad}");
        }
    }

    #[test]
    fn secret_id_is_recognised() {
        let wp_ok = fixtures::app("wp-ok");
        assert!(looks_like_secret_id(wp_ok.key_id));
        assert!(!looks_like_secret_id(wp_ok.secret));
    }
}
