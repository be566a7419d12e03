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
//! - [`least_privilege`]: the least-privilege audit of verification, and repair.
//! - [`renewal`]: what renewing a connection's secret refuses or cannot find.
//!
//! Nothing here ever sees a secret or a token.

pub mod admin;
pub mod app;
pub mod cloud;
pub mod entra;
pub mod input;
pub mod least_privilege;
pub mod network;
pub mod renewal;

pub use crate::report::Texts;

/// A code, a plain-language detail and a concrete fix, with what a translation of them needs.
///
/// Translations (`docs/verify.md`): the plugin renders the detail from the text id `texts.detail_id`
/// and the fix from `texts.fix_id` ([`Diagnosis::ids`]), filling placeholders from `texts.params`;
/// an entry records each value it interpolates with [`Diagnosis::param`] under the placeholder's
/// name. An entry without ids still works: the plugin shows its English.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnosis {
    pub code: String,
    pub detail: String,
    pub fix: Option<String>,
    /// Boxed: a `Diagnosis` travels in `Err` variants.
    pub texts: Box<Texts>,
}

impl Diagnosis {
    pub fn new(code: impl Into<String>, detail: impl Into<String>, fix: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            detail: detail.into(),
            fix: Some(fix.into()),
            texts: Box::default(),
        }
    }

    /// Records the named value `name` the texts use.
    pub fn param(mut self, name: &str, value: impl ToString) -> Self {
        self.texts.set(name, value);
        self
    }

    /// Names the fix's text only (the detail is free text, such as a service's own message).
    pub fn fix_id(mut self, id: &str) -> Self {
        self.texts.fix_id = Some(id.to_owned());
        self
    }

    /// Names the detail's and the fix's texts (for an AADSTS entry, both are its code).
    pub fn ids(mut self, detail_id: &str, fix_id: &str) -> Self {
        self.texts.detail_id = Some(detail_id.to_owned());
        self.texts.fix_id = Some(fix_id.to_owned());
        self
    }
}

/// A phrase a text embeds (what was being done, a hint), with its own text id and values, so a
/// translation can render it too: the diagnosis records it as the parameter `name` (English) and
/// `name_id` (its text id), and merges its values (`docs/verify.md`, "Translations"). A plain
/// `&str` is a phrase without an id, shown in English.
#[derive(Debug, Clone, Default)]
pub struct Phrase {
    pub english: String,
    pub id: Option<String>,
    pub params: crate::report::Params,
}

impl Phrase {
    pub fn new(id: &str, english: impl Into<String>) -> Self {
        Self {
            english: english.into(),
            id: Some(id.to_owned()),
            params: Default::default(),
        }
    }

    /// Records the named value `name` the phrase uses.
    pub fn param(mut self, name: &str, value: impl ToString) -> Self {
        self.params.insert(name.to_owned(), value.to_string());
        self
    }
}

impl From<&str> for Phrase {
    fn from(english: &str) -> Self {
        Self {
            english: english.to_owned(),
            ..Self::default()
        }
    }
}

impl From<&String> for Phrase {
    fn from(english: &String) -> Self {
        Self::from(english.as_str())
    }
}

impl Diagnosis {
    /// Records `phrase` as the parameter `name` (and `name_id`), with its values.
    pub fn phrase(mut self, name: &str, phrase: &Phrase) -> Self {
        self.texts.set(name, &phrase.english);
        if let Some(id) = &phrase.id {
            self.texts.set(&format!("{name}_id"), id);
        }
        for (k, v) in &phrase.params {
            self.texts.params.entry(k.clone()).or_insert_with(|| v.clone());
        }
        self
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
