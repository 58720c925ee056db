//! What the account pages show beside `auth`'s user and key views.

use serde::{Deserialize, Serialize};

/// A key just created: the whole key, shown once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedKey {
    pub id: i64,
    pub name: String,
    pub key: String,
}
