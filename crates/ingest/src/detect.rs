//! Template version from structure, not from the `version` cell (real files say `2.0.0` over v3
//! content, or `csv_wide`). The rule, for both CSV and JSON:
//!
//! * **v3.0** when any v3-only element is present: `location_name`, `type_2_npi`, `attester_name`,
//!   the v3 attestation ("… belief, *this* hospital …"), or `median_amount`, `10th_percentile`,
//!   `90th_percentile`, `count` (JSON also: `modifier_code`, a `setting` on a modifier).
//! * **v2.2** otherwise when any v2.2 element is present: drug unit/type, `modifiers` /
//!   `modifier_information`, `estimated_amount`.
//! * **v2.1** otherwise. v2.0 and v2.1 have the same structure (v2.1 only added conditional
//!   requirements), so no file can be told apart; v2.1's rules have applied since 2024-07-01, so they
//!   are the ones checked. A caller may still validate as v2.0 through `ReadOptions::version`.
//!
//! A JSON document without any version-specific key (`{}`) falls back to its declared version, then
//! to v2.1.

use priceline_domain::TemplateVersion;

use crate::finding::Finding;
use crate::rules;
use crate::sniff::Syntax;

/// The start shared by the v2 affirmation and the v3 attestation.
pub(crate) const STATEMENT_PREFIX: &str = "to the best of its knowledge and belief";

pub(crate) const AFFIRMATION: &str = "To the best of its knowledge and belief, the hospital has included all applicable standard charge information in accordance with the requirements of 45 CFR 180.50, and the information encoded is true, accurate, and complete as of the date indicated.";
pub(crate) const ATTESTATION: &str = "To the best of its knowledge and belief, this hospital has included all applicable standard charge information in accordance with the requirements of 45 CFR 180.50, and the information encoded is true, accurate, and complete as of the date in the file. This hospital has included all payer-specific negotiated charges in dollars that can be expressed as a dollar amount. For payer-specific negotiated charges that cannot be expressed as a dollar amount in the machine-readable file or not knowable in advance, the hospital attests that the payer-specific negotiated charge is based on a contractual algorithm, percentage or formula that precludes the provision of a dollar amount and has provided all necessary information available to the hospital for the public to be able to derive the dollar amount, including, but not limited to, the specific fee schedule or components referenced in such percentage, algorithm or formula.";

const V3_ALLOWED_AMOUNTS: [&str; 4] = [
    "median_amount",
    "10th_percentile",
    "90th_percentile",
    "count",
];

/// A header as the CMS validator compares it: parts split on `|`, trimmed, lower-cased.
pub(crate) fn normalise_key(text: &str) -> String {
    text.split('|')
        .map(|part| part.trim().to_lowercase())
        .collect::<Vec<_>>()
        .join("|")
}

/// Whether a statement key (or JSON text) is the v3 attestation rather than the v2 affirmation.
pub(crate) fn is_v3_statement(text: &str) -> bool {
    let lower = text.to_lowercase();
    lower.starts_with(STATEMENT_PREFIX) && lower.contains("belief, this hospital")
}

/// The version of a CSV file from its normalised row-1 keys and row-3 headers.
pub(crate) fn csv_version(row1: &[String], row3: &[String]) -> TemplateVersion {
    let first_part = |header: &String| header.split('|').next().unwrap_or_default().to_owned();
    let v3_key = row1.iter().any(|key| {
        matches!(
            key.as_str(),
            "location_name" | "type_2_npi" | "attester_name"
        ) || is_v3_statement(key)
    });
    let v3_column = row3
        .iter()
        .any(|header| V3_ALLOWED_AMOUNTS.contains(&first_part(header).as_str()));
    if v3_key || v3_column {
        return TemplateVersion::V3_0;
    }
    let v2_2_column = row3.iter().any(|header| {
        matches!(
            first_part(header).as_str(),
            "drug_unit_of_measurement"
                | "drug_type_of_measurement"
                | "modifiers"
                | "estimated_amount"
        )
    });
    if v2_2_column {
        TemplateVersion::V2_2
    } else {
        TemplateVersion::V2_1
    }
}

/// Which version-specific keys a JSON document uses (root keys and keys seen inside elements).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct JsonShape {
    pub v3: bool,
    pub v2_2: bool,
    pub v2: bool,
}

