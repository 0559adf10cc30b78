//! One data row: checked against the CMS rules of its version and turned into an item row or a
//! modifier row. Tall and Wide share this code through `Layout` (see `columns.rs`).

use priceline_domain::{
    Amount, BillingClass, Code, CodeType, DrugInfo, DrugUnitType, Item, Methodology, Modifier,
    ModifierPayerInfo, PayerRate, Percentage, Quantity, RawValue, RecordLocation, Setting,
    StandardCharge, TemplateVersion,
};

use std::cell::RefCell;

use super::columns::{Layout, PayerColumns, PayerSource};
use super::memo::{EnumMemo, Memoised};
use super::reader::CsvRecord;
use crate::finding::{Finding, cell};
use crate::labels::{self, Label};
use crate::rules;
use crate::values::{Check, trim};

pub(crate) enum Row {
    /// An item row, without the payer rates that had an error the importer cannot repair: those
    /// are returned beside it, to be quarantined on their own (the rest of the row is valid).
    Item(Item, Vec<BrokenPayerRate>),
    /// An item row of the item the grouper holds (same description, codes and drug): only its
    /// standard charge is built, since the item's own parts would be thrown away on merging. Most
    /// Tall rows are of this kind, so this saves their allocations.
    SameItem(StandardCharge, Vec<BrokenPayerRate>),
    Modifier(Modifier),
    /// The row has an error the importer cannot repair outside any one payer rate (its item,
    /// codes, setting, gross/cash/min/max), or it is a modifier row with an error.
    Rejected,
}

/// One payer's rate of an item row that cannot be imported, with its findings.
pub(crate) struct BrokenPayerRate {
    pub payer_name: String,
    pub plan_name: Option<String>,
    pub findings: Vec<Finding>,
}

/// A data row's cells, read from the CSV record in place and trimmed as they are looked at.
struct Cells<'a> {
    record: &'a CsvRecord,
    row: u64,
    memo: &'a RefCell<EnumMemo>,
}

impl<'a> Cells<'a> {
    fn get(&self, column: Option<usize>) -> &'a str {
        trim(self.untrimmed(column))
    }

    /// The cell as the file wrote it, surrounding spaces included: amounts are read from this, so
    /// that a repaired one keeps its exact text (`$800 `) as raw.
    fn untrimmed(&self, column: Option<usize>) -> &'a str {
        column
            .and_then(|index| self.record.get(index))
            .unwrap_or("")
    }

    /// `Check::label` of the cell in `column`, through the memo; a label not written as CMS
    /// writes it keeps its text in `raw` as `field`.
    fn label<T: Memoised + Label>(
        &self,
        column: Option<usize>,
        field: &dyn std::fmt::Display,
        raw: &mut Vec<RawValue>,
        check: &mut Check,
    ) -> Option<T> {
        let text = self.get(column);
        let Some(index) = column else {
            return check.label(text, field, &self.at(column), raw, false);
        };
        if let Some(value) = self.memo.borrow().recall(index, text) {
            return Some(value);
        }
        // Only CMS spellings are remembered: any other is reported (and kept raw) on every row.
        if let Some(value) = labels::listed::<T>(text) {
            self.memo.borrow_mut().keep(index, text, value);
            return Some(value);
        }
        check.label(text, field, &self.at(column), raw, false)
    }

    /// Where a finding about `column` points; formatted only if a finding is made.
    fn at(&self, column: Option<usize>) -> At {
        At {
            column,
            row: self.row,
        }
    }
}

/// `code|<n>|type`, the field a code type's raw text is kept as; formatted only when one is kept.
struct CodeTypeField(u32);

impl std::fmt::Display for CodeTypeField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "code|{}|type", self.0)
    }
}

/// A cell (`R10`), or the row (`row 10`) when the column is absent: a finding's location, kept
/// unformatted because almost every check passes and formatting per cell would dominate parsing.
#[derive(Clone, Copy)]
struct At {
    column: Option<usize>,
    row: u64,
}

