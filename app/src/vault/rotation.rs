//! Which keys `suanpan rotate-key` goes from and to, and the key file around its transaction.
//!
//! From: `SUANPAN_SECRET_KEY` when set, else the key file. To: `SUANPAN_NEW_SECRET_KEY` when set
//! (it must be strong); else, when the current key is the key file, a newly generated key that
//! replaces the file. The new key file is written beside the old one (`secret.key.new`) before the
//! transaction and renamed over it after the commit, so no value is ever sealed under a key that
//! exists nowhere; a start-up finds a rename left undone and finishes or drops it
//! (`keyfile::load_key`). With environment keys the operator switches `SUANPAN_SECRET_KEY` to
//! the new value afterwards.

use std::path::{Path, PathBuf};

use super::keyfile::{generate_key, read_key_file, write_key_file, KeyError, KEY_FILE, KEY_VAR, NEW_KEY_FILE};
use super::strength::{check_strength, Weakness};
use super::Vault;
use crate::secret::Secret;

pub const NEW_KEY_VAR: &str = "SUANPAN_NEW_SECRET_KEY";

#[derive(Debug, thiserror::Error)]
pub enum RotationError {
    #[error("no current key: SUANPAN_SECRET_KEY is not set and there is no key file {}", .0.display())]
    NoCurrentKey(PathBuf),
    #[error("SUANPAN_SECRET_KEY is set: give the new key in SUANPAN_NEW_SECRET_KEY")]
    NoNewKey,
    #[error("SUANPAN_NEW_SECRET_KEY is too weak: {0}")]
    WeakNewKey(Weakness),
    #[error("the new key is the current key (key id {0})")]
    SameKey(String),
    #[error(transparent)]
    Key(#[from] KeyError),
}

/// What happens to the key file once the values are re-encrypted.
#[derive(Debug)]
enum AfterCommit {
    Nothing,
    /// Rename the staged new key file over the key file.
    Replace { staged: PathBuf, target: PathBuf },
    /// The new key is the environment's: the old key file opens nothing any more.
    Remove(PathBuf),
}

/// A rotation about to happen: re-encrypt every stored value from `from` to `to`, then
/// [`RotationPlan::finish`] (or [`RotationPlan::abandon`] when the transaction failed).
#[derive(Debug)]
pub struct RotationPlan {
    pub from: Vault,
    pub to: Vault,
    after: AfterCommit,
}

/// Plans a rotation in `data_dir` from the current key (`current_env` or the key file) to
/// `new_env` or a generated one. A generated key is already written to `secret.key.new`.
pub fn plan(data_dir: &Path, current_env: Option<&Secret>, new_env: Option<&Secret>) -> Result<RotationPlan, RotationError> {
    if let Some(new) = new_env {
        check_strength(new.expose()).map_err(RotationError::WeakNewKey)?;
    }
    let key_file = data_dir.join(KEY_FILE);
    let (from, from_file) = match current_env {
        Some(key) => (Vault::derive(key), false),
        None => {
            let key = read_key_file(&key_file)?.ok_or_else(|| RotationError::NoCurrentKey(key_file.clone()))?;
            (Vault::derive(&key), true)
        }
    };
    let (to, after) = match (new_env, from_file) {
        (Some(new), false) => (Vault::derive(new), AfterCommit::Nothing),
        (Some(new), true) => (Vault::derive(new), AfterCommit::Remove(key_file)),
        (None, true) => {
            let key = generate_key();
            let staged = data_dir.join(NEW_KEY_FILE);
            write_key_file(&staged, &key, true)?;
            (Vault::derive(&key), AfterCommit::Replace { staged, target: key_file })
        }
        (None, false) => return Err(RotationError::NoNewKey),
    };
    if from.key_id() == to.key_id() {
        return Err(RotationError::SameKey(to.key_id().to_string()));
    }
    Ok(RotationPlan { from, to, after })
}

impl RotationPlan {
    /// After the commit: puts the new key file in place (or removes the old one). Answers what
    /// the operator should know.
    pub fn finish(self) -> Result<String, KeyError> {
        let file_error = |path: &Path, source| KeyError::File { path: path.to_path_buf(), source };
        Ok(match self.after {
            AfterCommit::Nothing => format!("set {KEY_VAR} to the value of {NEW_KEY_VAR} before the next start"),
            AfterCommit::Replace { staged, target } => {
                std::fs::rename(&staged, &target).map_err(|e| file_error(&staged, e))?;
                format!("the key file {} holds the new key", target.display())
            }
            AfterCommit::Remove(path) => {
                std::fs::remove_file(&path).map_err(|e| file_error(&path, e))?;
                format!("removed the old key file {}; set {KEY_VAR} to the value of {NEW_KEY_VAR} before the next start", path.display())
            }
        })
    }

    /// The transaction failed: nothing changed, the staged key file (if any) goes.
    pub fn abandon(self) {
        if let AfterCommit::Replace { staged, .. } = self.after {
            let _ = std::fs::remove_file(staged);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vault::keyfile::load_key;

    const OLD: &str = "q3VZ8d0cJtX1r9mYbE2kLh7uPw5sNf4A";
    const NEW: &str = "Zx8Wq2Lm5Nb7Vc1Kj4Hg6Fd9Sa3Pt0Ry";

    #[test]
    fn environment_keys_go_from_the_old_to_the_new_variable() {
        let dir = tempfile::tempdir().unwrap();
        let p = plan(dir.path(), Some(&Secret::new(OLD)), Some(&Secret::new(NEW))).unwrap();
        assert_eq!(p.from.key_id(), Vault::derive(&Secret::new(OLD)).key_id());
        assert_eq!(p.to.key_id(), Vault::derive(&Secret::new(NEW)).key_id());
        assert!(p.finish().unwrap().contains("SUANPAN_SECRET_KEY"));
        assert!(matches!(plan(dir.path(), Some(&Secret::new(OLD)), None), Err(RotationError::NoNewKey)));
        assert!(matches!(plan(dir.path(), Some(&Secret::new(OLD)), Some(&Secret::new("changeme"))), Err(RotationError::WeakNewKey(_))));
        assert!(matches!(plan(dir.path(), Some(&Secret::new(OLD)), Some(&Secret::new(OLD))), Err(RotationError::SameKey(_))));
        assert!(matches!(plan(dir.path(), None, None), Err(RotationError::NoCurrentKey(_))));
    }

    #[test]
    fn the_key_file_is_replaced_only_after_the_commit() {
        let dir = tempfile::tempdir().unwrap();
        let addr = "127.0.0.1:3000".parse().unwrap();
        let (old, _) = load_key(addr, dir.path(), None, &[]).unwrap();
        let p = plan(dir.path(), None, None).unwrap();
        assert_eq!(p.from.key_id(), old.key_id());
        let new_id = p.to.key_id().to_string();
        // Before the commit the old file is still the key file.
        assert_eq!(Vault::derive(&read_key_file(&dir.path().join(KEY_FILE)).unwrap().unwrap()).key_id(), old.key_id());
        p.finish().unwrap();
        assert!(!dir.path().join(NEW_KEY_FILE).exists());
        let (now, _) = load_key(addr, dir.path(), None, &[new_id.clone()]).unwrap();
        assert_eq!(now.key_id(), new_id);
        // An abandoned rotation leaves the key file as it was.
        let p = plan(dir.path(), None, None).unwrap();
        p.abandon();
        assert!(!dir.path().join(NEW_KEY_FILE).exists());
        assert_eq!(load_key(addr, dir.path(), None, &[new_id.clone()]).unwrap().0.key_id(), new_id);
    }
}
