//! `wpcrm_verify_connection()`: one call that diagnoses a Connection tab completely, within a deadline.
//!
//! Checks, in report order: `input`, `tenant`, `token`, `app_user`, `metadata`, `table:<name>`…,
//! `secret_expiry` (DESIGN.md). Requests run as concurrently as their dependencies allow:
//!
//! ```text
//! [tenant discovery] → token → ( WhoAmI → (RetrieveUserPrivileges ∥ user record) )
//!                             ∥ metadata
//!                             ∥ for each table: ( EntityDefinitions → $top=1 read )
//! ```
//!
//! so latency is three round trips after the token, whatever the number of tables. The table
//! definitions are fetched speculatively beside WhoAmI; their results are only reported when the app
//! user and metadata checks passed (otherwise those checks already explain the failure, and the
//! tables are `skip`).
//!
//! Every request goes through one [`HttpClient`] bound to the call's deadline and cloud, so when time
//! runs out the pending requests fail with `timeout` and the checks that depend on them are skipped.

pub mod checks;
pub mod input;

use crate::api::{ConnectionInput, VerifyOptions};
use crate::cloud::{Cloud, Endpoints};
use crate::context::Context;
use crate::dataverse::codes;
use crate::dataverse::metadata::TableDefinition;
use crate::dataverse::Dataverse;
use crate::deadline::Deadline;
use crate::diagnosis::{self as fixes, Diagnosis, Facts};
use crate::http::HttpClient;
use crate::oauth::{acquire_cached, ClientCredentials};
use crate::report::{Check, CheckStatus, Depth, OverallStatus, TableReport, VerifyReport};
use crate::service::{Caller, Error};
use input::{AccessKind, TableSpec};
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;
use tokio::time::Instant;

/// A secret expiring within this many days is a warning.
pub const SECRET_EXPIRY_WARNING_DAYS: i64 = 30;

struct Outcome {
    status: CheckStatus,
    detail: String,
    fix: Option<String>,
    code: Option<String>,
}

impl Outcome {
    fn pass(detail: impl Into<String>) -> Self {
        Self {
            status: CheckStatus::Pass,
            detail: detail.into(),
            fix: None,
            code: None,
        }
    }

    fn skip(detail: impl Into<String>) -> Self {
        Self {
            status: CheckStatus::Skip,
            detail: detail.into(),
            fix: None,
            code: None,
        }
    }

    fn with(status: CheckStatus, d: Diagnosis) -> Self {
        Self {
            status,
            detail: d.detail,
            fix: d.fix,
            code: Some(d.code),
        }
    }

    fn fail(d: Diagnosis) -> Self {
        Self::with(CheckStatus::Fail, d)
    }
}

struct Checks(Vec<Check>);

impl Checks {
    fn push(&mut self, id: impl Into<String>, title: impl Into<String>, outcome: Outcome, elapsed: Duration) {
        self.0.push(Check {
            id: id.into(),
            status: outcome.status,
            title: title.into(),
            detail: outcome.detail,
            fix: outcome.fix,
            code: outcome.code,
            elapsed_ms: elapsed.as_millis() as u64,
        });
    }

    fn skip(&mut self, id: impl Into<String>, title: impl Into<String>, why: &str) {
        self.push(id, title, Outcome::skip(why), Duration::ZERO);
    }
}

const TITLE_INPUT: &str = "Connection values";
const TITLE_TENANT: &str = "Tenant";
const TITLE_TOKEN: &str = "Access token";
const TITLE_APP_USER: &str = "Application user";
const TITLE_METADATA: &str = "Metadata access";
const TITLE_EXPIRY: &str = "Client secret expiry";

fn table_title(name: &str) -> String {
    format!("Table {name}")
}

