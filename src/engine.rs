//! The process-wide engine, built from php.ini on the first call of a wpcrm function.
//!
//! Never at module start-up: php-fpm loads extensions and then forks its workers, and the engine's
//! runtime and connection pool must belong to the worker that uses them (the engine itself also
//! rebuilds them when it notices a fork). The settings are `PHP_INI_SYSTEM`, so they cannot change
//! after start-up and one engine per process is enough.

use crate::exceptions::ExtError;
use crate::ini::IniValues;
use std::sync::OnceLock;
use wpcrm_core::Engine;

static ENGINE: OnceLock<Result<Engine, String>> = OnceLock::new();

/// The engine, or the configuration error that keeps it from existing (reported on every call).
pub fn get() -> Result<&'static Engine, ExtError> {
    ENGINE
        .get_or_init(|| IniValues::read().to_engine_config().map(Engine::new))
        .as_ref()
        .map_err(|message| ExtError::Configuration(message.clone()))
}
