//! The wpcrm PHP extension: converts PHP values to `wpcrm_core` types and back (placeholder
//! module until issue 3's extension layer lands).

use ext_php_rs::prelude::*;

#[php_module]
pub fn get_module(module: ModuleBuilder) -> ModuleBuilder {
    module
}
