//! Row 3: which column holds what. Tall and Wide differ only in where payer and plan come from, so
//! both become the same `Layout`: a Tall file has one payer column group whose payer and plan are
//! cells (and whose notes are `additional_generic_notes`), a Wide file one group per payer and plan
//! named in its headers. That single shape is what makes Tall ≡ Wide by construction.

use std::collections::HashMap;

use priceline_domain::{FileFormat, TemplateVersion};

use super::memo::EnumMemo;
use crate::detect::normalise_key;
use crate::finding::{Finding, cell};
use crate::rules;

#[derive(Debug, Default)]
pub(crate) struct Layout {
    pub format: Option<FileFormat>,
    pub description: Option<usize>,
    pub setting: Option<usize>,
    pub drug_unit: Option<usize>,
    pub drug_type: Option<usize>,
    pub gross: Option<usize>,
    pub cash: Option<usize>,
    pub min: Option<usize>,
    pub max: Option<usize>,
    pub generic_notes: Option<usize>,
    pub modifiers: Option<usize>,
    pub billing_class: Option<usize>,
    pub codes: Vec<CodeColumns>,
    pub payers: Vec<PayerColumns>,
    /// What the enumeration cells of earlier rows parsed to (see `EnumMemo`); it lives with the
    /// layout because it is per column.
    pub memo: std::cell::RefCell<EnumMemo>,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct CodeColumns {
    pub number: u32,
    pub code: Option<usize>,
    pub code_type: Option<usize>,
}

#[derive(Debug, Clone)]
pub(crate) enum PayerSource {
    /// Tall: `payer_name` and `plan_name` cells.
    Cells {
        payer: Option<usize>,
        plan: Option<usize>,
    },
    /// Wide: from the headers, brackets removed; the plan is missing in 3-part headers.
    Named { payer: String, plan: Option<String> },
}

#[derive(Debug, Clone)]
pub(crate) struct PayerColumns {
    pub source: PayerSource,
    pub dollar: Option<usize>,
    pub percentage: Option<usize>,
    pub algorithm: Option<usize>,
    pub methodology: Option<usize>,
    pub median: Option<usize>,
    pub p10: Option<usize>,
    pub p90: Option<usize>,
    pub count: Option<usize>,
    pub estimated: Option<usize>,
    pub notes: Option<usize>,
    /// False when one of the group's Wide headers does not have the template's shape (payer and
    /// plan: 4 parts for `standard_charge|payer|plan|field`, 3 for `field|payer|plan`), e.g.
    /// `standard_charge|MEDICARE|negotiated_dollar` or a plan name holding a `|`. The CMS validator
    /// does not read such a column as a payer column at all; we do, but what we find in it is the
    /// importer's own finding (`cms: false`), not a CMS one.
    pub cms_shape: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum PayerField {
    Dollar,
    Percentage,
    Algorithm,
    Methodology,
    Median,
    P10,
    P90,
    Count,
    Estimated,
    Notes,
}

impl PayerField {
    /// Fields written `standard_charge|…|<field>`.
    fn charge(part: &str) -> Option<Self> {
        Some(match part {
            "negotiated_dollar" => Self::Dollar,
            "negotiated_percentage" => Self::Percentage,
            "negotiated_algorithm" => Self::Algorithm,
            "methodology" => Self::Methodology,
            _ => return None,
        })
    }

    /// Fields written `<field>` (Tall) or `<field>|payer|plan` (Wide).
    fn own(part: &str) -> Option<Self> {
        Some(match part {
            "median_amount" => Self::Median,
            "10th_percentile" => Self::P10,
            "90th_percentile" => Self::P90,
            "count" => Self::Count,
            "estimated_amount" => Self::Estimated,
            "additional_payer_notes" => Self::Notes,
            _ => return None,
        })
    }

