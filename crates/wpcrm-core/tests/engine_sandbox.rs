//! The synchronous entry point the extension calls: `Engine::verify` builds its runtime and pooled
//! client lazily on first use and reuses them (and the token cache) on later calls.

mod common;

use common::Env;
use std::time::Duration;
use wpcrm_core::api::{ConnectionInput, TableRequest, VerifyOptions};
use wpcrm_core::report::OverallStatus;
use wpcrm_core::ClientSecret;
use wpcrm_sandbox::{fixtures, SandboxOptions};

#[test]
fn engine_verify_is_blocking_and_reuses_its_token() {
    let env = Env::start_blocking(SandboxOptions::default());
    let sandbox = &env.sandbox;
    let engine = env.engine(Duration::from_secs(10));
    let wp_ok = fixtures::app("wp-ok");
    let connection = || ConnectionInput {
        instance_url: Some(format!("{}/contoso", sandbox.url())),
        application_id: Some(wp_ok.app_id.into()),
        client_secret: Some(ClientSecret::new(wp_ok.secret)),
        tenant_id: Some(fixtures::tenant_domain().into()),
    };
    let options = || VerifyOptions {
        tables: vec![TableRequest::read("account")],
        ..VerifyOptions::default()
    };
    let first = engine.verify(connection(), options()).expect("engine runs");
    assert_eq!(first.status, OverallStatus::Pass, "{first:#?}");
    let second = engine.verify(connection(), options()).expect("engine runs");
    assert_eq!(second.status, OverallStatus::Pass, "{second:#?}");
    assert_eq!(
        second.requests,
        first.requests - 1,
        "the second call reuses the cached token"
    );
}
