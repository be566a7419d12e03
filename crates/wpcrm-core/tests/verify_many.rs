//! `verify::many` (`wpcrm_verify_connections()`) against the in-process sandbox: results in input
//! order, one connection's failure alone, the overall deadline, progress, bounded concurrency; and
//! the translation data (`texts`) of the checks it reports.

mod common;

use common::{tenant, Env};
use std::time::{Duration, Instant};
use wpcrm_core::api::{TableRequest, VerifyOptions};
use wpcrm_core::report::{CheckStatus, OverallStatus, VerifyReport};
use wpcrm_core::verify::many::{run_many, FleetItem, FleetOptions};
use wpcrm_core::ClientSecret;
use wpcrm_sandbox::SandboxOptions;

fn opts(tables: &[&str]) -> VerifyOptions {
    VerifyOptions {
        tables: tables.iter().map(|t| TableRequest::read(*t)).collect(),
        timeout: Some(Duration::from_secs(10)),
        secret_expires_at: None,
        site_role_id: None,
    }
}

fn check<'a>(r: &'a VerifyReport, id: &str) -> &'a wpcrm_core::report::Check {
    r.checks
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no {id}: {r:#?}"))
}

#[tokio::test]
async fn each_connection_has_its_own_report_in_input_order() {
    let env = Env::start().await;
    let (ctx, _) = env.context();
    let good = env.connection(Some(tenant()));
    let mut bad_secret = good.clone();
    bad_secret.client_secret = Some(ClientSecret::new("Wrong8Q~notTheSecretValue.00000000000000001"));
    let mut bad_url = good.clone();
    bad_url.instance_url = Some("not a url".to_owned());
    let items = vec![
        FleetItem {
            connection: good.clone(),
            options: opts(&["account"]),
        },
        FleetItem {
            connection: bad_secret,
            options: opts(&["account"]),
        },
        FleetItem {
            connection: bad_url,
            options: opts(&[]),
        },
        FleetItem {
            connection: good,
            options: opts(&["no_such_table"]),
        },
    ];
    let mut seen = Vec::new();
    let report = run_many(
        &ctx,
        items,
        FleetOptions {
            concurrency: Some(2),
            timeout: None,
        },
        &mut |i, r, done| seen.push((i, r.status, done)),
    )
    .await;
    let statuses: Vec<_> = report.results.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        [
            OverallStatus::Pass,
            OverallStatus::Fail,
            OverallStatus::Fail,
            OverallStatus::Fail
        ]
    );
    assert_eq!(
        check(&report.results[1], "token").code.as_deref(),
        Some("AADSTS7000215")
    );
    assert_eq!(
        check(&report.results[2], "input").code.as_deref(),
        Some("invalid_instance_url")
    );
    assert_eq!(
        check(&report.results[3], "table:no_such_table").code.as_deref(),
        Some("table_not_found")
    );
    assert_eq!(
        (report.summary.total, report.summary.pass, report.summary.fail),
        (4, 1, 3)
    );
    assert_eq!(report.concurrency, 2);
    let mut indices: Vec<usize> = seen.iter().map(|s| s.0).collect();
    indices.sort();
    assert_eq!(indices, [0, 1, 2, 3], "progress hears of every connection once");
    assert_eq!(seen.iter().map(|s| s.2).collect::<Vec<_>>(), [1, 2, 3, 4]);
    assert!(report.requests > 0);
}

#[tokio::test]
async fn the_overall_deadline_ends_every_connection() {
    let env = Env::start_with(SandboxOptions {
        latency_ms: 400,
        ..SandboxOptions::default()
    })
    .await;
    let (ctx, _) = env.context();
    let items: Vec<FleetItem> = (0..6)
        .map(|_| FleetItem {
            connection: env.connection(Some(tenant())),
            options: opts(&["account"]),
        })
        .collect();
    let t0 = Instant::now();
    let options = FleetOptions {
        concurrency: Some(3),
        timeout: Some(Duration::from_millis(600)),
    };
    let report = run_many(&ctx, items, options, &mut |_, _, _| {}).await;
    let elapsed = t0.elapsed();
    assert!(elapsed < Duration::from_millis(2500), "took {elapsed:?}");
    assert_eq!(report.results.len(), 6);
    for r in &report.results {
        assert_eq!(r.status, OverallStatus::Fail);
        let failed = r.checks.iter().find(|c| c.status == CheckStatus::Fail).unwrap();
        assert_eq!(failed.code.as_deref(), Some("timeout"), "{r:#?}");
    }
}

