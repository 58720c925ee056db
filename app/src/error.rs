//! The one error type every server function returns. It crosses the wire as JSON, carries only
//! what is safe to show, and knows its HTTP status; the full cause stays in the server log.

use serde::{Deserialize, Serialize};
use server_fn::codec::JsonEncoding;
use server_fn::error::{FromServerFnError, ServerFnErrorErr};

use crate::i18n::tr;
use crate::url_query::ParamError;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("bad parameter: {0}")]
    BadParam(ParamError),
    #[error("unknown analysis {0:?}")]
    UnknownAnalysis(String),
    #[error("{backend} unreachable")]
    WarehouseUnreachable { backend: String },
    #[error("{backend} timed out")]
    WarehouseTimeout { backend: String },
    #[error("{backend} query failed")]
    WarehouseQuery { backend: String },
    #[error("warehouse empty")]
    WarehouseEmpty,
    /// No DashScope key and the simulator is off.
    #[error("AI not configured")]
    AiNotConfigured,
    #[error("AI key rejected")]
    AiKeyRejected,
    #[error("AI throttled: {code}")]
    AiThrottled { code: String },
    #[error("content inspection failed: {reason}")]
    AiContentFiltered { reason: String },
    #[error("AI provider error {code}")]
    AiProvider { code: String, message: String },
    #[error("AI service unreachable or slow")]
    AiUnavailable,
    #[error("AI answer broke off")]
    AiStreamCut,
    #[error("image task failed: {code}")]
    ImageTaskFailed { code: String, message: String },
    #[error("image task expired")]
    ImageTaskExpired,
    #[error("image task timed out")]
    ImageTimeout,
    #[error("bad image request: {0:?}")]
    BadImageRequest(ImageProblem),
    #[error("not found")]
    NotFound,
    #[error("app store failed")]
    StoreFailed,
    /// A server-function request that could not be read, or was too large.
    #[error("bad request body: {0:?}")]
    BadRequestBody(BodyProblem),
    /// Too many model or image calls from one client; `retry_after_s` until the next is allowed.
    #[error("rate limited: {action:?}, retry in {retry_after_s} s")]
    RateLimited { action: LimitedAction, retry_after_s: u64 },
    /// Transport or encoding failure between browser and server.
    #[error("server function call failed: {0}")]
    Transport(String),
    /// No session and no API key.
    #[error("sign-in required")]
    SignInRequired,
    /// An `Authorization: Bearer` key that is unknown, revoked or expired.
    #[error("API key refused")]
    ApiKeyRefused,
    /// Signed in, but the role does not allow this.
    #[error("forbidden")]
    Forbidden,
    /// Wrong user name or password (never says which), or a disabled user.
    #[error("sign-in failed")]
    SignInFailed,
    /// Too many failed sign-ins from this address or for this user.
    #[error("sign-in throttled, retry in {retry_after_s} s")]
    SignInThrottled { retry_after_s: u64 },
    /// A state-changing request from another site (no same-origin `Origin`/`Sec-Fetch-Site`).
    #[error("cross-site request refused")]
    CrossSite,
    /// The one-time setup was already done.
    #[error("setup already done")]
    SetupDone,
    /// A form field the user must correct; `message` is already the user's words.
    #[error("invalid {field}")]
    Invalid { field: String, message: String },
}

/// What is wrong with a server-function request's body. Never carries the decoder's own words:
/// they name Rust types and serde internals.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BodyProblem {
    /// Not JSON at all (or not UTF-8).
    NotJson,
    /// JSON without this argument.
    MissingArgument(String),
    /// JSON, but an argument has the wrong type or value.
    WrongArgument,
    /// Larger than the server accepts.
    TooLarge { max_kib: u32 },
}

