//! The Dataverse error codes the engine branches on
//! (<https://learn.microsoft.com/power-apps/developer/data-platform/reference/web-service-error-codes>),
//! and the questions the engine asks of an error.

use crate::service::Error;

/// PrivilegeDenied: the caller lacks a privilege (the message names it).
pub const PRIVILEGE_DENIED: &str = "0x80040220";
/// The app has no application user in this environment.
pub const NOT_A_MEMBER: &str = "0x80072560";
/// Access to the Dataverse API is blocked for this app id by tenant policy.
pub const APP_BLOCKED: &str = "0x80095ffc";
/// Third-party stubs use it for "user not enabled"; Dataverse's code for a disabled user is not
/// documented, so the message is checked too ([`is_user_disabled`]).
pub const USER_DISABLED: &str = "0x80040225";
/// ObjectDoesNotExist.
pub const OBJECT_DOES_NOT_EXIST: &str = "0x80040217";
/// Resource not found for the segment.
pub const SEGMENT_NOT_FOUND: &str = "0x8006088a";
/// Service protection limits
/// (<https://learn.microsoft.com/power-apps/developer/data-platform/api-limits>).
pub const THROTTLED_REQUESTS: &str = "0x80072322";
pub const THROTTLED_TIME: &str = "0x80072321";
pub const THROTTLED_CONCURRENCY: &str = "0x80072326";

pub fn is_privilege_denied(e: &Error) -> bool {
    e.code() == Some(PRIVILEGE_DENIED)
}

/// True for "The user with SystemUserId=… is disabled", whatever code carries it.
pub fn is_user_disabled(e: &Error) -> bool {
    e.code() == Some(USER_DISABLED)
        || e.refusal()
            .is_some_and(|r| r.message.to_ascii_lowercase().contains("is disabled"))
}

/// A table (or another object) that does not exist.
pub fn is_missing_object(e: &Error) -> bool {
    e.is_not_found() || e.code() == Some(OBJECT_DOES_NOT_EXIST)
}

/// Dataverse cannot resolve a new application yet (it has not caught up with Entra ID).
pub fn is_replication(e: &Error) -> bool {
    let message = e.refusal().map(|r| r.message.to_ascii_lowercase()).unwrap_or_default();
    e.is_not_found() || message.contains("not found in the directory") || message.contains("does not exist in")
}
