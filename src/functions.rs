//! The PHP functions (`php/wpcrm-stubs.php`, `docs/verify.md`, `docs/provision.md`). Each converts its arguments, calls the
//! engine, and converts the result back; everything else lives in the modules it calls.

use crate::convert::{self, ArrayArg};
use crate::engine;
use crate::panic::{guard, test_trigger};
use ext_php_rs::boxed::ZBox;
use ext_php_rs::builders::FunctionBuilder;
use ext_php_rs::prelude::*;
use ext_php_rs::types::{ZendCallable, ZendHashTable};

/// Checks a Connection tab's values against Entra ID and Dataverse; see `php/wpcrm-stubs.php`.
#[php_function]
#[php(defaults(options = ArrayArg::empty()))]
pub fn wpcrm_verify_connection(connection: &ZendHashTable, options: ArrayArg) -> PhpResult<ZBox<ZendHashTable>> {
    const NAME: &str = "wpcrm_verify_connection";
    Ok(guard(NAME, || {
        let input = convert::connection_input(NAME, connection)?;
        let options = convert::verify_options(NAME, &options)?;
        let engine = engine::get()?;
        test_trigger(NAME);
        convert::to_php(&engine.verify(input, options)?)
    })?)
}

/// Verifies many connections concurrently in one call; see `php/wpcrm-stubs.php` and `docs/verify.md`.
#[php_function]
#[php(defaults(options = ArrayArg::empty()))]
pub fn wpcrm_verify_connections(connections: &ZendHashTable, options: ArrayArg) -> PhpResult<ZBox<ZendHashTable>> {
    const NAME: &str = "wpcrm_verify_connections";
    Ok(guard(NAME, || {
        let args = convert::fleet_options(NAME, &options)?;
        let (keys, items) = convert::fleet_items(NAME, connections, &args.defaults)?;
        let engine = engine::get()?;
        test_trigger(NAME);
        let total = keys.len() as i64;
        let callable = args.progress.and_then(|p| ZendCallable::new(p).ok());
        let mut failed = false;
        // Runs on this PHP thread, between the engine's polls: PHP is called only from here. Once
        // the callable throws, it is not called again and PHP rethrows when this function returns.
        let mut progress = |index: usize, report: &wpcrm_core::VerifyReport, done: usize| {
            let Some(callable) = callable.as_ref().filter(|_| !failed) else {
                return;
            };
            let Ok(array) = convert::to_php(report) else { return };
            let result = match &keys[index] {
                convert::Key::Int(n) => callable.try_call(vec![n, &array, &(done as i64), &total]),
                convert::Key::Str(s) => callable.try_call(vec![s, &array, &(done as i64), &total]),
            };
            failed = result.is_err();
        };
        let report = engine.verify_many(items, args.fleet, &mut progress)?;
        convert::fleet_to_php(&keys, &report)
    })?)
}

/// One step of the resumable provisioning flow; see `php/wpcrm-stubs.php`.
#[php_function]
pub fn wpcrm_provision(request: &ZendHashTable) -> PhpResult<ZBox<ZendHashTable>> {
    const NAME: &str = "wpcrm_provision";
    Ok(guard(NAME, || {
        let request = convert::provision_request(NAME, request)?;
        let engine = engine::get()?;
        test_trigger(NAME);
        convert::to_php(&engine.provision(request)?)
    })?)
}

// `wrap_function!` needs the function in scope, so the module registration takes these.
pub fn verify_connection_entry() -> FunctionBuilder<'static> {
    wrap_function!(wpcrm_verify_connection)
}

pub fn verify_connections_entry() -> FunctionBuilder<'static> {
    wrap_function!(wpcrm_verify_connections)
}

pub fn provision_entry() -> FunctionBuilder<'static> {
    wrap_function!(wpcrm_provision)
}