impl BodyProblem {
    /// Classifies a decoding error by serde_json's wording (server_fn hands over only its text).
    /// Anything unrecognised is `WrongArgument`: still a 400, just less specific.
    pub fn from_decode_error(detail: &str) -> Self {
        const SYNTAX: [&str; 12] = [
            "expected value",
            "EOF while parsing",
            "trailing characters",
            "key must be a string",
            "expected `",
            "invalid escape",
            "control character",
            "invalid number",
            "invalid unicode code point",
            "lone leading surrogate",
            "utf-8",
            "UTF-8",
        ];
        if let Some(rest) = detail.split("missing field `").nth(1) {
            let name: String = rest.chars().take_while(|c| *c != '`').take(64).collect();
            if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return BodyProblem::MissingArgument(name);
            }
        }
        if SYNTAX.iter().any(|marker| detail.contains(marker)) {
            return BodyProblem::NotJson;
        }
        BodyProblem::WrongArgument
    }
}

/// What a client is limited in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LimitedAction {
    Insight,
    Image,
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        from_server_fn_error(value)
    }
}

/// On the server, `Args`, `MissingArg` and `Deserialization` mean the request could not be read
/// (server_fn decodes bodies with `Deserialization`); they answer 400 with what was wrong and the
/// decoder's words go to the log only. Anything else is a transport failure, also without detail.
#[cfg(feature = "ssr")]
fn from_server_fn_error(value: ServerFnErrorErr) -> AppError {
    let problem = match &value {
        ServerFnErrorErr::Args(detail) | ServerFnErrorErr::Deserialization(detail) => Some(BodyProblem::from_decode_error(detail)),
        ServerFnErrorErr::MissingArg(name) => Some(BodyProblem::from_decode_error(&format!("missing field `{name}`"))),
        _ => None,
    };
    tracing::info!(error = %value, "server function request refused");
    let e = match problem {
        Some(problem) => AppError::BadRequestBody(problem),
        None => AppError::Transport("server function call failed".into()),
    };
    // The function body never ran, so nothing else sets the answer's status.
    set_response_status(&e);
    e
}

/// In the browser these are the client's own failures (unreachable server, unreadable answer).
#[cfg(not(feature = "ssr"))]
fn from_server_fn_error(value: ServerFnErrorErr) -> AppError {
    AppError::Transport(value.to_string())
}

impl From<ParamError> for AppError {
    fn from(e: ParamError) -> Self {
        AppError::BadParam(e)
    }
}

impl AppError {
    pub fn status(&self) -> u16 {
        match self {
            AppError::BadParam(_) => 400,
            AppError::UnknownAnalysis(_) => 404,
            AppError::WarehouseUnreachable { .. } | AppError::WarehouseEmpty => 503,
            AppError::WarehouseTimeout { .. } => 504,
            AppError::WarehouseQuery { .. } => 502,
            AppError::AiNotConfigured => 503,
            AppError::AiKeyRejected | AppError::AiProvider { .. } | AppError::AiStreamCut => 502,
            AppError::AiThrottled { .. } => 429,
            AppError::AiContentFiltered { .. } => 422,
            AppError::AiUnavailable | AppError::ImageTimeout => 504,
            AppError::ImageTaskFailed { .. } => 502,
            AppError::ImageTaskExpired => 410,
            AppError::BadImageRequest(_) => 400,
            AppError::NotFound => 404,
            AppError::BadRequestBody(BodyProblem::TooLarge { .. }) => 413,
            AppError::BadRequestBody(_) => 400,
            AppError::RateLimited { .. } => 429,
            AppError::StoreFailed | AppError::Transport(_) => 500,
            AppError::SignInRequired | AppError::SignInFailed | AppError::ApiKeyRefused => 401,
            AppError::Forbidden | AppError::CrossSite => 403,
            AppError::SignInThrottled { .. } => 429,
            AppError::SetupDone => 409,
            AppError::Invalid { .. } => 400,
        }
    }

