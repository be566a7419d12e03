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

use crate::constants::{WPCRM_ERR_CONFIGURATION, WPCRM_ERR_INTERNAL, WPCRM_ERR_INVALID_ARGUMENT, WPCRM_ERR_RUNTIME};
use ext_php_rs::builders::ClassBuilder;
use ext_php_rs::exception::PhpException;
use ext_php_rs::zend::{ce, ClassEntry};
use std::ptr;
use std::sync::atomic::{AtomicPtr, Ordering};
use wpcrm_core::engine::EngineError;
use wpcrm_core::http::TransportBuildError;

// The classes are registered with `ClassBuilder` rather than `#[php_class]`: a `#[php_class]` is
// backed by a Rust object whose generated constructor refuses `new` from PHP, while these must
// behave exactly like exceptions written in PHP (constructible, catchable, serializable).

static BASE: AtomicPtr<ClassEntry> = AtomicPtr::new(ptr::null_mut());
static CONFIGURATION: AtomicPtr<ClassEntry> = AtomicPtr::new(ptr::null_mut());
static INVALID_ARGUMENT: AtomicPtr<ClassEntry> = AtomicPtr::new(ptr::null_mut());

/// Registers `Wpcrm\Exception` (extends `\Exception`), `Wpcrm\ConfigurationException` and
/// `Wpcrm\InvalidArgumentException` (both extend `Wpcrm\Exception`). Module start-up only.
pub fn register() -> ext_php_rs::error::Result<()> {
    ClassBuilder::new("Wpcrm\\Exception")
        .extends((ce::exception, "\\Exception"))
        .docs(&["/// Base class of every exception wpcrm throws on purpose."])
        .registration(|ce, _| BASE.store(ce, Ordering::Release))
        .register()?;
    ClassBuilder::new("Wpcrm\\ConfigurationException")
        .extends((base, "\\Wpcrm\\Exception"))
        .docs(&["/// A wpcrm.* php.ini setting is unusable; fix the server, not the Connection tab."])
        .registration(|ce, _| CONFIGURATION.store(ce, Ordering::Release))
        .register()?;
    ClassBuilder::new("Wpcrm\\InvalidArgumentException")
        .extends((base, "\\Wpcrm\\Exception"))
        .docs(&["/// An argument of the right type with a value no caller should pass."])
        .registration(|ce, _| INVALID_ARGUMENT.store(ce, Ordering::Release))
        .register()?;
    Ok(())
}

fn load(slot: &AtomicPtr<ClassEntry>) -> &'static ClassEntry {
    // SAFETY: set once at module start-up to a class entry the engine owns until shutdown. Before
    // that (impossible for a PHP call) fall back to \Exception rather than dereference null.
    unsafe { slot.load(Ordering::Acquire).as_ref() }.unwrap_or_else(ce::exception)
}

fn base() -> &'static ClassEntry {
    load(&BASE)
}

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
            ExtError::InvalidArgument(message) => {
                PhpException::new(message, code(WPCRM_ERR_INVALID_ARGUMENT), load(&INVALID_ARGUMENT))
            }
            ExtError::Configuration(message) => {
                PhpException::new(message, code(WPCRM_ERR_CONFIGURATION), load(&CONFIGURATION))
            }
            ExtError::Runtime(message) => PhpException::new(message, code(WPCRM_ERR_RUNTIME), base()),
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
