//! Secrets as types: values that must never reach a log line, an error message or a GraphQL
//! response. `Debug` and `Display` print `[redacted]`; the value is reached only through
//! `expose()`, which makes every use easy to find in review.

use std::fmt;
use std::str::FromStr;

macro_rules! secret_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash)]
        pub struct $name(String);

        impl $name {
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            /// The secret value itself; call only where it goes on the wire or into the store.
            pub fn expose(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "([redacted])"))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("[redacted]")
            }
        }

        impl FromStr for $name {
            type Err = std::convert::Infallible;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(Self(s.to_owned()))
            }
        }
    };
}

secret_type!(
    /// The OAuth client secret registered in Zoho's API console.
    ClientSecret
);
secret_type!(
    /// A Zoho access token (`Zoho-oauthtoken` header value), valid about an hour.
    AccessToken
);
secret_type!(
    /// A Zoho refresh token; it never expires until revoked, so it is the most valuable secret we hold.
    RefreshToken
);
secret_type!(
    /// A single-use authorization code from Zoho's redirect.
    AuthCode
);
secret_type!(
    /// The session id held in the browser's cookie. The store keeps only its SHA-256 hash.
    SessionId
);
secret_type!(
    /// The OAuth `state` value; the store keeps only its hash.
    StateToken
);

/// A fresh 256-bit random value, URL-safe base64 without padding.
pub fn random_token() -> String {
    use base64::Engine as _;
    use rand::RngCore as _;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// SHA-256 of a secret, hex-encoded: what the store keeps for session ids and states, so a
/// leaked database does not hand out live sessions.
pub fn hash(secret: &str) -> String {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(secret.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let t = AccessToken::new("1000.abcdef");
        assert_eq!(format!("{t}"), "[redacted]");
        assert_eq!(format!("{t:?}"), "AccessToken([redacted])");
        assert!(!format!("{:?}", Some(&t)).contains("abcdef"));
    }

    #[test]
    fn random_tokens_are_long_and_distinct() {
        let a = random_token();
        let b = random_token();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(hash("x").len(), 64);
        assert_ne!(hash(&a), a);
    }
}
