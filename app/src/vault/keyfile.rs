//! Where the key comes from at start-up, and the production rule. `SUANPAN_SECRET_KEY` when set;
//! without it, on localhost only, a key file generated in the data folder (owner-only) and reused
//! on every later start. A server listening beyond localhost without a strong key refuses to
//! start: its stored credentials would be protected by a key lying next to them.

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use aes_gcm::aead::rand_core::RngCore;
use aes_gcm::aead::OsRng;
use base64::Engine;

use super::strength::{check_strength, Weakness};
use super::Vault;
use crate::secret::Secret;

pub const KEY_VAR: &str = "SUANPAN_SECRET_KEY";
/// The generated key, in the data folder.
pub const KEY_FILE: &str = "secret.key";
/// A rotation's new key file: written before its transaction, renamed over [`KEY_FILE`] after
/// the commit (so the new key exists on disk before any value is sealed under it).
pub const NEW_KEY_FILE: &str = "secret.key.new";

/// Where the key will come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeySource {
    /// `SUANPAN_SECRET_KEY`; `weak` is set when it fails the strength rule (allowed on localhost).
    Environment { weak: Option<Weakness> },
    /// The key file in the data folder (localhost without the variable).
    KeyFile,
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(
        "refusing to start: the server listens on {addr}, beyond localhost, and SUANPAN_SECRET_KEY is not set, so \
         stored credentials would have no secret key. Set SUANPAN_SECRET_KEY to a random value of at least 32 \
         characters (e.g. `openssl rand -base64 32`), or listen on 127.0.0.1"
    )]
    Missing { addr: SocketAddr },
    #[error(
        "refusing to start: the server listens on {addr}, beyond localhost, and SUANPAN_SECRET_KEY is too weak: \
         {weakness}. Set it to a random value (e.g. `openssl rand -base64 32`)"
    )]
    Weak { addr: SocketAddr, weakness: Weakness },
    #[error("key file {}: {source}", path.display())]
    File { path: PathBuf, source: std::io::Error },
    #[error("key file {} is empty or not text", .0.display())]
    BadFile(PathBuf),
}

/// The production rule: which key source a server listening on `addr` uses, or why it must not
/// start. Loopback addresses (127.0.0.0/8, ::1) are localhost; anything else, 0.0.0.0 included,
/// is reachable from elsewhere and needs a strong `SUANPAN_SECRET_KEY`.
pub fn decide(addr: SocketAddr, env_key: Option<&Secret>) -> Result<KeySource, KeyError> {
    let local = addr.ip().is_loopback();
    match env_key {
        Some(key) => match check_strength(key.expose()) {
            Ok(()) => Ok(KeySource::Environment { weak: None }),
            Err(weakness) if local => Ok(KeySource::Environment { weak: Some(weakness) }),
            Err(weakness) => Err(KeyError::Weak { addr, weakness }),
        },
        None if local => Ok(KeySource::KeyFile),
        None => Err(KeyError::Missing { addr }),
    }
}

/// How the key was found, for the start-up log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyOrigin {
    Environment,
    KeyFileCreated(PathBuf),
    KeyFileReused(PathBuf),
}

