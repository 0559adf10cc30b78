//! CSV reader (Tall and Wide): rows 1–3 give the file header, then data rows stream one by one.
//! Row numbers are counted as the CMS validator counts them: every CSV record, blank ones included,
//! so that `R10` here is `R10` in its report even when quoted cells span several lines.

mod columns;
mod header;
mod memo;
mod reader;
mod row;
mod structure;

use std::hash::{BuildHasher, Hasher};

use priceline_domain::{FileFormat, RecordLocation, TemplateVersion};

use crate::decode::Decoded;
use crate::finding::{Finding, Severity, cell};
use crate::group::Grouper;
use crate::reading::{Reading, header_record};
use crate::record::{QuarantinedPart, QuarantinedRecord, RawRecord, Record};
use crate::sniff::Syntax;
use crate::values::{Check, trim};
use crate::{Document, IngestError, detect, rules};
use columns::Layout;
use reader::{CsvReader, CsvRecord};
use row::Row;

enum Phase {
    Row1,
    Row2(Vec<String>),
    Row3(Vec<String>, Vec<String>),
    Data(Box<Layout>, TemplateVersion),
    Stopped,
}

pub(crate) fn read(
    document: &Document,
    reading: &mut Reading,
    sink: &mut dyn FnMut(Record),
) -> Result<(), IngestError> {
    document.with_reader(|reader| {
        let decoded = Decoded::new(
            reader,
            reading.sniffed.encoding,
            reading.sniffed.nul_bytes > 0,
        );
        let mut csv = CsvReader::new(decoded);
        let mut record = CsvRecord::default();
        let mut counter = RowCounter::default();
        let mut phase = Phase::Row1;
        let mut grouper = Grouper::new();
        // Data rows are read from the record in place (cells trimmed as they are looked at), so
        // reading a row copies nothing; only rows 1–3 and quarantined rows become owned cells.
        while csv.read_record(&mut record)? {
            let (blank_before, row) = counter.next(&record, csv.line());
            for blank in row - blank_before..row {
                phase = step(phase, blank, None, reading, &mut grouper, sink)?;
            }
            phase = step(phase, row, Some(&record), reading, &mut grouper, sink)?;
        }
        grouper.finish(&mut reading.summary, sink)?;
        match phase {
            Phase::Row1 => Err(IngestError::Empty),
            Phase::Row2(_) | Phase::Row3(..) => {
                reading.log.add(Finding::new(
                    rules::MIN_ROWS,
                    "A1",
                    "a CSV file needs rows 1–3 and at least one data row",
                ));
                Ok(())
            }
            Phase::Data(..) if counter.rows < 4 => {
                reading.log.add(Finding::new(
                    rules::MIN_ROWS,
                    "A1",
                    "a CSV file needs rows 1–3 and at least one data row",
                ));
                Ok(())
            }
            Phase::Data(..) | Phase::Stopped => Ok(()),
        }
    })
}

/// Every row of a CSV document in order, numbered as [`read`] numbers them, as trimmed owned cells;
/// a blank line the reader skipped comes as an empty row. For the legacy reader, which has no CMS
/// header rows to read first (and is off the template files' path, so owning cells costs nothing
/// that matters).
pub(crate) fn each_row(
    document: &Document,
    sniffed: &crate::Sniffed,
    each: &mut dyn FnMut(u64, Vec<String>) -> Result<(), IngestError>,
) -> Result<(), IngestError> {
    document.with_reader(|reader| {
        let decoded = Decoded::new(reader, sniffed.encoding, sniffed.nul_bytes > 0);
        let mut csv = CsvReader::new(decoded);
        let mut record = CsvRecord::default();
        let mut counter = RowCounter::default();
        while csv.read_record(&mut record)? {
            let (blank_before, row) = counter.next(&record, csv.line());
            for blank in row - blank_before..row {
                each(blank, Vec::new())?;
            }
            each(row, owned_cells(Some(&record)))?;
        }
        Ok(())
    })
}

/// A record's cells, trimmed as the CMS validator reads them, owned.
fn owned_cells(record: Option<&CsvRecord>) -> Vec<String> {
    record.map_or_else(Vec::new, |record| {
        record.iter().map(|cell| trim(cell).to_owned()).collect()
    })
}

