use actix_web::{get, web};
use chrono::NaiveDate;
use priceline_domain::Setting;
use priceline_store::queries::FacilityFilter;
use priceline_store::queries::statistics::{self, Split, StatisticsQuery};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::CodePath;
use crate::problem::{ApiError, ReadErrors};
use crate::routes::params::scope;
use crate::routes::query::ValidQuery;
use crate::routes::read_data;
use crate::state::AppState;
use crate::views::statistics::CodeStatisticsView;

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SplitParam {
    Payer,
    State,
}

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct StatisticsParams {
    /// Only this setting (charges for `both` included).
    #[param(inline, value_type = Option<crate::routes::params::SettingName>, example = "outpatient")]
    pub setting: Option<Setting>,
    /// Split each group further by payer or by license state.
    #[param(inline, example = "payer")]
    pub by: Option<SplitParam>,
    /// Read each facility's snapshot in force on this date.
    #[param(value_type = Option<String>, format = Date, example = "2025-01-01")]
    #[serde(default, deserialize_with = "crate::routes::params::date")]
    pub as_of: Option<NaiveDate>,
}

/// Code statistics
///
/// For one billing code, groups by setting and methodology (a per-diem rate is never averaged with a
/// case rate), optionally split by payer or state: the number of facilities, charges and rates, and
/// nearest-rank min, p10, p25, median, p75, p90 and max of gross, discounted cash and negotiated
/// dollar amounts. Groups of fewer than 3 facilities are flagged `small_sample`.
#[utoipa::path(
    tag = "prices",
    operation_id = "getCodeStatistics",
    params(
        CodePath,
        StatisticsParams
    ),
    responses((status = 200, description = "The code's statistics", body = CodeStatisticsView), ReadErrors)
)]
#[get("/v1/codes/{code_type}/{code}/statistics")]
pub async fn get_code_statistics(
    state: web::Data<AppState>,
    path: web::Path<CodePath>,
    query: ValidQuery<StatisticsParams>,
) -> Result<web::Json<CodeStatisticsView>, ApiError> {
    let (code_type, code) = path.into_inner().parse()?;
    let request = StatisticsQuery {
        scope: scope(query.as_of),
        facilities: FacilityFilter::default(),
        code_type,
        code: code.clone(),
        setting: query.setting,
        split: match query.by {
            None => Split::None,
            Some(SplitParam::Payer) => Split::Payer,
            Some(SplitParam::State) => Split::State,
        },
    };
    let groups = read_data(&state, move |connection| {
        Ok(statistics::code_statistics(connection, &request)?)
    })
    .await?;
    Ok(web::Json(CodeStatisticsView {
        code_type: code_type.as_str().to_owned(),
        code,
        groups: groups.into_iter().map(Into::into).collect(),
    }))
}
