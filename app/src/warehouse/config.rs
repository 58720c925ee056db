//! Which warehouse to use, read from `SUANPAN_WAREHOUSE_URL`.
//!
//! * unset or `embedded` — the SQLite default under the data folder, generated on first run;
//! * `sqlite:///abs/dir` or `sqlite:rel/dir` — an embedded warehouse in another folder;
//! * `mssql://user:password@host[:port]/Database?encrypt=…&trust_server_certificate=…` — SQL Server.
//!
//! SQL Server query options: `encrypt` = `required` (default; RDS for SQL Server supports TLS),
//! `on` (TLS when the server supports it), `off` (TLS for the login packet only); `trust_server_certificate` = `false`
//! (default) | `true` (self-signed, test servers only); `pool_max` (default 8);
//! `connect_timeout_s` (default 10); `query_timeout_s` (default 30).

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::WarehouseError;
use crate::secret::Secret;

#[derive(Clone, Debug, PartialEq)]
pub enum WarehouseConfig {
    Embedded { dir: PathBuf, scale: u32, seed: u64 },
    MsSql(MsSqlSettings),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TlsMode {
    Off,
    On,
    Required,
}

#[derive(Clone, Debug, PartialEq)]
pub struct MsSqlSettings {
    pub host: String,
    pub port: u16,
    pub database: String,
    pub user: String,
    pub password: Secret,
    pub tls: TlsMode,
    pub trust_server_certificate: bool,
    pub pool_max: u32,
    pub connect_timeout: Duration,
    pub query_timeout: Duration,
}

/// Default seed of the embedded data generator: the same demo data on every machine.
pub const DEFAULT_SEED: u64 = 20_160_531;

impl WarehouseConfig {
    /// `url`: the value of `SUANPAN_WAREHOUSE_URL` (None or empty → embedded under `data_dir`).
    pub fn parse(url: Option<&str>, data_dir: &Path, scale: u32, seed: u64) -> Result<Self, WarehouseError> {
        let url = url.map(str::trim).filter(|u| !u.is_empty() && *u != "embedded");
        let Some(url) = url else {
            return Ok(WarehouseConfig::Embedded { dir: data_dir.join("wwi"), scale, seed });
        };
        if let Some(rest) = url.strip_prefix("sqlite:") {
            let dir = rest.strip_prefix("//").unwrap_or(rest);
            if dir.is_empty() {
                return Err(WarehouseError::Config("sqlite: URL without a folder".into()));
            }
            return Ok(WarehouseConfig::Embedded { dir: PathBuf::from(dir), scale, seed });
        }
        if url.starts_with("mssql://") || url.starts_with("sqlserver://") {
            return parse_mssql(url).map(WarehouseConfig::MsSql);
        }
        Err(WarehouseError::Config(
            "SUANPAN_WAREHOUSE_URL must start with mssql://, sqlserver:// or sqlite:".into(),
        ))
    }
}

fn parse_mssql(raw: &str) -> Result<MsSqlSettings, WarehouseError> {
    // Never echo `raw` in an error: it holds the password.
    let bad = |what: &str| WarehouseError::Config(format!("SQL Server URL: {what}"));
    let url = url::Url::parse(raw).map_err(|e| bad(&format!("not a URL ({e})")))?;
    let host = url.host_str().filter(|h| !h.is_empty()).ok_or_else(|| bad("missing host"))?.to_string();
    let database = url.path().trim_start_matches('/').to_string();
    if database.is_empty() {
        return Err(bad("missing database name (…/WideWorldImporters)"));
    }
    let decode = |s: &str| {
        url::form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    let user = decode(url.username());
    if user.is_empty() {
        return Err(bad("missing user name"));
    }
    let password = Secret::new(decode(url.password().unwrap_or("")));
    let mut settings = MsSqlSettings {
        host,
        port: url.port().unwrap_or(1433),
        database,
        user,
        password,
        tls: TlsMode::Required,
        trust_server_certificate: false,
        pool_max: 8,
        connect_timeout: Duration::from_secs(10),
        query_timeout: Duration::from_secs(30),
    };
    for (key, value) in url.query_pairs() {
        let number = |max: u64| -> Result<u64, WarehouseError> {
            value
                .parse::<u64>()
                .ok()
                .filter(|n| (1..=max).contains(n))
                .ok_or_else(|| bad(&format!("{key} must be a whole number from 1 to {max}")))
        };
        match key.as_ref() {
            "encrypt" => {
                settings.tls = match value.as_ref() {
                    "required" | "true" => TlsMode::Required,
                    "on" => TlsMode::On,
                    "off" | "false" => TlsMode::Off,
                    _ => return Err(bad("encrypt must be required, on or off")),
                }
            }
            "trust_server_certificate" => {
                settings.trust_server_certificate = match value.as_ref() {
                    "true" => true,
                    "false" => false,
                    _ => return Err(bad("trust_server_certificate must be true or false")),
                }
            }
            "pool_max" => settings.pool_max = number(64)? as u32,
            "connect_timeout_s" => settings.connect_timeout = Duration::from_secs(number(300)?),
            "query_timeout_s" => settings.query_timeout = Duration::from_secs(number(3600)?),
            other => return Err(bad(&format!("unknown option {other}"))),
        }
    }
    Ok(settings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(url: &str) -> Result<WarehouseConfig, WarehouseError> {
        WarehouseConfig::parse(Some(url), Path::new("/data"), 1, DEFAULT_SEED)
    }

    #[test]
    fn unset_means_embedded_under_the_data_folder() {
        let c = WarehouseConfig::parse(None, Path::new("/data"), 1, 7).unwrap();
        assert_eq!(c, WarehouseConfig::Embedded { dir: PathBuf::from("/data/wwi"), scale: 1, seed: 7 });
    }

    #[test]
    fn mssql_url_with_rds_options() {
        let WarehouseConfig::MsSql(s) =
            parse("mssql://reader:p%40ss%3Aw@rm-x.sqlserver.rds.aliyuncs.com:3433/WideWorldImporters?encrypt=required&pool_max=4&query_timeout_s=5")
                .unwrap()
        else {
            panic!("expected SQL Server settings")
        };
        assert_eq!(s.host, "rm-x.sqlserver.rds.aliyuncs.com");
        assert_eq!(s.port, 3433);
        assert_eq!(s.database, "WideWorldImporters");
        assert_eq!(s.user, "reader");
        assert_eq!(s.password.expose(), "p@ss:w");
        assert_eq!(s.tls, TlsMode::Required);
        assert_eq!(s.pool_max, 4);
        assert_eq!(s.query_timeout, Duration::from_secs(5));
    }

    #[test]
    fn errors_never_contain_the_password() {
        for url in ["mssql://u:topsecret@h/db?pool_max=0", "mssql://u:topsecret@h/", "mssql://u:topsecret@h/db?x=1"] {
            let err = parse(url).unwrap_err().to_string();
            assert!(!err.contains("topsecret"), "{err}");
        }
        assert!(parse("postgres://x").is_err());
    }
}
