//! Snapshot acceptance: a file becomes its facility's current snapshot only when it is *usable*:
//! its data rows could be read and it yields at least one standard charge. Anything else would
//! replace a hospital's prices with nothing. An unusable file is kept as a rejected submission (see
//! `SnapshotWriter::reject`) with the reason and the one thing a person should do next.

use priceline_ingest::{FindingLog, ReadSummary, Severity, rules};

/// How many of the file's first error findings the reason quotes.
const QUOTED: usize = 3;

/// Why a read file is unusable and what to do about it; `None` when it is usable.
/// `standard_charges` is what the writer stored (or, for a validation, what the reader found).
pub(crate) fn judge(
    summary: &ReadSummary,
    findings: &FindingLog,
    standard_charges: u64,
) -> Option<Verdict> {
    if standard_charges > 0 {
        return None;
    }
    let has = |rule: &priceline_ingest::Rule| findings.by_rule.contains_key(rule.id);
    let errors: Vec<&str> = findings
        .findings
        .iter()
        .filter(|finding| finding.severity == Severity::Error)
        .filter(|finding| finding.rule != rules::PROBLEMS_IN_HEADER.id)
        .take(QUOTED)
        .map(|finding| finding.message.as_str())
        .collect();
    let quoted = if errors.is_empty() {
        String::new()
    } else {
        format!(": {}", errors.join("; "))
    };
    // The header stopped the reader before any data row (CSV row 3, or a JSON file's structure).
    let header_stopped = summary.data_rows == 0 && !summary.data_checked && !errors.is_empty();
    Some(if header_stopped {
        Verdict {
            reason: format!("the header rows cannot be read, so no data row was read{quoted}"),
            next_step: header_next_step(&has).to_owned(),
        }
    } else if summary.data_rows == summary.modifier_rows {
        let reason = if summary.data_rows == 0 {
            "the file has no data rows, so it yields no standard charge".to_owned()
        } else {
            format!(
                "the file has no item rows (only {} modifier rows), so it yields no standard charge",
                summary.modifier_rows
            )
        };
        Verdict {
            reason,
            next_step: "the file holds only its header: download it again in case it was cut \
                        short, or ask the hospital for its complete file, then import again"
                .to_owned(),
        }
    } else {
        Verdict {
            reason: format!(
                "none of its {} data rows yields a standard charge ({} quarantined, {} modifier \
                 rows, {} repeated){quoted}",
                summary.data_rows,
                summary.quarantined_rows,
                summary.modifier_rows,
                summary.duplicate_rows
            ),
            next_step: "read the findings and quarantined records for why no charge can be read, \
                        then ask the hospital for a corrected file and import that"
                .to_owned(),
        }
    })
}

/// Why a file was rejected, and what to do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Verdict {
    pub reason: String,
    pub next_step: String,
}

/// The next step for a legacy chargemaster that was read: its prices are served, marked legacy,
/// but it is not the hospital's CMS file, and the mapping decides what each column became.
pub(crate) fn legacy_next_step(file: &str, mapping: &str) -> String {
    let check = if mapping == "auto" {
        format!(
            "check the columns the automatic mapping chose (`priceline profile suggest {file}` \
             prints them as a profile to correct and pass with --profile)"
        )
    } else {
        format!("check that the {mapping} profile maps every column as the findings expect")
    };
    format!(
        "{check}, and ask the hospital for its CMS-template file (<EIN>_<name>_standardcharges.csv \
         or .json): its prices are what the rule requires"
    )
}

/// The next step for a header that cannot be read, by what is wrong with it.
fn header_next_step(has: &dyn Fn(&priceline_ingest::Rule) -> bool) -> &'static str {
    if has(&rules::PLACEHOLDER) {
        "fix the header row: replace the [payer_name] and [plan_name] placeholders with the payer \
         and plan names (and any other bracketed template text with real values), then import again"
    } else if has(&rules::COLUMN_MISSING) || has(&rules::DUPLICATE_COLUMN) {
        "fix the header row (row 3): spell every column as the CMS template does and name each once \
         (see the findings for the missing or repeated ones), then import again"
    } else if has(&rules::AMBIGUOUS_FORMAT) {
        "fix the header row (row 3): use either the Tall payer_name/plan_name columns or the Wide \
         per-payer columns, not both, then import again"
    } else if has(&rules::HEADER_BLANK) || has(&rules::MIN_ROWS) {
        "the file lacks its header or data rows: download it again in case it was cut short, or \
         ask the hospital for its complete file, then import again"
    } else {
        "fix the header as the findings say (or ask the hospital for a corrected file), then \
         import again"
    }
}

#[cfg(test)]
mod tests {
    use priceline_ingest::Finding;

    use super::*;

    fn read(summary: ReadSummary, findings: &[Finding]) -> (ReadSummary, FindingLog) {
        let mut log = FindingLog::with_limit(100);
        log.extend(findings.iter().cloned());
        (summary, log)
    }

    fn judge((summary, findings): (ReadSummary, FindingLog), charges: u64) -> Option<Verdict> {
        super::judge(&summary, &findings, charges)
    }

    #[test]
    fn a_file_with_a_standard_charge_is_usable_whatever_its_errors() {
        let placeholder = Finding::new(rules::PLACEHOLDER, "D3", "a placeholder");
        assert_eq!(judge(read(ReadSummary::default(), &[placeholder]), 1), None);
    }

    #[test]
    fn a_header_that_stops_the_reader_says_how_to_fix_it() {
        let findings = [
            Finding::new(
                rules::PLACEHOLDER,
                "D3",
                "payer \"[payer_name]\" is a placeholder",
            ),
            Finding::new(rules::PROBLEMS_IN_HEADER, "A1", "row 3 has errors"),
        ];
        let verdict = judge(read(ReadSummary::default(), &findings), 0).unwrap();
        assert!(
            verdict
                .reason
                .ends_with("so no data row was read: payer \"[payer_name]\" is a placeholder"),
            "{verdict:?}"
        );
        assert!(
            verdict.next_step.contains("replace the [payer_name]"),
            "{verdict:?}"
        );
        let missing = [Finding::new(
            rules::COLUMN_MISSING,
            "row 3",
            "column description is required",
        )];
        let verdict = judge(read(ReadSummary::default(), &missing), 0).unwrap();
        assert!(
            verdict.next_step.contains("spell every column"),
            "{verdict:?}"
        );
    }

    #[test]
    fn no_data_rows_or_no_charge_among_them_is_unusable() {
        let summary = ReadSummary {
            data_checked: true,
            ..ReadSummary::default()
        };
        let verdict = judge(read(summary, &[]), 0).unwrap();
        assert!(verdict.reason.contains("no data rows"), "{verdict:?}");
        let summary = ReadSummary {
            data_rows: 7,
            quarantined_rows: 7,
            data_checked: true,
            ..ReadSummary::default()
        };
        let verdict = judge(read(summary, &[]), 0).unwrap();
        assert!(
            verdict
                .reason
                .starts_with("none of its 7 data rows yields a standard charge (7 quarantined"),
            "{verdict:?}"
        );
        assert!(
            verdict.next_step.contains("quarantined records"),
            "{verdict:?}"
        );
    }
}