/// Runs the whole verification. Never panics on anything an admin can type; never takes longer than
/// the deadline (plus scheduling).
pub async fn run(context: &Context, connection: ConnectionInput, options: VerifyOptions) -> VerifyReport {
    let started = Instant::now();
    let deadline = Deadline::after(options.timeout.unwrap_or(context.config.default_timeout));
    let sandbox_url = context.config.sandbox_url.as_deref().filter(|s| !s.trim().is_empty());
    let mut report = VerifyReport {
        ok: false,
        status: OverallStatus::Fail,
        instance_url: None,
        cloud: None,
        tenant_id: None,
        identity: None,
        checks: Vec::new(),
        tables: BTreeMap::new(),
        elapsed_ms: 0,
        requests: 0,
    };
    let mut checks = Checks(Vec::new());

    // input
    let t0 = Instant::now();
    let inp = input::check(&connection, &options, sandbox_url);
    if let Some(instance) = &inp.instance {
        report.instance_url = Some(instance.to_string());
        report.cloud = Some(instance.cloud().report_name());
    }
    checks.push(
        "input",
        TITLE_INPUT,
        Outcome {
            status: inp.status,
            detail: inp.detail.clone(),
            fix: inp.fix.clone(),
            code: inp.code.clone(),
        },
        t0.elapsed(),
    );
    let table_ids: Vec<String> = match &inp.valid {
        Some(v) => v.tables.iter().map(|t| t.logical_name.clone()).collect(),
        None => {
            let mut names: Vec<String> = Vec::new();
            // As many skipped rows as input::check would have checked tables, no more.
            for t in options.tables.iter().take(input::MAX_TABLES) {
                let n = t.logical_name.trim().to_ascii_lowercase();
                if !names.contains(&n) {
                    names.push(n);
                }
            }
            names
        }
    };

    let http = match (&inp.valid, sandbox_url) {
        (Some(valid), sandbox) => {
            let endpoints = match valid.instance.cloud() {
                Cloud::Sandbox => sandbox.and_then(|s| Endpoints::sandbox(s).ok()),
                cloud => Some(Endpoints::real(cloud)),
            };
            endpoints.map(|e| {
                Caller::new(HttpClient::new(
                    context.transport.clone(),
                    e,
                    deadline,
                    context.clock.clone(),
                ))
            })
        }
        _ => None,
    };

    match (inp.valid, http) {
        (Some(valid), Some(http)) => {
            network_checks(context, &http, valid, &mut checks, &mut report).await;
            report.requests = http.requests();
        }
        _ => {
            let why = "Skipped: the connection values are not usable (see the first check).";
            checks.skip("tenant", TITLE_TENANT, why);
            checks.skip("token", TITLE_TOKEN, why);
            checks.skip("app_user", TITLE_APP_USER, why);
            checks.skip("metadata", TITLE_METADATA, why);
            for name in &table_ids {
                checks.skip(format!("table:{name}"), table_title(name), why);
            }
        }
    }

    let expiry = secret_expiry(options.secret_expires_at.as_deref(), context.clock.now());
    checks.push("secret_expiry", TITLE_EXPIRY, expiry, Duration::ZERO);

    report.checks = checks.0;
    report.elapsed_ms = started.elapsed().as_millis() as u64;
    report.summarize();
    report
}

