//! Connections to SQL Server for a bb8 pool (bb8-tiberius pins tiberius 0.12, so this is ours).
//!
//! Connection failures do not reach `Pool::get` in bb8 0.9 (it waits for its timeout and says
//! only "timed out"); they go to the pool's error sink. [`FailureSink`] forwards them on a
//! broadcast channel so a waiting query can fail at once with the real reason.

use std::time::Duration;

use tiberius::error::{Error as TdsError, IoErrorKind};
use tiberius::{AuthMethod, Client, Config, EncryptionLevel};
use tokio::net::TcpStream;
use tokio::sync::broadcast;
use tokio_util::compat::{Compat, TokioAsyncWriteCompatExt};

use crate::warehouse::config::{MsSqlSettings, TlsMode};
use crate::warehouse::WarehouseError;

/// SQL Server error 18456: "Login failed for user '…'".
const LOGIN_FAILED: u32 = 18456;

pub type TdsClient = Client<Compat<TcpStream>>;

/// A pooled connection. `dirty` is set while a request is in flight and cleared when its result
/// has been read in full; a connection returned dirty (error, timeout, cancelled future) is
/// out of step with the server and the pool drops it.
pub struct TdsConnection {
    pub client: TdsClient,
    pub dirty: bool,
}

/// Why a connection could not be opened. Clone (it is broadcast to every waiting query) and free
/// of secrets by construction: built only from the address, the user name and server messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConnectFailure {
    Unreachable(String),
    /// The connect timeout, in seconds.
    Timeout(u64),
}

impl From<ConnectFailure> for WarehouseError {
    fn from(f: ConnectFailure) -> Self {
        match f {
            ConnectFailure::Unreachable(why) => WarehouseError::Unreachable(why),
            ConnectFailure::Timeout(secs) => WarehouseError::Timeout(secs),
        }
    }
}

/// The manager's error: opening failed (reported to waiting queries), or an idle connection
/// failed its check (the pool just opens another).
#[derive(Debug)]
pub enum PoolError {
    Connect(ConnectFailure),
    Invalid(String),
}

/// The tiberius configuration for `settings`. The password leaves its [`Secret`] only here,
/// into tiberius' own redacting credential type.
///
/// [`Secret`]: crate::secret::Secret
pub fn tiberius_config(settings: &MsSqlSettings) -> Config {
    let mut config = Config::new();
    config.host(&settings.host);
    config.port(settings.port);
    config.database(&settings.database);
    config.application_name("suanpan");
    config.authentication(AuthMethod::sql_server(&settings.user, settings.password.expose()));
    config.encryption(encryption_level(settings.tls));
    if settings.trust_server_certificate {
        config.trust_cert();
    }
    // Otherwise tiberius validates the certificate against the system roots (its default).
    config.handshake_timeout(Some(settings.connect_timeout));
    config.command_timeout(Some(settings.query_timeout));
    config
}

/// `required` → TLS for everything or no connection; `on` → TLS for everything when the server
/// supports it; `off` → TLS for the login packet only (so the password never travels in clear),
/// which is what SQL Server drivers do with `Encrypt=false`.
pub fn encryption_level(tls: TlsMode) -> EncryptionLevel {
    match tls {
        TlsMode::Required => EncryptionLevel::Required,
        TlsMode::On => EncryptionLevel::On,
        TlsMode::Off => EncryptionLevel::Off,
    }
}

/// Opens connections for the pool. No `Debug`: it holds the credentials.
pub struct TdsManager {
    config: Config,
    user: String,
    connect_timeout: Duration,
}

impl TdsManager {
    pub fn new(settings: &MsSqlSettings) -> Self {
        TdsManager {
            config: tiberius_config(settings),
            user: settings.user.clone(),
            connect_timeout: settings.connect_timeout,
        }
    }

    async fn open(&self) -> Result<TdsConnection, ConnectFailure> {
        match self.open_at(self.config.clone()).await {
            // A gateway may send the login elsewhere (Azure-style redirection): follow it once.
            Err(Redirect(host, port)) => {
                let mut config = self.config.clone();
                config.host(&host);
                config.port(port);
                match self.open_at(config).await {
                    Ok(conn) => Ok(conn),
                    Err(Redirect(..)) => Err(ConnectFailure::Unreachable(format!(
                        "{} redirected the login twice",
                        self.config.get_addr()
                    ))),
                    Err(Failed(f)) => Err(f),
                }
            }
            Err(Failed(f)) => Err(f),
            Ok(conn) => Ok(conn),
        }
    }

