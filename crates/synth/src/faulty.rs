//! Demo files with the problems real price files have, so a demo database shows findings,
//! quarantined rows and repaired values without anyone writing a bad file by hand. Each is a valid
//! Tall file of its own hospital with one fault written into one data row, always the same row, so
//! the output stays deterministic.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::csv::CsvWriter;
use crate::{Format, Hospital, Spec, write};

/// The first data row of a Tall file (rows 1–2 are the header, row 3 the column names), 0-based.
const FIRST_DATA_LINE: usize = 3;

/// A problem written into one row of an otherwise valid file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// A setting outside the CMS list (`ambulatory`): the row is quarantined with an error.
    UnknownSetting,
    /// A gross charge written with a dollar sign and a trailing space (`$1255.64 `): read as the
    /// number, with a (repaired) error finding, the file's text kept as raw.
    DollarAmount,
    /// A payer rate without its contracting methodology: that rate is quarantined with an error.
    MissingMethodology,
}

impl Fault {
    pub const ALL: [Fault; 3] = [
        Fault::UnknownSetting,
        Fault::DollarAmount,
        Fault::MissingMethodology,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Fault::UnknownSetting => "unknown-setting",
            Fault::DollarAmount => "dollar-amount",
            Fault::MissingMethodology => "missing-methodology",
        }
    }

    /// The column it changes, and whether a row qualifies (its current cell in that column).
    fn column(self) -> &'static str {
        match self {
            Fault::UnknownSetting => "setting",
            Fault::DollarAmount => "standard_charge|gross",
            Fault::MissingMethodology => "standard_charge|methodology",
        }
    }

    fn apply(self, cell: &str) -> String {
        match self {
            Fault::UnknownSetting => "ambulatory".to_owned(),
            Fault::DollarAmount => format!("${cell} "),
            Fault::MissingMethodology => String::new(),
        }
    }
}

/// Writes hospital `index` of `seed` as a Tall file of about `rows` rows with `fault` in its first
/// data row that has a value in the fault's column, into `dir/faulty/` under the CMS name.
pub fn write_faulty(
    dir: &Path,
    seed: u64,
    index: usize,
    rows: u64,
    fault: Fault,
) -> io::Result<PathBuf> {
    let spec = Spec {
        seed,
        hospital: index,
        rows,
    };
    let mut bytes = Vec::new();
    write(&spec, Format::Tall, &mut bytes)?;
    let text = String::from_utf8(bytes).map_err(io::Error::other)?;
    let text = with_fault(&text, fault)?;
    let folder = dir.join("faulty");
    fs::create_dir_all(&folder)?;
    let path = folder.join(Hospital::new(seed, index).file_name(Format::Tall));
    fs::write(&path, text)?;
    Ok(path)
}

/// `text` (a generated Tall file: one record per line) with `fault` in its first qualifying row.
fn with_fault(text: &str, fault: Fault) -> io::Result<String> {
    let mut lines: Vec<String> = text.split_inclusive('\n').map(str::to_owned).collect();
    let missing = || io::Error::other(format!("no row to write the {} fault into", fault.name()));
    let names = cells(lines.get(FIRST_DATA_LINE - 1).ok_or_else(missing)?);
    let column = names
        .iter()
        .position(|name| name == fault.column())
        .ok_or_else(missing)?;
    let line = lines
        .iter_mut()
        .skip(FIRST_DATA_LINE)
        .find(|line| cells(line).get(column).is_some_and(|cell| !cell.is_empty()))
        .ok_or_else(missing)?;
    let mut row = cells(line);
    row[column] = fault.apply(&row[column]);
    *line = join(&row)?;
    Ok(lines.concat())
}

/// The cells of one CSV record (RFC 4180 quoting; the record ends at the line's end).
fn cells(line: &str) -> Vec<String> {
    let line = line.trim_end_matches(['\n', '\r']);
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => cells.push(std::mem::take(&mut cell)),
            (c, _) => cell.push(c),
        }
    }
    cells.push(cell);
    cells
}

/// One CSV record from cells, quoting those that need it (as the generator does), ended by `\n`.
fn join(cells: &[String]) -> io::Result<String> {
    let mut writer = CsvWriter::new(Vec::new());
    for cell in cells {
        writer.text(cell)?;
    }
    writer.end_row()?;
    String::from_utf8(writer.into_inner()).map_err(io::Error::other)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_round_trip_through_quoting() {
        let line = "\"Infusion, first hour\",260,\"say \"\"hi\"\"\",,x\n";
        let row = cells(line);
        assert_eq!(row, ["Infusion, first hour", "260", "say \"hi\"", "", "x"]);
        assert_eq!(join(&row).unwrap(), line);
    }

    #[test]
    fn each_fault_changes_one_cell_of_one_row() {
        let spec = Spec {
            seed: 7,
            hospital: 0,
            rows: 60,
        };
        let mut bytes = Vec::new();
        write(&spec, Format::Tall, &mut bytes).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        for fault in Fault::ALL {
            let faulty = with_fault(&text, fault).unwrap();
            let changed: Vec<(&str, &str)> = text
                .lines()
                .zip(faulty.lines())
                .filter(|(a, b)| a != b)
                .collect();
            assert_eq!(changed.len(), 1, "{fault:?}");
            let (before, after) = changed[0];
            let differing: Vec<(String, String)> = cells(before)
                .into_iter()
                .zip(cells(after))
                .filter(|(a, b)| a != b)
                .collect();
            assert_eq!(differing.len(), 1, "{fault:?}: {differing:?}");
            assert_eq!(differing[0].1, fault.apply(&differing[0].0), "{fault:?}");
            assert_eq!(with_fault(&text, fault).unwrap(), faulty, "deterministic");
        }
    }
}