    fn label(self) -> &'static str {
        match self {
            Self::Dollar => "standard_charge|negotiated_dollar",
            Self::Percentage => "standard_charge|negotiated_percentage",
            Self::Algorithm => "standard_charge|negotiated_algorithm",
            Self::Methodology => "standard_charge|methodology",
            Self::Median => "median_amount",
            Self::P10 => "10th_percentile",
            Self::P90 => "90th_percentile",
            Self::Count => "count",
            Self::Estimated => "estimated_amount",
            Self::Notes => "additional_payer_notes",
        }
    }
}

impl PayerColumns {
    fn new(source: PayerSource) -> Self {
        Self {
            source,
            dollar: None,
            percentage: None,
            algorithm: None,
            methodology: None,
            median: None,
            p10: None,
            p90: None,
            count: None,
            estimated: None,
            notes: None,
            cms_shape: true,
        }
    }

    fn slot(&mut self, field: PayerField) -> &mut Option<usize> {
        match field {
            PayerField::Dollar => &mut self.dollar,
            PayerField::Percentage => &mut self.percentage,
            PayerField::Algorithm => &mut self.algorithm,
            PayerField::Methodology => &mut self.methodology,
            PayerField::Median => &mut self.median,
            PayerField::P10 => &mut self.p10,
            PayerField::P90 => &mut self.p90,
            PayerField::Count => &mut self.count,
            PayerField::Estimated => &mut self.estimated,
            PayerField::Notes => &mut self.notes,
        }
    }

