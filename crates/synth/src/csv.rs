//! What the Tall and Wide writers share: RFC 4180 cells, rows 1–2 (the general data elements) and
//! the item columns both layouts start with.

use std::fmt::{Display, Write as _};
use std::io::{self, Write};

use crate::ATTESTATION;
use crate::catalogue::MAX_SERVICE_CODES;
use crate::decimal::Fixed;
use crate::hospital::Hospital;
use crate::model::{Charge, Item, Rate};

/// Code pairs (`code|n`, `code|n|type`) in row 3: a catalogue service's codes plus a CDM code.
pub(crate) const CODE_PAIRS: usize = MAX_SERVICE_CODES + 1;

/// One CSV output: cells separated by commas, rows ended by `\n` (the CMS validator splits rows
/// on `\n`). Text is quoted only when it must be.
pub(crate) struct CsvWriter<W: Write> {
    out: W,
    scratch: String,
    at_row_start: bool,
}

impl<W: Write> CsvWriter<W> {
    pub fn new(out: W) -> Self {
        Self {
            out,
            scratch: String::new(),
            at_row_start: true,
        }
    }

    fn separate(&mut self) -> io::Result<()> {
        if !self.at_row_start {
            self.out.write_all(b",")?;
        }
        self.at_row_start = false;
        Ok(())
    }

    /// A text cell, quoted when it holds a comma, quote or line break.
    pub fn text(&mut self, text: &str) -> io::Result<()> {
        self.separate()?;
        if text.contains([',', '"', '\n', '\r']) {
            self.out.write_all(b"\"")?;
            for (index, part) in text.split('"').enumerate() {
                if index > 0 {
                    self.out.write_all(b"\"\"")?;
                }
                self.out.write_all(part.as_bytes())?;
            }
            self.out.write_all(b"\"")
        } else {
            self.out.write_all(text.as_bytes())
        }
    }

    /// A displayed value that may need quoting (descriptions, algorithm sentences).
    pub fn show(&mut self, value: impl Display) -> io::Result<()> {
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.clear();
        // Writing into a String cannot fail.
        let _ = write!(scratch, "{value}");
        let written = self.text(&scratch);
        self.scratch = scratch;
        written
    }

    /// A value whose text never needs quoting (numbers, enumerations, codes), or a blank cell.
    pub fn plain(&mut self, value: Option<impl Display>) -> io::Result<()> {
        self.separate()?;
        match value {
            Some(value) => write!(self.out, "{value}"),
            None => Ok(()),
        }
    }

    pub fn blanks(&mut self, count: usize) -> io::Result<()> {
        (0..count).try_for_each(|_| self.plain(None::<&str>))
    }

    /// Cells rendered by another writer (see `Rendered`), placed at the start of a row.
    pub fn rendered(&mut self, cells: &Rendered) -> io::Result<()> {
        self.at_row_start = false;
        self.out.write_all(&cells.0.out)
    }

    pub fn end_row(&mut self) -> io::Result<()> {
        self.at_row_start = true;
        self.out.write_all(b"\n")
    }

    /// The output written to.
    pub fn into_inner(self) -> W {
        self.out
    }

    /// Rows 1 and 2, padded with blank cells to the width of row 3 as the CMS examples are.
    pub fn general_rows(&mut self, hospital: &Hospital, width: usize) -> io::Result<()> {
        let license_key = format!("license_number|{}", hospital.license_state);
        let keys = [
            "hospital_name",
            "last_updated_on",
            "version",
            "location_name",
            "hospital_address",
            &license_key,
            "type_2_npi",
            ATTESTATION,
            "attester_name",
        ];
        keys.iter().try_for_each(|key| self.text(key))?;
        self.blanks(width.saturating_sub(keys.len()))?;
        self.end_row()?;
        let values = [
            hospital.name.as_str(),
            &hospital.last_updated_on,
            crate::VERSION,
            &joined(
                hospital
                    .locations
                    .iter()
                    .map(|location| location.name.as_str()),
            ),
            &joined(
                hospital
                    .locations
                    .iter()
                    .map(|location| location.address.as_str()),
            ),
            &hospital.license_number,
            &joined(hospital.npis.iter().map(String::as_str)),
            "true",
            &hospital.attester_name,
        ];
        values.iter().try_for_each(|value| self.text(value))?;
        self.blanks(width.saturating_sub(values.len()))?;
        self.end_row()
    }

