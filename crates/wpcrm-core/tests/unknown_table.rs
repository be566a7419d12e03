//! A table the environment lacks (issue 10): `EntityDefinitions(LogicalName='x')` has been seen
//! answered 404 `0x80040217` and 400 `0x80041102` ("… was not found in the MetadataCache"). Both
//! are `table_not_found`, in verification and in provisioning's least-privilege role. The sandbox
//! answers either (`POST /_sandbox/config` `unknown_table_400`).
//!
//!     cargo test -p wpcrm-core --test unknown_table

mod common;

use common::{options, tenant, Env};
use serde_json::json;
use std::time::Duration;
use wpcrm_core::provision::Status;
use wpcrm_core::report::CheckStatus;
use wpcrm_core::TableRequest;

const KEY: [u8; 32] = *b"unknown-table-state-key-32-bytes";

/// The variants: (config, the status the sandbox must answer).
const VARIANTS: [(bool, u64); 2] = [(false, 404), (true, 400)];

fn definition_statuses(env: &Env) -> Vec<u64> {
    env.served()
        .iter()
        .filter(|r| {
            r["path"]
                .as_str()
                .unwrap_or("")
                .contains("EntityDefinitions(LogicalName='nosuchtable')")
        })
        .map(|r| r["status"].as_u64().unwrap_or(0))
        .collect()
}

#[tokio::test]
async fn verify_reports_table_not_found_for_404_and_400() {
    let env = Env::start().await;
    for (use_400, status) in VARIANTS {
        env.sandbox.control().reset();
        env.sandbox.control().set_config(json!({"unknown_table_400": use_400}));
        let (ctx, _) = env.context();
        let r = wpcrm_core::verify::run(
            &ctx,
            env.connection(Some(tenant())),
            options(&["account", "nosuchtable"], Duration::from_secs(10)),
        )
        .await;
        let check = r.checks.iter().find(|c| c.id == "table:nosuchtable").unwrap();
        assert_eq!(
            (check.status, check.code.as_deref()),
            (CheckStatus::Fail, Some("table_not_found")),
            "{status}: {r:#?}"
        );
        assert!(check.fix.as_deref().unwrap().contains("logical names"), "{check:?}");
        assert!(!r.tables["nosuchtable"].exists);
        let account = r.checks.iter().find(|c| c.id == "table:account").unwrap();
        assert_eq!(account.status, CheckStatus::Pass, "{status}");
        assert_eq!(
            definition_statuses(&env),
            vec![status],
            "the sandbox answered the variant"
        );
    }
}

#[tokio::test]
async fn provisioning_reports_table_not_found_for_404_and_400() {
    let env = Env::start().await;
    for (use_400, status) in VARIANTS {
        env.sandbox.control().reset();
        env.sandbox
            .control()
            .set_config(json!({"unknown_table_400": use_400, "auto_approve": true, "device_interval_s": 1}));
        let site = format!("https://unknown-table-{status}.example");
        let mut state = None;
        let mut last = None;
        for _ in 0..6 {
            let mut request = env.provision_request(&site, state.clone(), &KEY, Duration::from_secs(10));
            request.create_role = true;
            request.tables = vec![TableRequest::read("account"), TableRequest::read("nosuchtable")];
            let (ctx, _) = env.context();
            let r = wpcrm_core::provision::run(&ctx, request).await;
            state = Some(r.state.clone());
            let finished = matches!(r.status, Status::Done | Status::Failed);
            last = Some(r);
            if finished {
                break;
            }
        }
        let r = last.unwrap();
        assert_eq!(r.status, Status::Failed, "{status}");
        let e = r.error.unwrap();
        assert_eq!(
            (e.step.as_deref(), e.code.as_str()),
            (Some("custom_role"), "table_not_found"),
            "{status}: {e:?}"
        );
        assert!(e.message.contains("nosuchtable"));
        assert!(definition_statuses(&env).contains(&status), "{status}");
    }
}