async fn network_checks(
    context: &Context,
    http: &Caller,
    valid: input::ValidInput,
    checks: &mut Checks,
    report: &mut VerifyReport,
) {
    let instance = &valid.instance;
    let mut facts = Facts {
        application_id: valid.client_id.to_string(),
        tenant: valid.tenant.as_ref().map(|t| t.to_string()).unwrap_or_default(),
        instance_url: instance.to_string(),
        cloud: instance.cloud().name(),
    };
    let skip_rest = |checks: &mut Checks, from: usize, why: &str| {
        let ids = ["tenant", "token", "app_user", "metadata"];
        let titles = [TITLE_TENANT, TITLE_TOKEN, TITLE_APP_USER, TITLE_METADATA];
        for i in from..ids.len() {
            checks.skip(ids[i], titles[i], why);
        }
        for t in &valid.tables {
            checks.skip(format!("table:{}", t.logical_name), table_title(&t.logical_name), why);
        }
    };

    // tenant
    let t0 = Instant::now();
    let tenant = match &valid.tenant {
        Some(t) => {
            checks.push(
                "tenant",
                TITLE_TENANT,
                Outcome::pass(format!("Using the tenant entered: {t}.")),
                t0.elapsed(),
            );
            t.clone()
        }
        None => match checks::discover_tenant(http, instance, &facts).await {
            Ok(t) => {
                checks.push(
                    "tenant",
                    TITLE_TENANT,
                    Outcome::pass(format!("Discovered the tenant {t} from {instance}.")),
                    t0.elapsed(),
                );
                t
            }
            Err(d) => {
                checks.push("tenant", TITLE_TENANT, Outcome::fail(d), t0.elapsed());
                skip_rest(checks, 1, "Skipped: the tenant is not known.");
                return;
            }
        },
    };
    facts.tenant = tenant.to_string();
    report.tenant_id = Some(tenant.to_string());

    // token
    let t0 = Instant::now();
    let scope = instance.default_scope();
    let creds = ClientCredentials {
        tenant: &tenant,
        client_id: &valid.client_id,
        secret: &valid.secret,
        scope: &scope,
    };
    let token = match acquire_cached(http, &context.token_cache, &creds).await {
        Ok(t) => {
            checks.push(
                "token",
                TITLE_TOKEN,
                Outcome::pass(format!(
                    "Entra ID issued a token for {instance} to application {}.",
                    valid.client_id
                )),
                t0.elapsed(),
            );
            t.token
        }
        Err(e) => {
            checks.push(
                "token",
                TITLE_TOKEN,
                Outcome::fail(fixes::entra::token_error(&e, &facts)),
                t0.elapsed(),
            );
            skip_rest(checks, 2, "Skipped: no access token.");
            return;
        }
    };

    // Identity ∥ metadata ∥ tables.
    let dv = Dataverse::new(http, instance, token);
    let identity_work = async {
        let t0 = Instant::now();
        let who = dv.who_am_i().await;
        let follow_up = match &who {
            Ok(id) => Some(
                futures_util::future::join(dv.user_is_disabled(&id.user_id), dv.user_privileges(&id.user_id)).await,
            ),
            Err(_) => None,
        };
        (who, follow_up, t0.elapsed())
    };
    let metadata_work = async {
        let t0 = Instant::now();
        (dv.probe_metadata().await, t0.elapsed())
    };
    let tables_work = futures_util::future::join_all(valid.tables.iter().map(|spec| {
        let dv = &dv;
        async move {
            let t0 = Instant::now();
            let definition = dv.table_definition(&spec.logical_name).await;
            let read = match &definition {
                Ok(d) if spec.access.contains(&AccessKind::Read) => Some(dv.read_one_row(d).await),
                _ => None,
            };
            (definition, read, t0.elapsed())
        }
    }));
    let ((who, follow_up, identity_elapsed), (meta, meta_elapsed), table_results) =
        tokio::join!(identity_work, metadata_work, tables_work);

    // app_user
    let (user_disabled, privileges) = match follow_up {
        Some((d, p)) => (Some(d), Some(p)),
        None => (None, None),
    };
    let app_user = match (&who, &user_disabled) {
        (Err(e), _) => Outcome::fail(fixes::app::dataverse(
            e,
            &facts,
            "identify the application user (WhoAmI)",
        )),
        (Ok(_), Some(Ok(Some(true)))) => Outcome::fail(fixes::app::user_disabled(&facts, None)),
        (Ok(_), Some(Err(e))) if codes::is_user_disabled(e) => {
            Outcome::fail(fixes::app::user_disabled(&facts, e.code()))
        }
        (Ok(id), Some(Ok(Some(false)))) => Outcome::pass(format!(
            "The application user {} exists and is enabled (business unit {}).",
            id.user_id, id.business_unit_id
        )),
        (Ok(id), _) => Outcome::pass(format!(
            "The application user {} exists (business unit {}); whether it is enabled could not be read.",
            id.user_id, id.business_unit_id
        )),
    };
    if matches!(&who, Err(e) if e.status() == Some(401)) {
        // Dataverse rejected the token: never offer that cached token again.
        let key = crate::oauth::CacheKey::new(
            &http.endpoints().authority,
            tenant.as_str(),
            valid.client_id.as_str(),
            &scope,
            &valid.secret,
            &context.token_cache,
        );
        context.token_cache.evict(&key);
    }
    let app_user_ok = app_user.status != CheckStatus::Fail;
    if let Ok(id) = &who {
        report.identity = Some(id.clone());
    }
    checks.push("app_user", TITLE_APP_USER, app_user, identity_elapsed);

    // metadata
    let meta_ok = if !app_user_ok {
        checks.skip(
            "metadata",
            TITLE_METADATA,
            "Skipped: the application user check failed.",
        );
        false
    } else {
        let outcome = match &meta {
            Ok(()) => Outcome::pass("The application user can read table definitions."),
            Err(e) if codes::is_privilege_denied(e) => {
                let privilege = missing_privilege_named(e).unwrap_or_else(|| "prvReadEntity".to_owned());
                let mut d = fixes::app::missing_privilege(
                    &privilege,
                    "read table definitions (metadata)",
                    "the Basic User role includes it",
                );
                d.fix = Some(format!(
                    "{} Usually the application user has no security role at all: assign Basic User plus a role that can read the site's tables.",
                    d.fix.unwrap_or_default()
                ));
                Outcome::fail(d)
            }
            Err(e) => Outcome::fail(fixes::app::dataverse(e, &facts, "read table definitions (metadata)")),
        };
        let ok = outcome.status != CheckStatus::Fail;
        checks.push("metadata", TITLE_METADATA, outcome, meta_elapsed);
        ok
    };

    // tables
    let privileges = privileges.map(|r| r.map_err(|e| fixes::app::dataverse(&e, &facts, "read its privileges")));
    for (spec, (definition, read, elapsed)) in valid.tables.iter().zip(table_results) {
        let id = format!("table:{}", spec.logical_name);
        if !app_user_ok || !meta_ok {
            let why = if app_user_ok {
                "Skipped: the metadata check failed."
            } else {
                "Skipped: the application user check failed."
            };
            checks.skip(id, table_title(&spec.logical_name), why);
            continue;
        }
        let (outcome, table) = judge_table(spec, definition, read, privileges.as_ref(), &facts);
        let title = match &table.display_name {
            Some(d) => format!("Table {} ({})", d, spec.logical_name),
            None => table_title(&spec.logical_name),
        };
        if table.exists || outcome.code.as_deref() == Some("table_not_found") {
            report.tables.insert(spec.logical_name.clone(), table);
        }
        checks.push(id, title, outcome, elapsed.max(identity_elapsed));
    }
}

