//! Charge and rate rows back to domain values, for the snapshot reader and the read queries alike.

use priceline_domain::{
    AllowedCount, Amount, BillingClass, Methodology, PayerRate, Percentage, Setting, StandardCharge,
};

use crate::StoreResult;
use crate::codec::{decode, decode_list, decode_micros, decode_opt, decode_raw_values};
use crate::location::{rate_location, record_location};
use crate::rows::{ChargeRow, RateRow};

/// A standard charge without its payer rates (a price line carries at most one, beside it).
pub(crate) fn charge(row: &ChargeRow) -> StoreResult<StandardCharge> {
    Ok(StandardCharge {
        setting: decode("setting", &row.setting, Setting::parse)?,
        billing_class: decode_opt(
            "billing class",
            row.billing_class.as_deref(),
            BillingClass::parse,
        )?,
        modifiers: decode_list(row.modifiers.as_deref()),
        gross: decode_micros("gross charge", row.gross, Amount::from_micros)?,
        discounted_cash: decode_micros(
            "discounted cash",
            row.discounted_cash,
            Amount::from_micros,
        )?,
        minimum: decode_micros("minimum", row.minimum, Amount::from_micros)?,
        maximum: decode_micros("maximum", row.maximum, Amount::from_micros)?,
        generic_notes: row.generic_notes.clone(),
        payer_rates: Vec::new(),
        source: record_location(&row.source_location)?,
        raw_values: decode_raw_values(row.raw_values.as_deref())?,
    })
}

/// A payer rate; its location may be stored relative to its charge's (`charge_location`).
pub(crate) fn rate(
    row: &RateRow,
    payer_name: String,
    plan_name: String,
    charge_location: &str,
) -> StoreResult<PayerRate> {
    Ok(PayerRate {
        payer_name,
        // An empty plan name stands for "no plan" (see the payer_plans migration).
        plan_name: (!plan_name.is_empty()).then_some(plan_name),
        negotiated_dollar: decode_micros(
            "negotiated dollar",
            row.negotiated_dollar,
            Amount::from_micros,
        )?,
        negotiated_percentage: decode_micros(
            "negotiated percentage",
            row.negotiated_percentage,
            Percentage::from_micros,
        )?,
        negotiated_algorithm: row.negotiated_algorithm.clone(),
        methodology: decode_opt(
            "methodology",
            row.methodology.as_deref(),
            Methodology::parse,
        )?,
        median_amount: decode_micros("median amount", row.median_amount, Amount::from_micros)?,
        percentile_10th: decode_micros(
            "10th percentile",
            row.percentile_10th,
            Amount::from_micros,
        )?,
        percentile_90th: decode_micros(
            "90th percentile",
            row.percentile_90th,
            Amount::from_micros,
        )?,
        count: decode_opt("count", row.allowed_count.as_deref(), AllowedCount::parse)?,
        estimated_amount: decode_micros(
            "estimated amount",
            row.estimated_amount,
            Amount::from_micros,
        )?,
        payer_notes: row.payer_notes.clone(),
        source: rate_location(&row.source_location, charge_location)?,
        raw_values: decode_raw_values(row.raw_values.as_deref())?,
    })
}
