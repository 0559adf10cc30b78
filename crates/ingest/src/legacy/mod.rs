//! Legacy (pre-template) chargemasters: a single header row of column names, then one row per
//! charge, often with one column per payer or payer-plan (`AETNA-PPO`) and `N/A` for missing values.
//! They are read through a mapping [`Profile`] (detected from the header, or given) into the same
//! records the CMS readers yield, so the store and API take them unchanged; the header record marks
//! the file legacy (no template version, `SourceFile::legacy`).
//!
//! The mapping, and why:
//! * gross / discounted cash / de-identified min and max → the standard charge's amounts;
//! * each payer column → a payer rate with its negotiated dollar amount, payer and plan split from
//!   the column name at the profile's separator; its methodology is left unset: these files do not
//!   state one, and `unknown` or `fee schedule` would claim more than the file says;
//! * the setting column → the setting (`both` when the file has none: a chargemaster price the file
//!   does not split by setting applies in either);
//! * columns without a typed home (`Package/Line_Level`, `Derived contracted rate`) → the charge's
//!   notes as `Header: value`, so nothing the file states is lost.
//!
//! Every data row is accounted for: an item row, a quarantined row (an amount that cannot be read,
//! an unreadable setting, an amount without a description or code), or a named skip counted in
//! `ReadSummary::skipped`: `section-heading` (text without a code or any amount, in a file with a
//! code column), `no-amount` (an item whose every price is blank or `N/A`), `total` (a row labelled
//! `Total`, `Grand Total`, `Subtotal`…, without a code), `repeated-header`.

use std::hash::{BuildHasher, Hash, Hasher};

use priceline_domain::{
    Amount, Code, CodeType, Ein, Facility, FileFormat, Item, License, PayerRate, RawValue,
    RecordLocation, Setting, SourceFile, StandardCharge,
};

use crate::profile::Profile;

use crate::finding::{Finding, cell};
use crate::reading::Reading;
use crate::record::{FileHeader, QuarantinedPart, QuarantinedRecord, RawRecord, Record};
use crate::repeats::{Repeats, Rows};
use crate::values::Check;
use crate::{Document, IngestError, csv, rules};

/// A draft profile for a legacy CSV, as TOML: the layout detected from its first row with any
/// text, and the hospital as the file name gives it (`priceline profile suggest`). It parses back as
/// a profile; where the layout is not recognised, a comment at the top says what to fill in.
pub fn suggest_profile(document: &Document) -> Result<String, IngestError> {
    let sniffed = crate::sniff(document)?;
    let mut header: Option<(u64, Vec<String>)> = None;
    let mut first_text = |row, cells: Vec<String>| {
        if header.is_none() && cells.iter().any(|cell| !cell.is_empty()) {
            header = Some((row, cells));
        }
        Ok(())
    };
    match sniffed.syntax {
        crate::Syntax::Xlsx => xlsx_rows(document, None, &mut first_text)?,
        _ => csv::each_row(document, &sniffed, &mut first_text)?,
    }
    let Some((row, header)) = header else {
        return Err(IngestError::Empty);
    };
    let mut profile = Profile::guess(&header);
    profile.layout.header_row = row;
    profile.hospital.name = name_from_file_name(document.name());
    profile.hospital.ein = Ein::from_file_name(document.name()).map(|ein| ein.as_str().to_owned());
    let mut text = format!(
        "# Mapping profile drafted by `priceline profile suggest` from the header (row {row}) of\n# {}.\n# Check each column, then: priceline import FILE --profile THIS.toml\n",
        document.name()
    );
    if let Err(reason) = profile.check(&header) {
        text.push_str(&format!("# Not enough to read the file yet: {reason}\n"));
    }
    if profile.hospital.name.is_none() {
        text.push_str("# The file name does not name the hospital: set [hospital] name.\n");
    }
    text.push('\n');
    text.push_str(&profile.to_toml());
    Ok(text)
}

/// Reads a legacy CSV chargemaster. Refused (`IngestError::Legacy`, nothing emitted) when the header
/// cannot be mapped or the hospital cannot be named.
pub(crate) fn read_csv(
    document: &Document,
    reading: &mut Reading,
    sink: &mut dyn FnMut(Record),
    given: Option<&Profile>,
) -> Result<(), IngestError> {
    let sniffed = reading.sniffed.clone();
    let rows = |each: &mut RowSink<'_>| csv::each_row(document, &sniffed, each);
    read_rows(document, reading, sink, given, FileFormat::LegacyCsv, rows)
}

