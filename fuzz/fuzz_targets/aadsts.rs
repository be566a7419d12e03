//! Entra ID's token endpoint answers (AADSTS errors and tokens): never panics, for any status and
//! body; the error's code string is derived without panicking either.
#![no_main]
use libfuzzer_sys::fuzz_target;
use wpcrm_core::oauth::token_endpoint::{parse_response, TokenError};

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let status = 200 + (u16::from(data[0]) * 2 + u16::from(data[1] & 1)) % 400;
    let mut builder = http::Response::builder().status(status);
    if data[1] & 2 != 0 {
        builder = builder.header("content-type", "application/json; charset=utf-8");
    }
    let response = builder.body(data[2..].to_vec()).expect("response");
    match parse_response(&response) {
        Ok(_) => {}
        Err(TokenError::Aad(e)) => {
            let _ = e.code();
            let _ = e.code_string();
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