#[tokio::test]
async fn concurrency_overlaps_connections() {
    let env = Env::start_with(SandboxOptions {
        latency_ms: 150,
        ..SandboxOptions::default()
    })
    .await;
    let (ctx, _) = env.context();
    let items = |n| -> Vec<FleetItem> {
        (0..n)
            .map(|_| FleetItem {
                connection: env.connection(Some(tenant())),
                options: opts(&["account"]),
            })
            .collect()
    };
    // Warm the token cache and the connection pool, then time 8 connections one at a time and 8 at once.
    run_many(&ctx, items(1), FleetOptions::default(), &mut |_, _, _| {}).await;
    let t0 = Instant::now();
    let serial = run_many(
        &ctx,
        items(8),
        FleetOptions {
            concurrency: Some(1),
            timeout: None,
        },
        &mut |_, _, _| {},
    )
    .await;
    let serial_time = t0.elapsed();
    let t0 = Instant::now();
    let parallel = run_many(
        &ctx,
        items(8),
        FleetOptions {
            concurrency: Some(8),
            timeout: None,
        },
        &mut |_, _, _| {},
    )
    .await;
    let parallel_time = t0.elapsed();
    assert_eq!(serial.summary.pass, 8);
    assert_eq!(parallel.summary.pass, 8);
    assert!(
        parallel_time * 4 < serial_time * 3,
        "8 at once ({parallel_time:?}) should be far faster than one by one ({serial_time:?})"
    );
}

/// The translation data: ids name the texts, params hold every value they interpolate.
#[tokio::test]
async fn checks_carry_text_ids_and_params() {
    let env = Env::start().await;
    let (ctx, _) = env.context();
    let mut bad_secret = env.connection(Some(tenant()));
    bad_secret.client_secret = Some(ClientSecret::new("Wrong8Q~notTheSecretValue.00000000000000001"));
    let mut expiring = opts(&["account", "no_such_table"]);
    expiring.secret_expires_at = Some("2020-01-02T00:00:00Z".to_owned());
    let good = wpcrm_core::verify::run(&ctx, env.connection(None), expiring).await;
    let token = check(&good, "token");
    assert_eq!(token.texts.detail_id.as_deref(), Some("token.pass"));
    assert_eq!(token.texts.params["application_id"], common::wp_ok().app_id);
    let missing = check(&good, "table:no_such_table");
    assert_eq!(missing.texts.detail_id.as_deref(), Some("app.table_not_found"));
    assert_eq!(missing.texts.fix_id.as_deref(), Some("fix.table_not_found"));
    assert_eq!(missing.texts.params["table"], "no_such_table");
    let expiry = check(&good, "secret_expiry");
    assert_eq!(expiry.texts.detail_id.as_deref(), Some("secret_expiry.expired"));
    assert_eq!(expiry.texts.params["expires_at"], "2020-01-02");
    let tenant_check = check(&good, "tenant");
    assert_eq!(tenant_check.texts.detail_id.as_deref(), Some("tenant.discovered"));
    assert_eq!(tenant_check.texts.params["tenant"], tenant());

    let refused = wpcrm_core::verify::run(&ctx, bad_secret, opts(&["account"])).await;
    let token = check(&refused, "token");
    assert_eq!(token.texts.detail_id.as_deref(), Some("AADSTS7000215"));
    assert_eq!(token.texts.fix_id.as_deref(), Some("fix.secret_id"));
    assert_eq!(token.texts.params["aadsts"], "7000215");
    let skipped = check(&refused, "app_user");
    assert_eq!(skipped.texts.detail_id.as_deref(), Some("skip.token"));
    // A table's title names its display name exactly when the params carry one (the plugin picks the
    // title's text by it); `display` is the name the details use (display name, else logical name).
    for c in good.checks.iter().filter(|c| c.id.starts_with("table:")) {
        assert_eq!(
            c.texts.params.contains_key("display_name"),
            c.title.contains('('),
            "{c:?}"
        );
        assert_eq!(c.texts.params["table"], c.id.trim_start_matches("table:"));
    }
    // Every value a text names is in the English text too (no value is invented for translation);
    // an AADSTS entry carries all the facts any entry may name.
    for c in good.checks.iter().chain(&refused.checks).filter(|c| c.id != "token") {
        for (name, value) in &c.texts.params {
            let english = format!("{} {} {}", c.title, c.detail, c.fix.as_deref().unwrap_or(""));
            if !name.ends_with("_id") || name == "application_id" || name == "user_id" {
                assert!(
                    english.contains(value.as_str()) || value.is_empty(),
                    "{}: param {name}={value} not in {english}",
                    c.id
                );
            }
        }
    }
}
