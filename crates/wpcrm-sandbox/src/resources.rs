//! The resource (audience) ids of the Microsoft services the sandbox emulates, as they appear in
//! scopes (`{resource}/.default`), in the `aud` claim of the tokens it issues and in challenges.

/// Microsoft Graph's resource URI.
pub const GRAPH: &str = "https://graph.microsoft.com";
/// Microsoft Graph's well-known application (client) id, also accepted as its resource id.
pub const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";
/// The Global Discovery Service's resource URI.
pub const DISCO: &str = "https://globaldisco.crm.dynamics.com";
