//! The form → what is stored: every field checked, with a message in the user's words naming the
//! field to correct. Secrets are wrapped in `Secret` here, the moment they arrive.

use std::path::Path;

use super::model::CredentialForm;
use crate::billing::model::Provider;
use crate::credentials::{Credential, CredentialKind, Draft, SecretChange, SINGLE_NAME};
use crate::error::AppError;
use crate::feishu::FeishuWebhook;
use crate::i18n::tr;
use crate::secret::Secret;
use crate::warehouse::config::MsSqlSettings;
use crate::warehouse::WarehouseConfig;

const MAX_SECRET: usize = 2048;
const MAX_TEXT: usize = 64;

fn invalid(field: &str, message: impl Into<String>) -> AppError {
    AppError::Invalid { field: field.to_string(), message: message.into() }
}

/// The stored entry `form` describes; `before` is the entry it edits. Fields of other kinds are
/// ignored.
pub fn draft(form: &CredentialForm, before: Option<&Credential>) -> Result<Draft, AppError> {
    let t = tr().settings;
    if before.is_some_and(|b| b.kind != form.kind) {
        return Err(invalid("kind", t.v_kind_changed));
    }
    let secrets = secret_changes(form)?;
    let mut d = Draft {
        kind: form.kind,
        provider: String::new(),
        name: SINGLE_NAME.to_string(),
        display_name: String::new(),
        access_key_id: String::new(),
        endpoint: None,
        region: None,
        secrets,
    };
    // For the kinds whose whole address is sealed, the host shown in lists comes from the new
    // value, or stays as it was when the value is kept.
    let kept_endpoint = || before.and_then(|b| b.endpoint.clone());
    match form.kind {
        CredentialKind::CloudAccount => {
            let p = Provider::from_slug(form.provider.trim()).ok_or_else(|| invalid("provider", t.v_provider))?;
            d.provider = p.slug().to_string();
            d.name = account_name(&form.name)?;
            d.display_name = short_text("display_name", &form.display_name)?;
            d.access_key_id = access_key_id(p, &form.access_key_id)?;
            d.endpoint = optional_url("endpoint", &form.endpoint)?;
            d.region = region(&form.region)?;
        }
        CredentialKind::DashScope => d.endpoint = optional_url("endpoint", &form.endpoint)?,
        CredentialKind::SqlServer => {
            let shown = match new_value(&d, "connection") {
                Some(connection) => Some(sql_server_label(&sql_server(connection)?)),
                None => kept_endpoint(),
            };
            d.endpoint = shown;
        }
        CredentialKind::AlertWebhook => {
            let shown = match new_value(&d, "url") {
                Some(url) => Some(webhook(url, None)?.display_url()),
                None => kept_endpoint(),
            };
            d.endpoint = shown;
        }
    }
    Ok(d)
}

fn new_value<'a>(d: &'a Draft, field: &str) -> Option<&'a Secret> {
    d.secrets.iter().find(|(f, _)| *f == field).and_then(|(_, c)| match c {
        SecretChange::Set(v) => Some(v),
        _ => None,
    })
}

/// Each secret field of the kind: a new value, a clear, or keep (an empty replace field).
fn secret_changes(form: &CredentialForm) -> Result<Vec<(&'static str, SecretChange)>, AppError> {
    let t = tr().settings;
    let fields = form.kind.secret_fields();
    if let Some(unknown) = form.secrets.iter().find(|s| !fields.iter().any(|f| f.name == s.field)) {
        return Err(invalid(&unknown.field.chars().take(32).collect::<String>(), t.v_field_unknown));
    }
    let mut out = Vec::with_capacity(fields.len());
    for f in fields {
        let input = form.secrets.iter().find(|s| s.field == f.name);
        let value = input.map(|s| s.value.trim()).unwrap_or_default();
        let change = if !value.is_empty() {
            if value.chars().count() > MAX_SECRET || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return Err(invalid(f.name, t.v_secret_shape));
            }
            SecretChange::Set(Secret::new(value))
        } else if input.is_some_and(|s| s.clear) {
            if f.required {
                return Err(invalid(f.name, t.v_secret_required));
            }
            SecretChange::Clear
        } else {
            SecretChange::Keep
        };
        out.push((f.name, change));
    }
    Ok(out)
}

fn account_name(name: &str) -> Result<String, AppError> {
    let name = name.trim();
    let ok = !name.is_empty() && name.len() <= MAX_TEXT && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    ok.then(|| name.to_string()).ok_or_else(|| invalid("name", tr().settings.v_name))
}

fn short_text(field: &str, text: &str) -> Result<String, AppError> {
    let text = text.trim();
    if text.chars().count() > MAX_TEXT || text.chars().any(char::is_control) {
        return Err(invalid(field, tr().settings.v_text_long));
    }
    Ok(text.to_string())
}

/// DeepSeek signs with its API key alone; the others need the key's id.
fn access_key_id(p: Provider, id: &str) -> Result<String, AppError> {
    let id = id.trim();
    if p == Provider::DeepSeek && id.is_empty() {
        return Ok(String::new());
    }
    let ok = !id.is_empty() && id.len() <= 128 && !id.chars().any(|c| c.is_whitespace() || c.is_control());
    ok.then(|| id.to_string()).ok_or_else(|| invalid("access_key_id", tr().settings.v_key_id))
}

fn http_url(field: &str, text: &str) -> Result<url::Url, AppError> {
    url::Url::parse(text.trim())
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some_and(|h| !h.is_empty()))
        .ok_or_else(|| invalid(field, tr().settings.v_url))
}

fn optional_url(field: &str, text: &str) -> Result<Option<String>, AppError> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    http_url(field, text).map(|u| Some(u.to_string()))
}