    /// The payer and plan as a header suffix, for messages.
    pub fn label(&self) -> String {
        match &self.source {
            PayerSource::Cells { .. } => String::new(),
            PayerSource::Named { payer, plan } => {
                format!(" | {payer} | {}", plan.as_deref().unwrap_or(""))
            }
        }
    }
}

/// What row 3 says, with its findings. `blocking` is set when the data rows cannot be read
/// reliably (no description, no code column, ambiguous format, duplicate or placeholder columns):
/// the CMS validator stops there too.
pub(crate) struct Row3 {
    pub layout: Layout,
    pub findings: Vec<Finding>,
    pub blocking: bool,
}

const ROW: u64 = 3;

/// The columns found so far, Tall and Wide payer groups both, until row 3 says which it is.
struct Found {
    layout: Layout,
    /// The one payer group of a Tall file.
    tall: PayerColumns,
    /// The payer groups of a Wide file, in order of first sight, and their keys (see `group`).
    wide: Vec<PayerColumns>,
    wide_keys: HashMap<String, usize>,
    codes: HashMap<u32, CodeColumns>,
}

/// What is wrong with row 3 so far; `blocking` as in [`Row3`].
#[derive(Default)]
struct Problems {
    findings: Vec<Finding>,
    blocking: bool,
}

pub(crate) fn read_row3(headers: &[String], version: TemplateVersion) -> Row3 {
    let mut found = Found {
        layout: Layout::default(),
        tall: PayerColumns::new(PayerSource::Cells {
            payer: None,
            plan: None,
        }),
        wide: Vec::new(),
        wide_keys: HashMap::new(),
        codes: HashMap::new(),
    };
    let mut problems = Problems::default();
    // Every column read, by normalised header: a second one is a duplicate.
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (index, header) in headers.iter().enumerate() {
        let key = normalise_key(header);
        if key.chars().all(|c| c == '|') {
            continue; // blank header cell: nothing can be read under it
        }
        let slot = slot(&mut found, &mut problems, index, header, &key);
        place(slot, &mut seen, &mut problems, index, header, key);
    }
    let layout = found.into_layout(&mut problems);
    report_missing_columns(&layout, version, &mut problems);
    if version == TemplateVersion::V3_0
        && let Some(index) = layout.payers.iter().find_map(|payer| payer.estimated)
    {
        problems.findings.push(Finding::new(
            rules::ESTIMATED_AMOUNT_IN_V3,
            cell(index, ROW),
            "estimated_amount is not part of template v3.0",
        ));
    }
    Row3 {
        layout,
        findings: problems.findings,
        blocking: problems.blocking,
    }
}

/// Where the column `header` (at `index`, normalised to `key`) belongs: a slot of the layout, of
/// the Tall payer group or of a Wide one (created on first sight); `None` for a column that is
/// not a template column or cannot be read (a placeholder, reported here).
fn slot<'f>(
    found: &'f mut Found,
    problems: &mut Problems,
    index: usize,
    header: &str,
    key: &str,
) -> Option<&'f mut Option<usize>> {
    let parts: Vec<&str> = key.split('|').collect();
    let written: Vec<&str> = header.split('|').map(str::trim).collect();
    let Found {
        layout,
        tall,
        wide,
        wide_keys,
        codes,
    } = found;
    match parts.as_slice() {
        ["description"] => Some(&mut layout.description),
        ["setting"] => Some(&mut layout.setting),
        ["drug_unit_of_measurement"] => Some(&mut layout.drug_unit),
        ["drug_type_of_measurement"] => Some(&mut layout.drug_type),
        ["modifiers"] => Some(&mut layout.modifiers),
        ["billing_class"] => Some(&mut layout.billing_class),
        ["additional_generic_notes"] => Some(&mut layout.generic_notes),
        ["standard_charge", "gross"] => Some(&mut layout.gross),
        ["standard_charge", "discounted_cash"] => Some(&mut layout.cash),
        ["standard_charge", "min"] => Some(&mut layout.min),
        ["standard_charge", "max"] => Some(&mut layout.max),
        ["payer_name"] => match &mut tall.source {
            PayerSource::Cells { payer, .. } => Some(payer),
            PayerSource::Named { .. } => None,
        },
        ["plan_name"] => match &mut tall.source {
            PayerSource::Cells { plan, .. } => Some(plan),
            PayerSource::Named { .. } => None,
        },
        ["code", number] | ["code", number, "type"] => match number.parse::<u32>() {
            Ok(number) => {
                let columns = codes.entry(number).or_insert(CodeColumns {
                    number,
                    code: None,
                    code_type: None,
                });
                Some(if parts.len() == 2 {
                    &mut columns.code
                } else {
                    &mut columns.code_type
                })
            }
            Err(_) => {
                problems.findings.push(Finding::new(
                    rules::PLACEHOLDER,
                    cell(index, ROW),
                    format!("column {header:?} still holds a template placeholder"),
                ));
                problems.blocking = true;
                None
            }
        },
        ["standard_charge", field] => PayerField::charge(field).map(|field| tall.slot(field)),
        [field] => PayerField::own(field)
            .filter(|field| *field != PayerField::Notes)
            .map(|field| tall.slot(field)),
        ["standard_charge", .., field]
            if parts.len() >= 3 && PayerField::charge(field).is_some() =>
        {
            let field = PayerField::charge(field).unwrap_or(PayerField::Dollar);
            let names = &written[1..written.len() - 1];
            group(wide, wide_keys, names, index, problems).map(|group| group.slot(field))
        }
        [field, ..] if PayerField::own(field).is_some() => {
            let field = PayerField::own(field).unwrap_or(PayerField::Notes);
            group(wide, wide_keys, &written[1..], index, problems).map(|group| group.slot(field))
        }
        _ => None,
    }
}

/// Records the column in its slot, or reports it: as a duplicate when the slot is taken, as an
/// extra column when it has none (unless a finding already points at it).
fn place(
    slot: Option<&mut Option<usize>>,
    seen: &mut HashMap<String, usize>,
    problems: &mut Problems,
    index: usize,
    header: &str,
    key: String,
) {
    match slot {
        Some(slot) if slot.is_some() || seen.contains_key(&key) => {
            problems.findings.push(Finding::new(
                rules::DUPLICATE_COLUMN,
                cell(index, ROW),
                format!("column {header:?} appears more than once"),
            ));
            problems.blocking = true;
        }
        Some(slot) => {
            *slot = Some(index);
            seen.insert(key, index);
        }
        None if !problems
            .findings
            .iter()
            .any(|finding| finding.location == cell(index, ROW)) =>
        {
            problems.findings.push(Finding::new(
                rules::EXTRA_COLUMN,
                cell(index, ROW),
                format!("column {header:?} is not a template column; its values are not imported"),
            ));
        }
        None => {}
    }
}

