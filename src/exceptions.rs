//! The extension's exception classes, their stable codes, and the one place where every error
//! of this layer (and of the engine) becomes a PHP exception.
//!
//! | PHP class                         | code                            | when                               |
//! |-----------------------------------|---------------------------------|------------------------------------|
//! | `TypeError`                       | 0                               | a PHP value of the wrong type      |
//! | `Wpcrm\InvalidArgumentException`  | `WPCRM_ERR_INVALID_ARGUMENT`    | right type, impossible value       |
//! | `Wpcrm\ConfigurationException`    | `WPCRM_ERR_CONFIGURATION`       | bad `wpcrm.*` php.ini setting      |
//! | `Wpcrm\Exception`                 | `WPCRM_ERR_RUNTIME`             | the engine cannot run at all       |
//! | `Error`                           | `WPCRM_ERR_INTERNAL`            | a bug (a Rust panic)               |
//!
//! Messages never contain a secret, a token, or the proxy URL (which may carry credentials).

use crate::{WPCRM_ERR_CONFIGURATION, WPCRM_ERR_INTERNAL, WPCRM_ERR_INVALID_ARGUMENT, WPCRM_ERR_RUNTIME};
use ext_php_rs::class::RegisteredClass;
use ext_php_rs::exception::PhpException;
use ext_php_rs::prelude::*;
use ext_php_rs::zend::ce;
use wpcrm_core::engine::EngineError;
use wpcrm_core::http::TransportBuildError;

/// Base class of every exception wpcrm throws on purpose.
#[php_class]
#[php(name = "Wpcrm\\Exception")]
#[php(extends(ce = ce::exception, stub = "\\Exception"))]
#[derive(Default)]
pub struct WpcrmException;

/// A `wpcrm.*` php.ini setting is unusable (unreadable `wpcrm.ca_file`, invalid `wpcrm.proxy`,
/// `wpcrm.timeout` out of range). Fix the server's configuration; nothing the admin typed is wrong.
#[php_class]
#[php(name = "Wpcrm\\ConfigurationException")]
#[php(extends(WpcrmException))]
#[derive(Default)]
pub struct ConfigurationException;

/// An argument has the right PHP type but a value no caller should pass (a `state_key` that is not
/// 32 bytes, a non-positive `timeout`). A programming error, never something an admin typed.
#[php_class]
#[php(name = "Wpcrm\\InvalidArgumentException")]
#[php(extends(WpcrmException))]
#[derive(Default)]
pub struct InvalidArgumentException;

/// Everything that can go wrong in this layer.
#[derive(Debug)]
pub enum ExtError {
    /// A PHP value of the wrong type; the message names the key and the type given, never the value.
    Type(String),
    InvalidArgument(String),
    Configuration(String),
    /// The engine cannot run for a reason that is not configuration.
    Runtime(String),
    /// A Rust panic in the named PHP function. The panic's message is withheld: it may hold a secret.
    Internal(&'static str),
}

/// The one conversion of engine errors.
impl From<EngineError> for ExtError {
    fn from(error: EngineError) -> Self {
        match error {
            EngineError::Transport(TransportBuildError::Proxy(_)) => ExtError::Configuration(
                "wpcrm.proxy is not a valid proxy URL (the value is not shown: it may contain credentials)".to_owned(),
            ),
            EngineError::Transport(e @ TransportBuildError::CaFile { .. }) => ExtError::Configuration(e.to_string()),
            EngineError::Transport(e @ TransportBuildError::Client(_)) => ExtError::Configuration(e.to_string()),
            EngineError::Runtime(reason) => ExtError::Runtime(format!("cannot start the async runtime: {reason}")),
        }
    }
}

impl From<ExtError> for PhpException {
    fn from(error: ExtError) -> Self {
        let code = |c: i64| c as i32;
        match error {
            ExtError::Type(message) => PhpException::new(message, 0, ce::type_error()),
            ExtError::InvalidArgument(message) => PhpException::new(
                message,
                code(WPCRM_ERR_INVALID_ARGUMENT),
                InvalidArgumentException::get_metadata().ce(),
            ),
            ExtError::Configuration(message) => PhpException::new(
                message,
                code(WPCRM_ERR_CONFIGURATION),
                ConfigurationException::get_metadata().ce(),
            ),
            ExtError::Runtime(message) => {
                PhpException::new(message, code(WPCRM_ERR_RUNTIME), WpcrmException::get_metadata().ce())
            }
            ExtError::Internal(function) => PhpException::new(
                format!(
                    "{function}(): internal error in wpcrm (a bug, please report it); \
                     details are withheld because they may contain secrets"
                ),
                code(WPCRM_ERR_INTERNAL),
                ce::error(),
            ),
        }
    }
}
