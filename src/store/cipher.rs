//! Tokens at rest are sealed with AES-256-GCM: a copied database file or backup yields no usable
//! Zoho token without the key. Each value gets a fresh random 96-bit nonce; the stored form is
//! `v1:` + base64(nonce ‖ ciphertext ‖ tag).

use std::path::Path;

use aes_gcm::aead::{Aead as _, KeyInit as _};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use rand::RngCore as _;

use super::StoreError;

const PREFIX: &str = "v1:";

pub struct TokenCipher {
    aead: Aes256Gcm,
}

impl TokenCipher {
    /// From 32 key bytes.
    pub fn new(key: &[u8; 32]) -> Self {
        Self { aead: Aes256Gcm::new(&Key::<Aes256Gcm>::from(*key)) }
    }

    /// From `GATEWAY_TOKEN_KEY`: 32 bytes, base64.
    pub fn from_base64(encoded: &str) -> Result<Self, String> {
        let bytes = B64.decode(encoded.trim()).map_err(|_| "GATEWAY_TOKEN_KEY must be base64".to_owned())?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| "GATEWAY_TOKEN_KEY must decode to 32 bytes".to_owned())?;
        Ok(Self::new(&key))
    }

    /// A throwaway key, for stores that do not outlive the process.
    pub fn ephemeral() -> Self {
        let mut key = [0u8; 32];
        rand::rng().fill_bytes(&mut key);
        Self::new(&key)
    }

    /// The key kept in `path`, created on first use with permissions 0600.
    pub fn from_key_file(path: &Path) -> Result<Self, StoreError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Self::from_base64(&text).map_err(|e| StoreError::Key(format!("{}: {e}", path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut key = [0u8; 32];
                rand::rng().fill_bytes(&mut key);
                write_private(path, B64.encode(key).as_bytes())?;
                tracing::info!(path = %path.display(), "generated the token encryption key file");
                Ok(Self::new(&key))
            }
            Err(e) => Err(StoreError::Io(e)),
        }
    }

    pub fn seal(&self, plaintext: &str) -> String {
        let mut nonce = [0u8; 12];
        rand::rng().fill_bytes(&mut nonce);
        // Encryption with a valid key and nonce cannot fail for inputs of this size.
        let sealed = self.aead.encrypt(&Nonce::from(nonce), plaintext.as_bytes()).unwrap_or_default();
        let mut out = Vec::with_capacity(12 + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        format!("{PREFIX}{}", B64.encode(out))
    }

    pub fn open(&self, stored: &str) -> Result<String, StoreError> {
        let body = stored.strip_prefix(PREFIX).ok_or_else(|| StoreError::Key("a stored token is not sealed".into()))?;
        let bytes = B64.decode(body).map_err(|_| StoreError::Key("a sealed token is not base64".into()))?;
        if bytes.len() < 12 + 16 {
            return Err(StoreError::Key("a sealed token is too short".into()));
        }
        let (nonce, sealed) = bytes.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().map_err(|_| StoreError::Key("a sealed token is too short".into()))?;
        let plain = self
            .aead
            .decrypt(&Nonce::from(nonce), sealed)
            .map_err(|_| StoreError::Key("a sealed token does not open with this key (GATEWAY_TOKEN_KEY changed?)".into()))?;
        String::from_utf8(plain).map_err(|_| StoreError::Key("a sealed token is not text".into()))
    }
}

fn write_private(path: &Path, contents: &[u8]) -> Result<(), StoreError> {
    use std::io::Write as _;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(contents)?;
    file.sync_all()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_and_opens_with_fresh_nonces() {
        let c = TokenCipher::ephemeral();
        let a = c.seal("1000.refresh.token");
        let b = c.seal("1000.refresh.token");
        assert_ne!(a, b);
        assert!(!a.contains("refresh"));
        assert_eq!(c.open(&a).unwrap(), "1000.refresh.token");
        assert!(TokenCipher::ephemeral().open(&a).is_err(), "another key cannot open it");
        let mut tampered = a.clone();
        tampered.pop();
        tampered.push('A');
        assert!(c.open(&tampered).is_err() || tampered == a);
    }

    #[test]
    fn key_file_is_created_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gw.key");
        let sealed = TokenCipher::from_key_file(&path).unwrap().seal("x");
        assert_eq!(TokenCipher::from_key_file(&path).unwrap().open(&sealed).unwrap(), "x");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        assert!(TokenCipher::from_base64("c2hvcnQ=").is_err());
    }
}
