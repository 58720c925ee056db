//! Local simulators of the providers' APIs (like LocalStack for AWS): the same endpoints, wire
//! formats, authentication checks and error bodies, with switches for latency and faults. Tests
//! and the embedded demo talk to them over real HTTP through the same clients as production.
//!
//! Behind the `simulators` feature (on by default; a production build may leave it out). Only the
//! composition root starts them ([`start_for`], called by `AppState`) and hands their URLs and
//! keys to the services as configuration; no product module imports this one.

pub mod art;
pub mod cloud;
mod control;

pub use control::Running;
pub mod dashscope;
pub mod feishu;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::billing::providers::AccountConfig;
use crate::config::AppConfig;
use crate::secret::Secret;

/// A random UUID-shaped id, as the providers' request and task ids look (upper case for Alibaba).
pub fn uuid_like(upper: bool) -> String {
    let n = rand::random::<u128>();
    let hex = if upper { format!("{n:032X}") } else { format!("{n:032x}") };
    format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..])
}

/// The simulators serving this process, kept so tests and the benchmark can drive them.
#[derive(Clone, Default)]
pub struct Simulators {
    /// The cloud billing simulator, when it serves the demo accounts.
    pub cloud: Option<Arc<cloud::CloudSim>>,
    /// The DashScope simulator, when no key is configured.
    pub dashscope: Option<Arc<dashscope::RunningSim>>,
    /// The Feishu webhook simulator, when no alert webhook is configured.
    pub feishu: Option<Arc<feishu::RunningFeishuSim>>,
}

/// The demo's cloud simulator seed: the same demo accounts and bills on every start.
const DEMO_SEED: u64 = 20_261_125;

/// Starts what the configuration leaves to the simulators and rewrites it to point at them: with
/// no DashScope key (and `SUANPAN_AI_SIMULATOR` on), a DashScope simulator and its key; with no
/// cloud accounts (and `SUANPAN_CLOUD_SIMULATOR` on), the cloud simulator's demo accounts, each
/// marked `simulated` so the pages can say so; with no alert webhook (and
/// `SUANPAN_FEISHU_SIMULATOR` on), a Feishu webhook simulator, its URL and its demo secret.
pub async fn start_for(config: &mut AppConfig) -> std::io::Result<Simulators> {
    let mut running = Simulators::default();
    if config.ai.api_key.is_none() && config.ai.simulator {
        // A fresh random key per process: the simulator checks it like the real service.
        let key = format!("sk-sim-{:032x}", rand::random::<u128>());
        let settings = dashscope::SimSettings {
            api_key: key.clone(),
            first_token_delay: config.ai.sim_first_token,
            token_delay: config.ai.sim_token,
            task_step: config.ai.sim_task_step,
            result_ttl: Duration::from_secs(24 * 3600),
        };
        let sim = dashscope::spawn(SocketAddr::from(([127, 0, 0, 1], 0)), settings).await?;
        tracing::info!(addr = %sim.addr, "DashScope simulator serving (no DASHSCOPE_API_KEY set)");
        config.ai.base_url = url::Url::parse(&format!("http://{}/", sim.addr)).map_err(|e| std::io::Error::other(e.to_string()))?;
        config.ai.api_key = Some(Secret::new(key));
        config.ai.simulated = true;
        // Poll a simulated task at the pace it moves (the SDK's 1 s suits the real one).
        config.ai.poll_start = Some((config.ai.sim_task_step / 3).clamp(Duration::from_millis(10), Duration::from_secs(1)));
        running.dashscope = Some(Arc::new(sim));
    }
    if config.alerts.webhook.is_none() && config.alerts.simulator {
        let sim = feishu::spawn(feishu::FeishuSimSettings::demo()).await?;
        let webhook = crate::feishu::FeishuWebhook::parse(&sim.webhook_url(), sim.secret().cloned())
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        tracing::info!(addr = %sim.addr, "Feishu webhook simulator serving (no SUANPAN_FEISHU_WEBHOOK set)");
        config.alerts.webhook = Some(webhook);
        config.alerts.simulated = true;
        running.feishu = Some(Arc::new(sim));
    }
    let billing = &mut config.billing;
    if billing.accounts.is_empty() && billing.simulator {
        let settings = cloud::CloudSimSettings {
            seed: DEMO_SEED,
            today: None,
            history_months: billing.history_months.max(1),
            latency: config.cloud_sim_latency,
            speedup: config.cloud_sim_speedup,
        };
        let sim = cloud::spawn(settings).await?;
        if let Some(n) = config.cloud_sim_hold_after {
            sim.control.hold_after(n);
        }
        for a in &sim.accounts {
            let Some(addr) = sim.endpoints.get(&a.provider) else { continue };
            let endpoint = url::Url::parse(&format!("http://{addr}/")).map_err(|e| std::io::Error::other(e.to_string()))?;
            billing.accounts.push(AccountConfig {
                provider: a.provider,
                name: a.name.clone(),
                display_name: a.display_name.clone(),
                endpoint,
                access_key_id: a.access_key_id.clone(),
                secret: a.secret.clone(),
                region: a.region.clone(),
                simulated: true,
            });
        }
        let ports: Vec<String> = sim.endpoints.iter().map(|(p, a)| format!("{}={a}", p.slug())).collect();
        tracing::info!(accounts = billing.accounts.len(), endpoints = %ports.join(","), "cloud billing simulator serving (no cloud credentials configured)");
        running.cloud = Some(Arc::new(sim));
    }
    Ok(running)
}
