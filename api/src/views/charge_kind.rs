//! The kinds of charge, as parameters and in bodies.

use priceline_store::queries::prices::ChargeKind;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A kind of charge a file states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChargeKindView {
    Gross,
    DiscountedCash,
    NegotiatedDollar,
    NegotiatedPercentage,
    NegotiatedAlgorithm,
    Minimum,
    Maximum,
}

impl From<ChargeKindView> for ChargeKind {
    fn from(kind: ChargeKindView) -> Self {
        match kind {
            ChargeKindView::Gross => Self::Gross,
            ChargeKindView::DiscountedCash => Self::DiscountedCash,
            ChargeKindView::NegotiatedDollar => Self::NegotiatedDollar,
            ChargeKindView::NegotiatedPercentage => Self::NegotiatedPercentage,
            ChargeKindView::NegotiatedAlgorithm => Self::NegotiatedAlgorithm,
            ChargeKindView::Minimum => Self::Minimum,
            ChargeKindView::Maximum => Self::Maximum,
        }
    }
}

impl From<ChargeKind> for ChargeKindView {
    fn from(kind: ChargeKind) -> Self {
        match kind {
            ChargeKind::Gross => Self::Gross,
            ChargeKind::DiscountedCash => Self::DiscountedCash,
            ChargeKind::NegotiatedDollar => Self::NegotiatedDollar,
            ChargeKind::NegotiatedPercentage => Self::NegotiatedPercentage,
            ChargeKind::NegotiatedAlgorithm => Self::NegotiatedAlgorithm,
            ChargeKind::Minimum => Self::Minimum,
            ChargeKind::Maximum => Self::Maximum,
        }
    }
}
