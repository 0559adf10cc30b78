//! The kinds of charge a file states, and where each one's amount stands.

/// A kind of charge a file states: an amount of the standard charge itself (gross, discounted cash,
/// minimum, maximum) or of a payer rate (negotiated dollar, percentage or algorithm).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ChargeKind {
    Gross,
    DiscountedCash,
    NegotiatedDollar,
    NegotiatedPercentage,
    NegotiatedAlgorithm,
    Minimum,
    Maximum,
}

impl ChargeKind {
    /// Every kind, in the order the API lists them.
    pub const ALL: [ChargeKind; 7] = [
        Self::Gross,
        Self::DiscountedCash,
        Self::NegotiatedDollar,
        Self::NegotiatedPercentage,
        Self::NegotiatedAlgorithm,
        Self::Minimum,
        Self::Maximum,
    ];

    /// The kinds stated in dollars: a percentage or an algorithm is not a price, so these are the
    /// kinds facilities can be ranked by and have ranges of.
    pub const DOLLAR: [ChargeKind; 5] = [
        Self::Gross,
        Self::DiscountedCash,
        Self::NegotiatedDollar,
        Self::Minimum,
        Self::Maximum,
    ];

    /// The kind [`Self::as_str`] names.
    pub fn parse(text: &str) -> Result<Self, crate::ParseError> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text)
            .ok_or_else(|| crate::ParseError::invalid("charge kind", text, "not a kind of charge"))
    }

    /// The kind's name, in `snake_case`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Gross => "gross",
            Self::DiscountedCash => "discounted_cash",
            Self::NegotiatedDollar => "negotiated_dollar",
            Self::NegotiatedPercentage => "negotiated_percentage",
            Self::NegotiatedAlgorithm => "negotiated_algorithm",
            Self::Minimum => "minimum",
            Self::Maximum => "maximum",
        }
    }

    /// False only for an algorithm, which is text: it can be filtered on, not sorted or ranged.
    pub fn has_amount(self) -> bool {
        self != Self::NegotiatedAlgorithm
    }

    /// An amount of the standard charge itself, the same for each of its payer rates.
    pub fn of_the_charge(self) -> bool {
        matches!(
            self,
            Self::Gross | Self::DiscountedCash | Self::Minimum | Self::Maximum
        )
    }
}

/// One `T` for each kind with an amount: the amounts of a price line, or where a query reads them.
/// [`KindAmounts::of`] is the one place a kind is tied to its amount, whatever holds the amounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindAmounts<T> {
    pub gross: T,
    pub discounted_cash: T,
    pub negotiated_dollar: T,
    pub negotiated_percentage: T,
    pub minimum: T,
    pub maximum: T,
}

impl<T> KindAmounts<T> {
    /// The amount of `kind`; `None` for an algorithm, which has none.
    pub fn of(self, kind: ChargeKind) -> Option<T> {
        match kind {
            ChargeKind::Gross => Some(self.gross),
            ChargeKind::DiscountedCash => Some(self.discounted_cash),
            ChargeKind::NegotiatedDollar => Some(self.negotiated_dollar),
            ChargeKind::NegotiatedPercentage => Some(self.negotiated_percentage),
            ChargeKind::NegotiatedAlgorithm => None,
            ChargeKind::Minimum => Some(self.minimum),
            ChargeKind::Maximum => Some(self.maximum),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_but_the_algorithm_has_an_amount() {
        let amounts = KindAmounts {
            gross: 1,
            discounted_cash: 2,
            negotiated_dollar: 3,
            negotiated_percentage: 4,
            minimum: 5,
            maximum: 6,
        };
        for kind in ChargeKind::ALL {
            assert_eq!(amounts.of(kind).is_some(), kind.has_amount(), "{kind:?}");
        }
        assert!(ChargeKind::DOLLAR.iter().all(|kind| kind.has_amount()));
    }
}