/// The privilege a missing-privilege message names.
fn missing_privilege_named(e: &Error) -> Option<String> {
    let refusal = e.refusal()?;
    crate::dataverse::privilege_message::parse(&refusal.message).map(|m| m.privilege)
}

fn depth_word(d: Depth) -> &'static str {
    match d {
        Depth::None => "none",
        Depth::Basic => "user (basic)",
        Depth::Local => "business unit (local)",
        Depth::Deep => "parent: child business units (deep)",
        Depth::Global => "organization (global)",
    }
}

fn judge_table(
    spec: &TableSpec,
    definition: Result<TableDefinition, Error>,
    read: Option<Result<(), Error>>,
    privileges: Option<&Result<HashMap<String, Depth>, Diagnosis>>,
    facts: &Facts,
) -> (Outcome, TableReport) {
    let name = &spec.logical_name;
    let definition = match definition {
        Ok(d) => d,
        Err(e) if codes::is_missing_object(&e) => {
            return (
                Outcome::fail(fixes::app::table_not_found(name, facts)),
                TableReport::default(),
            );
        }
        Err(e) => {
            return (
                Outcome::fail(fixes::app::dataverse(
                    &e,
                    facts,
                    &format!("read the definition of table '{name}'"),
                )),
                TableReport::default(),
            )
        }
    };
    let display = definition.display_name.clone().unwrap_or_else(|| name.clone());
    let mut table = TableReport {
        exists: true,
        entity_set: definition.entity_set.clone(),
        display_name: definition.display_name.clone(),
        access: BTreeMap::new(),
    };
    let held = match privileges {
        Some(Ok(map)) => Some(map),
        _ => None,
    };
    let mut missing: Vec<String> = Vec::new();
    for kind in &spec.access {
        let privilege = definition.privilege_for(kind.verb(), name);
        let depth = held.map(|m| m.get(&privilege.to_ascii_lowercase()).copied().unwrap_or(Depth::None));
        if let Some(depth) = depth {
            table.access.insert(kind.name().to_owned(), depth);
            if depth == Depth::None {
                missing.push(privilege);
            }
        }
    }
    // The real read confirms (or overrides) what the privilege list says about `read`.
    match read {
        Some(Err(e)) if codes::is_privilege_denied(&e) => {
            let privilege =
                missing_privilege_named(&e).unwrap_or_else(|| definition.privilege_for(AccessKind::Read.verb(), name));
            table.access.insert("read".to_owned(), Depth::None);
            if !missing.iter().any(|m| m.eq_ignore_ascii_case(&privilege)) {
                missing.insert(0, privilege);
            }
        }
        Some(Err(e)) => {
            return (
                Outcome::fail(fixes::app::dataverse(&e, facts, &format!("read a row of '{display}'"))),
                table,
            )
        }
        // The privilege list was not readable; the read itself proves some read depth.
        Some(Ok(())) if held.is_none() => {
            table.access.entry("read".to_owned()).or_insert(Depth::Basic);
        }
        Some(Ok(())) | None => {}
    }
    if !missing.is_empty() {
        let kinds: Vec<&str> = spec
            .access
            .iter()
            .filter(|k| table.access.get(k.name()) == Some(&Depth::None))
            .map(|k| k.name())
            .collect();
        let list = missing.join(", ");
        let mut d = fixes::app::missing_privilege(
            &list,
            &format!("{} the table '{display}' ({name})", kinds.join("/")),
            "Organization level if the site must see every row",
        );
        if missing.len() > 1 {
            d.detail = d.detail.replace("the privilege", "the privileges");
        }
        return (Outcome::fail(d), table);
    }
    if let Some(Err(d)) = privileges {
        return (
            Outcome::with(
                CheckStatus::Warn,
                Diagnosis {
                    code: d.code.clone(),
                    detail: format!(
                        "The table '{display}' exists and a row could be read, but the application user's privileges could not be listed, so the depth of its access is unknown: {}",
                        d.detail
                    ),
                    fix: d.fix.clone(),
                },
            ),
            table,
        );
    }
    let summary = table
        .access
        .iter()
        .map(|(k, d)| format!("{k}: {}", depth_word(*d)))
        .collect::<Vec<_>>()
        .join(", ");
    let set = definition.entity_set.as_deref().unwrap_or("?");
    match table.access.get("read").copied() {
        Some(depth @ (Depth::Basic | Depth::Local)) => {
            let (code, whose) = if depth == Depth::Basic {
                ("basic_depth", "records the application user owns")
            } else {
                ("local_depth", "records in the application user's business unit")
            };
            let privilege = definition.privilege_for(AccessKind::Read.verb(), name);
            (
                Outcome::with(
                    CheckStatus::Warn,
                    Diagnosis {
                        code: code.to_owned(),
                        detail: format!(
                            "The application user can read '{display}' ({set}) only at {} depth: the site will see only {whose}. Access: {summary}.",
                            depth_word(depth)
                        ),
                        fix: Some(format!(
                            "If the site must show every row, give the application user a role with {privilege} at Organization level (Settings → Security roles → the role → the table's Read column, full circle)."
                        )),
                    },
                ),
                table,
            )
        }
        _ => (
            Outcome::pass(format!("'{display}' ({set}) is accessible. Access: {summary}.")),
            table,
        ),
    }
}