/// One CSV record (`None`: a blank line the `csv` crate skipped) in the reading's current phase.
fn step(
    phase: Phase,
    row: u64,
    record: Option<&CsvRecord>,
    reading: &mut Reading,
    grouper: &mut Grouper,
    sink: &mut dyn FnMut(Record),
) -> Result<Phase, IngestError> {
    let blank = record.is_none_or(|record| record.iter().all(|cell| trim(cell).is_empty()));
    Ok(match phase {
        Phase::Row3(row1, row2) if blank => {
            // CMS stops at a blank row 3 and reports only that error, but keeps the row-2 alerts
            // it raised before (version, false attestation).
            let keys1: Vec<String> = row1.iter().map(|key| detect::normalise_key(key)).collect();
            let version = reading
                .options
                .version
                .unwrap_or_else(|| detect::csv_version(&keys1, &[]));
            let general = header::read_rows_1_2(&row1, &row2, version);
            report_rows_1_2(general, version, false, reading);
            reading.log.add(Finding::new(
                rules::HEADER_BLANK,
                cell(0, row),
                format!("header row {row} is blank"),
            ));
            Phase::Stopped
        }
        Phase::Row1 | Phase::Row3(..) if blank => {
            // CMS names the row's first cell (`A1`, `A3`).
            reading.log.add(Finding::new(
                rules::HEADER_BLANK,
                cell(0, row),
                format!("header row {row} is blank"),
            ));
            Phase::Stopped
        }
        Phase::Row1 => {
            let cells = owned_cells(record);
            refuse_non_template(&cells)?;
            Phase::Row2(cells)
        }
        Phase::Row2(row1) => Phase::Row3(row1, owned_cells(record)),
        Phase::Row3(row1, row2) => {
            // Before anything is made of them: rows that are not the header rows create nothing.
            let row3 = owned_cells(record);
            structure::check_rows_2_3(&row2, &row3)?;
            start_data(&row1, &row2, &row3, reading, sink)
        }
        Phase::Data(layout, version) => {
            match record {
                Some(record) if !blank => {
                    data_row(&layout, version, row, record, reading, grouper, sink)
                }
                _ => reading.summary.blank_rows += 1,
            }
            Phase::Data(layout, version)
        }
        Phase::Stopped => Phase::Stopped,
    })
}

/// A first row without any CMS key is not a template file: a legacy chargemaster when its headers
/// talk about charges or codes, otherwise something else.
fn refuse_non_template(row1: &[String]) -> Result<(), IngestError> {
    if header::has_cms_keys(row1) {
        return Ok(());
    }
    let shown: Vec<&str> = row1.iter().take(6).map(String::as_str).collect();
    let chargemaster = row1.iter().any(|cell| {
        let lower = cell.to_lowercase();
        [
            "description",
            "charge",
            "price",
            "code",
            "cpt",
            "rate",
            "payer",
        ]
        .iter()
        .any(|word| lower.contains(word))
    });
    if chargemaster {
        Err(IngestError::Legacy(format!(
            "the first row {shown:?} holds column names, not the CMS general-element keys (hospital_name, last_updated_on, version, …)"
        )))
    } else {
        Err(IngestError::NotAPriceFile(format!(
            "a CSV whose first row {shown:?} has no CMS key"
        )))
    }
}

