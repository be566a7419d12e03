//! The one catalogue of what went wrong and how to fix it. Every check of `wpcrm_verify_connection()`
//! and every `error` of `wpcrm_provision()` takes its code, detail and fix from here, and each fix
//! text is written once.
//!
//! Where an error happened decides what it means: the same `0x80040220` is the *site's* application
//! user lacking a privilege during verification ([`app`]) and the *signed-in admin* lacking rights
//! during setup ([`admin`]). The service that answered is in the error itself.
//!
//! - [`entra`]: every AADSTS code the token endpoint sends
//!   (<https://learn.microsoft.com/entra/identity-platform/reference-error-codes>);
//! - [`network`]: failures below HTTP, foreign answers, throttling;
//! - [`app`]: the site's app against Dataverse (verification);
//! - [`admin`]: the signed-in admin against Graph and Dataverse (provisioning);
//! - [`input`]: the Connection tab's values;
//! - [`renewal`]: what renewing a connection's secret refuses or cannot find.
//!
//! Nothing here ever sees a secret or a token.

pub mod admin;
pub mod app;
pub mod entra;
pub mod input;
pub mod network;
pub mod renewal;

/// A code, a plain-language detail and a concrete fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnosis {
    pub code: String,
    pub detail: String,
    pub fix: Option<String>,
}

impl Diagnosis {
    pub fn new(code: impl Into<String>, detail: impl Into<String>, fix: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }
}

/// Facts the texts mention, none of them secret.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub application_id: String,
    pub tenant: String,
    pub instance_url: String,
    pub cloud: &'static str,
}

/// Where in the Power Platform admin center application users are managed.
const APP_USERS: &str = "In the Power Platform admin center open Environments → your environment → Settings → \
Users + permissions → Application users";