/// Reads a legacy chargemaster workbook (`.xlsx`): its first worksheet (or the profile's
/// `[layout] sheet`), row by row as the CSV reader reads a CSV file. A number cell is read as the
/// shortest decimal that gives back the number the workbook stores (`575.75`, `548`), which is
/// the text the workbook's XML holds for the amounts people type.
pub(crate) fn read_xlsx(
    document: &Document,
    reading: &mut Reading,
    sink: &mut dyn FnMut(Record),
    given: Option<&Profile>,
) -> Result<(), IngestError> {
    let sheet = given.and_then(|profile| profile.layout.sheet.as_deref());
    let rows = |each: &mut RowSink<'_>| xlsx_rows(document, sheet, each);
    read_rows(document, reading, sink, given, FileFormat::LegacyXlsx, rows)
}

type RowSink<'a> = dyn FnMut(u64, Vec<String>) -> Result<(), IngestError> + 'a;

/// Every row of a workbook's sheet, numbered as the sheet numbers them (1-based), as trimmed text.
fn xlsx_rows(
    document: &Document,
    sheet: Option<&str>,
    each: &mut RowSink<'_>,
) -> Result<(), IngestError> {
    use calamine::Reader;
    // calamine reads a workbook from a seekable stream, and holds a sheet in memory anyway.
    let bytes = document.with_reader(|reader| {
        let mut bytes = Vec::new();
        reader.read_to_end(&mut bytes)?;
        Ok(bytes)
    })?;
    let unreadable = |error: calamine::XlsxError| {
        IngestError::NotAPriceFile(format!(
            "a ZIP archive that is not a readable Excel workbook: {error}"
        ))
    };
    let mut workbook = calamine::Xlsx::new(std::io::Cursor::new(bytes)).map_err(unreadable)?;
    let range = match sheet {
        Some(name) => workbook.worksheet_range(name).map_err(|error| {
            IngestError::Legacy(format!("the profile's sheet {name:?}: {error}"))
        })?,
        None => match workbook.worksheet_range_at(0) {
            Some(range) => range.map_err(unreadable)?,
            None => return Err(IngestError::Empty),
        },
    };
    let first = range.start().map_or(0, |(row, _)| u64::from(row));
    let first_column = range.start().map_or(0, |(_, column)| column as usize);
    for (index, cells) in range.rows().enumerate() {
        // Cells left of the used range are blank: kept so columns line up with the header.
        let mut row = vec![String::new(); first_column];
        row.extend(cells.iter().map(|cell| cell.to_string().trim().to_owned()));
        while row.last().is_some_and(String::is_empty) {
            row.pop();
        }
        each(first + index as u64 + 1, row)?;
    }
    Ok(())
}