fn region(text: &str) -> Result<Option<String>, AppError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let ok = text.len() <= 32 && text.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    ok.then(|| Some(text.to_string())).ok_or_else(|| invalid("region", tr().settings.v_region))
}

/// A SQL Server connection as `SUANPAN_WAREHOUSE_URL` takes it (`mssql://…`).
pub fn sql_server(connection: &Secret) -> Result<MsSqlSettings, AppError> {
    // The parser's own words never echo the URL (it holds the password).
    match WarehouseConfig::parse(Some(connection.expose()), Path::new("."), 1, 0) {
        Ok(WarehouseConfig::MsSql(settings)) => Ok(settings),
        Ok(_) => Err(invalid("connection", tr().settings.v_connection)),
        Err(e) => Err(invalid("connection", format!("{}（{e}）", tr().settings.v_connection))),
    }
}

/// A Feishu custom-bot webhook (`…/open-apis/bot/v2/hook/<token>`) and its signing secret.
pub fn webhook(url: &Secret, secret: Option<Secret>) -> Result<FeishuWebhook, AppError> {
    FeishuWebhook::parse(url.expose(), secret).map_err(|_| invalid("url", tr().settings.v_webhook_url))
}

/// `host:port/Database`: what a list shows of a connection.
pub fn sql_server_label(s: &MsSqlSettings) -> String {
    format!("{}:{}/{}", s.host, s.port, s.database)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::model::SecretInput;

    fn form(kind: CredentialKind) -> CredentialForm {
        CredentialForm {
            id: None,
            kind,
            provider: "aliyun".into(),
            name: "prod".into(),
            display_name: String::new(),
            access_key_id: "LTAI5t".into(),
            endpoint: String::new(),
            region: String::new(),
            secrets: vec![],
        }
    }

    fn with_secret(mut f: CredentialForm, field: &str, value: &str) -> CredentialForm {
        f.secrets.push(SecretInput { field: field.into(), value: value.into(), clear: false });
        f
    }

    fn field_of(e: AppError) -> String {
        match e {
            AppError::Invalid { field, .. } => field,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_cloud_account_is_checked_field_by_field() {
        let d = draft(&with_secret(form(CredentialKind::CloudAccount), "secret", " s3cr3t "), None).unwrap();
        assert_eq!((d.provider.as_str(), d.name.as_str(), d.endpoint.as_deref()), ("aliyun", "prod", None));
        assert!(matches!(&d.secrets[0], ("secret", SecretChange::Set(s)) if s.expose() == "s3cr3t"));
        let mut bad = form(CredentialKind::CloudAccount);
        bad.provider = "aws".into();
        assert_eq!(field_of(draft(&bad, None).unwrap_err()), "provider");
        let mut bad = form(CredentialKind::CloudAccount);
        bad.name = "生产".into();
        assert_eq!(field_of(draft(&bad, None).unwrap_err()), "name");
        let mut bad = form(CredentialKind::CloudAccount);
        bad.endpoint = "ftp://x".into();
        assert_eq!(field_of(draft(&bad, None).unwrap_err()), "endpoint");
        let mut bad = form(CredentialKind::CloudAccount);
        bad.access_key_id = String::new();
        assert_eq!(field_of(draft(&bad, None).unwrap_err()), "access_key_id");
        bad.provider = "deepseek".into();
        assert!(draft(&bad, None).is_ok(), "DeepSeek needs no key id");
        assert_eq!(field_of(draft(&with_secret(form(CredentialKind::CloudAccount), "secret", "a b"), None).unwrap_err()), "secret");
        assert_eq!(field_of(draft(&with_secret(form(CredentialKind::CloudAccount), "password", "x"), None).unwrap_err()), "password");
    }

    #[test]
    fn an_empty_replace_field_keeps_and_required_secrets_cannot_be_cleared() {
        let d = draft(&with_secret(form(CredentialKind::CloudAccount), "secret", ""), None).unwrap();
        assert!(matches!(d.secrets[0], ("secret", SecretChange::Keep)));
        let mut clear = form(CredentialKind::CloudAccount);
        clear.secrets.push(SecretInput { field: "secret".into(), value: String::new(), clear: true });
        assert_eq!(field_of(draft(&clear, None).unwrap_err()), "secret");
        let mut hook = with_secret(form(CredentialKind::AlertWebhook), "url", "https://open.feishu.cn/open-apis/bot/v2/hook/abc");
        hook.secrets.push(SecretInput { field: "signing_secret".into(), value: String::new(), clear: true });
        let d = draft(&hook, None).unwrap();
        assert!(matches!(d.secrets[1], ("signing_secret", SecretChange::Clear)));
        assert_eq!(d.endpoint.as_deref(), Some("https://open.feishu.cn/open-apis/bot/v2/hook/***"), "the token is not kept in the clear");
        let bad = with_secret(form(CredentialKind::AlertWebhook), "url", "https://example.com/hook");
        assert_eq!(field_of(draft(&bad, None).unwrap_err()), "url");
    }

    #[test]
    fn a_sql_server_connection_must_parse_and_only_its_address_is_shown() {
        let f = with_secret(form(CredentialKind::SqlServer), "connection", "mssql://sa:P%40ss@db.example.com:1433/WideWorldImporters");
        let d = draft(&f, None).unwrap();
        assert_eq!(d.endpoint.as_deref(), Some("db.example.com:1433/WideWorldImporters"));
        let bad = with_secret(form(CredentialKind::SqlServer), "connection", "postgres://sa:hunter2@h/db");
        let e = draft(&bad, None).unwrap_err();
        assert!(!format!("{e:?}").contains("hunter2"));
        assert_eq!(field_of(e), "connection");
    }
}
