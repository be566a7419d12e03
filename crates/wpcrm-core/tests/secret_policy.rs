//! A tenant whose app management policy forbids client secrets (issue 10): addPassword is refused.
//! The wire shape is undocumented, so the sandbox answers either variant (`POST /_sandbox/config`
//! `secret_policy`: `blocked`, the policy code as `error.code`; `blocked_in_details`,
//! `Request_BadRequest` with the code in `details[]`). Both are `secret_blocked_by_policy` at the
//! `client_secret` step with a fix naming the policy, who can exempt the app and the alternative;
//! once the app is exempted the same state resumes without registering a second application.
//!
//!     cargo test -p wpcrm-core --test secret_policy

mod common;

use common::{provision_until_settled, Env};
use serde_json::json;
use wpcrm_core::provision::{ProvisionResponse, Status};

const KEY: [u8; 32] = *b"secret-policy-state-key-32-bytes";

async fn drive(env: &Env, site: &str, state: Option<String>) -> ProvisionResponse {
    let (ctx, _) = env.context();
    provision_until_settled(env, &ctx, site, &KEY, state, 6).await
}

#[tokio::test]
async fn a_policy_that_forbids_secrets_is_explained_in_both_wire_shapes() {
    let env = Env::start().await;
    for variant in ["blocked", "blocked_in_details"] {
        env.sandbox.control().reset();
        env.sandbox
            .control()
            .set_config(json!({"secret_policy": variant, "auto_approve": true, "device_interval_s": 1}));
        let site = format!("https://secret-policy-{variant}.example");
        let r = drive(&env, &site, None).await;
        assert_eq!(r.status, Status::Failed, "{variant}");
        let e = r.error.clone().unwrap();
        assert_eq!(
            (e.step.as_deref(), e.code.as_str()),
            (Some("client_secret"), "secret_blocked_by_policy"),
            "{variant}: {e:?}"
        );
        let fix = e.fix.unwrap();
        for needle in [
            "appManagementPolicy",
            "passwordAddition",
            "Global Administrator",
            "certificate",
        ] {
            assert!(
                fix.contains(needle) || e.message.contains(needle),
                "{variant}: {needle}: {fix}"
            );
        }
        let refused: Vec<_> = env
            .served()
            .into_iter()
            .filter(|q| q["path"].as_str().unwrap_or("").ends_with("/addPassword"))
            .map(|q| q["status"].as_u64().unwrap())
            .collect();
        assert_eq!(refused, vec![400], "{variant}: refused once, not retried");

        // An administrator exempts the app: the same state resumes, one application in all.
        env.sandbox.control().set_config(json!({"secret_policy": "allowed"}));
        let r = drive(&env, &site, Some(r.state)).await;
        assert_eq!(r.status, Status::Done, "{variant}: {:?}", r.error);
        let tag = wpcrm_core::provision::SiteMarker::new(&KEY, &site).tag;
        let state = env.sandbox.control().state();
        let apps = state["applications"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["tags"].as_array().unwrap().iter().any(|t| t == &json!(tag)))
            .count();
        assert_eq!(apps, 1, "{variant}");
    }
}
