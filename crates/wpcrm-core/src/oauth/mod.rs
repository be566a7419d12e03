//! OAuth 2.0 against Entra ID: the token endpoint, client credentials and the token cache, and
//! provisioning's admin sign-in: the device authorization grant ([`device_code`]) and the
//! refresh-token grant ([`refresh`]) that turns one sign-in into Graph, discovery and Dataverse
//! tokens, the authorization-code grant with PKCE ([`auth_code`]) for where device code is blocked,
//! and what a refused user grant means ([`grant_error`]).

pub mod auth_code;
pub mod client_credentials;
pub mod device_code;
pub mod grant_error;
pub mod refresh;
pub mod token_cache;
pub mod token_endpoint;

pub use client_credentials::{acquire, acquire_cached, ClientCredentials};
pub use token_cache::{CacheKey, CachedToken, TokenCache};
pub use token_endpoint::{request_token, TokenResponse};
