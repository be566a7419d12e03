//! Rust panics never cross into PHP and never carry a secret out.
//!
//! ext-php-rs 0.16 already catches a panic in a `#[php_function]` and throws `\Error("Rust panic:
//! <message>")`, but that message is the panic's payload, which could quote a value the engine was
//! holding. [`guard`] catches the panic first and throws a fixed message instead, and the panic
//! hook installed at start-up prints only the location of a panic raised inside a wpcrm call (the
//! default hook would write the payload to stderr, i.e. the PHP or FPM error log).

use crate::exceptions::ExtError;
use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Once;

thread_local! {
    static IN_CALL: Cell<bool> = const { Cell::new(false) };
}

/// Runs the body of the PHP function `function`, turning a panic into [`ExtError::Internal`].
pub fn guard<T>(function: &'static str, body: impl FnOnce() -> Result<T, ExtError>) -> Result<T, ExtError> {
    let outer = IN_CALL.with(|c| c.replace(true));
    let result = catch_unwind(AssertUnwindSafe(body));
    IN_CALL.with(|c| c.set(outer));
    result.unwrap_or(Err(ExtError::Internal(function)))
}

/// Installs the hook once per process. Panics outside wpcrm calls (another Rust extension in the
/// same process) still reach the previous hook unchanged.
pub fn install_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let ours = IN_CALL.with(Cell::get) || std::thread::current().name().is_some_and(|n| n.starts_with("tokio"));
            if ours {
                let location = info
                    .location()
                    .map(|l| format!("{}:{}", l.file(), l.line()))
                    .unwrap_or_else(|| "an unknown location".to_owned());
                eprintln!("wpcrm: internal error (Rust panic) at {location}; message withheld");
            } else {
                previous(info);
            }
        }));
    });
}

/// A panic on demand, to test the path above from PHP. Compiled into debug builds only, and armed
/// only when the environment variable `WPCRM_TEST_PANIC` names the function being called.
#[cfg(debug_assertions)]
pub fn test_trigger(function: &str) {
    if std::env::var("WPCRM_TEST_PANIC").is_ok_and(|v| v == function) {
        panic!("wpcrm test panic carrying a fake secret: Sbx8Q~panicSecretValue.0000000000000000000");
    }
}

#[cfg(not(debug_assertions))]
#[inline(always)]
pub fn test_trigger(_function: &str) {}
