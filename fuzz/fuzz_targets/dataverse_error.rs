//! Dataverse answers and error bodies, and the privilege-denied message parser: never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use wpcrm_core::dataverse::{client, error, privilege_message};

fuzz_target!(|data: &[u8]| {
    if data.is_empty() {
        return;
    }
    if let Ok(text) = std::str::from_utf8(&data[1..]) {
        if let Some(m) = privilege_message::parse(text) {
            assert!(!m.privilege.is_empty());
        }
        let _ = error::normalize_code(text);
    }
    let status = [200u16, 204, 400, 401, 403, 404, 412, 429, 500, 502, 503][usize::from(data[0]) % 11];
    let response = http::Response::builder()
        .status(status)
        .header("content-type", "application/json; odata.metadata=minimal")
        .body(data[1..].to_vec())
        .expect("response");
    if let Err(e) = client::parse(&response) {
        let _ = (e.status(), e.code(), e.message(), e.is_throttled(), e.is_privilege_denied(), e.is_user_disabled());
        if let Some(m) = e.message() {
            let _ = privilege_message::parse(m);
        }
    }
});
