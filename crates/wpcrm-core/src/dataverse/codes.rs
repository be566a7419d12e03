//! The Dataverse error codes the engine branches on
//! (<https://learn.microsoft.com/power-apps/developer/data-platform/reference/web-service-error-codes>),
//! and the questions the engine asks of an error. Every question is answered from the status, the
//! code and where the error happened, never from the message's wording (which Dataverse localizes
//! and rewords between builds).

use crate::service::{Error, Service};

/// PrivilegeDenied: the caller lacks a privilege (the message names it).
pub const PRIVILEGE_DENIED: &str = "0x80040220";
/// The app has no application user in this environment.
pub const NOT_A_MEMBER: &str = "0x80072560";
/// Access to the Dataverse API is blocked for this app id by tenant policy.
pub const APP_BLOCKED: &str = "0x80095ffc";
/// Third-party stubs use it for "user not enabled"; Dataverse's code for a disabled user is not
/// documented (`reference/dataverse-web-api.md`, "Not confirmed" 3).
pub const USER_DISABLED: &str = "0x80040225";
/// ObjectDoesNotExist.
pub const OBJECT_DOES_NOT_EXIST: &str = "0x80040217";
/// A table definition missing from the metadata cache: `EntityDefinitions(LogicalName='x')` for an
/// unknown table has been seen answered 400 with this code ("… was not found in the
/// MetadataCache"), as well as 404 [`OBJECT_DOES_NOT_EXIST`] (issue 10).
pub const METADATA_NOT_FOUND: &str = "0x80041102";
/// Resource not found for the segment.
pub const SEGMENT_NOT_FOUND: &str = "0x8006088a";
/// DuplicateRecord: a record with the same key exists (the sandbox's answer to a second application
/// user for one app; Dataverse's own is not documented).
pub const DUPLICATE_RECORD: &str = "0x80040237";
/// Service protection limits
/// (<https://learn.microsoft.com/power-apps/developer/data-platform/api-limits>).
pub const THROTTLED_REQUESTS: &str = "0x80072322";
pub const THROTTLED_TIME: &str = "0x80072321";
pub const THROTTLED_CONCURRENCY: &str = "0x80072326";

/// Codes that blame the request itself (an unknown property or segment, a query that does not
/// parse, a body that does not deserialize): ours to fix, never worth waiting for.
const OWN_REQUEST_ERRORS: [&str; 3] = [
    "0x80060888", // property not found / query syntax
    "0x80048d19", // payload does not deserialize
    SEGMENT_NOT_FOUND,
];

/// Codes that describe the signed-in admin rather than the new application.
const ADMIN_REFUSALS: [&str; 4] = [PRIVILEGE_DENIED, NOT_A_MEMBER, USER_DISABLED, APP_BLOCKED];

pub fn is_privilege_denied(e: &Error) -> bool {
    e.code() == Some(PRIVILEGE_DENIED)
}

/// True for a disabled user, by Dataverse's code. (A real Dataverse refuses a disabled user with a
/// documented message but an undocumented code; the verification also reads `isdisabled` itself,
/// so a different code is still caught there.)
pub fn is_user_disabled(e: &Error) -> bool {
    e.code() == Some(USER_DISABLED)
}

/// A table (or another object) that does not exist: any 404, `0x80040217` whatever the status, or
/// the metadata cache's `0x80041102`.
pub fn is_missing_object(e: &Error) -> bool {
    e.is_not_found() || matches!(e.code(), Some(OBJECT_DOES_NOT_EXIST | METADATA_NOT_FOUND))
}

/// A duplicate: 412 (DuplicateRecord's status family) or `0x80040237` whatever the status.
pub fn is_duplicate(e: &Error) -> bool {
    e.status() == Some(412) || e.code() == Some(DUPLICATE_RECORD)
}

/// An error in the request we sent (the body, the URL, the method), not in the world.
pub fn is_own_request_error(e: &Error) -> bool {
    matches!(e.status(), Some(405 | 413 | 415)) || e.code().is_some_and(|c| OWN_REQUEST_ERRORS.contains(&c))
}

/// Whether a refusal of the application user's create or lookup may be Dataverse not seeing the new
/// application yet. Dataverse documents no error for it and real tenants answer several (404
/// `0x80040217`, 400 with a generic code or none, 403 and 401 with codes of their own), so it is
/// decided by elimination: a Dataverse refusal with status 400, 401, 403 or 404 that is neither a
/// privilege denial nor another refusal of the signed-in admin ([`ADMIN_REFUSALS`]), nor a
/// duplicate, nor an error of our own request. Throttling and 5xx have their own retries. Only
/// meaningful within the replication window after the service principal was created: the caller
/// bounds it.
pub fn is_replication(e: &Error) -> bool {
    let Some(refusal) = e.refusal() else {
        return false;
    };
    refusal.service == Service::Dataverse
        && matches!(refusal.status, 400 | 401 | 403 | 404)
        && !e.code().is_some_and(|c| ADMIN_REFUSALS.contains(&c))
        && !is_duplicate(e)
        && !is_own_request_error(e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::answer::{read_error, test_answer};

    fn dv(status: u16, code: &str, message: &str) -> Error {
        let body = serde_json::json!({"error": {"code": code, "message": message}}).to_string();
        read_error(Service::Dataverse, &test_answer(status, &body))
    }

    #[test]
    fn replication_is_decided_by_status_and_code_whatever_the_wording() {
        for (status, code) in [
            (404, "0x80040217"),
            (400, "0x80040203"),
            (400, ""),
            (403, "0x80048306"),
            (401, "0x8004a001"),
        ] {
            // The same verdict in any wording, including none.
            for message in ["", "zzz", "The application is not found in the directory."] {
                assert!(is_replication(&dv(status, code, message)), "{status} {code} {message}");
            }
        }
        for (status, code) in [
            (403, PRIVILEGE_DENIED),
            (403, NOT_A_MEMBER),
            (403, USER_DISABLED),
            (403, APP_BLOCKED),
            (412, DUPLICATE_RECORD),
            (400, DUPLICATE_RECORD),
            (400, "0x80060888"),
            (400, "0x80048d19"),
            (404, SEGMENT_NOT_FOUND),
            (405, ""),
            (429, THROTTLED_REQUESTS),
            (500, ""),
            (503, ""),
        ] {
            assert!(
                !is_replication(&dv(status, code, "not found in the directory")),
                "{status} {code}"
            );
        }
        let graph = read_error(
            Service::Graph,
            &test_answer(404, r#"{"error":{"code":"Request_ResourceNotFound","message":"x"}}"#),
        );
        assert!(!is_replication(&graph));
    }

    #[test]
    fn disabled_and_missing_are_codes_not_words() {
        assert!(is_user_disabled(&dv(403, USER_DISABLED, "")));
        assert!(!is_user_disabled(&dv(403, "0x80040216", "The user is disabled.")));
        assert!(is_missing_object(&dv(404, OBJECT_DOES_NOT_EXIST, "")));
        assert!(is_missing_object(&dv(400, METADATA_NOT_FOUND, "")));
        assert!(!is_missing_object(&dv(
            400,
            "0x80040203",
            "was not found in the MetadataCache"
        )));
    }
}
