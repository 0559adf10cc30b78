//! The amounts one billing code has in scope, as statistics and comparisons need them: one row per
//! price line, with only the columns they read.

use diesel::prelude::*;
use priceline_domain::{CodeType, Methodology, Setting};

use crate::StoreResult;
use crate::codec::{decode, decode_opt};
use crate::connection::DbConnection;
use crate::schema::{item_codes, payer_plans, payer_rates, source_files, standard_charges};

/// One price line of a code, reduced to its amounts (micro-units).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CodeAmount {
    pub source_file_id: i64,
    pub facility_id: i64,
    pub license_state: Option<String>,
    pub charge_id: i64,
    pub setting: Setting,
    pub gross: Option<i64>,
    pub discounted_cash: Option<i64>,
    pub minimum: Option<i64>,
    pub maximum: Option<i64>,
    pub rate: Option<RateAmount>,
}

impl CodeAmount {
    /// The line's amount of each kind: the charge's own, and its rate's.
    pub fn amounts(&self) -> priceline_domain::KindAmounts<Option<i64>> {
        let rate = self.rate.as_ref();
        priceline_domain::KindAmounts {
            gross: self.gross,
            discounted_cash: self.discounted_cash,
            negotiated_dollar: rate.and_then(|rate| rate.negotiated_dollar),
            negotiated_percentage: rate.and_then(|rate| rate.negotiated_percentage),
            minimum: self.minimum,
            maximum: self.maximum,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RateAmount {
    pub payer_name: String,
    pub methodology: Option<Methodology>,
    pub negotiated_dollar: Option<i64>,
    pub negotiated_percentage: Option<i64>,
    pub has_algorithm: bool,
}

type Row = (
    (i64, i64, Option<String>),
    (
        i64,
        String,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
    ),
    Option<(
        String,
        Option<String>,
        Option<i64>,
        Option<i64>,
        Option<String>,
    )>,
);

/// The settings of the lines a query for `setting` reads: charges for both settings apply to either.
pub(crate) fn settings_of(setting: Setting) -> Vec<&'static str> {
    let mut settings = vec![setting.as_str()];
    if setting != Setting::Both {
        settings.push(Setting::Both.as_str());
    }
    settings
}

/// Every line of `code` in the given snapshots, optionally in one setting (`both` charges included).
pub(crate) fn load(
    connection: &mut DbConnection,
    files: &[i64],
    code_type: CodeType,
    code: &str,
    setting: Option<Setting>,
) -> StoreResult<Vec<CodeAmount>> {
    let item_ids = item_codes::table
        .filter(item_codes::code_type.eq(code_type.as_str()))
        .filter(item_codes::code.eq(code.trim().to_owned()))
        .filter(item_codes::source_file_id.eq_any(files.to_vec()))
        .select(item_codes::item_id);
    let mut query =
        left_join_rates!(standard_charges::table.inner_join(
            source_files::table.on(source_files::id.eq(standard_charges::source_file_id))
        ))
        .filter(standard_charges::item_id.eq_any(item_ids))
        .select((
            (
                source_files::id,
                source_files::facility_id,
                source_files::license_state,
            ),
            (
                standard_charges::id,
                standard_charges::setting,
                standard_charges::gross,
                standard_charges::discounted_cash,
                standard_charges::minimum,
                standard_charges::maximum,
            ),
            (
                payer_plans::payer_name,
                payer_rates::methodology,
                payer_rates::negotiated_dollar,
                payer_rates::negotiated_percentage,
                payer_rates::negotiated_algorithm,
            )
                .nullable(),
        ))
        .into_boxed();
    if let Some(setting) = setting {
        query = query.filter(standard_charges::setting.eq_any(settings_of(setting)));
    }
    query
        .load::<Row>(connection)?
        .into_iter()
        .map(
            |((source_file_id, facility_id, license_state), charge, rate)| {
                let (charge_id, setting, gross, discounted_cash, minimum, maximum) = charge;
                Ok(CodeAmount {
                    source_file_id,
                    facility_id,
                    license_state,
                    charge_id,
                    setting: decode("setting", &setting, Setting::parse)?,
                    gross,
                    discounted_cash,
                    minimum,
                    maximum,
                    rate: rate
                        .map(|(payer_name, methodology, dollar, percentage, algorithm)| {
                            Ok::<_, crate::StoreError>(RateAmount {
                                payer_name,
                                methodology: decode_opt(
                                    "methodology",
                                    methodology.as_deref(),
                                    Methodology::parse,
                                )?,
                                negotiated_dollar: dollar,
                                negotiated_percentage: percentage,
                                has_algorithm: algorithm.is_some(),
                            })
                        })
                        .transpose()?,
                })
            },
        )
        .collect()
}