/// Drives the mapping over rows, whatever they were read from.
fn read_rows(
    document: &Document,
    reading: &mut Reading,
    sink: &mut dyn FnMut(Record),
    given: Option<&Profile>,
    format: FileFormat,
    rows: impl FnOnce(&mut RowSink<'_>) -> Result<(), IngestError>,
) -> Result<(), IngestError> {
    let mut state = State::Before;
    rows(&mut |row, cells| {
        state = std::mem::replace(&mut state, State::Before)
            .step(row, cells, document, given, format, reading, sink)?;
        Ok(())
    })?;
    match state {
        State::Before => Err(IngestError::Legacy(match given {
            Some(profile) => format!(
                "the file ends before the header row {} the profile names",
                profile.layout.header_row
            ),
            None => "no header row".into(),
        })),
        State::Data(_, mut repeats) => Ok(repeats.finish()?),
    }
}

enum State {
    Before,
    /// Reading data rows through the mapping, with the rows read so far for finding repeats.
    Data(Box<Mapping>, Box<Repeats>),
}

impl State {
    #[allow(clippy::too_many_arguments)]
    fn step(
        self,
        row: u64,
        cells: Vec<String>,
        document: &Document,
        given: Option<&Profile>,
        format: FileFormat,
        reading: &mut Reading,
        sink: &mut dyn FnMut(Record),
    ) -> Result<State, IngestError> {
        let blank = cells.iter().all(|cell| cell.is_empty());
        match self {
            State::Before => {
                // The header is the profile's row, or (detected) the first row with any text.
                let header_row = given.map_or(0, |profile| profile.layout.header_row);
                if (header_row == 0 && blank) || row < header_row {
                    return Ok(State::Before);
                }
                let profile = match given {
                    Some(profile) => profile.clone(),
                    None => Profile::detect(&cells).map_err(IngestError::Legacy)?,
                };
                let mapping = Mapping::new(&profile, &cells, row)?;
                let facility = facility(document.name(), &profile)?;
                start(reading, sink, facility, &profile, format, &mapping, row);
                Ok(State::Data(Box::new(mapping), Box::new(Repeats::new())))
            }
            State::Data(mapping, mut repeats) => {
                if blank {
                    reading.summary.blank_rows += 1;
                } else {
                    reading.summary.data_rows += 1;
                    mapping.row(row, cells, reading, &mut repeats, sink);
                }
                Ok(State::Data(mapping, repeats))
            }
        }
    }
}

/// The header record, and the file-level findings: that the file is legacy and how it was mapped.
fn start(
    reading: &mut Reading,
    sink: &mut dyn FnMut(Record),
    facility: Facility,
    profile: &Profile,
    format: FileFormat,
    mapping: &Mapping,
    header_row: u64,
) {
    reading.summary.data_checked = true;
    let file = SourceFile {
        file_name: reading.file_name.clone(),
        sha256: reading.sniffed.sha256,
        format,
        template_version: None,
        declared_version: None,
        last_updated_on: profile.hospital.last_updated_on,
        attestation: None,
        imported_at: chrono::Utc::now(),
        legacy: Some(profile.name.clone()),
    };
    reading.log.add(Finding::new(
        rules::LEGACY_FILE,
        "",
        format!(
            "a legacy (pre-template) chargemaster, not a CMS template file: read through the {} mapping ({})",
            profile.name,
            mapping.describe()
        ),
    ));
    if header_row > 1 {
        reading.log.add(Finding::new(
            rules::LEGACY_FILE,
            format!("row {header_row}"),
            format!(
                "the {} row(s) above the header row {header_row} were not read",
                header_row - 1
            ),
        ));
    }
    for (index, name) in &mapping.unmapped {
        reading.log.add(Finding::new(
            rules::LEGACY_UNMAPPED_COLUMN,
            cell(*index, header_row),
            format!("column {name:?} is not in the mapping profile: its values are not imported"),
        ));
    }
    reading.file = Some(file.clone());
    sink(Record::Header(Box::new(FileHeader { facility, file })));
}

/// The hospital: the profile's name and EIN, else the CMS file-name convention
/// `<EIN>_<name>_standardcharges.<ext>` (the name's `CamelCase` and `-`/`_` become spaces).
fn facility(file_name: &str, profile: &Profile) -> Result<Facility, IngestError> {
    let ein = match &profile.hospital.ein {
        Some(text) => Some(
            Ein::parse(text)
                .map_err(|error| IngestError::Legacy(format!("the profile's EIN: {error}")))?,
        ),
        None => Ein::from_file_name(file_name),
    };
    let hospital_name = match &profile.hospital.name {
        Some(name) => name.trim().to_owned(),
        None => name_from_file_name(file_name).unwrap_or_default(),
    };
    if hospital_name.is_empty() {
        return Err(IngestError::Legacy(format!(
            "cannot tell which hospital {file_name:?} is from: name it <EIN>_<hospital-name>_standardcharges.csv, or give a profile with [hospital] name = \"…\""
        )));
    }
    Ok(Facility {
        hospital_name,
        locations: Vec::new(),
        license: License::default(),
        type_2_npis: Vec::new(),
        ccn: None,
        ein,
        financial_aid_policy: None,
        general_contract_provisions: Vec::new(),
    })
}

fn name_from_file_name(file_name: &str) -> Option<String> {
    let base = file_name
        .rsplit(['/', '\\', '!'])
        .next()
        .unwrap_or(file_name);
    let parts: Vec<&str> = base.split('_').collect();
    let last = parts.last()?.to_ascii_lowercase();
    if parts.len() < 3 || !last.starts_with("standardcharges") {
        return None;
    }
    let mut name = String::new();
    let mut previous: Option<char> = None;
    for c in parts[1..parts.len() - 1].join(" ").chars() {
        let c = if c == '-' { ' ' } else { c };
        if c.is_uppercase() && previous.is_some_and(|p| p.is_lowercase()) {
            name.push(' ');
        }
        name.push(c);
        previous = Some(c);
    }
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    (!name.is_empty()).then_some(name)
}

/// A profile resolved against a header: column indexes.
struct Mapping {
    header: Vec<String>,
    absent: Vec<String>,
    description: Option<usize>,
    codes: Vec<(usize, Option<CodeType>)>,
    setting: Option<usize>,
    amounts: [(Option<usize>, &'static str); 4],
    notes: Vec<usize>,
    payers: Vec<(usize, String, Option<String>)>,
    /// Header columns the profile does not name (a detected profile names them all).
    unmapped: Vec<(usize, String)>,
}

impl Mapping {
    fn new(profile: &Profile, header: &[String], row: u64) -> Result<Self, IngestError> {
        let find = |name: &str| -> Result<usize, IngestError> {
            header
                .iter()
                .position(|cell| cell.trim().eq_ignore_ascii_case(name.trim()))
                .ok_or_else(|| {
                    IngestError::Legacy(format!(
                        "the profile's column {name:?} is not in the header row {row} {:?}",
                        header.iter().take(8).collect::<Vec<_>>()
                    ))
                })
        };
        let optional = |name: &Option<String>| name.as_deref().map(find).transpose();
        let columns = &profile.columns;
        let mut codes = Vec::new();
        for code in &columns.codes {
            let code_type = if code.code_type.eq_ignore_ascii_case("auto") {
                None
            } else {
                Some(CodeType::parse(&code.code_type).map_err(|error| {
                    IngestError::Legacy(format!("the profile's code type: {error}"))
                })?)
            };
            codes.push((find(&code.column)?, code_type));
        }
        let mut payers = Vec::new();
        for name in &profile.payers.columns {
            let (payer, plan) = split_payer(name, &profile.payers.plan_separator);
            payers.push((find(name)?, payer, plan));
        }
        let mut mapping = Mapping {
            header: header.to_vec(),
            absent: profile
                .layout
                .absent
                .iter()
                .map(|text| text.trim().to_lowercase())
                .collect(),
            description: optional(&columns.description)?,
            codes,
            setting: optional(&columns.setting)?,
            amounts: [
                (optional(&columns.gross)?, "gross charge"),
                (optional(&columns.discounted_cash)?, "discounted cash price"),
                (optional(&columns.minimum)?, "de-identified minimum"),
                (optional(&columns.maximum)?, "de-identified maximum"),
            ],
            notes: columns
                .notes
                .iter()
                .map(|name| find(name))
                .collect::<Result<_, _>>()?,
            payers,
            unmapped: Vec::new(),
        };
        if mapping.description.is_none() && mapping.codes.is_empty() {
            return Err(IngestError::Legacy(
                "the profile maps no description or code column".into(),
            ));
        }
        let used = mapping.used();
        mapping.unmapped = header
            .iter()
            .enumerate()
            .filter(|(index, name)| !name.is_empty() && !used.contains(index))
            .map(|(index, name)| (index, name.clone()))
            .collect();
        Ok(mapping)
    }

    fn used(&self) -> Vec<usize> {
        let mut used: Vec<usize> = self.description.into_iter().collect();
        used.extend(self.codes.iter().map(|(index, _)| *index));
        used.extend(self.setting);
        used.extend(self.amounts.iter().filter_map(|(index, _)| *index));
        used.extend(&self.notes);
        used.extend(self.payers.iter().map(|(index, ..)| *index));
        used
    }

    fn describe(&self) -> String {
        let name = |index: usize| self.header[index].clone();
        let mut parts = Vec::new();
        if let Some(index) = self.description {
            parts.push(format!("description {:?}", name(index)));
        }
        for (index, _) in &self.codes {
            parts.push(format!("code {:?}", name(*index)));
        }
        for (index, what) in &self.amounts {
            if let Some(index) = index {
                parts.push(format!("{what} {:?}", name(*index)));
            }
        }
        if !self.payers.is_empty() {
            parts.push(format!("{} payer column(s)", self.payers.len()));
        }
        if !self.notes.is_empty() {
            parts.push(format!("{} column(s) kept as notes", self.notes.len()));
        }
        parts.join(", ")
    }

    /// The cell's text, `None` when blank or one of the profile's "absent" texts.
    fn value<'a>(&self, cells: &'a [String], index: usize) -> Option<&'a str> {
        let text = cells.get(index).map_or("", |cell| cell.trim());
        (!text.is_empty() && !self.absent.contains(&text.to_lowercase())).then_some(text)
    }

    /// One data row: an item, a quarantined row, or a named skip.
    /// What a row's repeats share: its description and code cells.
    fn identity(&self, description: &str, cells: &[String]) -> u64 {
        let mut hasher = foldhash::fast::FixedState::with_seed(ROW_HASH_SEED).build_hasher();
        description.hash(&mut hasher);
        for (index, _) in &self.codes {
            self.value(cells, *index).hash(&mut hasher);
        }
        hasher.finish()
    }

    fn row(
        &self,
        row: u64,
        cells: Vec<String>,
        reading: &mut Reading,
        repeats: &mut Repeats,
        sink: &mut dyn FnMut(Record),
    ) {
        let summary = &mut reading.summary;
        if cells.len() == self.header.len()
            && cells
                .iter()
                .zip(&self.header)
                .all(|(a, b)| a.eq_ignore_ascii_case(b))
        {
            return skip(summary, "repeated-header");
        }
        let description = self
            .description
            .and_then(|index| self.value(&cells, index))
            .unwrap_or_default();
        let location = RecordLocation::Row(row);
        let mut check = Check::new();
        let mut raw_values: Vec<RawValue> = Vec::new();
        let mut codes = Vec::new();
        for (index, code_type) in &self.codes {
            if let Some(text) = self.value(&cells, *index) {
                let code_type = code_type.unwrap_or_else(|| code_type_of(text));
                if let Ok(code) = Code::new(code_type, text) {
                    codes.push(code);
                }
            }
        }
        let amount =
            |index: Option<usize>, field: &str, check: &mut Check, raw: &mut Vec<RawValue>| {
                let index = index?;
                let text = self.value(&cells, index)?;
                check.positive_text::<Amount>(text, field, &cell(index, row), raw)
            };
        let [gross, cash, minimum, maximum] = self
            .amounts
            .map(|(index, field)| amount(index, field, &mut check, &mut raw_values));
        let mut payer_rates = Vec::new();
        // A payer's amount that cannot be read quarantines that rate alone, as in CMS files.
        let mut broken_rates: Vec<(QuarantinedPart, Vec<Finding>)> = Vec::new();
        for (index, payer, plan) in &self.payers {
            let mut raw = Vec::new();
            let mut rate_check = Check::new();
            let dollar = amount(Some(*index), "negotiated dollar", &mut rate_check, &mut raw);
            if rate_check.blocked() {
                let part = QuarantinedPart::PayerRate {
                    payer_name: payer.clone(),
                    plan_name: plan.clone(),
                };
                broken_rates.push((part, rate_check.findings));
                continue;
            }
            check.findings.extend(rate_check.findings);
            if let Some(dollar) = dollar {
                payer_rates.push(PayerRate {
                    payer_name: payer.clone(),
                    plan_name: plan.clone(),
                    negotiated_dollar: Some(dollar),
                    negotiated_percentage: None,
                    negotiated_algorithm: None,
                    methodology: None,
                    median_amount: None,
                    percentile_10th: None,
                    percentile_90th: None,
                    count: None,
                    estimated_amount: None,
                    payer_notes: None,
                    source: location.clone(),
                    raw_values: raw,
                });
            }
        }
        let setting = match self.setting.and_then(|index| self.value(&cells, index)) {
            None => Some(Setting::Both),
            Some(text) => setting_of(text).or_else(|| {
                let index = self.setting.unwrap_or_default();
                check.push(Finding::new(
                    rules::ALLOWED_VALUES,
                    cell(index, row),
                    format!("setting {text:?} is not inpatient, outpatient or both"),
                ));
                None
            }),
        };
        let has_amount =
            [gross, cash, minimum, maximum].iter().any(Option::is_some) || !payer_rates.is_empty();
        let identified = !description.is_empty() || !codes.is_empty();
        let first_text = cells.iter().find(|cell| !cell.is_empty());
        let is_total = codes.is_empty() && first_text.is_some_and(|text| is_total_label(text));
        if !has_amount && !broken_rates.is_empty() {
            // Nothing readable is left of the row: it is quarantined whole, with the rates' reasons.
            for (_, findings) in broken_rates.drain(..) {
                check.findings.extend(findings);
            }
        }
        if !check.blocked() {
            if is_total {
                return skip(&mut reading.summary, "total");
            }
            if !has_amount {
                // Without any code column, a priceless row may be an item as well as a heading.
                let reason = if codes.is_empty() && !self.codes.is_empty() {
                    "section-heading"
                } else {
                    "no-amount"
                };
                return skip(&mut reading.summary, reason);
            }
        }
        if !identified && !check.blocked() {
            check.push(Finding::new(
                rules::REQUIRED_VALUE,
                format!("row {row}"),
                "amounts without a description or code to say what they are for",
            ));
        }
        // An exact repeat of a row above (a row holds its item's description and codes, so a
        // repeat has the same ones: see repeats.rs) is counted and reported, not read again.
        let identity = self.identity(description, &cells);
        let row_hash = foldhash::fast::FixedState::with_seed(ROW_HASH_SEED).hash_one(&cells);
        if let Some(first) = repeats.recall(identity).get(&row_hash).copied() {
            reading.summary.duplicate_rows += 1;
            reading.report_data_findings(vec![Finding::new(
                rules::DUPLICATE_ROW,
                format!("row {row}"),
                format!("exact repeat of row {first}; kept once"),
            )]);
            return;
        }
        let mut earlier = Rows::default();
        repeats.recall_into(identity, &mut earlier);
        earlier.insert(row_hash, row);
        repeats.remember(identity, &earlier);
        let mut findings = check.findings;
        if crate::finding::any_blocking(&findings) {
            for (_, rate_findings) in broken_rates {
                findings.extend(rate_findings);
            }
            let summary = &mut reading.summary;
            summary.quarantined_rows += 1;
            summary.quarantined_records += 1;
            reading.report_data_findings(findings.clone());
            sink(Record::Quarantined(QuarantinedRecord {
                source: location,
                part: QuarantinedPart::Whole,
                raw: RawRecord::Cells(cells),
                findings,
            }));
            return;
        }
        reading.report_data_findings(findings);
        if !broken_rates.is_empty() {
            let summary = &mut reading.summary;
            summary.partially_quarantined_rows += 1;
            summary.quarantined_payer_rates += broken_rates.len() as u64;
            summary.quarantined_records += broken_rates.len() as u64;
        }
        for (part, findings) in broken_rates {
            reading.report_data_findings(findings.clone());
            sink(Record::Quarantined(QuarantinedRecord {
                source: location.clone(),
                part,
                raw: RawRecord::Cells(cells.clone()),
                findings,
            }));
        }
        let notes: Vec<String> = self
            .notes
            .iter()
            .filter_map(|&index| {
                self.value(&cells, index)
                    .map(|value| format!("{}: {value}", self.header[index]))
            })
            .collect();
        let summary = &mut reading.summary;
        summary.item_rows += 1;
        summary.items += 1;
        summary.standard_charges += 1;
        summary.payer_rates += payer_rates.len() as u64;
        sink(Record::Item(Item {
            description: description.to_owned(),
            codes,
            drug: None,
            standard_charges: vec![StandardCharge {
                setting: setting.unwrap_or(Setting::Both),
                billing_class: None,
                modifiers: Vec::new(),
                gross,
                discounted_cash: cash,
                minimum,
                maximum,
                generic_notes: (!notes.is_empty()).then(|| notes.join("; ")),
                payer_rates,
                source: location,
                raw_values,
            }],
        }));
    }
}

/// Any fixed value: a row only has to hash the same as its repeats within one read.
const ROW_HASH_SEED: u64 = 0x5eed_0fc5_a7a1_3000;

/// A totals row's label: `Total`, `TOTALS:`, `Grand Total`, `Subtotal`, `Total for Lab`; not an
/// item named `TOTAL PROTEIN` or `Total knee replacement`.
fn is_total_label(text: &str) -> bool {
    let lower = text.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .collect();
    matches!(
        words.as_slice(),
        ["total" | "totals" | "subtotal"] | ["grand" | "sub", "total"]
    ) || lower.starts_with("total:")
        || lower.starts_with("totals:")
        || lower.starts_with("total for ")
        || lower.starts_with("grand total")
        || lower.starts_with("subtotal")
}

fn skip(summary: &mut crate::summary::ReadSummary, reason: &str) {
    *summary.skipped.entry(reason.to_owned()).or_default() += 1;
}

/// `AETNA-PPO` → (`AETNA`, `PPO`); ` - ` is preferred where the name has it (`MEDI-CAL - HMO`).
fn split_payer(name: &str, separator: &str) -> (String, Option<String>) {
    let name = name.trim();
    if separator.is_empty() {
        return (name.to_owned(), None);
    }
    let spaced = format!(" {} ", separator.trim());
    let split = name
        .split_once(spaced.as_str())
        .or_else(|| name.split_once(separator));
    match split {
        Some((payer, plan)) if !payer.trim().is_empty() && !plan.trim().is_empty() => {
            (payer.trim().to_owned(), Some(plan.trim().to_owned()))
        }
        _ => (name.to_owned(), None),
    }
}

/// CPT for a CPT-shaped code (five digits, or four and `F`/`T`/`U`), HCPCS for a Level II one (a
/// letter and four digits), LOCAL (the hospital's own) otherwise.
fn code_type_of(code: &str) -> CodeType {
    let bytes = code.as_bytes();
    let digits = |part: &[u8]| part.iter().all(u8::is_ascii_digit);
    match bytes {
        [head @ .., last] if bytes.len() == 5 && digits(head) => {
            if last.is_ascii_digit() || matches!(last, b'F' | b'T' | b'U') {
                CodeType::Cpt
            } else {
                CodeType::Local
            }
        }
        [first, rest @ ..] if bytes.len() == 5 && first.is_ascii_uppercase() && digits(rest) => {
            CodeType::Hcpcs
        }
        _ => CodeType::Local,
    }
}

fn setting_of(text: &str) -> Option<Setting> {
    Setting::parse(text).ok().or_else(|| {
        match text.to_ascii_lowercase().replace(['-', ' '], "").as_str() {
            "ip" | "inpt" => Some(Setting::Inpatient),
            "op" | "outpt" => Some(Setting::Outpatient),
            _ => None,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_payer_and_plan() {
        assert_eq!(
            split_payer("AETNA-Commercial HMO/POS", "-"),
            ("AETNA".into(), Some("Commercial HMO/POS".into()))
        );
        assert_eq!(
            split_payer("MEDI-CAL - HMO", "-"),
            ("MEDI-CAL".into(), Some("HMO".into()))
        );
        assert_eq!(split_payer("CIGNA", "-"), ("CIGNA".into(), None));
        assert_eq!(split_payer("AETNA-PPO", ""), ("AETNA-PPO".into(), None));
    }

    #[test]
    fn tells_totals_from_items_named_total() {
        for total in [
            "TOTAL",
            "Totals:",
            "Grand Total",
            "Subtotal - Lab",
            "Total for Pharmacy",
        ] {
            assert!(is_total_label(total), "{total}");
        }
        for item in [
            "TOTAL PROTEIN,ALBUMIN W/AG RATIO",
            "TOTAL T4",
            "Total knee replacement",
        ] {
            assert!(!is_total_label(item), "{item}");
        }
    }

    #[test]
    fn tells_code_types_apart() {
        assert_eq!(code_type_of("10060"), CodeType::Cpt);
        assert_eq!(code_type_of("0075T"), CodeType::Cpt);
        assert_eq!(code_type_of("J1100"), CodeType::Hcpcs);
        assert_eq!(code_type_of("300-1234"), CodeType::Local);
    }

    #[test]
    fn names_the_hospital_from_the_file_name() {
        assert_eq!(
            name_from_file_name(
                "113243405_StonyBrookEasternLongIslandHospital_standardcharges.csv"
            )
            .as_deref(),
            Some("Stony Brook Eastern Long Island Hospital")
        );
        assert_eq!(
            name_from_file_name("12-3456789_west-mercy_standardcharges.xlsx").as_deref(),
            Some("west mercy")
        );
        assert_eq!(name_from_file_name("prices.csv"), None);
    }
}
