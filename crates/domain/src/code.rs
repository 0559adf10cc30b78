//! Billing codes and the 21 code types of the CMS dictionaries.

use serde::{Deserialize, Serialize};

use crate::ParseError;
use crate::enumeration::text_enum;

text_enum! {
    /// The type of a billing code. v2 knows 19; v3.0 adds `CMG` and `MS-LTC-DRG`.
    CodeType, "code type" {
        Cpt => "CPT",
        Ndc => "NDC",
        Hcpcs => "HCPCS",
        Rc => "RC",
        Icd => "ICD",
        Drg => "DRG",
        MsDrg => "MS-DRG",
        RDrg => "R-DRG",
        SDrg => "S-DRG",
        ApsDrg => "APS-DRG",
        ApDrg => "AP-DRG",
        AprDrg => "APR-DRG",
        Apc => "APC",
        Local => "LOCAL",
        Eapg => "EAPG",
        Hipps => "HIPPS",
        Cdt => "CDT",
        Cdm => "CDM",
        TrisDrg => "TRIS-DRG",
        Cmg => "CMG",
        MsLtcDrg => "MS-LTC-DRG",
    }
}

impl CodeType {
    /// True for the types that template v3.0 introduced.
    pub fn is_v3_only(self) -> bool {
        matches!(self, CodeType::Cmg | CodeType::MsLtcDrg)
    }
}

/// One billing code with its type, e.g. (`CPT`, `70551`). The value is kept as written, trimmed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Code {
    #[serde(rename = "type")]
    pub code_type: CodeType,
    pub code: String,
}

impl Code {
    /// A code of the given type; the value must not be blank.
    pub fn new(code_type: CodeType, code: &str) -> Result<Self, ParseError> {
        let code = code.trim();
        if code.is_empty() {
            return Err(ParseError::invalid("code", code, "blank"));
        }
        Ok(Self {
            code_type,
            code: code.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_all_21_code_types() {
        assert_eq!(CodeType::ALL.len(), 21);
        for code_type in CodeType::ALL {
            assert_eq!(
                CodeType::parse(&code_type.as_str().to_lowercase()).unwrap(),
                *code_type
            );
        }
        assert!(CodeType::parse("ms-ltc-drg").unwrap().is_v3_only());
    }

    #[test]
    fn refuses_a_blank_code() {
        assert!(Code::new(CodeType::Cpt, "  ").is_err());
        assert_eq!(Code::new(CodeType::Cpt, " 70551 ").unwrap().code, "70551");
    }
}