/// `secret_expiry`: expired → fail, under 30 days → warn, else pass; absent → skip.
fn secret_expiry(raw: Option<&str>, now: time::OffsetDateTime) -> Outcome {
    let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Outcome::skip("The secret's expiry date was not given.");
    };
    let Some(at) = parse_iso8601(raw) else {
        return Outcome::fail(Diagnosis {
            code: "invalid_secret_expiry".to_owned(),
            detail: format!(
                "'{}' is not an ISO 8601 date.",
                raw.chars().take(60).collect::<String>()
            ),
            fix: Some(
                "Pass secret_expires_at as an ISO 8601 date, for example 2026-12-31T00:00:00Z (Graph's endDateTime)."
                    .to_owned(),
            ),
        });
    };
    let date = at.date();
    let renew = "In the Microsoft Entra admin center → App registrations → your app → Certificates & secrets, add a new client secret, paste its Value here, then delete the old one.";
    if at <= now {
        return Outcome::fail(Diagnosis {
            code: "secret_expired".to_owned(),
            detail: format!("The client secret expired on {date}."),
            fix: Some(renew.to_owned()),
        });
    }
    let days = (at - now).whole_days();
    if days < SECRET_EXPIRY_WARNING_DAYS {
        return Outcome::with(
            CheckStatus::Warn,
            Diagnosis {
                code: "secret_expiring".to_owned(),
                detail: format!("The client secret expires on {date}, in {days} days; the site stops working then."),
                fix: Some(renew.to_owned()),
            },
        );
    }
    Outcome::pass(format!("The client secret is valid until {date} ({days} days)."))
}

fn parse_iso8601(raw: &str) -> Option<time::OffsetDateTime> {
    use time::format_description::well_known::{Iso8601, Rfc3339};
    if let Ok(t) = time::OffsetDateTime::parse(raw, &Rfc3339) {
        return Some(t);
    }
    if let Ok(t) = time::OffsetDateTime::parse(raw, &Iso8601::DEFAULT) {
        return Some(t);
    }
    // A date and time without offset (Graph sometimes omits it): UTC.
    if let Ok(t) = time::PrimitiveDateTime::parse(raw, &Iso8601::DEFAULT) {
        return Some(t.assume_utc());
    }
    let date = time::Date::parse(raw, time::macros::format_description!("[year]-[month]-[day]")).ok()?;
    Some(date.midnight().assume_utc())
}

#[cfg(test)]
mod tests;
