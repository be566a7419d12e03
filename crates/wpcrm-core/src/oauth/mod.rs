//! OAuth 2.0 against Entra ID: the token endpoint, client credentials and the token cache.
//! (`device_code` and `refresh` belong to the provisioning work.)

pub mod client_credentials;
pub mod token_cache;
pub mod token_endpoint;

pub use client_credentials::{acquire, acquire_cached, ClientCredentials};
pub use token_cache::{CacheKey, CachedToken, TokenCache};
pub use token_endpoint::{post_form, AadError, TokenError, TokenResponse};