    /// What the user reads.
    pub fn message(&self) -> String {
        let t = tr();
        match self {
            AppError::BadParam(e) => t.param_error(e),
            AppError::UnknownAnalysis(kind) => format!("{}：“{kind}”。", t.e_unknown_analysis),
            AppError::WarehouseUnreachable { backend } => format!("{}（{backend}）", t.e_unreachable),
            AppError::WarehouseTimeout { backend } => format!("{}（{backend}）", t.e_timeout),
            AppError::WarehouseQuery { backend } => format!("{}（{backend}）", t.e_query),
            AppError::WarehouseEmpty => t.e_empty.to_string(),
            AppError::AiNotConfigured => t.e_ai_not_configured.to_string(),
            AppError::AiKeyRejected => t.e_ai_key_rejected.to_string(),
            AppError::AiThrottled { code } => format!("{}（{code}）", t.e_ai_throttled),
            AppError::AiContentFiltered { reason } => format!("{}{reason}", t.e_ai_content_filtered),
            AppError::AiProvider { code, message } => format!("{}（{code}：{message}）", t.e_ai_provider),
            AppError::AiUnavailable => t.e_ai_unavailable.to_string(),
            AppError::AiStreamCut => t.e_ai_stream_cut.to_string(),
            AppError::ImageTaskFailed { code, message } => format!("{}（{code}：{message}）", t.e_image_failed),
            AppError::ImageTaskExpired => t.e_image_expired.to_string(),
            AppError::ImageTimeout => t.e_image_timeout.to_string(),
            AppError::BadImageRequest(p) => p.message(),
            AppError::NotFound => t.e_not_found.to_string(),
            AppError::StoreFailed => t.e_store.to_string(),
            AppError::BadRequestBody(p) => p.message(),
            AppError::RateLimited { action, retry_after_s } => action.refusal(*retry_after_s),
            AppError::Transport(_) => t.e_transport.to_string(),
            AppError::SignInRequired => t.access.e_sign_in_required.to_string(),
            AppError::Forbidden => t.access.e_forbidden.to_string(),
            AppError::ApiKeyRefused => t.access.e_api_key_refused.to_string(),
            AppError::SignInFailed => t.access.e_sign_in_failed.to_string(),
            AppError::SignInThrottled { retry_after_s } => {
                format!("{}{}", t.access.e_throttled, LimitedAction::wait_text(*retry_after_s))
            }
            AppError::CrossSite => t.access.e_cross_site.to_string(),
            AppError::SetupDone => t.access.e_setup_done.to_string(),
            AppError::Invalid { message, .. } => message.clone(),
        }
    }
}

/// Sets the HTTP status of a server function's answer to the error's.
#[cfg(feature = "ssr")]
pub fn set_response_status(e: &AppError) {
    if let (Some(res), Ok(code)) =
        (leptos::prelude::use_context::<leptos_axum::ResponseOptions>(), axum::http::StatusCode::from_u16(e.status()))
    {
        res.set_status(code);
    }
}

/// Every server function's answer passes here: an error sets the HTTP status of the response.
#[cfg(feature = "ssr")]
pub fn respond<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    if let Err(e) = &result {
        set_response_status(e);
    }
    result
}

/// An app-store failure: the cause is logged with the place it came from (the `?` that
/// converted it); the user reads only that saving or reading failed.
#[cfg(feature = "ssr")]
impl From<crate::store::StoreError> for AppError {
    #[track_caller]
    fn from(e: crate::store::StoreError) -> Self {
        tracing::error!(error = %e, at = %std::panic::Location::caller(), "app store failed");
        AppError::StoreFailed
    }
}

/// A sales-database failure, named by backend; the cause is logged.
#[cfg(feature = "ssr")]
impl AppError {
    pub fn from_warehouse(backend: &str, e: crate::warehouse::WarehouseError) -> Self {
        use crate::warehouse::WarehouseError as W;
        tracing::error!(backend, error = %e, "warehouse query failed");
        let backend = backend.to_string();
        match e {
            W::Unreachable(_) | W::Config(_) => AppError::WarehouseUnreachable { backend },
            W::Timeout(_) => AppError::WarehouseTimeout { backend },
            W::Empty => AppError::WarehouseEmpty,
            W::Query(_) | W::BadData(_) => AppError::WarehouseQuery { backend },
        }
    }
}