impl Found {
    /// The layout, Tall or Wide: Tall when payer_name and plan_name are both there, Wide when
    /// payer-specific headers are; both or neither is ambiguous (and blocks).
    fn into_layout(self, problems: &mut Problems) -> Layout {
        let Found {
            mut layout,
            mut tall,
            wide,
            codes,
            ..
        } = self;
        let mut code_columns: Vec<CodeColumns> = codes.into_values().collect();
        code_columns.sort_by_key(|columns| columns.number);
        layout.codes = code_columns;
        tall.notes = layout.generic_notes;

        let is_tall = matches!(
            tall.source,
            PayerSource::Cells {
                payer: Some(_),
                plan: Some(_)
            }
        );
        let is_wide = !wide.is_empty();
        if is_tall == is_wide {
            problems.findings.push(Finding::new(
                rules::AMBIGUOUS_FORMAT,
                "row 3",
                "cannot tell Tall from Wide: a Tall file has payer_name and plan_name columns, a Wide file payer-specific standard_charge columns, and this file has both or neither",
            ));
            problems.blocking = true;
        }
        layout.format = Some(if is_tall {
            FileFormat::CsvTall
        } else {
            FileFormat::CsvWide
        });
        layout.payers = if is_tall { vec![tall] } else { wide };
        layout
    }
}

/// Reports the required columns the layout lacks; a missing description or code column blocks.
fn report_missing_columns(layout: &Layout, version: TemplateVersion, problems: &mut Problems) {
    let missing = missing_columns(layout, version);
    problems.blocking |= missing
        .iter()
        .any(|(name, _)| name == "description" || name.starts_with("code |"));
    problems
        .findings
        .extend(missing.into_iter().map(|(name, cms)| {
            let finding = Finding::new(
                rules::COLUMN_MISSING,
                "row 3",
                format!("column {name} is required"),
            );
            if cms { finding } else { finding.not_cms() }
        }));
}

/// The Wide column group of a payer and plan, created on first sight.
fn group<'a>(
    groups: &'a mut Vec<PayerColumns>,
    keys: &mut HashMap<String, usize>,
    names: &[&str],
    index: usize,
    problems: &mut Problems,
) -> Option<&'a mut PayerColumns> {
    let findings = &mut problems.findings;
    let payer = names.first().copied().unwrap_or_default();
    let plan = names
        .get(1..)
        .map(|rest| rest.join(" | "))
        .unwrap_or_default();
    for name in [payer, plan.as_str()] {
        if name.eq_ignore_ascii_case("[payer_name]") || name.eq_ignore_ascii_case("[plan_name]") {
            findings.push(Finding::new(
                rules::PLACEHOLDER,
                cell(index, ROW),
                format!("payer or plan {name:?} is a template placeholder"),
            ));
            problems.blocking = true;
            return None;
        }
    }
    let payer = unbracket(payer, index, findings);
    if payer.is_empty() {
        return None;
    }
    let plan = Some(unbracket(&plan, index, findings)).filter(|plan| !plan.is_empty());
    let key = format!(
        "{}\u{1f}{}",
        payer.to_lowercase(),
        plan.as_deref().unwrap_or_default().to_lowercase()
    );
    let cms_shape = names.len() == 2;
    let position = *keys.entry(key).or_insert_with(|| {
        if plan.is_none() {
            findings.push(Finding::new(
                rules::MISSING_PLAN,
                cell(index, ROW),
                format!("payer {payer:?} has no plan name in its headers"),
            ));
        }
        groups.push(PayerColumns::new(PayerSource::Named {
            payer: payer.clone(),
            plan: plan.clone(),
        }));
        groups.len() - 1
    });
    let group = groups.get_mut(position)?;
    group.cms_shape &= cms_shape;
    Some(group)
}