impl From<At> for String {
    fn from(at: At) -> String {
        at.to_string()
    }
}

impl std::fmt::Display for At {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.column {
            Some(index) => f.write_str(&cell(index, self.row)),
            None => write!(f, "row {}", self.row),
        }
    }
}

/// One value per payer column group of the layout, without a heap allocation for the usual
/// single group (a Tall file has one): two fewer allocations per row.
enum PerPayer<T> {
    One(T),
    Many(Vec<T>),
}

impl<T> PerPayer<T> {
    fn new<'a>(
        groups: &'a [PayerColumns],
        mut make: impl FnMut(usize, &'a PayerColumns) -> T,
    ) -> Self {
        match groups {
            [only] => Self::One(make(0, only)),
            _ => Self::Many(
                groups
                    .iter()
                    .enumerate()
                    .map(|(index, columns)| make(index, columns))
                    .collect(),
            ),
        }
    }
}

impl<T> std::ops::Deref for PerPayer<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        match self {
            Self::One(value) => std::slice::from_ref(value),
            Self::Many(values) => values,
        }
    }
}

impl<T> std::ops::DerefMut for PerPayer<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        match self {
            Self::One(value) => std::slice::from_mut(value),
            Self::Many(values) => values,
        }
    }
}

impl<T> IntoIterator for PerPayer<T> {
    type Item = T;
    type IntoIter = std::iter::Chain<std::option::IntoIter<T>, std::vec::IntoIter<T>>;

    fn into_iter(self) -> Self::IntoIter {
        let (one, many) = match self {
            Self::One(value) => (Some(value), Vec::new()),
            Self::Many(values) => (None, values),
        };
        one.into_iter().chain(many)
    }
}

/// What one payer column group holds in this row; text borrowed from the row (or, in Wide, the
/// layout) and copied only into the records that keep it.
struct PayerCells<'a> {
    payer: &'a str,
    plan: &'a str,
    dollar: Option<Amount>,
    percentage: Option<Percentage>,
    algorithm: &'a str,
    methodology: Option<Methodology>,
    median: Option<Amount>,
    p10: Option<Amount>,
    p90: Option<Amount>,
    count_text: &'a str,
    count: Option<priceline_domain::AllowedCount>,
    estimated: Option<Amount>,
    notes: &'a str,
    raw: Vec<RawValue>,
    /// Whether a dollar, percentage or algorithm cell is non-blank (as written, like the validator).
    has_charge: bool,
    has_dollar: bool,
    has_percentage_or_algorithm: bool,
    any_value: bool,
}

/// The gross, discounted cash, minimum and maximum charge of an item row.
struct ChargeAmounts {
    gross: Option<Amount>,
    cash: Option<Amount>,
    minimum: Option<Amount>,
    maximum: Option<Amount>,
}

