//! The marks that let a run recognise what this site created, and nothing else.
//!
//! Anyone in a tenant may register an application, and can copy a display name or a tag computed
//! from public values (the site's home URL). So what setup reuses must carry a marker only this site
//! can compute: an HMAC of the site's id keyed with the site's own `state_key` (`SECURITY.md`, "What
//! setup reuses"). The application is tagged with it, and the client secrets this site adds are
//! named after it, so that older secrets of this site (a run whose state was lost included) can be
//! told from secrets someone else added.

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

const TAG_PREFIX: &str = "wpcrm:site:";

/// `wpcrm:site:` + the first 16 hex digits of SHA-256(site id): what earlier versions tagged an
/// application with. Anyone can compute it, so it proves nothing; setup only uses it to report
/// look-alikes.
pub fn public_site_tag(site_id: &str) -> String {
    let digest = Sha256::digest(site_id.as_bytes());
    format!("{TAG_PREFIX}{}", hex(&digest[..8]))
}

/// This site's marks, keyed with its state key.
#[derive(Clone)]
pub struct SiteMarker {
    /// `wpcrm:site:` + 32 hex digits: the application's tag.
    pub tag: String,
    /// `wpcrm:<16 hex digits>:`, the start of the display name of every client secret this site
    /// adds (the run's nonce follows).
    pub secret_prefix: String,
}

impl SiteMarker {
    /// The application's `uniqueName` for Graph's upsert: `wpcrm-` + the tag's 32 hex digits (keyed,
    /// so only this site can produce it).
    pub fn unique_name(&self) -> String {
        format!("wpcrm-{}", self.tag.trim_start_matches(TAG_PREFIX))
    }

    pub fn new(state_key: &[u8], site_id: &str) -> Self {
        // HMAC accepts a key of any length; the caller has checked it is 32 bytes.
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(state_key).expect("HMAC takes any key length");
        mac.update(b"wpcrm site marker v1\n");
        mac.update(site_id.as_bytes());
        let digest = mac.finalize().into_bytes();
        Self {
            tag: format!("{TAG_PREFIX}{}", hex(&digest[..16])),
            secret_prefix: format!("wpcrm:{}:", hex(&digest[16..24])),
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_marker_needs_the_key_and_differs_from_the_public_tag() {
        let a = SiteMarker::new(&[1u8; 32], "https://example.org");
        let b = SiteMarker::new(&[2u8; 32], "https://example.org");
        let c = SiteMarker::new(&[1u8; 32], "https://example.net");
        assert_ne!(a.tag, b.tag, "another key, another marker");
        assert_ne!(a.tag, c.tag, "another site, another marker");
        assert_eq!(a.tag, SiteMarker::new(&[1u8; 32], "https://example.org").tag, "stable");
        assert_ne!(a.tag, public_site_tag("https://example.org"));
        assert!(a.tag.starts_with("wpcrm:site:") && a.tag.len() == "wpcrm:site:".len() + 32);
        assert!(a.secret_prefix.starts_with("wpcrm:") && a.secret_prefix.ends_with(':'));
        assert_eq!(public_site_tag("x").len(), "wpcrm:site:".len() + 16);
    }
}
