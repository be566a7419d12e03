//! The signed-in admin against Entra ID, Graph and Dataverse, as setup finds it: which right the
//! account lacks, or which tenant policy stands in the way.

use super::network::transport;
use super::Diagnosis;
use crate::service::{Code, Error, Service};

const NEEDS_APP_ADMIN: &str = "Sign in with an account that holds the Application Administrator or Cloud Application Administrator role (or ask a Global Administrator to run this), or turn on 'Users can register applications' in the tenant, then run again.";
const NEEDS_SYSTEM_ADMIN: &str = "The signed-in account is not a System Administrator of this environment. Sign in with one (or ask one to run this), then run again.";
const CONDITIONAL_ACCESS: &str = "A Conditional Access policy blocks this sign-in (often the device code flow itself). Ask an administrator to exclude this account or the Azure CLI client from the policy, or provision from a compliant device, then run again.";
const SECRET_LIFETIME_POLICY: &str = "The tenant's app management policy limits client secret lifetimes. Run again with a shorter secret_lifetime_days (for example 90), or ask an administrator to relax the policy.";
const SIGN_IN_EXPIRED: &str = "The admin sign-in has expired. Run again to sign in anew.";
const RUN_AGAIN: &str =
    "Run again; the run resumes where it stopped. If the error persists, the message above names the cause.";

/// A request of setup failed: the code for `error.code`, the service's own message, and the fix.
pub fn explain(error: &Error) -> Diagnosis {
    let fix = match error {
        Error::Transport { service, error } => transport(error, service.name()).fix.unwrap_or_default(),
        _ if error.code() == Some("Authorization_RequestDenied")
            || (error.status() == Some(403) && error.service() == Some(Service::Graph)) =>
        {
            NEEDS_APP_ADMIN.to_owned()
        }
        _ if error.has_aadsts(53003) => CONDITIONAL_ACCESS.to_owned(),
        _ if error.code() == Some("CredentialInvalidLifetimeAsPerAppPolicy")
            || error.has_detail("InvalidKeyEndDate") =>
        {
            SECRET_LIFETIME_POLICY.to_owned()
        }
        _ if error.code() == Some(crate::dataverse::codes::PRIVILEGE_DENIED)
            || (error.status() == Some(403) && error.service() == Some(Service::Dataverse)) =>
        {
            NEEDS_SYSTEM_ADMIN.to_owned()
        }
        _ if error.code() == Some("invalid_grant") => SIGN_IN_EXPIRED.to_owned(),
        _ => RUN_AGAIN.to_owned(),
    };
    Diagnosis {
        code: code(error),
        detail: error.message(),
        fix: Some(fix),
    }
}

/// The report code of a failed request of setup: the first AADSTS number, else the service's code,
/// else what the status or the network says.
fn code(error: &Error) -> String {
    match error {
        Error::Transport { error, .. } => error.kind.code().to_owned(),
        Error::Deadline => "timeout".to_owned(),
        // Throttling outlasted the call's budget: the same word verify reports.
        _ if error.is_throttled() => "throttled".to_owned(),
        Error::Service(refusal) => match (&refusal.code, error.aadsts()) {
            (_, Some(n)) => format!("AADSTS{n}"),
            (Code::None, _) | (Code::Dataverse { code: None }, _) => format!("http_{}", refusal.status),
            _ => error.code().unwrap_or_default().to_owned(),
        },
        // Not the service's answer: a page from something in between is reported by its status.
        Error::Unexpected { status, .. } if *status >= 300 => format!("http_{status}"),
        Error::Unexpected { .. } => "unexpected_response".to_owned(),
    }
}

/// Undoing setup failed at one of its steps.
pub fn rollback_failed(error: &Error) -> Diagnosis {
    Diagnosis {
        fix: Some("Run the rollback again; what was already removed stays removed.".to_owned()),
        ..explain(error)
    }
}

/// Still not replicated after `minutes`: the new application is not visible yet.
pub fn replication_outlasted(minutes: i64) -> String {
    format!(
        "Entra ID or Dataverse still does not see the new application after {minutes} minutes. Run again later; the run resumes where it stopped."
    )
}

/// Failures that belong to the account the admin signed in with (no right to register apps, not a
/// System Administrator in the environment, blocked by Conditional Access, sign-in refused): running
/// again with the same sign-in would fail the same way.
pub fn blames_the_signed_in_account(code: &str) -> bool {
    matches!(
        code,
        "Authorization_RequestDenied"
            | "0x80040220"
            | "AADSTS53003"
            | "authorization_declined"
            | "expired_token"
            | "invalid_grant"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::answer::read_error;

    fn error(service: Service, status: u16, body: &str) -> Error {
        read_error(
            service,
            &http::Response::builder()
                .status(status)
                .body(body.as_bytes().to_vec())
                .unwrap(),
        )
    }

    #[test]
    fn codes_follow_the_answer() {
        let e = error(
            Service::Entra,
            400,
            r#"{"error":"invalid_grant","error_codes":[53003]}"#,
        );
        assert_eq!(explain(&e).code, "AADSTS53003");
        assert_eq!(explain(&e).fix.as_deref(), Some(CONDITIONAL_ACCESS));
        let e = error(
            Service::Graph,
            403,
            r#"{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges."}}"#,
        );
        assert_eq!(explain(&e).code, "Authorization_RequestDenied");
        assert_eq!(explain(&e).fix.as_deref(), Some(NEEDS_APP_ADMIN));
        let e = error(
            Service::Dataverse,
            403,
            r#"{"error":{"code":"0x80040220","message":"no"}}"#,
        );
        assert_eq!(explain(&e).fix.as_deref(), Some(NEEDS_SYSTEM_ADMIN));
        assert_eq!(explain(&error(Service::Graph, 429, "")).code, "throttled");
        assert_eq!(explain(&error(Service::Graph, 502, "<html>")).code, "http_502");
        assert_eq!(explain(&error(Service::Graph, 500, "<html>")).code, "http_500");
        let redirect = http::Response::builder()
            .status(302)
            .header("location", "https://x.example/")
            .body(Vec::new())
            .unwrap();
        assert_eq!(explain(&read_error(Service::Graph, &redirect)).code, "http_302");
        assert_eq!(
            explain(&Error::Unexpected {
                status: 200,
                detail: "x".into()
            })
            .code,
            "unexpected_response"
        );
    }
}
