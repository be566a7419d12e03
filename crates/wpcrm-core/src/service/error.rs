//! The one error every request to Entra ID, Graph, Global Discovery and Dataverse ends in.
//!
//! Layered by where it came from, as oauth2-rs's `RequestTokenError` is: the service said no
//! ([`Refusal`], its codes kept as data, typed per service), the network failed ([`TransportError`]),
//! something other than the service answered or the answer did not parse ([`Error::Unexpected`]),
//! or the call's time budget ran out ([`Error::Deadline`]). Turning an error into words for an
//! admin is the catalogue's job (`crate::diagnosis`), never this module's.
//!
//! Messages come from the service and never contain what we sent: tokens and secrets are only ever
//! in requests, and a parse failure never quotes the answer.

use crate::http::{TransportError, TransportErrorKind};

/// Which Microsoft service answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    /// Entra ID's token and device-code endpoints.
    Entra,
    /// Microsoft Graph v1.0.
    Graph,
    /// The Global Discovery Service.
    Discovery,
    /// An environment's Web API.
    Dataverse,
}

impl Service {
    /// The name admins know it by, for texts.
    pub fn name(self) -> &'static str {
        match self {
            Service::Entra => "Entra ID",
            Service::Graph => "Microsoft Graph",
            Service::Discovery => "the Global Discovery Service",
            Service::Dataverse => "Dataverse",
        }
    }
}

/// A service's own error codes, in the shape that service sends them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Code {
    /// OAuth 2.0 `error` (`invalid_client`, `authorization_pending`) and the AADSTS numbers of
    /// `error_codes` (or, when that is missing, the number that opens `error_description`).
    /// <https://learn.microsoft.com/entra/identity-platform/reference-error-codes>
    Entra { error: String, aadsts: Vec<u32> },
    /// Graph `error.code` (`Authorization_RequestDenied`) and the codes of `error.details[]`
    /// (`NoBackingApplicationObject`, `InvalidKeyEndDate`).
    /// <https://learn.microsoft.com/graph/errors>
    Graph { code: String, details: Vec<String> },
    /// Dataverse (and Global Discovery) `error.code`, normalized to lower-case hex (`0x80040220`);
    /// often absent. <https://learn.microsoft.com/power-apps/developer/data-platform/reference/web-service-error-codes>
    Dataverse { code: Option<String> },
    /// The answer explained nothing: an empty body, or a page whose status speaks for itself
    /// (401, 403, 404, 429, 502, 503, 504).
    None,
}

/// The service answered, and refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub service: Service,
    pub status: u16,
    pub code: Code,
    /// The service's message (Entra's without its trace lines); for [`Code::None`], what the body
    /// was instead.
    pub message: String,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    #[error("{} answered HTTP {}: {}: {}", .0.service.name(), .0.status, code_text(&.0.code), .0.message)]
    Service(Refusal),
    /// A failure below HTTP on the way to `service`.
    #[error("{error}")]
    Transport { service: Service, error: TransportError },
    /// Not what the protocol defines: an HTML page from a proxy, a redirect (never followed), JSON
    /// cut short, an answer missing a field. `status` is 0 when the request was refused before it
    /// was sent (a value that cannot go into a URL).
    #[error("unexpected response: {detail}")]
    Unexpected { status: u16, detail: String },
    /// The call's time budget ran out.
    #[error("the call's time budget ran out")]
    Deadline,
}

fn code_text(code: &Code) -> String {
    match code {
        Code::Entra { error, aadsts } => match aadsts.first() {
            Some(n) => format!("{error} (AADSTS{n})"),
            None => error.clone(),
        },
        Code::Graph { code, .. } => code.clone(),
        Code::Dataverse { code } => code.clone().unwrap_or_default(),
        Code::None => String::new(),
    }
}

impl Error {
    pub fn refusal(&self) -> Option<&Refusal> {
        match self {
            Error::Service(r) => Some(r),
            _ => None,
        }
    }

    /// The HTTP status of an answer, if there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Service(r) => Some(r.status),
            Error::Unexpected { status, .. } if *status != 0 => Some(*status),
            _ => None,
        }
    }

    /// The service that answered, or that could not be reached.
    pub fn service(&self) -> Option<Service> {
        match self {
            Error::Service(r) => Some(r.service),
            Error::Transport { service, .. } => Some(*service),
            _ => None,
        }
    }

    /// The service's main code: OAuth `error`, Graph `error.code`, or Dataverse's hex code.
    pub fn code(&self) -> Option<&str> {
        match &self.refusal()?.code {
            Code::Entra { error, .. } => Some(error),
            Code::Graph { code, .. } => Some(code),
            Code::Dataverse { code } => code.as_deref(),
            Code::None => None,
        }
    }

    /// The first AADSTS number.
    pub fn aadsts(&self) -> Option<u32> {
        match &self.refusal()?.code {
            Code::Entra { aadsts, .. } => aadsts.first().copied(),
            _ => None,
        }
    }

    pub fn has_aadsts(&self, n: u32) -> bool {
        matches!(self.refusal(), Some(Refusal { code: Code::Entra { aadsts, .. }, .. }) if aadsts.contains(&n))
    }

    /// Whether Graph's `error.details[]` carries `code`.
    pub fn has_detail(&self, code: &str) -> bool {
        matches!(self.refusal(), Some(Refusal { code: Code::Graph { details, .. }, .. }) if details.iter().any(|d| d == code))
    }

    /// The service's message, first line only (Entra appends trace and correlation ids on new
    /// lines); for failures without one, what happened.
    pub fn message(&self) -> String {
        match self {
            Error::Service(r) if !r.message.is_empty() => {
                r.message.lines().next().unwrap_or_default().trim().to_owned()
            }
            Error::Service(r) => format!("{} answered HTTP {}", r.service.name(), r.status),
            other => other.to_string(),
        }
    }

    pub fn is_throttled(&self) -> bool {
        self.status() == Some(429)
    }

    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::Service(r) if r.status == 404)
    }

    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Deadline)
            || matches!(self, Error::Transport { error, .. } if error.kind == TransportErrorKind::Timeout)
    }
}