/// `[BCBS]` → `BCBS`, with an alert: brackets around a whole name are the template's placeholder
/// syntax left in, not part of the name. Brackets inside a name (`MEDICARE [106]`) are kept.
fn unbracket(name: &str, index: usize, findings: &mut Vec<Finding>) -> String {
    match name
        .strip_prefix('[')
        .and_then(|rest| rest.strip_suffix(']'))
    {
        Some(inner) if !inner.contains(['[', ']']) => {
            if !findings
                .iter()
                .any(|finding| finding.location == cell(index, ROW))
            {
                findings.push(Finding::new(
                    rules::BRACKETED_NAME,
                    cell(index, ROW),
                    format!("name {name:?} is read as {:?}", inner.trim()),
                ));
            }
            inner.trim().to_owned()
        }
        _ => name.to_owned(),
    }
}

fn missing_columns(layout: &Layout, version: TemplateVersion) -> Vec<(String, bool)> {
    let mut missing = Vec::new();
    // (column name, whether CMS requires it too: not for a payer group it does not recognise).
    let mut need_cms = |present: bool, name: String, cms: bool| {
        if !present {
            missing.push((name, cms));
        }
    };
    need_cms(layout.description.is_some(), "description".into(), true);
    need_cms(layout.setting.is_some(), "setting".into(), true);
    need_cms(
        layout.gross.is_some(),
        "standard_charge | gross".into(),
        true,
    );
    need_cms(
        layout.cash.is_some(),
        "standard_charge | discounted_cash".into(),
        true,
    );
    need_cms(layout.min.is_some(), "standard_charge | min".into(), true);
    need_cms(layout.max.is_some(), "standard_charge | max".into(), true);
    need_cms(
        layout.generic_notes.is_some(),
        "additional_generic_notes".into(),
        true,
    );
    let highest = layout
        .codes
        .iter()
        .map(|columns| columns.number)
        .max()
        .unwrap_or(1);
    for number in 1..=highest {
        let columns = layout.codes.iter().find(|columns| columns.number == number);
        need_cms(
            columns.is_some_and(|columns| columns.code.is_some()),
            format!("code | {number}"),
            true,
        );
        need_cms(
            columns.is_some_and(|columns| columns.code_type.is_some()),
            format!("code | {number} | type"),
            true,
        );
    }
    if version >= TemplateVersion::V2_2 {
        need_cms(
            layout.drug_unit.is_some(),
            "drug_unit_of_measurement".into(),
            true,
        );
        need_cms(
            layout.drug_type.is_some(),
            "drug_type_of_measurement".into(),
            true,
        );
        need_cms(layout.modifiers.is_some(), "modifiers".into(), true);
    }
    for payer in &layout.payers {
        let suffix = payer.label();
        let mut fields = vec![
            (payer.dollar, PayerField::Dollar),
            (payer.percentage, PayerField::Percentage),
            (payer.algorithm, PayerField::Algorithm),
            (payer.methodology, PayerField::Methodology),
        ];
        match &payer.source {
            PayerSource::Cells { payer, plan } => {
                need_cms(payer.is_some(), "payer_name".into(), true);
                need_cms(plan.is_some(), "plan_name".into(), true);
            }
            PayerSource::Named { .. } => fields.push((payer.notes, PayerField::Notes)),
        }
        if version == TemplateVersion::V2_2 {
            fields.push((payer.estimated, PayerField::Estimated));
        }
        if version >= TemplateVersion::V3_0 {
            fields.extend([
                (payer.median, PayerField::Median),
                (payer.p10, PayerField::P10),
                (payer.p90, PayerField::P90),
                (payer.count, PayerField::Count),
            ]);
        }
        for (column, field) in fields {
            let label = field.label();
            let name = match label.split_once('|') {
                Some((first, rest)) if !suffix.is_empty() => format!("{first}{suffix} | {rest}"),
                _ => format!("{label}{suffix}"),
            };
            need_cms(column.is_some(), name, payer.cms_shape);
        }
    }
    missing
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row3(headers: &[&str], version: TemplateVersion) -> Row3 {
        read_row3(
            &headers.iter().map(|h| (*h).to_owned()).collect::<Vec<_>>(),
            version,
        )
    }

    const STATIC: [&str; 9] = [
        "description",
        "code|1",
        "code|1|type",
        "setting",
        "standard_charge|gross",
        "standard_charge|discounted_cash",
        "standard_charge|min",
        "standard_charge|max",
        "additional_generic_notes",
    ];

    #[test]
    fn wide_headers_any_case_spacing_and_brackets_group_by_payer() {
        let mut headers = STATIC.to_vec();
        headers.extend([
            "standard_charge|[BCBS]|[Alabama] |negotiated_dollar",
            "STANDARD_CHARGE | bcbs | ALABAMA | Negotiated_Percentage",
            "standard_charge|[BCBS] |[Alabama] |negotiated_algorithm",
            "standard_charge|BCBS|alabama|methodology",
            "additional_payer_notes | BCBS | Alabama",
            "standard_charge|MEDICARE|negotiated_dollar",
            "De-Identified (low rate)",
            "",
        ]);
        let row3 = row3(&headers, TemplateVersion::V2_1);
        assert_eq!(row3.layout.format, Some(FileFormat::CsvWide));
        assert_eq!(row3.layout.payers.len(), 2);
        let bcbs = &row3.layout.payers[0];
        assert!(
            matches!(&bcbs.source, PayerSource::Named { payer, plan } if payer == "BCBS" && plan.as_deref() == Some("Alabama"))
        );
        assert_eq!(
            (bcbs.dollar, bcbs.percentage, bcbs.notes),
            (Some(9), Some(10), Some(13))
        );
        assert!(matches!(
            &row3.layout.payers[1].source,
            PayerSource::Named { plan: None, .. }
        ));
        let rules: Vec<&str> = row3.findings.iter().map(|f| f.rule.as_str()).collect();
        assert!(
            rules.contains(&"bracketed-name")
                && rules.contains(&"missing-plan-name")
                && rules.contains(&"extra-column"),
            "{rules:?}"
        );
        // MEDICARE lacks its percentage/algorithm/methodology/notes columns: reported, not blocking.
        assert!(rules.contains(&"ColumnMissingError") && !row3.blocking);
    }

    #[test]
    fn tall_and_wide_together_or_placeholders_block() {
        let mut headers = STATIC.to_vec();
        headers.extend([
            "payer_name",
            "plan_name",
            "standard_charge|A|B|negotiated_dollar",
        ]);
        assert!(row3(&headers, TemplateVersion::V2_1).blocking);
        let template = [
            "description",
            "code|[i]",
            "code|[i]|type",
            "payer_name",
            "plan_name",
        ];
        let row3 = row3(&template, TemplateVersion::V3_0);
        assert!(row3.blocking);
        assert!(row3.findings.iter().any(|f| f.rule == "PlaceholderError"));
    }

    #[test]
    fn duplicate_columns_block() {
        let mut headers = STATIC.to_vec();
        headers.extend(["payer_name", "plan_name", "DESCRIPTION"]);
        let row3 = row3(&headers, TemplateVersion::V2_1);
        assert!(row3.blocking);
        assert!(
            row3.findings
                .iter()
                .any(|f| f.rule == "DuplicateColumnError" && f.location == "L3")
        );
    }
}
