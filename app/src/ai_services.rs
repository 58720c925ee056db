//! The model services the insight and image features share: the client (to the configured
//! DashScope endpoint, or none) and the settings of its use. The composition root builds them
//! from the configuration; a DashScope key saved on the settings page replaces the client
//! ([`AiServices::set_client`]) and the next model call uses it, without a restart.

use std::path::PathBuf;
use std::sync::{Arc, PoisonError, RwLock};

use tokio::sync::Semaphore;

use crate::dashscope::DashScopeClient;
use crate::limits::CallLimits;

#[derive(Clone)]
pub struct AiServices {
    /// The client in use: None when no key is configured (and the composition root did not set
    /// the simulator's). Shared by every clone, so a swap reaches every feature at once.
    pub client_slot: Arc<RwLock<Option<DashScopeClient>>>,
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
    /// The client the next model call uses (a cheap clone: its HTTP client is shared).
    pub fn client(&self) -> Option<DashScopeClient> {
        self.client_slot.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Replaces the client for every later call; calls already running finish on the old one.
    pub fn set_client(&self, client: Option<DashScopeClient>) {
        *self.client_slot.write().unwrap_or_else(PoisonError::into_inner) = client;
    }
}
