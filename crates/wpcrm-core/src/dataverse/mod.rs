//! The Dataverse Web API v9.2, one client for everything the engine asks of an environment:
//! verification's reads with the site's token, and the administration provisioning does with the
//! admin's (<https://learn.microsoft.com/power-apps/developer/data-platform/webapi/overview>).
//!
//! [`client`] sends and reads; the operations are grouped by what they touch: [`users`] (WhoAmI,
//! application users and their roles), [`roles`] (business units, roles and their privileges),
//! [`metadata`] (table definitions), [`records`] (table rows). [`codes`] names the error codes the
//! engine branches on, and [`privilege_message`] reads the missing-privilege message.

pub mod client;
pub mod codes;
pub mod metadata;
pub mod privilege_message;
pub mod records;
pub mod roles;
pub mod users;

pub use client::Dataverse;