/// Reads one data row; `current` is the item the grouper holds, if any (see `Row::SameItem`).
pub(crate) fn read_row(
    layout: &Layout,
    version: TemplateVersion,
    record: &CsvRecord,
    row: u64,
    current: Option<&Item>,
    check: &mut Check,
) -> Row {
    let cells = Cells {
        record,
        row,
        memo: &layout.memo,
    };
    let description = cells.get(layout.description);
    check.required(
        !description.is_empty(),
        &cells.at(layout.description),
        "description",
    );
    let mut charge_raw = Vec::new();
    let (codes, any_code_cell) = codes(layout, &cells, version, &mut charge_raw, check);
    let amounts = charge_amounts(layout, &cells, &mut charge_raw, check);
    // Each payer column group is checked on its own, so that an error in one payer's rate
    // quarantines that rate only (see `Row::Item`).
    let mut payer_checks: PerPayer<Check> = PerPayer::new(&layout.payers, |_, _| Check::new());
    let payers: PerPayer<PayerCells<'_>> = {
        let checks: &mut [Check] = &mut payer_checks;
        PerPayer::new(&layout.payers, |index, columns| {
            payer_cells(columns, &cells, version, &mut checks[index])
        })
    };
    let drug = drug(layout, &cells, version, &codes, &mut charge_raw, check);
    let generic_notes = cells.get(layout.generic_notes);
    let modifiers = cells.get(layout.modifiers);

    // The validator's branching: a row with a code is an item; without one, a row with modifiers is a
    // modifier definition (from v2.2); anything else lacks its code.
    if !any_code_cell {
        if version >= TemplateVersion::V2_2 && !modifiers.is_empty() {
            // A modifier row is one definition: any error in it rejects it whole.
            merge_payer_findings(check, payer_checks, layout);
            return modifier_row(
                layout,
                &cells,
                description,
                modifiers,
                generic_notes,
                &payers,
                check,
            );
        }
        check.push(Finding::new(
            rules::CODE_PAIR_MISSING,
            format!("row {row}"),
            "an item needs at least one code and code type",
        ));
        if version >= TemplateVersion::V2_2 {
            merge_payer_findings(check, payer_checks, layout);
            return Row::Rejected;
        }
    }

    let setting_text = cells.get(layout.setting);
    check.required(
        !setting_text.is_empty(),
        &cells.at(layout.setting),
        "setting",
    );
    let setting: Option<Setting> = cells.label(layout.setting, &"setting", &mut charge_raw, check);
    let billing_class: Option<BillingClass> = cells.label(
        layout.billing_class,
        &"billing_class",
        &mut charge_raw,
        check,
    );
    if version >= TemplateVersion::V2_1 {
        item_conditionals(
            layout,
            &cells,
            version,
            &payers,
            amounts.gross.is_some() || !cells.get(layout.gross).is_empty(),
            check,
            &mut payer_checks,
        );
    }
    let (Some(setting), false) = (setting, check.blocked()) else {
        merge_payer_findings(check, payer_checks, layout);
        return Row::Rejected;
    };

    let (payer_rates, broken, charge_notes) =
        payer_rates(layout, payers, payer_checks, generic_notes, row, check);
    let charge = StandardCharge {
        setting,
        billing_class,
        modifiers: split_modifiers(modifiers),
        gross: amounts.gross,
        discounted_cash: amounts.cash,
        minimum: amounts.minimum,
        maximum: amounts.maximum,
        generic_notes: charge_notes.map(str::to_owned),
        payer_rates,
        source: RecordLocation::Row(row),
        raw_values: charge_raw,
    };
    if is_current_item(current, description, drug.as_ref(), &codes) {
        return Row::SameItem(charge, broken);
    }
    let item = Item {
        description: description.to_owned(),
        codes: codes
            .into_iter()
            .filter_map(|(kind, code)| Code::new(kind, code).ok())
            .collect(),
        drug,
        standard_charges: vec![charge],
    };
    Row::Item(item, broken)
}