    /// Row-3 headers of the item columns both layouts begin with.
    pub fn item_headers(&mut self) -> io::Result<()> {
        self.text("description")?;
        for pair in 1..=CODE_PAIRS {
            self.show(format_args!("code|{pair}"))?;
            self.show(format_args!("code|{pair}|type"))?;
        }
        for header in [
            "modifiers",
            "setting",
            "drug_unit_of_measurement",
            "drug_type_of_measurement",
            "standard_charge|gross",
            "standard_charge|discounted_cash",
        ] {
            self.text(header)?;
        }
        Ok(())
    }

    /// The item columns of a charge's row, in `item_headers` order.
    pub fn item_cells(&mut self, item: &Item, charge: &Charge) -> io::Result<()> {
        self.show(item.description())?;
        let mut written = 0;
        for (code_type, code) in item.codes() {
            self.plain(Some(code))?;
            self.plain(Some(code_type))?;
            written += 1;
        }
        self.blanks(2 * (CODE_PAIRS - written))?;
        self.plain(charge.modifier)?;
        self.plain(Some(charge.setting))?;
        let drug = item.drug();
        self.plain(drug.map(|(unit, _)| unit))?;
        self.plain(drug.map(|(_, unit_type)| unit_type))?;
        self.plain(charge.gross)?;
        self.plain(charge.cash)
    }

    /// Dollar, percentage, algorithm, median, 10th, 90th, count and methodology of a rate: the
    /// order of both the Tall payer columns and a Wide payer group.
    pub fn rate_cells(&mut self, rate: &Rate) -> io::Result<()> {
        self.plain(rate.dollar)?;
        self.plain(rate.percentage)?;
        match rate.algorithm {
            Some(algorithm) => self.show(algorithm)?,
            None => self.blanks(1)?,
        }
        self.plain(rate.allowed.map(|allowed| allowed.median))?;
        self.plain(rate.allowed.map(|allowed| allowed.p10))?;
        self.plain(rate.allowed.map(|allowed| allowed.p90))?;
        self.plain(rate.count)?;
        self.plain(Some(rate.methodology))
    }

    /// The cells of a modifier adjustment in the same eight columns: only the percentage is set.
    pub fn adjustment_cells(&mut self, percentage: Fixed) -> io::Result<()> {
        self.blanks(1)?;
        self.plain(Some(percentage))?;
        self.blanks(6)
    }

    pub fn notes(&mut self, notes: Option<&str>) -> io::Result<()> {
        self.text(notes.unwrap_or(""))
    }
}

/// Cells rendered once and written on many rows: Tall repeats an item's columns on every payer row.
pub(crate) struct Rendered(CsvWriter<Vec<u8>>);

impl Rendered {
    pub fn new() -> Self {
        Self(CsvWriter::new(Vec::new()))
    }

    /// Starts over, keeping the buffers' capacity.
    pub fn writer(&mut self) -> &mut CsvWriter<Vec<u8>> {
        self.0.out.clear();
        self.0.at_row_start = true;
        &mut self.0
    }
}

/// A CSV list value: the parts joined with `|`.
fn joined<'a>(parts: impl Iterator<Item = &'a str>) -> String {
    parts.collect::<Vec<_>>().join("|")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_what_needs_quoting() {
        let mut bytes = Vec::new();
        let mut csv = CsvWriter::new(&mut bytes);
        csv.text("plain").unwrap();
        csv.text("a, b").unwrap();
        csv.text("say \"hi\"").unwrap();
        csv.plain(Some(Fixed::round(12_500, 2))).unwrap();
        csv.plain(None::<Fixed>).unwrap();
        csv.end_row().unwrap();
        assert_eq!(
            String::from_utf8(bytes).unwrap(),
            "plain,\"a, b\",\"say \"\"hi\"\"\",1.25,\n"
        );
    }
}
