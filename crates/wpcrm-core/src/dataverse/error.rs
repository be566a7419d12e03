//! Dataverse Web API errors (`dataverse-web-api.md` §2): `{"error":{"code":"0x80040220","message":…}}`.

use crate::http::TransportError;

/// Codes the engine branches on.
pub mod codes {
    /// PrivilegeDenied: the caller lacks a privilege (message names it).
    pub const PRIVILEGE_DENIED: &str = "0x80040220";
    /// The app has no application user in this environment.
    pub const NOT_A_MEMBER: &str = "0x80072560";
    /// Access to the Dataverse API is blocked for this app id by tenant policy.
    pub const APP_BLOCKED: &str = "0x80095ffc";
    /// Third-party stubs use it for "user not enabled"; Dataverse's code for a disabled user is not
    /// documented (`dataverse-web-api.md` §2.3), so the message is checked too.
    pub const USER_DISABLED: &str = "0x80040225";
    /// ObjectDoesNotExist.
    pub const OBJECT_DOES_NOT_EXIST: &str = "0x80040217";
    /// Resource not found for the segment.
    pub const SEGMENT_NOT_FOUND: &str = "0x8006088a";
    /// Service protection limits.
    pub const THROTTLED_REQUESTS: &str = "0x80072322";
    pub const THROTTLED_TIME: &str = "0x80072321";
    pub const THROTTLED_CONCURRENCY: &str = "0x80072326";
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum DataverseError {
    /// Dataverse answered with its error JSON.
    #[error("Dataverse answered HTTP {status}{}: {message}", code.as_deref().map(|c| format!(" {c}")).unwrap_or_default())]
    Api {
        status: u16,
        /// Lower-case hex HRESULT (`0x80040220`); often absent.
        code: Option<String>,
        message: String,
    },
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// Not what Dataverse sends: HTML, an empty or truncated body, a non-JSON error page.
    #[error("unexpected answer from Dataverse: {detail}")]
    Unexpected { status: u16, detail: String },
}

impl DataverseError {
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api { status, .. } | Self::Unexpected { status, .. } => Some(*status),
            Self::Transport(_) => None,
        }
    }

    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Api { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    pub fn message(&self) -> Option<&str> {
        match self {
            Self::Api { message, .. } => Some(message),
            _ => None,
        }
    }

    pub fn is_throttled(&self) -> bool {
        self.status() == Some(429)
    }

    pub fn is_privilege_denied(&self) -> bool {
        self.code() == Some(codes::PRIVILEGE_DENIED)
    }

    /// True for "The user with SystemUserId=… is disabled", whatever code carries it.
    pub fn is_user_disabled(&self) -> bool {
        self.code() == Some(codes::USER_DISABLED)
            || self
                .message()
                .is_some_and(|m| m.to_ascii_lowercase().contains("is disabled"))
    }
}

/// Normalizes a Dataverse code: `0x80040220`, `80040220` or the decimal `-2147220960` all become
/// `0x80040220`.
pub fn normalize_code(raw: &str) -> Option<String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    if let Ok(n) = raw.parse::<i64>() {
        return Some(format!("0x{:08x}", n as i32 as u32));
    }
    let hex = raw.strip_prefix("0x").or_else(|| raw.strip_prefix("0X")).unwrap_or(raw);
    if hex.len() <= 8 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Some(format!("0x{}", hex.to_ascii_lowercase()));
    }
    Some(raw.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_normalize() {
        assert_eq!(normalize_code("0x80040220").as_deref(), Some("0x80040220"));
        assert_eq!(normalize_code("0x80095FFC").as_deref(), Some("0x80095ffc"));
        assert_eq!(normalize_code("-2147220960").as_deref(), Some("0x80040220"));
        assert_eq!(normalize_code(""), None);
    }
}
