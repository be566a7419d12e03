//! The wpcrm PHP extension: a thin layer that converts PHP arrays to `wpcrm_core` types, calls the
//! engine, and converts the result back. Everything PHP can see is listed here: constants, functions
//! and the phpinfo section in `get_module`; php.ini settings and exception classes in `startup`.
//!
//! Reading order: `functions` (the two PHP functions), `convert` (PHP <-> Rust values),
//! `exceptions` (the one place engine errors become PHP exceptions), `engine` (the lazily
//! created process-wide engine), `constants` (versions and exception codes), `ini` (php.ini
//! settings), `info` (phpinfo), `panic`.

mod constants;
mod convert;
mod engine;
mod exceptions;
mod functions;
mod info;
mod ini;
mod panic;

use ext_php_rs::prelude::*;

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
    constants::register(module)
        .function(functions::verify_connection_entry()) // wpcrm_verify_connection()
        .function(functions::verify_connections_entry()) // wpcrm_verify_connections()
        .function(functions::provision_entry()) // wpcrm_provision()
        .info_function(info::module_info)
}
