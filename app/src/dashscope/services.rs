//! The model services the insight and image features share: the client (to the configured
//! DashScope endpoint, or none) and the settings of its use.

use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::Semaphore;

use super::{DashScopeClient, DashScopeError, DashScopeRetryPolicy};
use crate::config::AiConfig;
use crate::limits::CallLimits;

#[derive(Clone)]
pub struct AiServices {
    /// None when no key is configured (and the composition root did not set the simulator's).
    pub client: Option<DashScopeClient>,
    pub chat_model: String,
    pub image_model: String,
    pub insight_token_budget: usize,
    pub image_timeout: std::time::Duration,
    /// Wanx allows 2 concurrent tasks per account (docs/providers.md, "DashScope").
    pub image_slots: Arc<Semaphore>,
    /// Where downloaded images are kept: `<data dir>/media/bundle-images`.
    pub image_dir: PathBuf,
    /// How often each client may call the model and generate images.
    pub limits: CallLimits,
}

impl AiServices {
    pub fn start(config: &AiConfig, data_dir: &std::path::Path) -> Result<Self, DashScopeError> {
        let client = match &config.api_key {
            Some(key) => {
                let mut client = DashScopeClient::new(config.base_url.clone(), key.clone(), config.simulated)?;
                if let Some(poll_start) = config.poll_start {
                    client = client.with_retry(DashScopeRetryPolicy { poll_start, ..Default::default() });
                }
                Some(client)
            }
            None => None,
        };
        Ok(AiServices {
            client,
            chat_model: config.chat_model.clone(),
            image_model: config.image_model.clone(),
            insight_token_budget: config.insight_token_budget,
            image_timeout: config.image_timeout,
            image_slots: Arc::new(Semaphore::new(2)),
            image_dir: data_dir.join("media").join("bundle-images"),
            limits: CallLimits::new(config.insight_limit, config.image_limit),
        })
    }
}
