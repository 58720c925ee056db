//! The model list of the OpenAI-compatible endpoint (`GET compatible-mode/v1/models`, the OpenAI
//! "list models" shape): the cheapest authenticated call there is (no tokens billed), used by the
//! settings page to test a key and endpoint.

use serde::Deserialize;

use super::error::retry_after;
use super::{DashScopeClient, DashScopeError};

const PATH: &str = "compatible-mode/v1/models";

#[derive(Deserialize)]
struct ModelList {
    data: Vec<ModelEntry>,
}

#[derive(Deserialize)]
struct ModelEntry {
    id: String,
}

impl DashScopeClient {
    /// The ids of the models this key may use. One attempt: a test should show the first answer.
    pub async fn list_models(&self) -> Result<Vec<String>, DashScopeError> {
        let url = self.url(PATH)?;
        let resp = self.authorized(self.http.get(url)).send().await.map_err(DashScopeError::from_reqwest)?;
        let status = resp.status().as_u16();
        let hint = retry_after(resp.headers());
        let bytes = resp.bytes().await.map_err(DashScopeError::from_reqwest)?;
        if status != 200 {
            return Err(self.refused(status, hint, &bytes));
        }
        let list: ModelList = serde_json::from_slice(&bytes).map_err(|e| DashScopeError::Malformed(format!("model list is not the expected JSON ({e})")))?;
        Ok(list.data.into_iter().map(|m| m.id).collect())
    }
}
