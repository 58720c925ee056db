//! Types shared by the browser and the server.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ai_usage::TokenUsage;
use crate::error::AppError;

/// Who answers model calls in this deployment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AiSource {
    /// The real DashScope service (`DASHSCOPE_API_KEY` is set).
    DashScope,
    /// The project's local simulator: no key configured, demo mode.
    Simulator,
    /// Neither: the page explains how to configure.
    NotConfigured,
}

/// A complete, stored insight.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Insight {
    pub text: String,
    pub model: String,
    pub prompt_version: String,
    pub created_at: DateTime<Utc>,
    pub tokens: TokenUsage,
    pub simulated: bool,
    /// Rows of the analysis the prompt carried, out of how many.
    pub rows_in_prompt: u32,
    pub rows_total: u32,
}

/// What the insight panel needs when the page opens.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InsightView {
    pub source: AiSource,
    pub model: String,
    pub cached: Option<Insight>,
}

/// One line of the answer stream (newline-delimited JSON).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum InsightEvent {
    Started { model: String, simulated: bool, from_cache: bool },
    Delta { text: String },
    /// The answer is complete and stored.
    Done { insight: Insight },
    /// Nothing more will come. `partial`: text arrived before the failure and is not cached.
    Failed { error: AppError, partial: bool },
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ndjson::{to_line, LineDecoder};

    #[test]
    fn decoder_survives_chunks_cut_inside_characters() {
        let events = vec![
            InsightEvent::Started { model: "qwen-max".into(), simulated: true, from_cache: false },
            InsightEvent::Delta { text: "热销商品集中在".into() },
            InsightEvent::Delta { text: "“USB 礼品”类。\n".into() },
        ];
        let bytes: Vec<u8> = events.iter().flat_map(to_line).collect();
        for cut in 1..bytes.len() {
            let mut d = LineDecoder::<InsightEvent>::default();
            let mut got: Vec<InsightEvent> = d.push(&bytes[..cut]).into_iter().map(Result::unwrap).collect();
            got.extend(d.push(&bytes[cut..]).into_iter().map(Result::unwrap));
            assert_eq!(got, events, "cut at {cut}");
            assert!(!d.has_leftover());
        }
    }

    #[test]
    fn a_cut_line_is_left_over() {
        let mut d = LineDecoder::<InsightEvent>::default();
        let line = to_line(&InsightEvent::Delta { text: "半句".into() });
        assert!(d.push(&line[..line.len() - 3]).is_empty());
        assert!(d.has_leftover());
        assert!(d.push(b"{oops}\n")[0].is_err());
    }
}
