//! The Dataverse Web API.

pub mod admin;
