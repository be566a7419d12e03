//! The phpinfo section (`php -i`, `php --ri wpcrm`): versions, supported clouds and which php.ini
//! settings are set. Never a secret: the proxy URL may carry credentials, so only "set" is shown;
//! the CA file is shown as set or not.

use crate::ini::{self, IniValues};
use ext_php_rs::zend::ModuleEntry;
use ext_php_rs::{info_table_end, info_table_header, info_table_row, info_table_start};
use wpcrm_core::cloud::Cloud;

pub extern "C" fn module_info(_module: *mut ModuleEntry) {
    // A panic must not unwind into the engine's C code; phpinfo then simply misses this section.
    let _ = std::panic::catch_unwind(print);
}

fn print() {
    let ini = IniValues::read();
    let set = |value: &str| if value.is_empty() { "not set" } else { "set" };
    let sandbox = if ini.sandbox_url.is_empty() {
        "not set".to_owned()
    } else if ini.sandbox_url.contains('@') {
        "set (contains user info, not shown)".to_owned()
    } else {
        clean(&ini.sandbox_url)
    };
    // The engine's list; the sandbox counts only when configured.
    let clouds = Cloud::ALL
        .iter()
        .filter(|c| **c != Cloud::Sandbox || !ini.sandbox_url.is_empty())
        .map(|c| c.name())
        .collect::<Vec<_>>()
        .join(", ");
    info_table_start!();
    info_table_header!("wpcrm support", "enabled");
    info_table_row!("Extension version", crate::constants::EXTENSION_VERSION);
    info_table_row!("Engine version", wpcrm_core::VERSION);
    info_table_row!("PHP API version", crate::constants::WPCRM_API_VERSION.to_string());
    info_table_row!("Supported clouds", clouds);
    info_table_end!();
    info_table_start!();
    info_table_header!("Directive", "Value");
    info_table_row!(ini::SANDBOX_URL, sandbox);
    info_table_row!(ini::CA_FILE, set(&ini.ca_file));
    info_table_row!(ini::PROXY, set(&ini.proxy));
    info_table_row!(ini::TIMEOUT, clean(&ini.timeout));
    info_table_row!(ini::ADMIN_CLIENT_ID, clean(&ini.admin_client_id));
    info_table_end!();
}

/// The table macros build C strings; a NUL byte would panic there.
fn clean(value: &str) -> String {
    value.replace('\0', "")
}