/// The row's (type, code) pairs, borrowed: the item's `Code`s are made only for a new item. Also
/// whether any code or code type cell is filled at all (a row without one is no item row).
fn codes<'a>(
    layout: &Layout,
    cells: &Cells<'a>,
    version: TemplateVersion,
    raw: &mut Vec<RawValue>,
    check: &mut Check,
) -> (Vec<(CodeType, &'a str)>, bool) {
    let mut codes: Vec<(CodeType, &str)> = Vec::new();
    let mut any_code_cell = false;
    for columns in &layout.codes {
        let (code, code_type) = (cells.get(columns.code), cells.get(columns.code_type));
        any_code_cell |= !code.is_empty() || !code_type.is_empty();
        if !code_type.is_empty() && code.is_empty() {
            check.required(
                false,
                &cells.at(columns.code),
                &format!("code | {}", columns.number),
            );
        }
        if code.is_empty() {
            continue;
        }
        if code_type.is_empty() {
            check.required(
                false,
                &cells.at(columns.code_type),
                &format!("code | {} | type", columns.number),
            );
        }
        let location = cells.at(columns.code_type);
        let field = CodeTypeField(columns.number);
        let parsed: Option<CodeType> = cells.label(columns.code_type, &field, raw, check);
        match parsed {
            Some(kind) if kind.is_v3_only() && version < TemplateVersion::V3_0 => {
                check.push(Finding::new(
                    rules::ALLOWED_VALUES,
                    location,
                    format!("code type {kind} exists only from template v3.0"),
                ));
            }
            // `code` is trimmed and not blank, which is all `Code::new` asks.
            Some(kind) => codes.push((kind, code)),
            None => {}
        }
    }
    (codes, any_code_cell)
}

fn charge_amounts(
    layout: &Layout,
    cells: &Cells,
    raw: &mut Vec<RawValue>,
    check: &mut Check,
) -> ChargeAmounts {
    let mut amount = |column: Option<usize>, field: &str| {
        check.positive_text::<Amount>(cells.untrimmed(column), field, &cells.at(column), raw)
    };
    ChargeAmounts {
        gross: amount(layout.gross, "standard_charge|gross"),
        cash: amount(layout.cash, "standard_charge|discounted_cash"),
        minimum: amount(layout.min, "standard_charge|min"),
        maximum: amount(layout.max, "standard_charge|max"),
    }
}

/// The payer rates of an item row, apart from those with an error the importer cannot repair
/// (returned beside them, with their findings), and the generic notes left to the charge.
fn payer_rates<'a>(
    layout: &Layout,
    payers: PerPayer<PayerCells<'a>>,
    payer_checks: PerPayer<Check>,
    generic_notes: &'a str,
    row: u64,
    check: &mut Check,
) -> (Vec<PayerRate>, Vec<BrokenPayerRate>, Option<&'a str>) {
    let tall = layout.format == Some(priceline_domain::FileFormat::CsvTall);
    let mut payer_rates = Vec::new();
    let mut broken = Vec::new();
    let mut charge_notes = (!generic_notes.is_empty()).then_some(generic_notes);
    for ((payer, payer_check), columns) in payers.into_iter().zip(payer_checks).zip(&layout.payers)
    {
        let present = if tall {
            !payer.payer.is_empty() || !payer.plan.is_empty() || payer.any_value
        } else {
            payer.any_value
        };
        if tall && present {
            // In Tall, the one notes column speaks for the payer row it is on.
            charge_notes = None;
        }
        let findings = payer_findings(payer_check, columns);
        if crate::finding::any_blocking(&findings) {
            broken.push(BrokenPayerRate {
                payer_name: payer.payer.to_owned(),
                plan_name: owned_unless_empty(payer.plan),
                findings,
            });
            continue;
        }
        check.findings.extend(findings);
        if !present {
            continue;
        }
        payer_rates.push(PayerRate {
            payer_name: payer.payer.to_owned(),
            plan_name: owned_unless_empty(payer.plan),
            negotiated_dollar: payer.dollar,
            negotiated_percentage: payer.percentage,
            negotiated_algorithm: owned_unless_empty(payer.algorithm),
            methodology: payer.methodology,
            median_amount: payer.median,
            percentile_10th: payer.p10,
            percentile_90th: payer.p90,
            count: payer.count,
            estimated_amount: payer.estimated,
            payer_notes: owned_unless_empty(payer.notes),
            source: RecordLocation::Row(row),
            raw_values: payer.raw,
        });
    }
    (payer_rates, broken, charge_notes)
}

/// The grouper's test for one item (`group::same_item`), made on the borrowed parts.
fn is_current_item(
    current: Option<&Item>,
    description: &str,
    drug: Option<&DrugInfo>,
    codes: &[(CodeType, &str)],
) -> bool {
    current.is_some_and(|item| {
        item.description == description
            && item.drug.as_ref() == drug
            && item.codes.len() == codes.len()
            && item
                .codes
                .iter()
                .zip(codes)
                .all(|(kept, (kind, code))| kept.code_type == *kind && kept.code == *code)
    })
}

fn owned_unless_empty(text: &str) -> Option<String> {
    (!text.is_empty()).then(|| text.to_owned())
}

