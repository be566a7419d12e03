//! The instance-URL normalizer: never panics, and whatever it accepts is a Dataverse host of a known
//! cloud (https, no userinfo, no port, no IP literal) or lies under the sandbox origin.
#![no_main]
use libfuzzer_sys::fuzz_target;
use wpcrm_core::instance_url::normalize;

const SANDBOX: &str = "https://127.0.0.1:8443";

fuzz_target!(|data: &[u8]| {
    let Ok(raw) = std::str::from_utf8(data) else { return };
    if let Ok(u) = normalize(raw, None) {
        let parsed = url::Url::parse(u.as_str()).expect("normalized URL parses");
        assert_eq!(parsed.scheme(), "https");
        assert!(parsed.username().is_empty() && parsed.password().is_none());
        assert!(parsed.port().is_none());
        let host = parsed.host_str().expect("a host");
        assert!(
            matches!(parsed.host(), Some(url::Host::Domain(_))),
            "IP literal accepted: {host}"
        );
        // Exactly `<org>.<suffix>` for one of the detected cloud's Dataverse suffixes.
        let one_org_label = u.cloud().dataverse_suffixes().iter().any(|suffix| {
            host.strip_suffix(suffix.as_str())
                .and_then(|org| org.strip_suffix('.'))
                .is_some_and(|org| !org.is_empty() && !org.contains('.'))
        });
        assert!(one_org_label, "foreign host accepted: {host}");
        assert!(!u.as_str().ends_with('/'));
    }
    if let Ok(u) = normalize(raw, Some(SANDBOX)) {
        let s = u.as_str();
        if s.starts_with(SANDBOX) {
            let rest = &s[SANDBOX.len()..];
            assert!(rest.is_empty() || (rest.starts_with('/') && !rest[1..].contains('/')), "{s}");
            assert!(!rest.starts_with("/_"), "control plane accepted: {s}");
        }
    }
});