    async fn open_at(&self, config: Config) -> Result<TdsConnection, OpenError> {
        let addr = config.get_addr();
        let tcp = TcpStream::connect(&addr)
            .await
            .map_err(|e| Failed(io_failure(&addr, e.kind(), &e.to_string(), self.connect_timeout)))?;
        tcp.set_nodelay(true)
            .map_err(|e| Failed(io_failure(&addr, e.kind(), &e.to_string(), self.connect_timeout)))?;
        match Client::connect(config, tcp.compat_write()).await {
            Ok(client) => Ok(TdsConnection { client, dirty: false }),
            Err(TdsError::Routing { host, port }) => Err(Redirect(host, port)),
            Err(e) => Err(Failed(login_failure(&e, &addr, &self.user, self.connect_timeout))),
        }
    }
}

enum OpenError {
    Redirect(String, u16),
    Failed(ConnectFailure),
}
use OpenError::{Failed, Redirect};

/// A failure to reach `addr` at the socket level.
pub fn io_failure(addr: &str, kind: IoErrorKind, message: &str, timeout: Duration) -> ConnectFailure {
    match kind {
        IoErrorKind::TimedOut => ConnectFailure::Timeout(timeout.as_secs()),
        IoErrorKind::ConnectionRefused => ConnectFailure::Unreachable(format!(
            "{addr} refused the connection (is SQL Server running and the port open?)"
        )),
        _ => ConnectFailure::Unreachable(format!("{addr}: {message}")),
    }
}

/// A failure after the socket was open: prelogin, TLS or login.
fn login_failure(e: &TdsError, addr: &str, user: &str, timeout: Duration) -> ConnectFailure {
    match e {
        TdsError::Server(token) => server_refusal(token.code(), token.message(), addr, user),
        TdsError::Io { kind, message } => io_failure(addr, *kind, message, timeout),
        TdsError::Tls(why) => ConnectFailure::Unreachable(format!(
            "TLS with {addr} failed: {why} (a self-signed server needs trust_server_certificate=true)"
        )),
        other => ConnectFailure::Unreachable(format!("{addr}: {other}")),
    }
}

/// The server refused the login with error `code`. The user name is ours; the server's message
/// never holds the password.
pub fn server_refusal(code: u32, message: &str, addr: &str, user: &str) -> ConnectFailure {
    if code == LOGIN_FAILED {
        ConnectFailure::Unreachable(format!(
            "login failed for user {user} on {addr}: check the user name and password"
        ))
    } else {
        ConnectFailure::Unreachable(format!("{addr} refused the login for user {user}: {message}"))
    }
}

impl bb8::ManageConnection for TdsManager {
    type Connection = TdsConnection;
    type Error = PoolError;

    async fn connect(&self) -> Result<TdsConnection, PoolError> {
        // tiberius' handshake timeout does not cover the TCP connect: bound the whole thing.
        match tokio::time::timeout(self.connect_timeout, self.open()).await {
            Ok(opened) => opened.map_err(PoolError::Connect),
            Err(_) => Err(PoolError::Connect(ConnectFailure::Timeout(self.connect_timeout.as_secs()))),
        }
    }

    async fn is_valid(&self, conn: &mut TdsConnection) -> Result<(), PoolError> {
        conn.dirty = true;
        let check = async {
            conn.client.simple_query("SELECT 1").await?.into_row().await?;
            Ok::<_, TdsError>(())
        };
        match tokio::time::timeout(self.connect_timeout, check).await {
            Ok(Ok(())) => {
                conn.dirty = false;
                Ok(())
            }
            Ok(Err(e)) => Err(PoolError::Invalid(e.to_string())),
            Err(_) => Err(PoolError::Invalid("SELECT 1 timed out".into())),
        }
    }

    fn has_broken(&self, conn: &mut TdsConnection) -> bool {
        conn.dirty
    }
}

/// The pool's error sink: open failures go to every query waiting for a connection.
#[derive(Clone, Debug)]
pub struct FailureSink(pub broadcast::Sender<ConnectFailure>);

impl bb8::ErrorSink<PoolError> for FailureSink {
    fn sink(&self, error: PoolError) {
        match error {
            PoolError::Connect(failure) => {
                tracing::warn!(error = ?failure, "cannot open a SQL Server connection");
                // No receiver just means no query is waiting.
                let _ = self.0.send(failure);
            }
            PoolError::Invalid(why) => {
                tracing::debug!(%why, "dropping a SQL Server connection that failed its check");
            }
        }
    }