/// A payer group's findings; in a group CMS does not read as payer columns, they are ours alone.
fn payer_findings(payer_check: Check, columns: &PayerColumns) -> Vec<Finding> {
    if columns.cms_shape {
        payer_check.findings
    } else {
        payer_check
            .findings
            .into_iter()
            .map(Finding::not_cms)
            .collect()
    }
}

fn merge_payer_findings(check: &mut Check, payer_checks: PerPayer<Check>, layout: &Layout) {
    for (payer_check, columns) in payer_checks.into_iter().zip(&layout.payers) {
        check.findings.extend(payer_findings(payer_check, columns));
    }
}

pub(crate) fn split_modifiers(text: &str) -> Vec<String> {
    text.split('|')
        .map(str::trim)
        .filter(|code| !code.is_empty())
        .map(str::to_owned)
        .collect()
}

fn payer_cells<'a>(
    columns: &'a PayerColumns,
    cells: &Cells<'a>,
    version: TemplateVersion,
    check: &mut Check,
) -> PayerCells<'a> {
    let (payer, plan) = match &columns.source {
        PayerSource::Cells { payer, plan } => (cells.get(*payer), cells.get(*plan)),
        PayerSource::Named { payer, plan } => (payer.as_str(), plan.as_deref().unwrap_or("")),
    };
    let mut raw = Vec::new();
    let amount =
        |column: Option<usize>, field: &str, check: &mut Check, raw: &mut Vec<RawValue>| {
            check.positive_text::<Amount>(cells.untrimmed(column), field, &cells.at(column), raw)
        };
    let dollar = amount(columns.dollar, "negotiated_dollar", check, &mut raw);
    let median = amount(columns.median, "median_amount", check, &mut raw);
    let p10 = amount(columns.p10, "10th_percentile", check, &mut raw);
    let p90 = amount(columns.p90, "90th_percentile", check, &mut raw);
    let estimated = amount(columns.estimated, "estimated_amount", check, &mut raw);
    let percentage = check.positive_text::<Percentage>(
        cells.untrimmed(columns.percentage),
        "negotiated_percentage",
        &cells.at(columns.percentage),
        &mut raw,
    );
    check.percentage_alert(percentage, &cells.at(columns.percentage));
    let methodology: Option<Methodology> =
        cells.label(columns.methodology, &"methodology", &mut raw, check);
    let count_text = cells.get(columns.count);
    let count = if version >= TemplateVersion::V3_0 || !count_text.is_empty() {
        check.count(count_text, &cells.at(columns.count))
    } else {
        None
    };
    let text = |column: Option<usize>| cells.get(column);
    let (dollar_text, percentage_text, algorithm) = (
        text(columns.dollar),
        text(columns.percentage),
        text(columns.algorithm),
    );
    let notes = text(columns.notes);
    let any_value = [columns.dollar, columns.percentage, columns.algorithm, columns.methodology, columns.median, columns.p10, columns.p90, columns.count, columns.estimated]
        .into_iter()
        .any(|column| !cells.get(column).is_empty())
        // A Wide payer's own notes column counts; in Tall the notes column is shared with the item.
        || (matches!(columns.source, PayerSource::Named { .. }) && !notes.is_empty());
    PayerCells {
        payer,
        plan,
        dollar,
        percentage,
        methodology,
        median,
        p10,
        p90,
        count,
        estimated,
        raw,
        has_charge: !dollar_text.is_empty() || !percentage_text.is_empty() || !algorithm.is_empty(),
        has_dollar: !dollar_text.is_empty(),
        has_percentage_or_algorithm: !percentage_text.is_empty() || !algorithm.is_empty(),
        algorithm,
        count_text,
        notes,
        any_value,
    }
}