/// The vault for a server listening on `addr` (see [`decide`]), and where its key came from; the
/// log says which (never the key). `stored_key_ids` are the key ids of the values in the store:
/// they finish a rotation that stopped between its commit and renaming its new key file.
pub fn load_key(addr: SocketAddr, data_dir: &Path, env_key: Option<&Secret>, stored_key_ids: &[String]) -> Result<(Vault, KeyOrigin), KeyError> {
    match decide(addr, env_key)? {
        KeySource::Environment { weak } => {
            let key = env_key.expect("decide answers Environment only with a key");
            let vault = Vault::derive(key);
            match weak {
                Some(w) => tracing::warn!(key_id = vault.key_id(), "{KEY_VAR} is weak ({w}): accepted because the server listens on localhost only"),
                None => tracing::info!(key_id = vault.key_id(), "stored secrets are sealed under {KEY_VAR}"),
            }
            Ok((vault, KeyOrigin::Environment))
        }
        KeySource::KeyFile => {
            let path = data_dir.join(KEY_FILE);
            finish_interrupted_rotation(data_dir, stored_key_ids)?;
            if let Some(key) = read_key_file(&path)? {
                let vault = Vault::derive(&key);
                tracing::info!(path = %path.display(), key_id = vault.key_id(), "{KEY_VAR} not set: stored secrets are sealed under the key file (localhost only)");
                return Ok((vault, KeyOrigin::KeyFileReused(path)));
            }
            let key = generate_key();
            write_key_file(&path, &key, false)?;
            let vault = Vault::derive(&key);
            tracing::warn!(
                path = %path.display(),
                key_id = vault.key_id(),
                "{KEY_VAR} not set: generated a key file (owner-only) to seal stored secrets; keep it with the data folder, set {KEY_VAR} before listening beyond localhost"
            );
            Ok((vault, KeyOrigin::KeyFileCreated(path)))
        }
    }
}

/// A new random key: 32 bytes from the operating system, as URL-safe base64 (43 characters).
pub fn generate_key() -> Secret {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    let key = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    bytes.fill(0);
    Secret::new(key)
}

/// The key in `path`, if the file exists; a file others may read is narrowed to its owner.
pub fn read_key_file(path: &Path) -> Result<Option<Secret>, KeyError> {
    let file_error = |source| KeyError::File { path: path.to_path_buf(), source };
    let text = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(file_error(e)),
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).map_err(file_error)?.permissions().mode();
        if mode & 0o077 != 0 {
            tracing::warn!(path = %path.display(), mode = format!("{:o}", mode & 0o777), "key file readable by others: narrowed to its owner (0600)");
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(file_error)?;
        }
    }
    let key = String::from_utf8(text).map_err(|_| KeyError::BadFile(path.to_path_buf()))?;
    let key = key.trim();
    if key.is_empty() {
        return Err(KeyError::BadFile(path.to_path_buf()));
    }
    Ok(Some(Secret::new(key)))
}

