//! The plugin's message catalogue (`php/wpcrm-connect/src/Messages_Catalogue.php`) renders every
//! text id the engine names back into the engine's English, letter for letter, for diagnoses no
//! sandbox report reaches easily (a refused sign-in per policy number and flow, a named host that
//! failed, renewal, cloud and preflight refusals, the privilege audit's findings). The renderer here
//! mirrors `Messages::render`: named placeholders, and a value `X` with a sibling `X_id` rendered
//! from its own text first (`docs/verify.md`, "Translations"). tests/wordpress/tests/MessagesTest.php
//! does the same through PHP on real reports.

use std::collections::BTreeMap;
use std::time::Duration;
use wpcrm_core::cloud::HostRole;
use wpcrm_core::diagnosis::entra::{SignInFacts, SignInFlow};
use wpcrm_core::diagnosis::{admin, app, cloud, entra, least_privilege as lp, network, renewal, Diagnosis, Facts};
use wpcrm_core::http::{TransportError, TransportErrorKind};
use wpcrm_core::service::{Code, Error, Refusal, Service};

/// Id → English template, from the catalogue's `'id' => __( '…', 'wpcrm-connect' ),` lines and its
/// `$t['a'] = $t['b'];` aliases.
fn catalogue() -> BTreeMap<String, String> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../php/wpcrm-connect/src/Messages_Catalogue.php"
    );
    let php = std::fs::read_to_string(path).expect("the plugin's catalogue");
    let mut texts = BTreeMap::new();
    for line in php.lines().map(str::trim) {
        if let Some((id, rest)) = line.strip_prefix('\'').and_then(|l| l.split_once("' => __( '")) {
            if let Some(text) = rest.strip_suffix("', 'wpcrm-connect' ),") {
                texts.insert(id.to_owned(), text.replace("\\'", "'").replace("\\\\", "\\"));
            }
        } else if let Some((to, from)) = line.strip_prefix("$t['").and_then(|l| l.split_once("'] = $t['")) {
            if let Some(from) = from.strip_suffix("'];") {
                let text = texts[from].clone();
                texts.insert(to.to_owned(), text);
            }
        }
    }
    assert!(texts.len() > 200, "the catalogue was read ({} texts)", texts.len());
    texts
}

fn render(texts: &BTreeMap<String, String>, id: &str, params: &BTreeMap<String, String>) -> String {
    let mut out = texts
        .get(id)
        .unwrap_or_else(|| panic!("the catalogue has no text {id}"))
        .clone();
    for (name, value) in params {
        let value = match params.get(&format!("{name}_id")) {
            Some(phrase) if texts.contains_key(phrase) => {
                let mut rest = params.clone();
                rest.remove(&format!("{name}_id"));
                render(texts, phrase, &rest)
            }
            _ => value.clone(),
        };
        out = out.replace(&format!("{{{name}}}"), &value);
    }
    assert!(!out.contains("{"), "{id}: a placeholder without a value: {out}");
    out
}

/// Each text the diagnosis names renders back into its English; returns how many it named.
fn same_english(texts: &BTreeMap<String, String>, d: &Diagnosis) -> usize {
    let params: BTreeMap<String, String> = d.texts.params.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    let mut named = 0;
    if let Some(id) = &d.texts.detail_id {
        assert_eq!(render(texts, id, &params), d.detail, "{} detail {id}", d.code);
        named += 1;
    }
    if let Some(id) = &d.texts.fix_id {
        assert_eq!(
            render(texts, id, &params),
            d.fix.clone().unwrap_or_default(),
            "{} fix {id}",
            d.code
        );
        named += 1;
    }
    named
}

fn refused(numbers: Vec<u32>, error: &str) -> Error {
    Error::Service(Refusal {
        service: Service::Entra,
        status: 400,
        code: Code::Entra {
            error: error.into(),
            aadsts: numbers,
        },
        message: "AADSTS53003: Access has been blocked by Conditional Access policies. Trace ID: x".into(),
    })
}

