//! The constants PHP sees: versions and the codes of the exceptions wpcrm throws. Kept apart from
//! the crate root so that every module can read them without depending on module registration.

use ext_php_rs::prelude::*;

/// Version of the extension (also `WPCRM_VERSION` in PHP).
pub const EXTENSION_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Version of the PHP API contract (`php/wpcrm-stubs.php`); bumped on any incompatible change, so the
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

/// Adds the constants to the module.
pub fn register(module: ModuleBuilder) -> ModuleBuilder {
    module
        .constant(wrap_constant!(WPCRM_API_VERSION))
        .constant(wrap_constant!(WPCRM_VERSION))
        .constant(wrap_constant!(WPCRM_ERR_CONFIGURATION))
        .constant(wrap_constant!(WPCRM_ERR_INVALID_ARGUMENT))
        .constant(wrap_constant!(WPCRM_ERR_RUNTIME))
        .constant(wrap_constant!(WPCRM_ERR_INTERNAL))
}
