//! HMAC-SHA256 and SHA-256, as every scheme uses them.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut mac = new_hmac(key);
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// `hex(HMAC-SHA256(key, message))`: the signature every scheme writes.
pub(super) fn hmac_sha256_hex(key: &[u8], message: &[u8]) -> String {
    hex::encode(hmac_sha256(key, message))
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

fn new_hmac(key: &[u8]) -> Hmac<Sha256> {
    // HMAC takes keys of any length (long ones are hashed), so this cannot fail.
    <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC accepts keys of any length")
}

/// Compares `HMAC-SHA256(key, message)` with a claimed lowercase-hex signature in constant
/// time. A claim that is not hex simply does not match.
pub(super) fn hmac_sha256_matches(key: &[u8], message: &[u8], claimed_hex: &str) -> bool {
    hex::decode(claimed_hex).is_ok_and(|claimed| hmac_sha256_equals(key, message, &claimed))
}

/// Compares `HMAC-SHA256(key, message)` with claimed raw bytes in constant time.
pub(super) fn hmac_sha256_equals(key: &[u8], message: &[u8], claimed: &[u8]) -> bool {
    let mut mac = new_hmac(key);
    mac.update(message);
    mac.verify_slice(claimed).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_empty_body() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn hmac_comparison_rejects_non_hex_claims() {
        let good = hmac_sha256_hex(b"k", b"m");
        assert!(hmac_sha256_matches(b"k", b"m", &good));
        assert!(!hmac_sha256_matches(b"k", b"m", "zz"));
        assert!(!hmac_sha256_matches(b"k", b"n", &good));
    }
}
