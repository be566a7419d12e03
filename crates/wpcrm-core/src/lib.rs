//! The wpcrm engine: everything the PHP extension does, without PHP.
//!
//! It verifies a Dataverse connection (`verify`) and provisions one (`provision`): Entra ID sign-in,
//! Microsoft Graph app registration, the Dataverse application user and its roles. The extension
//! (`src/` at the workspace root) only converts PHP values to the types in [`api`] and back.
//!
//! Reading order: [`api`] (what goes in and out), [`engine`] (runtime, transport, deadlines), then
//! [`verify`] and [`provision`]. Protocol clients live in [`oauth`], [`graph`], [`dataverse`] and
//! [`discovery`]; they share the HTTP seam in [`http`] and the cloud table in [`cloud`].

pub mod api;
pub mod challenge;
pub mod clock;
pub mod cloud;
pub mod context;
pub mod dataverse;
pub mod deadline;
pub mod diagnosis;
pub mod discovery;
pub mod engine;
pub mod graph;
pub mod http;
pub mod ids;
pub mod instance_url;
pub mod oauth;
pub mod provision;
pub mod report;
pub mod secret;
pub mod service;
pub mod verify;

pub use api::{ConnectionInput, ProvisionRequest, TableRequest, VerifyOptions};
pub use engine::{Engine, EngineConfig};
pub use report::VerifyReport;
pub use secret::{AccessToken, ClientSecret, DeviceCode, RefreshToken};

/// Version of the engine, reported in phpinfo and in the User-Agent.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
