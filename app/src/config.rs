//! Server configuration from environment variables (the README's table lists each one).

use std::net::SocketAddr;
use std::path::PathBuf;

use crate::sales::model::Currency;
use crate::warehouse::config::DEFAULT_SEED;
use crate::warehouse::{WarehouseConfig, WarehouseError};

#[derive(Clone, Debug)]
pub struct AppConfig {
    /// `SUANPAN_ADDR`, default 127.0.0.1:3000 (localhost only).
    pub addr: SocketAddr,
    /// `SUANPAN_DATA_DIR`, default `./data`: the embedded databases live here.
    pub data_dir: PathBuf,
    /// `SUANPAN_WAREHOUSE_URL` (+ `SUANPAN_DEMO_SCALE`, `SUANPAN_DEMO_SEED` for the embedded one).
    pub warehouse: WarehouseConfig,
    /// `SUANPAN_WAREHOUSE_CURRENCY`, default USD (WideWorldImporters' currency).
    pub warehouse_currency: Currency,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{name}: {problem}")]
    Invalid { name: &'static str, problem: String },
    #[error(transparent)]
    Warehouse(#[from] WarehouseError),
}

impl AppConfig {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let invalid = |name: &'static str, problem: &str| ConfigError::Invalid { name, problem: problem.to_string() };
        let addr = match get("SUANPAN_ADDR") {
            Some(a) => a.parse().map_err(|_| invalid("SUANPAN_ADDR", "expected host:port, e.g. 127.0.0.1:3000"))?,
            None => SocketAddr::from(([127, 0, 0, 1], 3000)),
        };
        let data_dir = PathBuf::from(get("SUANPAN_DATA_DIR").unwrap_or_else(|| "data".into()));
        let scale = match get("SUANPAN_DEMO_SCALE") {
            Some(s) => s.parse::<u32>().ok().filter(|n| (1..=100).contains(n)).ok_or_else(|| invalid("SUANPAN_DEMO_SCALE", "a whole number from 1 to 100"))?,
            None => 1,
        };
        let seed = match get("SUANPAN_DEMO_SEED") {
            Some(s) => s.parse::<u64>().map_err(|_| invalid("SUANPAN_DEMO_SEED", "a whole number"))?,
            None => DEFAULT_SEED,
        };
        let warehouse = WarehouseConfig::parse(get("SUANPAN_WAREHOUSE_URL").as_deref(), &data_dir, scale, seed)?;
        let warehouse_currency = match get("SUANPAN_WAREHOUSE_CURRENCY").as_deref() {
            None | Some("USD") => Currency::Usd,
            Some("CNY") => Currency::Cny,
            Some(_) => return Err(invalid("SUANPAN_WAREHOUSE_CURRENCY", "USD or CNY")),
        };
        Ok(AppConfig { addr, data_dir, warehouse, warehouse_currency })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_serve_localhost_from_the_embedded_store() {
        let c = AppConfig::from_lookup(|_| None).unwrap();
        assert_eq!(c.addr.to_string(), "127.0.0.1:3000");
        assert!(matches!(c.warehouse, WarehouseConfig::Embedded { scale: 1, .. }));
        assert_eq!(c.warehouse_currency, Currency::Usd);
    }

    #[test]
    fn bad_values_name_the_variable() {
        let e = AppConfig::from_lookup(|n| (n == "SUANPAN_DEMO_SCALE").then(|| "0".to_string())).unwrap_err();
        assert!(e.to_string().starts_with("SUANPAN_DEMO_SCALE"));
    }
}
