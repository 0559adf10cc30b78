//! Whether rows 2 and 3 have the shape of the CMS header rows, before anything is read from them.
//!
//! Broken quoting shifts rows: a quote left open in row 1 swallows row 2, so the column names of
//! row 3 arrive as row 2 (a facility named "DESCRIPTION") and the first data row as row 3 (columns
//! named `10060` and `698.25`). Read as written, such a file is a hospital that does not exist, with
//! hundreds of "extra columns". The shape tells: row 2 holds the template's *column names* where
//! the values of row 1's keys belong, or row 3 holds *values* (numbers, amounts) where column names
//! belong, which no template column is named like. Either refuses the file, naming the row and the
//! cells. The file's name plays no part.

use crate::IngestError;
use crate::detect::normalise_key;
use crate::finding::cell;
use crate::values::plain_number;

/// How many cells of a kind make a row misplaced: one could be a hospital that names itself
/// "Setting", or an extra column called `2024`; two is a pattern.
const ENOUGH: usize = 2;

/// Refuses rows 2 and 3 (trimmed cells) that are not the CMS header rows.
pub(crate) fn check_rows_2_3(row2: &[String], row3: &[String]) -> Result<(), IngestError> {
    let names = cells_where(row2, 2, is_column_name);
    if names.len() >= ENOUGH {
        return Err(IngestError::HeaderRows {
            row: 2,
            reason: format!(
                "it holds the column names {} where the values of row 1's keys belong: the rows are shifted (a quote left open above?)",
                names.join(", ")
            ),
        });
    }
    // A real row 3 may carry a few extra columns named like values (`2023`, `2024`): values refuse
    // it only where the template's own names are missing, or where they are most of the row.
    let value_count = row3.iter().filter(|text| looks_like_a_value(text)).count();
    let filled = row3.iter().filter(|text| !text.is_empty()).count();
    let named = |wanted: fn(&str) -> bool| row3.iter().any(|text| wanted(&normalise_key(text)));
    let has_template_names =
        named(|key| key == "description") && named(|key| key.starts_with("code|"));
    if value_count >= ENOUGH && (!has_template_names || value_count * 2 > filled) {
        let values = cells_where(row3, 3, looks_like_a_value);
        return Err(IngestError::HeaderRows {
            row: 3,
            reason: format!(
                "it holds values {} where the column names belong: the rows are shifted or row 3 is missing",
                values.join(", ")
            ),
        });
    }
    Ok(())
}

/// The cells of `cells` that `test` picks, as `"text" (B3)`: the first four, then how many more.
fn cells_where(cells: &[String], row: u64, test: fn(&str) -> bool) -> Vec<String> {
    let picked: Vec<String> = cells
        .iter()
        .enumerate()
        .filter(|(_, text)| test(text))
        .map(|(index, text)| format!("{text:?} ({})", cell(index, row)))
        .collect();
    match picked.len() {
        0..=4 => picked,
        count => {
            let mut shown = picked[..4].to_vec();
            shown.push(format!("and {} more", count - 4));
            shown
        }
    }
}

/// A row-3 column name of the templates that no row-2 value is written like.
fn is_column_name(text: &str) -> bool {
    let key = normalise_key(text);
    let mut parts = key.split('|');
    let first = parts.next().unwrap_or_default();
    match first {
        "description"
        | "setting"
        | "payer_name"
        | "plan_name"
        | "billing_class"
        | "additional_generic_notes"
        | "drug_unit_of_measurement"
        | "drug_type_of_measurement" => parts.next().is_none(),
        "code" => parts.next().is_some(),
        "standard_charge" => parts.next().is_some(),
        _ => false,
    }
}

/// A number, an amount (`$1,200.50`) or a percentage: what data cells hold and names never are.
fn looks_like_a_value(text: &str) -> bool {
    let text = text.trim();
    let bare = text
        .strip_prefix('$')
        .or_else(|| text.strip_suffix('%'))
        .unwrap_or(text)
        .trim()
        .replace(',', "");
    !bare.is_empty() && plain_number(&bare)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn cms_rows_pass_and_shifted_rows_are_refused_with_their_row() {
        let row2 = strings(&[
            "West Mercy",
            "2024-07-01",
            "2.0.0",
            "Setting",
            "1 Main St",
            "5",
        ]);
        let row3 = strings(&[
            "description",
            "code | 1",
            "code|1|type",
            "",
            "Extra 2024",
            "2024",
        ]);
        assert!(check_rows_2_3(&row2, &row3).is_ok());

        let shifted = strings(&["DESCRIPTION", "CODE|1", "CODE|1|TYPE", "SETTING"]);
        let data = strings(&["I&D ABSCESS", "10060", "CPT", "outpatient", "$698.25"]);
        match check_rows_2_3(&shifted, &data) {
            Err(IngestError::HeaderRows { row: 2, reason }) => {
                assert!(reason.contains(r#""DESCRIPTION" (A2)"#), "{reason}")
            }
            other => panic!("{other:?}"),
        }
        match check_rows_2_3(&row2, &data) {
            Err(IngestError::HeaderRows { row: 3, reason }) => {
                assert!(
                    reason.contains(r#""10060" (B3), "$698.25" (E3)"#),
                    "{reason}"
                )
            }
            other => panic!("{other:?}"),
        }
        // Extra columns named like values beside the template's names are the hospital's own.
        let with_years = strings(&[
            "description",
            "code|1",
            "code|1|type",
            "setting",
            "standard_charge|gross",
            "2023",
            "2024",
        ]);
        assert!(check_rows_2_3(&row2, &with_years).is_ok());
    }
}
