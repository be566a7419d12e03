//! The Dataverse Web API: a small client, its errors, and the missing-privilege message parser.
//! (`admin.rs`, the application-user and role administration, belongs to the provisioning work.)

pub mod client;
pub mod error;
pub mod privilege_message;

pub use client::DataverseClient;
pub use error::{codes, DataverseError};
