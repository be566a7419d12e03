//! The PHP functions (`php/wpcrm-stubs.php`, `docs/verify.md`, `docs/provision.md`). Each converts its arguments, calls the
//! engine, and converts the result back; everything else lives in the modules it calls.

use crate::convert::{self, ArrayArg};
use crate::engine;
use crate::panic::{guard, test_trigger};
use ext_php_rs::boxed::ZBox;
use ext_php_rs::builders::FunctionBuilder;
use ext_php_rs::prelude::*;
use ext_php_rs::types::ZendHashTable;

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

pub fn provision_entry() -> FunctionBuilder<'static> {
    wrap_function!(wpcrm_provision)
}
