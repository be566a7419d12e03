//! Values that must never be printed: client secrets, tokens, device codes.
//!
//! Each is its own type with a redacting `Debug`, no `Display`, no `Serialize`, and memory that is
//! zeroed on drop. The value is reachable only through `secret()`, which is easy to grep for.

use std::fmt;
use zeroize::{Zeroize, ZeroizeOnDrop};

macro_rules! secret_string {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
        pub struct $name(String);

        impl $name {
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            /// The raw value.
            ///
            /// # Security
            /// Send it only to the service it belongs to. Never log it, never put it in an error
            /// message or a report.
            pub fn secret(&self) -> &str {
                &self.0
            }

            pub fn is_empty(&self) -> bool {
                self.0.is_empty()
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "([redacted])"))
            }
        }
    };
}

secret_string!(
    /// The **Value** of an Entra ID client secret (Graph's `secretText`), not its Secret ID.
    ClientSecret
);
secret_string!(
    /// A bearer access token for one resource.
    AccessToken
);
secret_string!(
    /// A refresh token from the admin's device-code sign-in.
    RefreshToken
);
secret_string!(
    /// The device code of a device authorization grant (the user code is not secret; this is).
    DeviceCode
);
secret_string!(
    /// A one-time authorization code from a pasted-back browser sign-in.
    AuthorizationCode
);
secret_string!(
    /// The PKCE `code_verifier` of a browser sign-in (RFC 7636): it never leaves the sealed state
    /// except in the one token request that redeems the authorization code.
    CodeVerifier
);

/// Serde adapters for the secret types, which deliberately implement neither trait: only the sealed
/// provisioning state, and the parsers of the answers that carry them, may name these.
pub mod serde_adapters {
    /// Serde adapters for the secret newtypes, which deliberately implement neither trait: only the
    /// sealed state may contain their values.
    macro_rules! secret_serde {
        ($mod_name:ident, $ty:ty) => {
            pub mod $mod_name {
                use serde::{Deserialize, Deserializer, Serializer};
                pub fn serialize<S: Serializer>(v: &$ty, s: S) -> Result<S::Ok, S::Error> {
                    s.serialize_str(v.secret())
                }
                pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<$ty, D::Error> {
                    Ok(<$ty>::new(String::deserialize(d)?))
                }
                pub mod opt {
                    use serde::{Deserialize, Deserializer, Serializer};
                    pub fn serialize<S: Serializer>(v: &Option<$ty>, s: S) -> Result<S::Ok, S::Error> {
                        match v {
                            Some(v) => s.serialize_some(v.secret()),
                            None => s.serialize_none(),
                        }
                    }
                    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<$ty>, D::Error> {
                        Ok(Option::<String>::deserialize(d)?.map(<$ty>::new))
                    }
                }
            }
        };
    }
    secret_serde!(ser_client_secret, crate::secret::ClientSecret);
    secret_serde!(ser_access_token, crate::secret::AccessToken);
    secret_serde!(ser_refresh_token, crate::secret::RefreshToken);
    secret_serde!(ser_device_code, crate::secret::DeviceCode);
    secret_serde!(ser_code_verifier, crate::secret::CodeVerifier);
    secret_serde!(ser_authorization_code, crate::secret::AuthorizationCode);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let s = ClientSecret::new("Sbx8Q~topsecret");
        let t = AccessToken::new("eyJhbGciOi.payload.sig");
        let printed = format!("{s:?} {t:?} {:?}", Some(&s));
        assert!(!printed.contains("topsecret"), "{printed}");
        assert!(!printed.contains("eyJ"), "{printed}");
        assert!(printed.contains("ClientSecret([redacted])"));
    }
}
