//! The one resettable store: the whole emulated world (tenant, directory, environments), the
//! control-plane state (config, faults, request log) and the in-flight OAuth state (device codes,
//! refresh tokens). It lives behind one `Mutex` in `Shared`; handlers are synchronous functions over
//! `&mut World`, so no lock is ever held across an await.

//!
//! Layout: `model` (the directory and environment entities), `control` (runtime config, injected
//! faults, request log), `world` (the world itself, its lookups and device-code approvals),
//! `seeding` (building a world from the seed), `sign_in` (authorization codes and planted sign-in
//! policies).

mod control;
mod model;
mod seeding;
mod sign_in;
mod world;

pub use control::{AppUserLag, Config, Fault, FaultKind, GraphUpsert, LogEntry, NoRoleRefusal, SecretPolicy};
pub use model::*;
pub use sign_in::{AuthCode, Flow, SignInPolicy, Variant};
pub use world::{approve, default_admin, normalize_user_code, InFlightCount, World};
