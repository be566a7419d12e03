//! Small helpers shared by every service module: ids, randomness, time formats, percent-decoding.

use ring::rand::{SecureRandom, SystemRandom};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use uuid::Uuid;

/// A stable UUID derived from a name, so that seeded objects keep their ids across resets and runs.
pub fn det_uuid(name: &str) -> Uuid {
    let digest = ring::digest::digest(&ring::digest::SHA256, name.as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest.as_ref()[..16]);
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

pub fn random_bytes(n: usize) -> Vec<u8> {
    let mut v = vec![0u8; n];
    SystemRandom::new().fill(&mut v).expect("system randomness");
    v
}

pub fn new_uuid() -> Uuid {
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&random_bytes(16));
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

/// Random string over `alphabet`.
pub fn random_string(len: usize, alphabet: &[u8]) -> String {
    random_bytes(len)
        .into_iter()
        .map(|b| alphabet[(b as usize) % alphabet.len()] as char)
        .collect()
}

pub fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

/// `2026-11-26T15:55:00Z` (Graph and Dataverse date-times).
pub fn iso(t: OffsetDateTime) -> String {
    let t = t.replace_nanosecond(0).unwrap_or(t);
    t.format(&Rfc3339).unwrap_or_default()
}

/// `2026-11-26T15:55:00.1234567Z`-style is not needed; Graph innerError `date` has no zone suffix.
pub fn graph_date(t: OffsetDateTime) -> String {
    let s = iso(t);
    s.trim_end_matches('Z').to_string()
}

/// Entra's `2016-01-09 02:02:12Z`.
pub fn aad_timestamp(t: OffsetDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}Z",
        t.year(),
        t.month() as u8,
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

pub fn parse_iso(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &Rfc3339).ok().or_else(|| {
        // Graph clients sometimes send fractional seconds without zone or a bare date.
        OffsetDateTime::parse(&format!("{s}Z"), &Rfc3339).ok()
    })
}

pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub fn parse_guid(s: &str) -> Option<Uuid> {
    let s = s.trim();
    if s.len() != 36 {
        return None;
    }
    Uuid::parse_str(s).ok()
}

pub fn b64url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub fn b64url_decode(s: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(s).ok()
}

pub fn unix(t: OffsetDateTime) -> i64 {
    t.unix_timestamp()
}
