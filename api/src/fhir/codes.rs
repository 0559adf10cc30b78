//! The code systems of billing codes, and the project's own code systems.
//!
//! Where HL7 Terminology (THO) or FHIR names a canonical URI for a CMS code type, that URI is used;
//! the other code types (the DRG families other than MS-DRG, APC, EAPG, CMG, CDM, local codes…) get a
//! URI under the project's base, `{DEFINITIONS}/CodeSystem/cms-{type}`. README, "FHIR", lists them.

use priceline_domain::CodeType;

use super::DEFINITIONS;

/// The canonical system of a code type, when FHIR or THO names one.
fn canonical(code_type: CodeType) -> Option<&'static str> {
    Some(match code_type {
        CodeType::Cpt => "http://www.ama-assn.org/go/cpt",
        CodeType::Hcpcs => "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets",
        CodeType::Ndc => "http://hl7.org/fhir/sid/ndc",
        CodeType::Rc => "https://www.nubc.org/CodeSystem/RevenueCodes",
        // The CMS templates' ICD codes are ICD-10-PCS procedure codes.
        CodeType::Icd => "http://www.cms.gov/Medicare/Coding/ICD10",
        CodeType::MsDrg => {
            "https://www.cms.gov/Medicare/Medicare-Fee-for-Service-Payment/AcuteInpatientPPS/MS-DRG-Classifications-and-Software"
        }
        CodeType::Hipps => {
            "https://www.cms.gov/Medicare/Medicare-Fee-for-Service-Payment/ProspMedicareFeeSvcPmtGen/HIPPSCodes"
        }
        CodeType::Cdt => "http://www.ada.org/cdt",
        _ => return None,
    })
}

/// The system URI of a code type: its canonical one, or the project's.
pub fn system(code_type: CodeType) -> String {
    match canonical(code_type) {
        Some(system) => system.to_owned(),
        None => format!(
            "{DEFINITIONS}/CodeSystem/cms-{}",
            code_type.as_str().to_ascii_lowercase()
        ),
    }
}

/// The code type a system URI names, for `code=system|value` searches.
pub fn code_type(system: &str) -> Option<CodeType> {
    CodeType::ALL
        .iter()
        .copied()
        .find(|code_type| self::system(*code_type) == system)
}

/// The project's code system of price kinds (`priceComponent.code`): gross, discounted_cash,
/// minimum, maximum, negotiated_dollar, negotiated_percentage, median_amount, percentile_10th,
/// percentile_90th, estimated_amount (the /v1 field names).
pub fn price_kinds() -> String {
    format!("{DEFINITIONS}/CodeSystem/price-kind")
}

/// The project's code system of charge settings: inpatient, outpatient, both.
pub fn settings() -> String {
    format!("{DEFINITIONS}/CodeSystem/setting")
}

/// The identifier system of the CMS Certification Number (CCN), the OID CMS uses for it.
pub const CCN: &str = "urn:oid:2.16.840.1.113883.4.336";
/// The identifier system of the US Employer Identification Number.
pub const EIN: &str = "urn:oid:2.16.840.1.113883.4.4";
/// The identifier system of the National Provider Identifier.
pub const NPI: &str = "http://hl7.org/fhir/sid/us-npi";

/// The identifier system of a state's hospital license numbers:
/// `{DEFINITIONS}/sid/state-license/{state}`.
pub fn state_license(state: &str) -> String {
    format!(
        "{DEFINITIONS}/sid/state-license/{}",
        state.to_ascii_lowercase()
    )
}

/// The identifier system of a hospital's license whose state is not known.
pub fn license() -> String {
    format!("{DEFINITIONS}/sid/state-license")
}

/// The identifier system of the project's locations (`{facility id}-{n}`).
pub fn locations() -> String {
    format!("{DEFINITIONS}/sid/location")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_type_has_one_system_and_reads_back() {
        let mut systems: Vec<String> = CodeType::ALL.iter().map(|t| system(*t)).collect();
        for each in CodeType::ALL {
            assert_eq!(code_type(&system(*each)), Some(*each));
        }
        systems.sort();
        systems.dedup();
        assert_eq!(systems.len(), CodeType::ALL.len());
        assert_eq!(system(CodeType::Cpt), "http://www.ama-assn.org/go/cpt");
    }
}
