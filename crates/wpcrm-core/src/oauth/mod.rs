//! OAuth 2.0 against Entra ID: the token endpoint, client credentials and the token cache, and
//! provisioning's admin sign-in: the device authorization grant ([`device_code`]) and the
//! refresh-token grant ([`refresh`]) that turns one sign-in into Graph, discovery and Dataverse
//! tokens.

pub mod client_credentials;
pub mod device_code;
pub mod refresh;
pub mod token_cache;
pub mod token_endpoint;

pub use client_credentials::{acquire, acquire_cached, ClientCredentials};
pub use token_cache::{CacheKey, CachedToken, TokenCache};
pub use token_endpoint::{request_token, TokenResponse};
