//! Counts of a read, and the findings log that keeps a report bounded on huge files.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::finding::{Finding, Severity};

/// What a read did with every data row. The counts add up (see [`ReadSummary::balanced`]):
///
/// ```text
/// data_rows           = item_rows + modifier_rows + quarantined_rows + duplicate_rows + skipped rows
/// quarantined_records = quarantined_rows + quarantined_payer_rates
/// partially_quarantined_rows ≤ item_rows,  partially_quarantined_rows ≤ quarantined_payer_rates
/// ```
///
/// A data row is a non-blank CSV record after row 3, or an element of the JSON
/// `standard_charge_information` or `modifier_information` arrays. A CSV item row whose item and
/// standard charge are valid but one payer's rate is not is an item row (its valid part imported)
/// *and* a partially quarantined row: each broken payer rate becomes a quarantined record of its own.
/// `payer_rates` and `standard_charges` are totals over the emitted items.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadSummary {
    pub data_rows: u64,
    /// Blank CSV rows, skipped as the CMS validator does (they still count in row numbers).
    pub blank_rows: u64,
    pub item_rows: u64,
    pub modifier_rows: u64,
    /// Rows (elements) quarantined whole.
    pub quarantined_rows: u64,
    /// Item rows imported without some of their payer rates, which were quarantined.
    pub partially_quarantined_rows: u64,
    /// Payer rates quarantined on their own (their row's valid part was imported).
    pub quarantined_payer_rates: u64,
    /// `Record::Quarantined` records emitted: whole rows plus single payer rates.
    pub quarantined_records: u64,
    /// Exact repeats of a row of the same item: kept once, counted here, reported as an alert.
    pub duplicate_rows: u64,
    pub items: u64,
    pub standard_charges: u64,
    pub payer_rates: u64,
    pub modifiers: u64,
    /// Legacy chargemasters only: data rows deliberately not imported, counted by a named reason
    /// (`section-heading`, `total`, `repeated-header`, `no-amount`). Always empty for CMS files.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub skipped: BTreeMap<String, u64>,
    /// False when a row-3 problem means the data rows were not evaluated (as the CMS validator
    /// stops there): either not read at all, or read and imported with their findings kept on their
    /// records but left out of the report (see `FindingLog::not_evaluated`).
    pub data_checked: bool,
}

impl ReadSummary {
    pub fn skipped_rows(&self) -> u64 {
        self.skipped.values().sum()
    }

    pub fn balanced(&self) -> bool {
        self.data_rows
            == self.item_rows
                + self.modifier_rows
                + self.quarantined_rows
                + self.duplicate_rows
                + self.skipped_rows()
            && self.quarantined_records == self.quarantined_rows + self.quarantined_payer_rates
            && self.partially_quarantined_rows <= self.item_rows
            && self.partially_quarantined_rows <= self.quarantined_payer_rates
    }
}

/// All findings of a read: counted in full, kept up to a limit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingLog {
    pub errors: u64,
    pub alerts: u64,
    /// Errors the importer repaired (counted in `errors` too).
    pub normalised: u64,
    pub by_rule: BTreeMap<String, u64>,
    /// The first findings, in file order, up to the limit given to the reader.
    pub findings: Vec<Finding>,
    pub not_kept: u64,
    /// Findings of data rows read after a row-3 problem: the CMS validator evaluates no data row
    /// then, so they are not reported (nor counted above); they stay with their records.
    pub not_evaluated: u64,
    #[serde(skip)]
    limit: usize,
}

impl FindingLog {
    pub fn with_limit(limit: usize) -> Self {
        Self {
            limit,
            ..Self::default()
        }
    }

    pub fn add(&mut self, finding: Finding) {
        match finding.severity {
            Severity::Error => self.errors += 1,
            Severity::Alert => self.alerts += 1,
        }
        self.normalised += u64::from(finding.normalised);
        *self.by_rule.entry(finding.rule.clone()).or_default() += 1;
        if self.findings.len() < self.limit {
            self.findings.push(finding);
        } else {
            self.not_kept += 1;
        }
    }

    pub fn extend(&mut self, findings: impl IntoIterator<Item = Finding>) {
        findings.into_iter().for_each(|finding| self.add(finding));
    }
}
