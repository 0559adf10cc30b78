//! `/v1/prices` and `/v1/codes/{code_type}/{code}/…`.

pub mod compare;
pub mod search;
pub mod statistics;

use priceline_domain::CodeType;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::problem::ApiError;
use crate::routes::query::path_text;

/// The `{code_type}/{code}` of a code's routes (statistics, compare), documented once.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct CodePath {
    /// CMS code type (any case)
    #[param(inline, value_type = crate::routes::params::CodeTypeName, example = "CPT")]
    code_type: String,
    /// Billing code
    #[param(example = "70551", pattern = "^[^\\x00]+$")]
    code: String,
}

impl CodePath {
    /// The code (refused when it holds a NUL character) and its type (any case; 400 naming
    /// `code_type` for an unknown one).
    pub fn parse(self) -> Result<(CodeType, String), ApiError> {
        let code = path_text("code", self.code)?;
        let code_type = CodeType::parse(&self.code_type)
            .map_err(|error| ApiError::invalid("code_type", error.to_string()))?;
        Ok((code_type, code))
    }
}