#[test]
fn the_catalogue_english_is_the_engine_english_for_the_newer_texts() {
    let texts = catalogue();
    let facts = Facts {
        application_id: "11111111-1111-4111-8111-111111111111".into(),
        tenant: "contoso.onmicrosoft.com".into(),
        instance_url: "https://contoso.crm.dynamics.com".into(),
        cloud: "public",
    };
    let roles = vec!["Broad helper".to_owned(), "Basic User".to_owned()];
    let privileges = vec!["prvDeleteAccount".to_owned(), "prvWriteRole".to_owned()];
    let mut ds = vec![
        lp::powerful_role("system_administrator", "System Administrator", "Sysadmin copy"),
        lp::powerful_role("system_customizer", "System Customizer", "System Customizer"),
        lp::excess_privileges(&privileges, &roles),
        lp::excess_privileges(&privileges, &[]),
        lp::foreign_role_only(&privileges, &roles),
        lp::site_role_missing("a7d4e1c2-0000-4000-8000-000000000001"),
        lp::business_unit_not_root("b7d4e1c2-0000-4000-8000-000000000002"),
        lp::nothing_to_repair(),
        lp::repair_needs_secret(),
        app::no_role(&facts, None),
        entra::sign_in_spent(&refused(vec![70043], "invalid_grant")),
        entra::invalid_sign_in_method("popup"),
        entra::not_a_sign_in_response("https://login.microsoftonline.com/common/oauth2/nativeclient"),
        entra::sign_in_state_mismatch(),
        renewal::connection_required("application_id"),
        renewal::wrong_tenant("fabrikam.onmicrosoft.com", "contoso.onmicrosoft.com"),
        renewal::application_not_found("11111111-1111-4111-8111-111111111111"),
        renewal::secret_not_accepted(10),
        renewal::not_a_setup_run(),
        cloud::invalid_cloud("mooncake"),
        cloud::cloud_mismatch("gcc", "public", "https://contoso.crm.dynamics.com"),
        cloud::signed_in_elsewhere("public", "china"),
        admin::app_user_duplicate_unseen("11111111-1111-4111-8111-111111111111"),
        admin::cannot_register_apps(),
        admin::app_registration_unchecked(None),
        admin::secrets_forbidden(&Error::Service(Refusal {
            service: Service::Graph,
            status: 400,
            code: Code::Graph {
                code: "CredentialTypeNotAllowedAsPerAppPolicy".into(),
                details: vec![],
            },
            message: "Credential type not allowed as per assigned policy.".into(),
        })),
        admin::missing_environment_rights(
            "cannot_create_users",
            &["prvcreateuser", "prvassignrole"],
            "https://contoso.crm.dynamics.com",
        ),
    ];
    for flow in [SignInFlow::DeviceCode, SignInFlow::Browser, SignInFlow::Refresh] {
        let f = SignInFacts {
            flow,
            resource: "Microsoft Graph",
            client_id: "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
        };
        for n in [
            53000, 53001, 53002, 53003, 53004, 53011, 530032, 50074, 50076, 50072, 50079, 50097, 50158, 50105, 65001,
            65002, 65004,
        ] {
            ds.push(entra::sign_in_refused(&refused(vec![n], "invalid_grant"), &f));
        }
        for value in [
            "interaction_required",
            "login_required",
            "access_denied",
            "authorization_declined",
            "consent_required",
            "invalid_grant",
        ] {
            ds.push(entra::sign_in_refused(&refused(vec![], value), &f));
        }
        ds.push(entra::sign_in_refused(&refused(vec![50000], "invalid_grant"), &f));
    }
    let kinds = [
        TransportErrorKind::Timeout,
        TransportErrorKind::Dns,
        TransportErrorKind::Connect,
        TransportErrorKind::Tls,
        TransportErrorKind::Protocol,
        TransportErrorKind::Refused,
    ];
    for kind in kinds {
        ds.push(network::transport(&TransportError::new(kind, "failed"), "Dataverse"));
        for (role, host) in [
            (HostRole::Login, "login.microsoftonline.us"),
            (HostRole::Graph, "graph.microsoft.com"),
            (HostRole::Discovery, "globaldisco.crm.dynamics.com"),
            (HostRole::Environment, "contoso.crm.dynamics.com"),
        ] {
            let mut e = TransportError::new(kind, "failed");
            e.target = Some((role, host.to_owned()));
            ds.push(network::transport(&e, "Microsoft Graph"));
        }
    }
    let mut named = 0;
    for d in &ds {
        let n = same_english(&texts, d);
        assert!(n > 0, "{} names no text: {d:?}", d.code);
        named += n;
    }
    assert!(named > 2 * 60, "{named} texts compared");

    for window in [Duration::from_secs(90), Duration::from_secs(600)] {
        let fix = admin::replication_outlasted(&window, "Entra ID");
        let params = fix.params.clone().into_iter().collect();
        assert_eq!(render(&texts, fix.id.as_deref().unwrap(), &params), fix.english);
    }
}
