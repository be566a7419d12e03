//! Extension build glue. ext-php-rs finds PHP through `php-config`/`PHP_CONFIG`; rebuild when those
//! change so that switching PHP versions never links against stale headers.
fn main() {
    println!("cargo:rerun-if-env-changed=PHP");
    println!("cargo:rerun-if-env-changed=PHP_CONFIG");
}
