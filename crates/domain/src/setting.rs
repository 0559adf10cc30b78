//! Where and how a charge applies: setting, billing class and payer contracting methodology.

use crate::enumeration::text_enum;

text_enum! {
    /// The setting of care a standard charge applies to.
    Setting, "setting" {
        Inpatient => "inpatient",
        Outpatient => "outpatient",
        Both => "both",
    }
}

text_enum! {
    /// Optional billing class of a standard charge.
    BillingClass, "billing class" {
        Professional => "professional",
        Facility => "facility",
        Both => "both",
    }
}

text_enum! {
    /// How a payer-specific negotiated charge is contracted. A per-diem rate and a case rate are
    /// different kinds of price and are never averaged together.
    Methodology, "methodology" {
        CaseRate => "case rate",
        FeeSchedule => "fee schedule",
        PercentOfTotalBilledCharges => "percent of total billed charges",
        PerDiem => "per diem",
        Other => "other",
        /// Not a CMS value: the file wrote a methodology that matches none of the others (the
        /// text it wrote is kept beside the rate). The rate and its amount are still a price a
        /// user can find, so it is kept, filterable as `unknown`, rather than dropped over a label.
        Unknown => "unknown",
    }
}

impl Methodology {
    /// True for the values of the CMS data dictionary, false for [`Methodology::Unknown`]: a file
    /// that writes `unknown` writes no CMS methodology.
    pub const fn is_cms(self) -> bool {
        !matches!(self, Methodology::Unknown)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_any_case_and_spacing() {
        assert_eq!(Setting::parse(" Inpatient ").unwrap(), Setting::Inpatient);
        assert_eq!(
            Methodology::parse("Per Diem").unwrap(),
            Methodology::PerDiem
        );
        assert_eq!(BillingClass::parse("BOTH").unwrap(), BillingClass::Both);
    }

    #[test]
    fn unknown_is_a_methodology_but_not_a_cms_one() {
        assert_eq!(Methodology::parse("unknown").unwrap(), Methodology::Unknown);
        assert!(!Methodology::Unknown.is_cms());
        assert!(Methodology::ALL.iter().filter(|m| m.is_cms()).count() == 5);
    }

    #[test]
    fn unknown_value_names_the_field_and_the_choices() {
        let error = Methodology::parse("PERCENTAGE OF TOTAL BILLED CHARGES").unwrap_err();
        let message = error.to_string();
        assert!(message.contains("methodology"), "{message}");
        assert!(
            message.contains("percent of total billed charges"),
            "{message}"
        );
    }
}
