//! Mapping profiles: which column of a legacy chargemaster holds what. A profile is written in TOML
//! (`priceline import FILE --profile P`), or detected from the header row for the common layouts
//! (`Profile::detect`, which is also what `priceline profile suggest` prints as a draft).
//!
//! ```toml
//! [hospital]
//! name = "Eastern Hospital"      # else from the file name <EIN>_<name>_standardcharges.csv
//! ein = "113243405"
//!
//! [layout]
//! header_row = 1                  # the row holding the column names; rows above are titles
//! absent = ["N/A", "NA", "-"]     # cells that mean "no value" (a blank cell always does)
//! sheet = "Charges"               # a workbook's sheet (the first when unset)
//!
//! [columns]
//! description = "Description"
//! codes = [{ column = "Code", type = "auto" }, { column = "Rev Code", type = "RC" }]
//! setting = "Type"
//! gross = "Gross charge"
//! discounted_cash = "Discounted cash price"
//! minimum = "De-identified min contracted rate"
//! maximum = "De-identified max contracted rate"
//! notes = ["Package/Line_Level"]
//!
//! [payers]
//! plan_separator = "-"            # "AETNA-PPO": payer AETNA, plan PPO; "" keeps the whole name
//! columns = ["AETNA-PPO", "CIGNA"]
//! ```

use serde::{Deserialize, Serialize};

/// How a legacy chargemaster's columns map onto standard charges.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// What the snapshot's legacy mark names: `auto`, or the profile file's name. Not in the TOML.
    #[serde(skip)]
    pub name: String,
    #[serde(default)]
    pub hospital: Hospital,
    #[serde(default)]
    pub layout: Layout,
    #[serde(default)]
    pub columns: Columns,
    #[serde(default)]
    pub payers: Payers,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hospital {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ein: Option<String>,
    /// The hospital's date of the file (`YYYY-MM-DD`), which legacy files rarely state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_updated_on: Option<chrono::NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Layout {
    /// 1-based row of the column names.
    #[serde(default = "first_row")]
    pub header_row: u64,
    /// Cell texts meaning "no value", compared ignoring case and surrounding spaces.
    #[serde(default = "default_absent")]
    pub absent: Vec<String>,
    /// A workbook's sheet to read (the first when unset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
}

impl Default for Layout {
    fn default() -> Self {
        Self {
            header_row: first_row(),
            absent: default_absent(),
            sheet: None,
        }
    }
}

fn first_row() -> u64 {
    1
}

