//! The model services the insight and image features share: the client (to the configured
//! DashScope endpoint, or none) and the settings of its use. The composition root builds them
//! from the configuration.

use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::Semaphore;

use crate::dashscope::DashScopeClient;
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