/// Writes `key` to `path`, readable and writable by the owner only (0600 from creation, never
/// wider for a moment); `replace` allows overwriting an existing file.
pub fn write_key_file(path: &Path, key: &Secret, replace: bool) -> Result<(), KeyError> {
    let file_error = |source| KeyError::File { path: path.to_path_buf(), source };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(file_error)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if replace {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(file_error)?;
    file.write_all(key.expose().as_bytes()).and_then(|()| file.write_all(b"\n")).and_then(|()| file.sync_all()).map_err(file_error)
}

/// A rotation writes [`NEW_KEY_FILE`], commits, then renames it over [`KEY_FILE`]. Found at
/// start-up, it means the rotation stopped after writing it: if the store's values are sealed
/// under it (or there are none), the commit happened and the rename is finished here; else the
/// transaction never committed and the file is removed.
fn finish_interrupted_rotation(data_dir: &Path, stored_key_ids: &[String]) -> Result<(), KeyError> {
    let staged = data_dir.join(NEW_KEY_FILE);
    let Some(key) = read_key_file(&staged)? else { return Ok(()) };
    let id = Vault::derive(&key).key_id().to_string();
    let file_error = |source| KeyError::File { path: staged.clone(), source };
    if stored_key_ids.is_empty() || stored_key_ids.contains(&id) {
        std::fs::rename(&staged, data_dir.join(KEY_FILE)).map_err(file_error)?;
        tracing::warn!(key_id = %id, "an interrupted key rotation had committed: its new key file is now the key file");
    } else {
        std::fs::remove_file(&staged).map_err(file_error)?;
        tracing::warn!(key_id = %id, "an interrupted key rotation had not committed: its new key file was removed");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(addr: &str) -> SocketAddr {
        addr.parse().unwrap()
    }

    const STRONG: &str = "q3VZ8d0cJtX1r9mYbE2kLh7uPw5sNf4A";

    #[test]
    fn beyond_localhost_a_strong_key_is_required() {
        for addr in ["0.0.0.0:3000", "192.168.1.20:80", "[::]:3000"] {
            assert!(matches!(decide(at(addr), None), Err(KeyError::Missing { .. })), "{addr}");
            let weak = decide(at(addr), Some(&Secret::new("changeme"))).unwrap_err();
            assert!(matches!(weak, KeyError::Weak { weakness: Weakness::Placeholder("changeme"), .. }), "{addr}");
            assert_eq!(decide(at(addr), Some(&Secret::new(STRONG))).unwrap(), KeySource::Environment { weak: None });
        }
        let message = decide(at("0.0.0.0:3000"), None).unwrap_err().to_string();
        assert!(message.contains("SUANPAN_SECRET_KEY") && message.contains("0.0.0.0:3000"), "{message}");
        let message = decide(at("0.0.0.0:3000"), Some(&Secret::new("short-key"))).unwrap_err().to_string();
        assert!(!message.contains("short-key"), "the key itself is never printed: {message}");
    }

    #[test]
    fn on_localhost_the_key_file_stands_in() {
        for addr in ["127.0.0.1:3000", "127.0.0.2:1", "[::1]:3000"] {
            assert_eq!(decide(at(addr), None).unwrap(), KeySource::KeyFile, "{addr}");
            assert_eq!(decide(at(addr), Some(&Secret::new("short"))).unwrap(), KeySource::Environment { weak: Some(Weakness::Short(5)) });
        }
    }

    #[test]
    fn the_key_file_is_created_owner_only_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let (first, origin) = load_key(at("127.0.0.1:3000"), dir.path(), None, &[]).unwrap();
        let path = dir.path().join(KEY_FILE);
        assert_eq!(origin, KeyOrigin::KeyFileCreated(path.clone()));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let content = std::fs::read_to_string(&path).unwrap();
        assert_eq!(check_strength(content.trim()), Ok(()));
        let (second, origin) = load_key(at("127.0.0.1:3000"), dir.path(), None, &[]).unwrap();
        assert_eq!(origin, KeyOrigin::KeyFileReused(path.clone()));
        assert_eq!(first.key_id(), second.key_id());
        // The environment's key wins over the file.
        let (env, origin) = load_key(at("127.0.0.1:3000"), dir.path(), Some(&Secret::new(STRONG)), &[]).unwrap();
        assert_eq!(origin, KeyOrigin::Environment);
        assert_ne!(env.key_id(), first.key_id());
    }

    #[cfg(unix)]
    #[test]
    fn a_key_file_others_can_read_is_narrowed() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(KEY_FILE);
        std::fs::write(&path, STRONG).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(read_key_file(&path).unwrap().unwrap().expose(), STRONG);
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }

    #[test]
    fn an_interrupted_rotation_is_finished_or_undone_by_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let (old, _) = load_key(at("127.0.0.1:3000"), dir.path(), None, &[]).unwrap();
        let new_key = generate_key();
        let new_id = Vault::derive(&new_key).key_id().to_string();
        // Committed: the store's values are under the new key.
        write_key_file(&dir.path().join(NEW_KEY_FILE), &new_key, false).unwrap();
        let (v, _) = load_key(at("127.0.0.1:3000"), dir.path(), None, &[new_id.clone()]).unwrap();
        assert_eq!(v.key_id(), new_id);
        assert!(!dir.path().join(NEW_KEY_FILE).exists());
        // Not committed: the values are still under the current key.
        write_key_file(&dir.path().join(NEW_KEY_FILE), &generate_key(), false).unwrap();
        let (v, _) = load_key(at("127.0.0.1:3000"), dir.path(), None, &[new_id.clone()]).unwrap();
        assert_eq!(v.key_id(), new_id);
        assert!(!dir.path().join(NEW_KEY_FILE).exists());
        assert_ne!(old.key_id(), new_id);
    }
}