impl JsonShape {
    pub fn observe_key(&mut self, key: &str) {
        match key {
            "location_name" | "type_2_npi" | "attestation" | "attester_name" | "median_amount"
            | "10th_percentile" | "90th_percentile" | "count" | "modifier_code" => self.v3 = true,
            "drug_information" | "modifier_information" | "estimated_amount" => self.v2_2 = true,
            "hospital_location" | "affirmation" => self.v2 = true,
            _ => {}
        }
    }

    pub fn version(self, declared: Option<&str>) -> TemplateVersion {
        if self.v3 {
            TemplateVersion::V3_0
        } else if self.v2_2 {
            TemplateVersion::V2_2
        } else if self.v2 {
            TemplateVersion::V2_1
        } else {
            declared
                .and_then(|text| TemplateVersion::parse(text).ok())
                .unwrap_or(TemplateVersion::V2_1)
        }
    }
}

/// The CMS validator's version alert: the declared `version` is not one it expects for the version
/// the file is validated as (CSV v2.x files must say `2.0.0`; JSON may also say its minor version).
///
/// As the CMS validator: nothing is expected when validating as v2.0 (the first template had no
/// version rule), and the alert points at the version value (`/version`, or its CSV cell).
pub(crate) fn version_alert(
    declared: Option<&str>,
    version: TemplateVersion,
    syntax: Syntax,
    location: &str,
) -> Option<Finding> {
    let expected: &[&str] = match (version, syntax) {
        (TemplateVersion::V2_0, _) => return None,
        (TemplateVersion::V3_0, _) => &["3.0.0"],
        (_, Syntax::Csv | Syntax::Xlsx) => &["2.0.0"],
        (TemplateVersion::V2_1, Syntax::Json) => &["2.0.0", "2.1.0"],
        (TemplateVersion::V2_2, Syntax::Json) => &["2.0.0", "2.2.0", "2.2.1"],
    };
    let declared = declared.unwrap_or_default().trim();
    (!expected.contains(&declared)).then(|| {
        Finding::new(
            rules::VERSION_MISMATCH,
            location,
            format!(
                "the file declares version {declared:?} but its structure is template {version}; expected {}",
                expected.join(" or ")
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(list: &[&str]) -> Vec<String> {
        list.iter().map(|key| normalise_key(key)).collect()
    }

    #[test]
    fn csv_version_follows_the_columns() {
        let v2 = keys(&["hospital_name", "hospital_location", AFFIRMATION]);
        assert_eq!(
            csv_version(&v2, &keys(&["description", "code|1"])),
            TemplateVersion::V2_1
        );
        assert_eq!(
            csv_version(&v2, &keys(&["description", "estimated_amount | A | B"])),
            TemplateVersion::V2_2
        );
        assert_eq!(
            csv_version(&v2, &keys(&["description", "COUNT"])),
            TemplateVersion::V3_0
        );
        assert_eq!(
            csv_version(&keys(&["hospital_name", ATTESTATION]), &[]),
            TemplateVersion::V3_0
        );
    }

    #[test]
    fn json_shape_prefers_structure_over_the_declared_version() {
        let mut shape = JsonShape::default();
        shape.observe_key("hospital_location");
        assert_eq!(shape.version(Some("3.0.0")), TemplateVersion::V2_1);
        shape.observe_key("median_amount");
        assert_eq!(shape.version(Some("2.0.0")), TemplateVersion::V3_0);
        assert_eq!(
            JsonShape::default().version(Some("2.2.0")),
            TemplateVersion::V2_2
        );
    }

    #[test]
    fn version_alert_is_per_syntax() {
        let alert =
            |declared, version, syntax| version_alert(Some(declared), version, syntax, "C2");
        assert!(alert("2.0.0", TemplateVersion::V2_2, Syntax::Csv).is_none());
        assert!(alert("2.2.0", TemplateVersion::V2_2, Syntax::Csv).is_some());
        assert!(alert("2.2.0", TemplateVersion::V2_2, Syntax::Json).is_none());
        assert!(alert("1.0.0", TemplateVersion::V2_1, Syntax::Json).is_some());
        assert!(alert("2", TemplateVersion::V2_0, Syntax::Csv).is_none());
    }
}
