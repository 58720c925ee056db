//! The one error type every server function returns. It crosses the wire as JSON, carries only
//! what is safe to show, and knows its HTTP status; the full cause stays in the server log.

use serde::{Deserialize, Serialize};
use server_fn::codec::JsonEncoding;
use server_fn::error::{FromServerFnError, ServerFnErrorErr};

use crate::i18n::tr;
use crate::sales::params::ParamError;

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
    BadImageRequest(crate::bundle_image::model::ImageProblem),
    #[error("not found")]
    NotFound,
    #[error("app store failed")]
    StoreFailed,
    /// Transport or encoding failure between browser and server.
    #[error("server function call failed: {0}")]
    Transport(String),
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::Transport(value.to_string())
    }
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
            AppError::StoreFailed | AppError::Transport(_) => 500,
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
            AppError::BadImageRequest(p) => t.image_problem(p),
            AppError::NotFound => t.e_not_found.to_string(),
            AppError::StoreFailed => t.e_store.to_string(),
            AppError::Transport(_) => t.e_transport.to_string(),
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
