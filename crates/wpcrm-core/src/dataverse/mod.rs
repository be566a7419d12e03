//! The Dataverse Web API: a small client, its errors, and the missing-privilege message parser;
//! `admin` is the application-user and role administration provisioning does.

pub mod admin;
pub mod client;
pub mod error;
pub mod privilege_message;

pub use client::DataverseClient;
pub use error::{codes, DataverseError};