fn start_data(
    row1: &[String],
    row2: &[String],
    row3: &[String],
    reading: &mut Reading,
    sink: &mut dyn FnMut(Record),
) -> Phase {
    let keys1: Vec<String> = row1.iter().map(|key| detect::normalise_key(key)).collect();
    let keys3: Vec<String> = row3.iter().map(|key| detect::normalise_key(key)).collect();
    let version = reading
        .options
        .version
        .unwrap_or_else(|| detect::csv_version(&keys1, &keys3));
    let general = header::read_rows_1_2(row1, row2, version);
    let row3 = columns::read_row3(row3, version);
    let general = report_rows_1_2(general, version, true, reading);
    let format = row3.layout.format.unwrap_or(FileFormat::CsvTall);
    sink(header_record(
        reading,
        general.facility,
        format,
        version,
        general.declared_version,
        general.last_updated_on,
        general.attestation,
    ));
    // Row-3 problems. The CMS validator stops at *any* row-3 error (`ProblemsInHeaderError`) and
    // evaluates no data row. The report keeps parity with it: the same header findings, then
    // `ProblemsInHeaderError`, and no finding of a data row. The import goes further only when the
    // columns can still be read without guessing (`row3.blocking` is false: e.g. a missing
    // `setting` column, or one Wide payer lacking its methodology column): the data rows are then
    // read and their records carry their findings (a quarantined row or payer rate keeps them), but
    // those findings are counted in `FindingLog::not_evaluated` instead of being reported, and
    // `data_checked` stays false. When the columns cannot be read (no description or code column,
    // ambiguous format, duplicate or placeholder columns), reading stops as CMS does.
    let header_errors = row3
        .findings
        .iter()
        .any(|finding| finding.cms && finding.severity == Severity::Error);
    reading.log.extend(row3.findings);
    if header_errors {
        reading.log.add(Finding::new(
            rules::PROBLEMS_IN_HEADER,
            "A1",
            if row3.blocking {
                "row 3 has errors, so the data rows are not read"
            } else {
                "row 3 has errors, so the data rows are not evaluated (CMS stops here); they are still imported, their findings kept with their records"
            },
        ));
        if row3.blocking {
            return Phase::Stopped;
        }
    } else if row3.blocking {
        return Phase::Stopped;
    } else {
        reading.summary.data_checked = true;
    }
    Phase::Data(Box::new(row3.layout), version)
}

/// Reports the findings of rows 1–2 (their errors only when `with_errors`) and their alerts. CMS
/// raises the row-2 alerts (version, a false attestation) only when rows 1–2 have no error.
fn report_rows_1_2(
    mut general: header::GeneralElements,
    version: TemplateVersion,
    with_errors: bool,
    reading: &mut Reading,
) -> header::GeneralElements {
    let findings = std::mem::take(&mut general.findings);
    let errors = findings
        .iter()
        .any(|finding| finding.severity == Severity::Error);
    reading.log.extend(findings.into_iter().filter(|finding| {
        if finding.severity == Severity::Error {
            with_errors
        } else {
            !(errors && finding.cms)
        }
    }));
    if !errors && let Some(at) = &general.version_cell {
        reading.log.extend(detect::version_alert(
            general.declared_version.as_deref(),
            version,
            Syntax::Csv,
            at,
        ));
    }
    general
}

fn data_row(
    layout: &Layout,
    version: TemplateVersion,
    row: u64,
    record: &CsvRecord,
    reading: &mut Reading,
    grouper: &mut Grouper,
    sink: &mut dyn FnMut(Record),
) {
    let summary = &mut reading.summary;
    summary.data_rows += 1;
    let row_hash = row_hash(record);
    if let Some(first) = grouper.repeat_of(row_hash) {
        return repeated(reading, row, first);
    }
    let mut check = Check::new();
    let (charge_or_item, broken) = match row::read_row(
        layout,
        version,
        record,
        row,
        grouper.current_item(),
        &mut check,
    ) {
        Row::Item(item, broken) => {
            if let Some(first) = grouper.repeat_of_item(&item, row_hash) {
                return repeated(reading, row, first);
            }
            (Ok(item), broken)
        }
        Row::SameItem(charge, broken) => (Err(charge), broken),
        Row::Modifier(modifier) => {
            if let Some(first) = grouper.repeat_of_modifier(&modifier, row_hash) {
                return repeated(reading, row, first);
            }
            let at = (row_hash, row);
            grouper.push_modifier(modifier, RecordLocation::Row(row), at, summary, sink);
            reading.report_data_findings(check.findings);
            return;
        }
        Row::Rejected => {
            summary.quarantined_rows += 1;
            summary.quarantined_records += 1;
            sink(Record::Quarantined(QuarantinedRecord {
                source: RecordLocation::Row(row),
                part: QuarantinedPart::Whole,
                raw: RawRecord::Cells(owned_cells(Some(record))),
                findings: check.findings.clone(),
            }));
            reading.report_data_findings(check.findings);
            return;
        }
    };
    // The row's valid part is imported; each payer rate with an error is quarantined on its own,
    // with the row's cells verbatim and that rate's findings.
    if !broken.is_empty() {
        summary.partially_quarantined_rows += 1;
    }
    for rate in broken {
        summary.quarantined_payer_rates += 1;
        summary.quarantined_records += 1;
        sink(Record::Quarantined(QuarantinedRecord {
            source: RecordLocation::Row(row),
            part: QuarantinedPart::PayerRate {
                payer_name: rate.payer_name,
                plan_name: rate.plan_name,
            },
            raw: RawRecord::Cells(owned_cells(Some(record))),
            findings: rate.findings.clone(),
        }));
        check.findings.extend(rate.findings);
    }
    match charge_or_item {
        Ok(item) => grouper.push_item(item, (row_hash, row), summary, sink),
        Err(charge) => grouper.push_charge(charge, (row_hash, row), summary),
    }
    reading.report_data_findings(check.findings);
}

