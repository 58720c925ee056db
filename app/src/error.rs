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
            AppError::Transport(_) => 500,
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
            AppError::Transport(_) => t.e_transport.to_string(),
        }
    }
}
