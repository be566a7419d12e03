//! The WWW-Authenticate parser of Dataverse's 401 challenge: never panics; an authority it reports
//! is https and its tenant is a non-empty path segment.
#![no_main]
use libfuzzer_sys::fuzz_target;
use wpcrm_core::challenge::Challenge;

fuzz_target!(|data: &[u8]| {
    let Ok(header) = std::str::from_utf8(data) else { return };
    if let Some(c) = Challenge::parse(header) {
        assert!(!c.authorization_uri.is_empty());
        if let Some((host, _port, tenant)) = c.authority_and_tenant() {
            assert!(!host.is_empty());
            assert!(!tenant.is_empty() && !tenant.contains('/'));
        }
    }
});