/// An exact repeat of row `first`: counted and reported, not read again.
fn repeated(reading: &mut Reading, row: u64, first: u64) {
    reading.summary.duplicate_rows += 1;
    reading.report_data_findings(vec![Finding::new(
        rules::DUPLICATE_ROW,
        format!("row {row}"),
        format!("exact repeat of row {first}; kept once"),
    )]);
}

/// A 64-bit hash of a row's trimmed cells for recognising exact duplicates, each cell with its
/// length so that cell boundaries count. foldhash rather than SipHash: this runs on every row and
/// needs no protection against chosen collisions (a row is only ever compared with rows of the
/// same item, see `repeats.rs`); a fixed seed keeps reads deterministic.
fn row_hash(record: &CsvRecord) -> u64 {
    let mut hasher = foldhash::fast::FixedState::with_seed(ROW_HASH_SEED).build_hasher();
    for cell in record.iter() {
        let cell = trim(cell);
        hasher.write_usize(cell.len());
        hasher.write(cell.as_bytes());
    }
    hasher.finish()
}

/// Any fixed value: a row only has to hash the same as its duplicates within one read.
const ROW_HASH_SEED: u64 = 0x5eed_0fc5_a7a1_1000;

/// Row numbers as the CMS validator counts them. The reader skips blank lines (as the `csv` crate
/// does), so they are recovered from the reader's line count after each record: the newlines a record consumed beyond
/// its own (one terminator plus those inside quoted cells) were blank lines before it. A record
/// ended by `\r\n` is returned before its `\n` is consumed; that newline is owed to the next one.
struct RowCounter {
    lines_before: u64,
    owed: u64,
    rows: u64,
}

impl Default for RowCounter {
    fn default() -> Self {
        Self {
            lines_before: 1,
            owed: 0,
            rows: 0,
        }
    }
}

