//! The sealed provisioning state: opening attacker-supplied bytes with a fixed key never panics and
//! never succeeds (forging needs the key); a state this key sealed opens again.
#![no_main]
use libfuzzer_sys::fuzz_target;
use wpcrm_core::provision::state;

const KEY: [u8; 32] = *b"wpcrm-fuzz-fixed-state-key-32byt";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    assert!(state::open(text, &KEY).is_err(), "a forged state opened");
    let _ = state::open(text, &KEY[..31]);
});
