//! An application user with no security role (issue 10). Dataverse refuses it in several ways
//! (the usual missing-privilege refusal with `roleCount=0`, "RetrievePrivilegeForUser: … has not
//! been assigned any roles" under `0x80040220` or another code, or an empty privilege list); each
//! is the `app_user` check's own code `no_role`, with a fix that names the missing role
//! assignment. The sandbox's seeded `wp-noroles` is such a user; `POST /_sandbox/config`
//! `no_role_refusal` picks the form.
//!
//!     cargo test -p wpcrm-core --test no_role

mod common;

use common::{options, tenant, Env};
use serde_json::json;
use std::time::Duration;
use wpcrm_core::report::CheckStatus;
use wpcrm_core::{ClientSecret, ConnectionInput};
use wpcrm_sandbox::fixtures;

fn noroles(env: &Env) -> ConnectionInput {
    let app = fixtures::app("wp-noroles");
    ConnectionInput {
        application_id: Some(app.app_id.to_owned()),
        client_secret: Some(ClientSecret::new(app.secret)),
        ..env.connection(Some(tenant()))
    }
}

/// (config value, what the sandbox answers RetrieveUserPrivileges, the code Dataverse gave).
const VARIANTS: [(&str, u64, Option<&str>); 4] = [
    ("missing_privilege", 403, Some("0x80040220")),
    ("retrieve_privilege_for_user", 403, Some("0x80040220")),
    ("other_code", 403, Some("0x80040216")),
    ("empty_list", 200, None),
];

#[tokio::test]
async fn every_form_of_no_role_is_reported_as_no_role_with_the_assignment_to_make() {
    let env = Env::start().await;
    for (variant, status, code) in VARIANTS {
        env.sandbox.control().reset();
        env.sandbox.control().set_config(json!({"no_role_refusal": variant}));
        let (ctx, _) = env.context();
        let r = wpcrm_core::verify::run(&ctx, noroles(&env), options(&["account"], Duration::from_secs(10))).await;
        let check = r.checks.iter().find(|c| c.id == "app_user").unwrap();
        assert_eq!(
            (check.status, check.code.as_deref()),
            (CheckStatus::Fail, Some("no_role")),
            "{variant}: {r:#?}"
        );
        let fix = check.fix.as_deref().unwrap();
        assert!(
            fix.contains("Edit security roles") && fix.contains("Basic User"),
            "{variant}: {fix}"
        );
        assert!(!fix.contains("environment URL"), "{variant}: {fix}");
        if let Some(code) = code {
            assert!(check.detail.contains(code), "{variant}: {}", check.detail);
        }
        for id in ["metadata", "table:account"] {
            let c = r.checks.iter().find(|c| c.id == id).unwrap();
            assert_eq!(c.status, CheckStatus::Skip, "{variant} {id}");
        }
        let privileges = env
            .served()
            .into_iter()
            .find(|q| q["path"].as_str().unwrap_or("").ends_with("RetrieveUserPrivileges"))
            .expect("privileges read");
        assert_eq!(privileges["status"], json!(status), "{variant}");
    }
}

/// A user that holds a role but lacks one privilege is not `no_role`: the metadata check names the
/// privilege (the role count in Dataverse's message decides, not its wording).
#[tokio::test]
async fn a_user_with_a_role_missing_a_privilege_is_not_no_role() {
    let env = Env::start().await;
    env.sandbox.control().call(
        "POST",
        "/_sandbox/roles/remove",
        json!({"environment":"contoso","application_id":common::wp_ok().app_id,"role":"Basic User"}),
    );
    let (ctx, _) = env.context();
    let r = wpcrm_core::verify::run(
        &ctx,
        env.connection(Some(tenant())),
        options(&["account"], Duration::from_secs(10)),
    )
    .await;
    let app_user = r.checks.iter().find(|c| c.id == "app_user").unwrap();
    assert_eq!(app_user.status, CheckStatus::Pass, "{r:#?}");
    let metadata = r.checks.iter().find(|c| c.id == "metadata").unwrap();
    assert_eq!(metadata.code.as_deref(), Some("0x80040220"), "{r:#?}");
}