fn drug(
    layout: &Layout,
    cells: &Cells,
    version: TemplateVersion,
    codes: &[(CodeType, &str)],
    raw: &mut Vec<RawValue>,
    check: &mut Check,
) -> Option<DrugInfo> {
    let (unit_text, type_text) = (cells.get(layout.drug_unit), cells.get(layout.drug_type));
    let unit = check.positive_text::<Quantity>(
        unit_text,
        "drug_unit_of_measurement",
        &cells.at(layout.drug_unit),
        raw,
    );
    let unit_type: Option<DrugUnitType> =
        cells.label(layout.drug_type, &"drug_type_of_measurement", raw, check);
    if version >= TemplateVersion::V2_2 {
        if !unit_text.is_empty() || !type_text.is_empty() {
            check.required(
                !unit_text.is_empty(),
                &cells.at(layout.drug_unit),
                "drug_unit_of_measurement when drug_type_of_measurement is present",
            );
            check.required(
                !type_text.is_empty(),
                &cells.at(layout.drug_type),
                "drug_type_of_measurement when drug_unit_of_measurement is present",
            );
        }
        let ndc = codes.iter().any(|(kind, _)| *kind == CodeType::Ndc);
        if ndc && (unit_text.is_empty() || type_text.is_empty()) {
            let missing = if unit_text.is_empty() {
                layout.drug_unit
            } else {
                layout.drug_type
            };
            check.push(Finding::new(
                rules::DRUG_INFORMATION_REQUIRED,
                cells.at(missing),
                "an NDC code needs drug_unit_of_measurement and drug_type_of_measurement",
            ));
        }
    }
    Some(DrugInfo {
        unit: unit?,
        unit_type: unit_type?,
    })
}

/// Conditional requirements 1 and 4–9 of an item row (from v2.1).
fn item_conditionals(
    layout: &Layout,
    cells: &Cells,
    version: TemplateVersion,
    payers: &[PayerCells],
    has_gross: bool,
    check: &mut Check,
    payer_checks: &mut [Check],
) {
    let has_cash = !cells.get(layout.cash).is_empty();
    if !has_gross && !has_cash && !payers.iter().any(|payer| payer.has_charge) {
        check.push(Finding::new(
            rules::ITEM_REQUIRES_CHARGE,
            cells.at(layout.gross),
            "an item needs a gross charge, a discounted cash price or a payer-specific charge",
        ));
    }
    if payers.iter().any(|payer| payer.has_dollar) {
        let missing = [layout.min, layout.max]
            .into_iter()
            .find(|column| cells.get(*column).is_empty());
        if let Some(column) = missing {
            check.push(Finding::new(
                rules::DOLLAR_NEEDS_MIN_MAX,
                cells.at(column),
                "a payer-specific dollar amount needs standard_charge | min and | max",
            ));
        }
    }
    for ((payer, columns), check) in payers.iter().zip(&layout.payers).zip(payer_checks) {
        let tall = matches!(columns.source, PayerSource::Cells { .. });
        if payer.has_charge {
            if let PayerSource::Cells {
                payer: payer_column,
                plan: plan_column,
            } = columns.source
            {
                check.required(
                    !payer.payer.is_empty(),
                    &cells.at(payer_column),
                    "payer_name when a payer-specific charge is encoded",
                );
                check.required(
                    !payer.plan.is_empty(),
                    &cells.at(plan_column),
                    "plan_name when a payer-specific charge is encoded",
                );
            }
            // The message is formatted only when it is needed: this runs on every priced row.
            if cells.get(columns.methodology).is_empty() {
                let what = format!(
                    "standard_charge{} | methodology when a payer-specific charge is encoded",
                    columns.label()
                );
                check.required(false, &cells.at(columns.methodology), &what);
            }
        }
        if payer.methodology == Some(Methodology::Other) && payer.notes.is_empty() {
            check.push(Finding::new(
                rules::OTHER_METHODOLOGY_NOTES,
                cells.at(columns.notes),
                "methodology \"other\" needs an explanation in the notes",
            ));
        }
        if version == TemplateVersion::V2_2
            && !payer.has_dollar
            && payer.has_percentage_or_algorithm
            && cells.get(columns.estimated).is_empty()
        {
            check.push(Finding::new(
                rules::PERCENTAGE_ALGORITHM_ESTIMATE,
                cells.at(columns.estimated),
                "a percentage or algorithm charge needs an estimated_amount",
            ));
        }
        if version >= TemplateVersion::V3_0 {
            v3_allowed_amounts(payer, columns, cells, tall, check);
        }
    }
}

