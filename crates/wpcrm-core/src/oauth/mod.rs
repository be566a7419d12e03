//! OAuth 2.0 grants against the Microsoft identity platform.
//!
//! Provisioning's admin sign-in lives here: the device authorization grant ([`device_code`]) and
//! the refresh-token grant ([`refresh`]) that turns one sign-in into Graph, discovery and Dataverse
//! tokens.

pub mod device_code;
pub mod refresh;
