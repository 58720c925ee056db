//! The app's own AI usage: every model call it makes, with tokens or images and time. It is the
//! app's own AI spend, which the AI cost page shows beside the provider's bill.

use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
pub mod store;

/// Tokens of one chat call, as the provider reported them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenUsage {
    pub prompt_tokens: u32,
    pub completion_tokens: u32,
    pub total_tokens: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    Ok,
    /// The answer broke off; tokens may have been spent.
    Incomplete,
    Failed,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Incomplete => "incomplete",
            Outcome::Failed => "failed",
        }
    }
}