impl RowCounter {
    /// Given the reader's line after a record, returns (blank rows just before it, its row number).
    fn next(&mut self, record: &CsvRecord, line_after: u64) -> (u64, u64) {
        let inner_newlines = record.newlines();
        let consumed = line_after
            .saturating_sub(self.lines_before)
            .saturating_sub(self.owed);
        let own = inner_newlines + 1;
        let blank = consumed.saturating_sub(own);
        self.owed = own.saturating_sub(consumed);
        self.lines_before = line_after;
        self.rows += blank + 1;
        (blank, self.rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ReadOptions, ReadReport, source};

    const ROWS_1_2: &str = "hospital_name,last_updated_on,version,hospital_location,hospital_address,license_number|CA,\"To the best of its knowledge and belief, the hospital has included all applicable standard charge information in accordance with the requirements of 45 CFR 180.50, and the information encoded is true, accurate, and complete as of the date indicated.\"\nWest Mercy,2024-07-01,2.0.0,West Mercy,1 Main St,50056,true\n";
    const TALL: &str = "description,code|1,code|1|type,setting,standard_charge|gross,standard_charge|discounted_cash,payer_name,plan_name,standard_charge|negotiated_dollar,standard_charge|negotiated_percentage,standard_charge|negotiated_algorithm,standard_charge|methodology,standard_charge|min,standard_charge|max,additional_generic_notes\n";

    pub(crate) fn read_text(bytes: &[u8]) -> (Vec<Record>, ReadReport) {
        let document = source::from_bytes("test.csv", bytes.to_vec())
            .unwrap()
            .remove(0);
        let mut records = Vec::new();
        let report = crate::read(&document, &ReadOptions::default(), &mut |record| {
            records.push(record)
        })
        .unwrap();
        assert!(report.summary.balanced(), "{:?}", report.summary);
        (records, report)
    }

    fn items(records: &[Record]) -> Vec<&priceline_domain::Item> {
        records
            .iter()
            .filter_map(|record| {
                if let Record::Item(item) = record {
                    Some(item)
                } else {
                    None
                }
            })
            .collect()
    }

    #[test]
    fn tall_rows_of_one_item_group_into_one_charge_and_duplicates_count_once() {
        let text = format!(
            "{ROWS_1_2}{TALL}MRI,70551,CPT,outpatient,1200,1080,Aetna,PPO,400,,,fee schedule,250,400,\r\nMRI,70551,CPT,outpatient,1200,1080,Aetna,PPO,400,,,fee schedule,250,400,\nMRI,70551,CPT,outpatient,1200,1080,Cigna,HMO,250,,,Fee Schedule,250,400,paid at 50%\nMRI,70551,CPT,inpatient,1500\n"
        );
        let (records, report) = read_text(text.as_bytes());
        assert!(matches!(records[0], Record::Header(_)));
        let items = items(&records);
        assert_eq!(items.len(), 1);
        let charges = &items[0].standard_charges;
        assert_eq!(
            charges.len(),
            2,
            "outpatient with two payers, inpatient without"
        );
        assert_eq!(charges[0].payer_rates.len(), 2);
        assert_eq!(
            charges[0].payer_rates[1].payer_notes.as_deref(),
            Some("paid at 50%")
        );
        assert!(
            charges[1].payer_rates.is_empty(),
            "a short row: missing cells are blank"
        );
        assert_eq!(
            (
                report.summary.duplicate_rows,
                report.summary.item_rows,
                report.summary.payer_rates
            ),
            (1, 3, 2)
        );
        assert_eq!(report.findings.errors, 0, "{:?}", report.findings.findings);
    }

    #[test]
    fn a_repeat_far_from_the_row_it_repeats_is_found_named_and_kept_once() {
        let mri_aetna =
            "MRI,70551,CPT,outpatient,1200,1080,Aetna,PPO,400,,,fee schedule,250,400,\n";
        let mri_cigna =
            "MRI,70551,CPT,outpatient,1200,1080,Cigna,HMO,250,,,fee schedule,250,400,\n";
        let ct = "CT,74150,CPT,outpatient,800,700,Aetna,PPO,300,,,fee schedule,300,300,\n";
        // Rows 4–5 are MRI, 6 CT; then MRI again: row 7 repeats row 4, row 8 is new, row 9
        // repeats row 5; then CT's row 10 repeats row 6 after two groups in between.
        let mri_blue = "MRI,70551,CPT,outpatient,1200,1080,Blue,PPO,500,,,fee schedule,250,500,\n";
        let text = format!(
            "{ROWS_1_2}{TALL}{mri_aetna}{mri_cigna}{ct}{mri_aetna}{mri_blue}{mri_cigna}{ct}"
        );
        let (records, report) = read_text(text.as_bytes());
        assert_eq!(report.summary.duplicate_rows, 3, "{:?}", report.findings);
        let repeats: Vec<(&str, &str)> = report
            .findings
            .findings
            .iter()
            .filter(|finding| finding.rule == "duplicate-row")
            .map(|finding| (finding.location.as_str(), finding.message.as_str()))
            .collect();
        assert_eq!(
            repeats,
            [
                ("row 7", "exact repeat of row 4; kept once"),
                ("row 9", "exact repeat of row 5; kept once"),
                ("row 10", "exact repeat of row 6; kept once"),
            ]
        );
        // Every payer rate is stored once: MRI's Aetna, Cigna and Blue, CT's Aetna.
        let rates: Vec<(String, String)> = items(&records)
            .iter()
            .flat_map(|item| {
                item.standard_charges.iter().flat_map(|charge| {
                    charge
                        .payer_rates
                        .iter()
                        .map(|rate| (item.description.clone(), rate.payer_name.clone()))
                })
            })
            .collect();
        let mut sorted = rates.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(rates.len(), 4, "{rates:?}");
        assert_eq!(sorted.len(), 4, "{rates:?}");
        assert!(report.summary.balanced(), "{:?}", report.summary);
    }

    #[test]
    fn labels_off_the_cms_lists_are_folded_or_kept_as_unknown_with_their_text() {
        let text = format!(
            "{ROWS_1_2}{TALL}MRI,70551,CPT,Out-Patient,1200,1080,Aetna,PPO,,70,,PERCENTAGE OF TOTAL BILLED CHARGES,250,400,\nMRI,70551,CPT,Out-Patient,1200,1080,Cigna,HMO,400,,,capitation,250,400,\nCT,74150,CPT,emergency,800,,,,,,,,,,\n"
        );
        let (records, report) = read_text(text.as_bytes());
        let items = items(&records);
        assert_eq!(
            items.len(),
            1,
            "the row with an unknown setting is quarantined"
        );
        let charge = &items[0].standard_charges[0];
        assert_eq!(charge.setting, priceline_domain::Setting::Outpatient);
        let methodologies: Vec<_> = charge
            .payer_rates
            .iter()
            .map(|rate| (rate.methodology, rate.raw_values[0].raw.as_str()))
            .collect();
        assert_eq!(
            methodologies,
            [
                (
                    Some(priceline_domain::Methodology::PercentOfTotalBilledCharges),
                    "PERCENTAGE OF TOTAL BILLED CHARGES"
                ),
                (Some(priceline_domain::Methodology::Unknown), "capitation")
            ]
        );
        assert!(
            charge
                .raw_values
                .iter()
                .any(|raw| raw.field == "setting" && raw.raw == "Out-Patient")
        );
        assert_eq!(report.summary.quarantined_records, 1);
        let labels: Vec<(&str, bool)> = report
            .findings
            .findings
            .iter()
            .filter(|f| f.rule == "AllowedValuesError")
            .map(|f| (f.location.as_str(), f.normalised))
            .collect();
        assert_eq!(
            labels,
            [
                ("D4", true),
                ("L4", true),
                ("D5", true),
                ("L5", true),
                ("D6", false)
            ]
        );
    }

    #[test]
    fn wide_is_unpivoted_into_the_same_records_as_tall() {
        let tall = format!(
            "{ROWS_1_2}{TALL}MRI,70551,CPT,outpatient,1200,1080,Aetna,PPO,400,,,fee schedule,250,400,\nMRI,70551,CPT,outpatient,1200,1080,Cigna,HMO,,70,,percent of total billed charges,250,400,note\n"
        );
        let wide = format!(
            "{ROWS_1_2}description,code | 1,CODE|1|Type,setting,standard_charge|gross,standard_charge|discounted_cash,standard_charge|[Aetna]|PPO|negotiated_dollar,standard_charge|Aetna|PPO|negotiated_percentage,standard_charge|Aetna|PPO|negotiated_algorithm,standard_charge|Aetna|PPO|methodology,additional_payer_notes|Aetna|PPO,standard_charge|Cigna|HMO|negotiated_dollar,standard_charge | cigna | hmo | negotiated_percentage,standard_charge|Cigna|HMO|negotiated_algorithm,standard_charge|Cigna|HMO|methodology,additional_payer_notes|Cigna|HMO,standard_charge|min,standard_charge|max,additional_generic_notes\nMRI,70551,CPT,outpatient,1200,1080,400,,,fee schedule,,,70,,percent of total billed charges,note,250,400,\n"
        );
        let strip = |records: Vec<Record>| -> Vec<String> {
            items(&records)
                .into_iter()
                .map(|item| {
                    let mut item = item.clone();
                    for charge in &mut item.standard_charges {
                        charge.source = RecordLocation::Row(0);
                        charge
                            .payer_rates
                            .iter_mut()
                            .for_each(|rate| rate.source = RecordLocation::Row(0));
                    }
                    format!("{item:?}")
                })
                .collect()
        };
        let (tall, _) = read_text(tall.as_bytes());
        let (wide, wide_report) = read_text(wide.as_bytes());
        assert_eq!(strip(tall), strip(wide));
        assert!(wide_report.findings.by_rule.contains_key("bracketed-name"));
    }

    #[test]
    fn a_row_with_an_error_is_quarantined_verbatim_and_repairs_keep_the_raw_text() {
        let text = format!(
            "{ROWS_1_2}{TALL}MRI,70551,CPT,outpatient,\"$1,200.00\",N/A,Aetna,PPO,400,,,fee schedule,250,400,\nCT,74150,CPT,outpatient,$800 ,,,,,,,,,,\n"
        );
        let (records, report) = read_text(text.as_bytes());
        let Some(Record::Quarantined(quarantined)) = records
            .iter()
            .find(|record| matches!(record, Record::Quarantined(_)))
        else {
            panic!("quarantined row expected")
        };
        assert_eq!(quarantined.source, RecordLocation::Row(4));
        assert!(matches!(&quarantined.raw, RawRecord::Cells(cells) if cells[5] == "N/A"));
        assert!(
            quarantined
                .findings
                .iter()
                .any(|f| f.rule == "InvalidPositiveNumberError"
                    && f.location == "F4"
                    && !f.normalised)
        );
        let items = items(&records);
        let charge = &items[0].standard_charges[0];
        assert_eq!(
            charge.gross.map(|gross| gross.to_string()).as_deref(),
            Some("800")
        );
        // The cell exactly as written: the trailing space is the file's too.
        assert_eq!(charge.raw_values[0].raw, "$800 ");
        assert_eq!(report.summary.quarantined_rows, 1);
    }

    #[test]
    fn windows_1252_bom_and_blank_rows_are_tolerated() {
        let mut bytes = b"\xEF\xBB\xBF".to_vec();
        bytes.extend_from_slice(ROWS_1_2.as_bytes());
        bytes.extend_from_slice(TALL.as_bytes());
        bytes.extend_from_slice(
            b"Caf\xE9 \x96 visit,99213,CPT,outpatient,100,90,,,,,,,,,\r\n\r\n,,,\nX,1,CPT,both,5\n",
        );
        let (records, report) = read_text(&bytes);
        assert_eq!(items(&records)[0].description, "Café – visit");
        assert!(report.findings.by_rule.contains_key("not-utf8"));
        assert_eq!(
            (report.summary.blank_rows, report.summary.data_rows),
            (2, 2)
        );
        let Some(Record::Item(last)) = records.last() else {
            panic!("item")
        };
        assert_eq!(last.standard_charges[0].source, RecordLocation::Row(7));
    }

    #[test]
    fn conditional_rules_report_cms_cells() {
        let text = format!(
            "{ROWS_1_2}{TALL}MRI,70551,CPT,outpatient,,,Aetna,PPO,400,,,,,400,\nCT,74150,CPT,outpatient,,,,,,,,other,,,\nLab,,,outpatient,5\n"
        );
        let (_, report) = read_text(text.as_bytes());
        let found: Vec<(&str, &str)> = report
            .findings
            .findings
            .iter()
            .map(|f| (f.rule.as_str(), f.location.as_str()))
            .collect();
        for expected in [
            ("RequiredValueError", "L4"),
            ("DollarNeedsMinMaxError", "M4"),
            ("ItemRequiresChargeError", "E5"),
            ("OtherMethodologyNotesError", "O5"),
            ("CodePairMissingError", "row 6"),
        ] {
            assert!(found.contains(&expected), "{expected:?} in {found:?}");
        }
    }

    #[test]
    fn a_broken_payer_rate_is_quarantined_alone_and_tall_equals_wide() {
        // Cigna's rate has a percentage but no methodology: only that rate is quarantined.
        let tall = format!(
            "{ROWS_1_2}{TALL}MRI,70551,CPT,outpatient,1200,1080,Aetna,PPO,400,,,fee schedule,250,400,\nMRI,70551,CPT,outpatient,1200,1080,Cigna,HMO,,70,,,250,400,\n"
        );
        let wide = format!(
            "{ROWS_1_2}description,code|1,code|1|type,setting,standard_charge|gross,standard_charge|discounted_cash,standard_charge|Aetna|PPO|negotiated_dollar,standard_charge|Aetna|PPO|negotiated_percentage,standard_charge|Aetna|PPO|negotiated_algorithm,standard_charge|Aetna|PPO|methodology,additional_payer_notes|Aetna|PPO,standard_charge|Cigna|HMO|negotiated_dollar,standard_charge|Cigna|HMO|negotiated_percentage,standard_charge|Cigna|HMO|negotiated_algorithm,standard_charge|Cigna|HMO|methodology,additional_payer_notes|Cigna|HMO,standard_charge|min,standard_charge|max,additional_generic_notes\nMRI,70551,CPT,outpatient,1200,1080,400,,,fee schedule,,,70,,,,250,400,\n"
        );
        let mut outcomes = Vec::new();
        for text in [tall, wide] {
            let (records, report) = read_text(text.as_bytes());
            let items = items(&records);
            assert_eq!(items.len(), 1);
            let charge = &items[0].standard_charges[0];
            assert_eq!(charge.gross.map(|g| g.to_string()).as_deref(), Some("1200"));
            let payers: Vec<&str> = charge
                .payer_rates
                .iter()
                .map(|rate| rate.payer_name.as_str())
                .collect();
            assert_eq!(payers, ["Aetna"]);
            let quarantined: Vec<&QuarantinedRecord> = records
                .iter()
                .filter_map(|record| match record {
                    Record::Quarantined(quarantined) => Some(quarantined),
                    _ => None,
                })
                .collect();
            assert_eq!(quarantined.len(), 1);
            assert!(matches!(
                &quarantined[0].part,
                QuarantinedPart::PayerRate { payer_name, plan_name }
                    if payer_name == "Cigna" && plan_name.as_deref() == Some("HMO")
            ));
            assert!(
                quarantined[0]
                    .findings
                    .iter()
                    .any(|f| f.rule == "RequiredValueError")
            );
            let summary = &report.summary;
            assert_eq!(
                (
                    summary.quarantined_rows,
                    summary.quarantined_payer_rates,
                    summary.partially_quarantined_rows,
                    summary.quarantined_records,
                    summary.payer_rates
                ),
                (0, 1, 1, 1, 1)
            );
            outcomes.push(format!(
                "{:?}",
                items[0].standard_charges[0].payer_rates[0].negotiated_dollar
            ));
        }
        assert_eq!(outcomes[0], outcomes[1]);
    }

    #[test]
    fn modifier_rows_keep_their_own_notes() {
        let tall = format!(
            "{ROWS_1_2}{},modifiers\nBilateral,,,both,,,,,,,,,,,applies to both sides,50\nCo-surgeon,,,both,,,Aetna,PPO,,62.5,,,,,per co-surgeon,62\n",
            TALL.trim_end()
        );
        let document = source::from_bytes("t.csv", tall.into_bytes())
            .unwrap()
            .remove(0);
        let mut records = Vec::new();
        let options = ReadOptions {
            version: Some(TemplateVersion::V2_2),
            ..ReadOptions::default()
        };
        crate::read(&document, &options, &mut |record| records.push(record)).unwrap();
        let modifiers: Vec<&priceline_domain::Modifier> = records
            .iter()
            .filter_map(|record| match record {
                Record::Modifier(modifier) => Some(&modifier.modifier),
                _ => None,
            })
            .collect();
        assert_eq!(modifiers.len(), 2, "{records:?}");
        assert_eq!(modifiers[0].notes.as_deref(), Some("applies to both sides"));
        assert!(modifiers[0].payer_info.is_empty());
        // With a payer named, Tall's notes describe that payer's adjustment.
        assert_eq!(modifiers[1].notes, None);
        assert_eq!(
            modifiers[1].payer_info[0].description.as_deref(),
            Some("per co-surgeon")
        );
    }

    #[test]
    fn a_first_row_without_cms_keys_is_refused() {
        let document = source::from_bytes("cdm.csv", b"DESCRIPTION, Price\nX,1\n".to_vec())
            .unwrap()
            .remove(0);
        let error = crate::read(&document, &ReadOptions::default(), &mut |_| {
            panic!("nothing")
        })
        .unwrap_err();
        assert!(matches!(error, IngestError::Legacy(_)));
        let document = source::from_bytes("x.csv", b"a,b\n1,2\n".to_vec())
            .unwrap()
            .remove(0);
        let error = crate::read(&document, &ReadOptions::default(), &mut |_| {
            panic!("nothing")
        })
        .unwrap_err();
        assert!(matches!(error, IngestError::NotAPriceFile(_)));
    }

    #[test]
    fn counts_rows_like_the_validator() {
        let text = "a,b\n\"x\ny\",1\n\n,\nc\r\n\r\nd\n";
        let mut csv = CsvReader::new(text.as_bytes());
        let mut record = CsvRecord::default();
        let mut counter = RowCounter::default();
        let mut rows = Vec::new();
        while csv.read_record(&mut record).unwrap() {
            rows.push(counter.next(&record, csv.line()));
        }
        assert_eq!(rows, [(0, 1), (0, 2), (1, 4), (0, 5), (1, 7)]);
    }
}
