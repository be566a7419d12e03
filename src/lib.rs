//! The wpcrm PHP extension: a thin layer that converts PHP arrays to `wpcrm_core` types, calls the
//! engine, and converts the result back. Everything PHP can see is listed here: constants, functions
//! and the phpinfo section in `get_module`; php.ini settings and exception classes in `startup`.
//!
//! Reading order: `functions` (the two PHP functions), `convert` (PHP <-> Rust values),
//! `exceptions` (the one place engine errors become PHP exceptions), `engine` (the lazily
//! created process-wide engine), `ini` (php.ini settings), `info` (phpinfo), `panic`.

mod convert;
mod engine;
mod exceptions;
mod functions;
mod info;
mod ini;
mod panic;

use ext_php_rs::prelude::*;

/// Version of the extension (also `WPCRM_VERSION` in PHP).
pub const EXTENSION_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Version of the PHP API contract in `shared/DESIGN.md`; bumped on any incompatible change, so the
/// plugin can check it before calling anything.
#[php_const]
pub const WPCRM_API_VERSION: i64 = 1;

/// The extension's version string.
#[php_const]
pub const WPCRM_VERSION: &str = EXTENSION_VERSION;

// Stable codes of the exceptions wpcrm throws (see `exceptions`).
/// Code of `Wpcrm\ConfigurationException`.
#[php_const]
pub const WPCRM_ERR_CONFIGURATION: i64 = 1;
/// Code of `Wpcrm\InvalidArgumentException`.
#[php_const]
pub const WPCRM_ERR_INVALID_ARGUMENT: i64 = 2;
/// Code of a plain `Wpcrm\Exception`: the engine cannot run (e.g. no async runtime).
#[php_const]
pub const WPCRM_ERR_RUNTIME: i64 = 3;
/// Code of the `\Error` thrown when wpcrm hits an internal bug (a Rust panic).
#[php_const]
pub const WPCRM_ERR_INTERNAL: i64 = 4;

/// Module start-up: registers the php.ini settings, the panic hook and the exception classes.
/// Never starts the engine: php-fpm forks its workers after this runs.
extern "C" fn startup(_ty: i32, module_number: i32) -> i32 {
    let ok = std::panic::catch_unwind(|| {
        ini::register(module_number);
        panic::install_hook();
        // Wpcrm\Exception, Wpcrm\ConfigurationException, Wpcrm\InvalidArgumentException
        exceptions::register()
    });
    if matches!(ok, Ok(Ok(()))) {
        0
    } else {
        -1
    }
}

#[php_module]
#[php(startup = "startup")]
pub fn get_module(module: ModuleBuilder) -> ModuleBuilder {
    module
        .constant(wrap_constant!(WPCRM_API_VERSION))
        .constant(wrap_constant!(WPCRM_VERSION))
        .constant(wrap_constant!(WPCRM_ERR_CONFIGURATION))
        .constant(wrap_constant!(WPCRM_ERR_INVALID_ARGUMENT))
        .constant(wrap_constant!(WPCRM_ERR_RUNTIME))
        .constant(wrap_constant!(WPCRM_ERR_INTERNAL))
        .function(functions::verify_connection_entry()) // wpcrm_verify_connection()
        .function(functions::provision_entry()) // wpcrm_provision()
        .info_function(info::module_info)
}