    fn boxed_clone(&self) -> Box<dyn bb8::ErrorSink<PoolError>> {
        Box::new(self.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    fn settings() -> MsSqlSettings {
        MsSqlSettings {
            host: "rm-x.sqlserver.rds.aliyuncs.com".into(),
            port: 3433,
            database: "WideWorldImporters".into(),
            user: "reader".into(),
            password: Secret::new("hunter2-topsecret"),
            tls: TlsMode::Required,
            trust_server_certificate: false,
            pool_max: 8,
            connect_timeout: Duration::from_secs(7),
            query_timeout: Duration::from_secs(45),
        }
    }

    /// tiberius keeps its fields private; its (redacting) Debug output shows them.
    fn shown(config: &Config) -> String {
        format!("{config:?}")
    }

    #[test]
    fn settings_map_to_the_tiberius_config() {
        let config = tiberius_config(&settings());
        assert_eq!(config.get_addr(), "rm-x.sqlserver.rds.aliyuncs.com:3433");
        assert_eq!(config.get_handshake_timeout(), Some(Duration::from_secs(7)));
        assert_eq!(config.get_command_timeout(), Some(Duration::from_secs(45)));
        let text = shown(&config);
        assert!(text.contains(r#"host: Some("rm-x.sqlserver.rds.aliyuncs.com")"#), "{text}");
        assert!(text.contains("port: Some(3433)"), "{text}");
        assert!(text.contains(r#"database: Some("WideWorldImporters")"#), "{text}");
        assert!(text.contains("encryption: Required"), "{text}");
        assert!(text.contains("bypass: false"), "certificate must be validated: {text}");
        assert!(text.contains("source: Native"), "system roots: {text}");
        assert!(text.contains(r#"user: "reader""#), "{text}");
    }

    #[test]
    fn tls_modes_and_trust_map_to_tiberius_names() {
        for (tls, level) in [(TlsMode::Required, "Required"), (TlsMode::On, "On"), (TlsMode::Off, "Off")] {
            let config = tiberius_config(&MsSqlSettings { tls, ..settings() });
            assert!(shown(&config).contains(&format!("encryption: {level},")), "{tls:?}");
        }
        assert!(matches!(encryption_level(TlsMode::Required), EncryptionLevel::Required));
        assert!(matches!(encryption_level(TlsMode::On), EncryptionLevel::On));
        assert!(matches!(encryption_level(TlsMode::Off), EncryptionLevel::Off));
        let trusting = tiberius_config(&MsSqlSettings { trust_server_certificate: true, ..settings() });
        assert!(shown(&trusting).contains("bypass: true"), "{}", shown(&trusting));
    }

    #[test]
    fn the_config_never_shows_the_password() {
        let text = shown(&tiberius_config(&settings()));
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("SqlServer"), "SQL authentication: {text}");
    }

    #[test]
    fn login_failures_name_the_user_but_not_the_password() {
        let f = server_refusal(18456, "Login failed for user 'reader'.", "h:1433", "reader");
        let ConnectFailure::Unreachable(text) = &f else { panic!("{f:?}") };
        assert!(text.starts_with("login failed for user reader"), "{text}");
        assert!(!text.contains("hunter2"));
        let g =
            server_refusal(4060, "Cannot open database \"WWI\" requested by the login.", "h:1433", "reader");
        assert!(matches!(&g, ConnectFailure::Unreachable(t) if t.contains("Cannot open database")), "{g:?}");
        assert!(matches!(WarehouseError::from(f), WarehouseError::Unreachable(_)));
    }

    #[test]
    fn socket_failures_are_unreachable_or_timeout() {
        let t = Duration::from_secs(3);
        assert_eq!(io_failure("h:1", IoErrorKind::TimedOut, "x", t), ConnectFailure::Timeout(3));
        assert!(matches!(
            io_failure("h:1", IoErrorKind::ConnectionRefused, "x", t),
            ConnectFailure::Unreachable(m) if m.contains("h:1 refused the connection")
        ));
        assert!(matches!(
            io_failure("h:1", IoErrorKind::Other, "no route", t),
            ConnectFailure::Unreachable(m) if m == "h:1: no route"
        ));
        assert!(matches!(WarehouseError::from(ConnectFailure::Timeout(3)), WarehouseError::Timeout(3)));
    }
}