/// The user-facing error for a DashScope failure; the full cause goes to the log.
#[cfg(feature = "ssr")]
impl From<&crate::dashscope::DashScopeError> for AppError {
    fn from(e: &crate::dashscope::DashScopeError) -> Self {
        use crate::dashscope::DashScopeError as D;
        tracing::warn!(error = %e, "DashScope call failed");
        match e {
            D::NotConfigured => AppError::AiNotConfigured,
            D::InvalidApiKey(_) => AppError::AiKeyRejected,
            D::Throttled(p) => AppError::AiThrottled { code: p.code.clone() },
            D::ContentFiltered(p) => AppError::AiContentFiltered { reason: format!("{}（{}）", p.message, p.code) },
            D::Provider(p) => AppError::AiProvider { code: p.code.clone(), message: p.message.chars().take(200).collect() },
            D::TaskFailed { code, message, .. } if code == "DataInspectionFailed" => {
                AppError::AiContentFiltered { reason: format!("{message}（{code}）") }
            }
            D::TaskFailed { code, message, .. } => AppError::ImageTaskFailed { code: code.clone(), message: message.chars().take(200).collect() },
            D::TaskExpired { .. } => AppError::ImageTaskExpired,
            D::TaskTimeout { .. } => AppError::ImageTimeout,
            D::Timeout(_) | D::Transport(_) => AppError::AiUnavailable,
            D::Malformed(_) => AppError::AiProvider { code: "Malformed".into(), message: "unexpected answer format".into() },
            D::StreamCut(_) => AppError::AiStreamCut,
        }
    }
}

/// Why an image request was refused (checked before anything is paid for).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ImageProblem {
    EmptyPrompt,
    PromptTooLong { max: usize },
    /// A control character other than a line break or tab (nothing a user types).
    PromptControlCharacter,
    UnknownSize(String),
    NoBundle,
    /// A stock item the warehouse does not have.
    UnknownItem(i64),
    DuplicateItem(i64),
}

/// The user's words for each refusal: the string table of these messages lives with the types
/// that cross the wire, so `i18n` stays a plain table.
impl ImageProblem {
    pub fn message(&self) -> String {
        match self {
            ImageProblem::EmptyPrompt => "提示词不能为空。".into(),
            ImageProblem::PromptTooLong { max } => format!("提示词过长：最多 {max} 个字符。"),
            ImageProblem::PromptControlCharacter => "提示词含有不可见的控制字符，请删除后重试。".into(),
            ImageProblem::UnknownSize(v) => format!("不支持的尺寸“{v}”，请从列表中选择。"),
            ImageProblem::NoBundle => "请选择一个商品组合。".into(),
            ImageProblem::UnknownItem(id) => format!("商品组合无效：商品编号 {id} 不在销售数据库中，请从关联分析中重新选择。"),
            ImageProblem::DuplicateItem(id) => format!("商品组合无效：商品编号 {id} 重复出现。"),
        }
    }
}

impl BodyProblem {
    pub fn message(&self) -> String {
        match self {
            BodyProblem::NotJson => "请求无法识别：内容不是有效的 JSON。请刷新页面后重试。".into(),
            BodyProblem::MissingArgument(name) => format!("请求缺少参数 {name}。请刷新页面后重试。"),
            BodyProblem::WrongArgument => "请求的参数类型或取值不正确。请刷新页面后重试。".into(),
            BodyProblem::TooLarge { max_kib } => format!("请求内容过大：最多 {max_kib} KB。"),
        }
    }
}

impl LimitedAction {
    /// `wait_s` rounded up to whole minutes past a minute, so the user is never told too early.
    pub fn refusal(self, wait_s: u64) -> String {
        let what = match self {
            LimitedAction::Insight => "AI 分析",
            LimitedAction::Image => "营销图生成",
        };
        format!("{what}请求过于频繁，已达到每个客户端的调用上限，请 {}后再试。", Self::wait_text(wait_s))
    }

    /// `wait_s` as the user reads it: seconds under a minute, else whole minutes rounded up.
    pub fn wait_text(wait_s: u64) -> String {
        if wait_s < 60 {
            format!("{} 秒", wait_s.max(1))
        } else {
            format!("{} 分钟", wait_s.div_ceil(60))
        }
    }
}