/// Conditional requirements 7–9 and the v3 payer-needs-a-charge rule.
fn v3_allowed_amounts(
    payer: &PayerCells,
    columns: &PayerColumns,
    cells: &Cells,
    tall: bool,
    check: &mut Check,
) {
    if payer.has_percentage_or_algorithm {
        if payer.count_text.is_empty() {
            check.push(Finding::new(
                rules::PERCENTAGE_ALGORITHM_COUNT,
                cells.at(columns.count),
                "a percentage or algorithm charge needs a count of allowed amounts",
            ));
        }
        if payer.count_text != "0" {
            for (column, rule) in [
                (columns.median, rules::PERCENTAGE_ALGORITHM_MEDIAN),
                (columns.p10, rules::PERCENTAGE_ALGORITHM_10TH),
                (columns.p90, rules::PERCENTAGE_ALGORITHM_90TH),
            ] {
                if cells.get(column).is_empty() {
                    check.push(Finding::new(rule, cells.at(column), "a percentage or algorithm charge with allowed amounts needs the median, 10th and 90th percentiles"));
                }
            }
        }
    }
    if payer.count_text == "0" && payer.notes.is_empty() {
        check.push(Finding::new(
            rules::ALLOWED_COUNT_ZERO_NOTES,
            cells.at(columns.notes),
            "a count of 0 needs an explanation in the notes",
        ));
    }
    if tall && !payer.payer.is_empty() && !payer.plan.is_empty() && !payer.has_charge {
        let PayerSource::Cells { payer: column, .. } = columns.source else {
            return;
        };
        check.push(Finding::new(
            rules::CHARGE_WITH_PAYER_PLAN,
            cells.at(column),
            "a payer and plan need a payer-specific charge",
        ));
    }
}

fn modifier_row(
    layout: &Layout,
    cells: &Cells,
    description: &str,
    code: &str,
    generic_notes: &str,
    payers: &[PayerCells],
    check: &mut Check,
) -> Row {
    let informative = !generic_notes.is_empty()
        || payers
            .iter()
            .any(|payer| payer.has_charge || (!payer.notes.is_empty() && !payer.payer.is_empty()));
    if !informative {
        check.push(Finding::new(
            rules::MODIFIER_MISSING_INFO,
            cells.at(layout.generic_notes),
            "a modifier row needs notes or a payer-specific dollar, percentage or algorithm",
        ));
    }
    // A modifier row's setting is not checked by CMS; an unknown one is left out rather than guessed.
    let setting = Setting::parse(cells.get(layout.setting)).ok();
    if check.blocked() {
        return Row::Rejected;
    }
    // Notes that belong to no payer are the modifier's own: in Wide, `additional_generic_notes`
    // always (each payer has its own notes column); in Tall, the one notes column when the row
    // names no payer (otherwise it describes that payer's adjustment).
    let tall = layout.format == Some(priceline_domain::FileFormat::CsvTall);
    let names_a_payer = payers.iter().any(|payer| !payer.payer.is_empty());
    let payer_notes = tall && names_a_payer;
    let notes = Some(generic_notes.to_owned()).filter(|notes| !notes.is_empty() && !payer_notes);
    let payer_info = payers
        .iter()
        .filter(|payer| !payer.payer.is_empty() && (payer.any_value || !payer.notes.is_empty()))
        .map(|payer| ModifierPayerInfo {
            payer_name: payer.payer.to_owned(),
            plan_name: owned_unless_empty(payer.plan),
            description: owned_unless_empty(payer.notes),
            negotiated_dollar: payer.dollar,
            negotiated_percentage: payer.percentage,
            negotiated_algorithm: owned_unless_empty(payer.algorithm),
        })
        .collect();
    Row::Modifier(Modifier {
        code: code.to_owned(),
        description: description.to_owned(),
        setting,
        notes,
        payer_info,
    })
}