fn default_absent() -> Vec<String> {
    ["N/A", "NA", "-", "--"].map(String::from).to_vec()
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Columns {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub codes: Vec<CodeColumn>,
    /// Inpatient / outpatient / both; without it every charge is `both` (a chargemaster price that
    /// the file does not split by setting applies in either).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub setting: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gross: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discounted_cash: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minimum: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maximum: Option<String>,
    /// Columns kept as the charge's notes (`Header: value`), for what has no typed home.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeColumn {
    pub column: String,
    /// A CMS code type (`CPT`, `HCPCS`, `RC`, `CDM`, `LOCAL`, …), or `auto`: CPT for a CPT-shaped
    /// value (`10060`, `0075T`), HCPCS for a HCPCS Level II one (`J1100`), LOCAL otherwise.
    #[serde(rename = "type", default = "auto")]
    pub code_type: String,
}

fn auto() -> String {
    "auto".into()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Payers {
    /// Splits a column name into payer and plan at its first occurrence (` - ` is preferred when
    /// present); empty: the whole name is the payer.
    #[serde(default = "dash")]
    pub plan_separator: String,
    /// One column per payer (or payer and plan), holding its negotiated dollar amount.
    #[serde(default)]
    pub columns: Vec<String>,
}

impl Default for Payers {
    fn default() -> Self {
        Self {
            plan_separator: dash(),
            columns: Vec::new(),
        }
    }
}

fn dash() -> String {
    "-".into()
}

impl Profile {
    /// A profile from its TOML text; `name` is what the legacy mark will say.
    pub fn from_toml(text: &str, name: &str) -> Result<Self, String> {
        let mut profile: Profile = toml::from_str(text).map_err(|error| error.to_string())?;
        profile.name = name.to_owned();
        Ok(profile)
    }

    pub fn to_toml(&self) -> String {
        toml::to_string(self).unwrap_or_default()
    }

    /// The profile of a common layout, from the header row alone: each column is the first role
    /// its name fits (see `role`); columns whose name fits none are payer columns, since that is
    /// what the remaining columns of these files are (`AETNA-PPO`, `BLUE CROSS-Medicaid HMO`).
    /// Refused (with the reason) when no column holds a description or code, or none an amount.
    pub fn detect(header: &[String]) -> Result<Self, String> {
        let profile = Self::guess(header);
        profile.check(header)?;
        Ok(profile)
    }

    /// What [`Profile::detect`] makes of a header, whether or not it is enough to read the file.
    pub fn guess(header: &[String]) -> Self {
        let mut profile = Profile {
            name: "auto".into(),
            hospital: Hospital::default(),
            layout: Layout::default(),
            columns: Columns::default(),
            payers: Payers::default(),
        };
        let columns = &mut profile.columns;
        for name in header.iter().filter(|name| !name.trim().is_empty()) {
            let slot = match role(name) {
                Role::Description => &mut columns.description,
                Role::Code(code_type) => {
                    columns.codes.push(CodeColumn {
                        column: name.clone(),
                        code_type: code_type.into(),
                    });
                    continue;
                }
                Role::Setting => &mut columns.setting,
                Role::Gross => &mut columns.gross,
                Role::Cash => &mut columns.discounted_cash,
                Role::Minimum => &mut columns.minimum,
                Role::Maximum => &mut columns.maximum,
                Role::Note => {
                    columns.notes.push(name.clone());
                    continue;
                }
                Role::Payer => {
                    profile.payers.columns.push(name.clone());
                    continue;
                }
            };
            // A second column of a role taken already: kept as a note rather than guessed at.
            if slot.is_none() {
                *slot = Some(name.clone());
            } else {
                columns.notes.push(name.clone());
            }
        }
        profile
    }

    /// Why the profile cannot read a file with this header, if it cannot.
    pub fn check(&self, header: &[String]) -> Result<(), String> {
        let (profile, columns) = (self, &self.columns);
        let shown: Vec<&str> = header.iter().take(8).map(String::as_str).collect();
        if columns.description.is_none() && columns.codes.is_empty() {
            return Err(format!(
                "no column of the header {shown:?} names a description or a code; write a mapping profile (priceline profile suggest FILE drafts one)"
            ));
        }
        let amounts = [
            &columns.gross,
            &columns.discounted_cash,
            &columns.minimum,
            &columns.maximum,
        ];
        if amounts.iter().all(|column| column.is_none()) && profile.payers.columns.is_empty() {
            return Err(format!(
                "no column of the header {shown:?} holds a price; write a mapping profile (priceline profile suggest FILE drafts one)"
            ));
        }
        Ok(())
    }
}

enum Role {
    Description,
    Code(&'static str),
    Setting,
    Gross,
    Cash,
    Minimum,
    Maximum,
    Note,
    Payer,
}

/// The role a column name fits, by the words hospitals use for it.
fn role(name: &str) -> Role {
    let words: Vec<String> = name
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .collect();
    let has = |word: &str| words.iter().any(|w| w == word);
    let starts = |prefix: &str| words.iter().any(|w| w.starts_with(prefix));
    if (has("code") && has("type")) || (starts("rev") && starts("desc")) {
        // `Code Type` beside a code column: what kind of code, not a code; `Rev Desc`: the revenue
        // code's name, not the item's.
        Role::Note
    } else if starts("desc")
        || (words.len() == 1 && (has("service") || has("procedure") || has("item")))
    {
        Role::Description
    } else if starts("rev") && (has("code") || has("cd") || words.len() == 1) {
        Role::Code("RC")
    } else if has("cdm") || (has("charge") && has("code")) {
        Role::Code("CDM")
    } else if has("cpt") || has("hcpcs") || (has("code") && words.len() <= 2) {
        Role::Code("auto")
    } else if (has("min") || has("minimum")) && !has("derived") {
        Role::Minimum
    } else if (has("max") || has("maximum")) && !has("derived") {
        Role::Maximum
    } else if has("cash") || (has("self") && has("pay")) || has("selfpay") {
        Role::Cash
    } else if has("gross")
        || (words.len() <= 3
            && (has("price")
                || has("charge")
                || has("charges")
                || has("amount")
                || has("cost")
                || has("fee"))
            && !has("payer"))
    {
        Role::Gross
    } else if has("setting")
        || (has("type") && words.len() <= 2)
        || (has("inpatient") && has("outpatient"))
    {
        Role::Setting
    } else if [
        "derived",
        "level",
        "package",
        "note",
        "notes",
        "modifier",
        "modifiers",
        "unit",
        "units",
        "quantity",
        "department",
        "dept",
        "category",
        "ndc",
        "class",
    ]
    .iter()
    .any(|word| has(word))
    {
        Role::Note
    } else {
        Role::Payer
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(names: &[&str]) -> Vec<String> {
        names.iter().map(|name| (*name).to_owned()).collect()
    }

    #[test]
    fn detects_the_payer_plan_layout() {
        let profile = Profile::detect(&header(&[
            "Code",
            "Description",
            "Type",
            "Package/Line_Level",
            "Gross charge",
            "Discounted cash price",
            "De-identified min contracted rate",
            "De-identified max contracted rate",
            "Derived contracted rate",
            "AETNA-Commercial HMO/POS",
            "BLUE CROSS-Medicaid HMO",
        ]))
        .unwrap();
        let columns = &profile.columns;
        assert_eq!(columns.description.as_deref(), Some("Description"));
        assert_eq!(columns.codes[0].column, "Code");
        assert_eq!(columns.setting.as_deref(), Some("Type"));
        assert_eq!(columns.gross.as_deref(), Some("Gross charge"));
        assert_eq!(
            columns.discounted_cash.as_deref(),
            Some("Discounted cash price")
        );
        assert_eq!(
            columns.minimum.as_deref(),
            Some("De-identified min contracted rate")
        );
        assert_eq!(
            columns.maximum.as_deref(),
            Some("De-identified max contracted rate")
        );
        assert_eq!(
            columns.notes,
            ["Package/Line_Level", "Derived contracted rate"]
        );
        assert_eq!(
            profile.payers.columns,
            ["AETNA-Commercial HMO/POS", "BLUE CROSS-Medicaid HMO"]
        );
    }

    #[test]
    fn detects_two_columns_and_refuses_what_it_cannot_map() {
        let profile = Profile::detect(&header(&[
            "Rev Code",
            "Rev Desc",
            "Desc",
            "Code Type",
            "Price",
        ]))
        .unwrap();
        assert_eq!(profile.columns.description.as_deref(), Some("Desc"));
        assert_eq!(profile.columns.notes, ["Rev Desc", "Code Type"]);
        assert_eq!(profile.columns.codes[0].code_type, "RC");
        let profile = Profile::detect(&header(&["DESCRIPTION", "Price"])).unwrap();
        assert_eq!(profile.columns.gross.as_deref(), Some("Price"));
        assert!(profile.payers.columns.is_empty());
        let error = Profile::detect(&header(&["foo", "bar"])).unwrap_err();
        assert!(error.contains("no column"), "{error}");
        assert!(Profile::detect(&header(&["Description", "Department"])).is_err());
    }

    #[test]
    fn a_suggested_profile_reads_back() {
        let profile =
            Profile::detect(&header(&["Item Description", "CPT", "Charge", "CIGNA"])).unwrap();
        let text = profile.to_toml();
        let mut again = Profile::from_toml(&text, "auto").unwrap();
        again.name = profile.name.clone();
        assert_eq!(again, profile);
        assert!(Profile::from_toml("[columns]\nbogus = 1\n", "x").is_err());
    }
}
