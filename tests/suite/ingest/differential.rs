//! Differential test against the real CMS validator (`@cmsgov/hpt-validator`, pinned in
//! `tools/cms-validator/package.json`, run through `tools/cms-validator/validate.mjs`).
//!
//! For every CMS validator fixture, every CMS example, the CMS-template files hospitals published and
//! deliberately broken variants of the v3 and v2 examples (written to a temp dir), both validators run
//! with the same chosen template version, and the *set* of (location, severity) pairs of their errors
//! must be the same; so must the alerts our rules mark as CMS alerts. CMS reports several Ajv
//! messages at one JSON pointer where we report one finding, hence sets, not lists.
//!
//! What may differ is listed explicitly below ([`JUSTIFIED`] and [`normalise_cms`]), each with its
//! reason. Anything else is a mismatch and fails the test, with a table of all cases.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use priceline_domain::TemplateVersion;
use priceline_ingest::{ReadOptions, Severity};
use serde_json::Value;

fn shared(path: &str) -> PathBuf {
    Path::new(env!("PRICELINE_SHARED_DATA")).join(path)
}

fn validator_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tools/cms-validator/validate.mjs")
}

/// One file validated by both, as one template version.
struct Case {
    name: String,
    path: PathBuf,
    version: TemplateVersion,
}

fn version_arg(version: TemplateVersion) -> &'static str {
    match version {
        TemplateVersion::V2_0 => "v2.0.0",
        TemplateVersion::V2_1 => "v2.1.0",
        TemplateVersion::V2_2 => "v2.2.0",
        _ => "v3.0.0",
    }
}

/// A difference we accept: in case `case`, the pair (`location`, `severity`) is reported only by
/// `only_in` ("cms" or "ours").
struct Justified {
    case: &'static str,
    only_in: &'static str,
    location: &'static str,
    severity: &'static str,
    reason: &'static str,
}

/// The documented, justified differences that are specific to one case. Each names the case, the
/// side that reports the pair alone, the place and why. (Differences of the installed validator
/// version as a whole are in [`normalise_cms`] and [`stopped_on_rows_1_2_only`].)
const JUSTIFIED: &[Justified] = &[];

/// The installed CMS validator (2.4.0, the newest on the npm registry) and the reference version
/// (2.6.0, `hpt-format.md` §6 and `shared/data/README.md`) differ; these rewrite the installed
/// validator's results into the reference behaviour, each for a stated reason. Returns the reasons
/// applied to this result.
fn normalise_cms(result: &mut CmsResult) -> Vec<&'static str> {
    let mut applied = Vec::new();
    // 1. CMS names the row-2 cell of a CSV version or attestation/affirmation alert in row 3
    //    (`CsvVersionMismatchAlert`/`CsvFalse*Alert` call `super(2, column)`, a 0-based row 2,
    //    i.e. row 3). The value is in row 2, where we name it.
    for alert in &mut result.alerts {
        if matches!(
            alert.kind.as_str(),
            "CsvVersionMismatchAlert" | "CsvFalseAffirmationAlert" | "CsvFalseAttestationAlert"
        ) && let Some(column) = alert.path.strip_suffix('3')
            && !column.is_empty()
            && column.chars().all(|c| c.is_ascii_uppercase())
        {
            alert.path = format!("{column}2");
            applied.push("CMS names the row-2 value of a version/statement alert in row 3");
        }
    }
    // 2. 2.4.0 calls a second *blank* row-3 header cell a duplicate of the first
    //    (`DuplicateColumnError` "Column  duplicated") and stops; the reference validates
    //    `sample-wide-blank-headers.csv`, which has blank header cells, as valid (data README).
    let before = result.errors.len();
    result.errors.retain(|e| {
        !(e.kind == "DuplicateColumnError" && e.message.starts_with("Column  duplicated"))
    });
    if result.errors.len() != before {
        applied
            .push("2.4.0 reports blank row-3 cells as duplicate columns; the reference does not");
        if result
            .errors
            .iter()
            .all(|e| e.kind == "ProblemsInHeaderError")
        {
            result.errors.clear();
        }
    }
    applied
}

#[derive(Debug, Clone)]
struct CmsFinding {
    path: String,
    kind: String,
    message: String,
}

#[derive(Debug, Clone)]
struct CmsResult {
    errors: Vec<CmsFinding>,
    alerts: Vec<CmsFinding>,
}

fn parse_findings(value: &Value) -> Vec<CmsFinding> {
    value
        .as_array()
        .map(|list| {
            list.iter()
                .map(|finding| CmsFinding {
                    path: finding["path"].as_str().unwrap_or_default().to_owned(),
                    kind: finding["type"].as_str().unwrap_or_default().to_owned(),
                    message: finding["message"].as_str().unwrap_or_default().to_owned(),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Runs the CMS validator once for all cases.
fn run_cms(cases: &[Case]) -> Vec<CmsResult> {
    let mut command = Command::new("node");
    command.arg(validator_script());
    for case in cases {
        command.arg(&case.path).arg(version_arg(case.version));
    }
    let output = command
        .output()
        .expect("node runs (Node 20+ is needed for tools/cms-validator)");
    assert!(
        output.status.success(),
        "validate.mjs failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let value: Value = serde_json::from_slice(&output.stdout).unwrap();
    let list = match value {
        Value::Array(list) => list,
        single => vec![single],
    };
    assert_eq!(list.len(), cases.len());
    list.iter()
        .zip(cases)
        .map(|(result, case)| {
            assert!(
                result.get("crashed").is_none(),
                "{}: the CMS validator crashed: {}",
                case.name,
                result["crashed"]
            );
            CmsResult {
                errors: parse_findings(&result["errors"]),
                alerts: parse_findings(&result["alerts"]),
            }
        })
        .collect()
}

type Pairs = BTreeSet<(String, &'static str)>;

fn cms_pairs(result: &CmsResult) -> Pairs {
    let errors = result
        .errors
        .iter()
        .map(|finding| (finding.path.clone(), "error"));
    let alerts = result
        .alerts
        .iter()
        .map(|finding| (finding.path.clone(), "alert"));
    errors.chain(alerts).collect()
}

fn our_pairs(case: &Case) -> (Pairs, Vec<String>) {
    let options = ReadOptions {
        version: Some(case.version),
        max_findings: 1_000_000,
        ..ReadOptions::default()
    };
    let mut reports = priceline_ingest::validate_path(&case.path, &options);
    assert_eq!(reports.len(), 1, "{}", case.name);
    let report = reports.remove(0);
    assert!(
        report.summary.balanced(),
        "{}: {:?}",
        case.name,
        report.summary
    );
    let cms: Vec<_> = report
        .findings
        .findings
        .iter()
        .filter(|finding| finding.cms)
        .collect();
    let pairs = cms
        .iter()
        .map(|finding| {
            let severity = match finding.severity {
                Severity::Error => "error",
                Severity::Alert => "alert",
            };
            (finding.location.clone(), severity)
        })
        .collect();
    let described = cms
        .iter()
        .map(|f| format!("{} {} {}", f.rule, f.location, f.message))
        .collect();
    (pairs, described)
}

/// The 2.4.0 validator stops after *any* error in rows 1–3 (its `ProblemsInHeaderError` says "rows
/// 1 through 3"); the reference validator (2.6.0, `hpt-format.md` §6 and the data README's
/// `sample-bad-header.csv` line) stops only on row-3 errors and checks the data rows after a row-2
/// error. We follow the reference. When CMS stopped with row-1/2 errors only, our data-row findings
/// and the absence of `ProblemsInHeaderError` are the expected difference.
fn stopped_on_rows_1_2_only(result: &CmsResult) -> bool {
    let stopped = result
        .errors
        .iter()
        .any(|finding| finding.kind == "ProblemsInHeaderError");
    stopped
        && result
            .errors
            .iter()
            .filter(|finding| finding.kind != "ProblemsInHeaderError")
            .all(|finding| csv_row(&finding.path).is_some_and(|row| row <= 2))
}

/// The row of a CSV location (`B2` → 2, `row 3` → 3); `None` for a JSON pointer or nothing.
fn csv_row(location: &str) -> Option<u64> {
    let digits = location
        .strip_prefix("row ")
        .unwrap_or_else(|| location.trim_start_matches(|c: char| c.is_ascii_uppercase()));
    digits.parse().ok()
}

// ---------------------------------------------------------------------------------------------
// Broken variants of the examples.

enum Edit {
    /// Sets the cell of a 1-based row under a column named by its row-1 key (row 2) or its row-3
    /// header (data rows), compared after normalising case and spaces around `|`.
    Cell(u64, &'static str, &'static str),
    /// Removes a row-3 column (and its cells in every data row).
    DropColumn(&'static str),
    /// Sets (or, with `None`, removes) the value at a JSON pointer.
    Json(&'static str, Option<Value>),
}

struct Variant {
    name: &'static str,
    base: &'static str,
    version: TemplateVersion,
    edits: Vec<Edit>,
}

fn variants() -> Vec<Variant> {
    use Edit::*;
    use TemplateVersion::*;
    use serde_json::json;
    let v3_tall = "cms/v3.0.0/V3.0.0_Tall_CSV_Format_Example.csv";
    let v3_wide = "cms/v3.0.0/V3.0.0_Wide_CSV_Format_Example.csv";
    let v3_json = "cms/v3.0.0/v3_json_format_example.json";
    let v2_tall = "cms/v2.0.0/V2.0.0_Tall_CSV_Format_Example.csv";
    let v2_wide = "cms/v2.0.0/V2.0.0_Wide_CSV_Format_Example.csv";
    let v2_json = "cms/v2.0.0/V2.0.0_JSON_Format_Example.json";
    let variant = |name, base, version, edits| Variant {
        name,
        base,
        version,
        edits,
    };
    vec![
        // v3 Tall.
        variant(
            "v3-tall-bad-date",
            v3_tall,
            V3_0,
            vec![Cell(2, "last_updated_on", "2026-13-45")],
        ),
        variant(
            "v3-tall-bad-npi",
            v3_tall,
            V3_0,
            vec![Cell(2, "type_2_npi", "12345|0000000002")],
        ),
        variant(
            "v3-tall-blank-attester",
            v3_tall,
            V3_0,
            vec![Cell(2, "attester_name", "")],
        ),
        variant(
            "v3-tall-negative-gross",
            v3_tall,
            V3_0,
            vec![Cell(4, "standard_charge|gross", "-1200")],
        ),
        variant(
            "v3-tall-dollar-sign",
            v3_tall,
            V3_0,
            vec![Cell(4, "standard_charge|negotiated_dollar", "$400")],
        ),
        variant(
            "v3-tall-zero-cash",
            v3_tall,
            V3_0,
            vec![Cell(5, "standard_charge|discounted_cash", "0")],
        ),
        variant(
            "v3-tall-no-methodology",
            v3_tall,
            V3_0,
            vec![Cell(6, "standard_charge|methodology", "")],
        ),
        variant(
            "v3-tall-bad-methodology",
            v3_tall,
            V3_0,
            vec![Cell(
                7,
                "standard_charge|methodology",
                "PERCENTAGE OF TOTAL BILLED CHARGES",
            )],
        ),
        variant(
            "v3-tall-bad-count",
            v3_tall,
            V3_0,
            vec![Cell(22, "count", "5")],
        ),
        variant(
            "v3-tall-percentage-no-count",
            v3_tall,
            V3_0,
            vec![Cell(22, "count", "")],
        ),
        variant(
            "v3-tall-percentage-no-median",
            v3_tall,
            V3_0,
            vec![
                Cell(23, "median_amount", ""),
                Cell(23, "90th_percentile", ""),
            ],
        ),
        variant(
            "v3-tall-count-zero-no-notes",
            v3_tall,
            V3_0,
            vec![Cell(21, "additional_generic_notes", "")],
        ),
        variant(
            "v3-tall-other-no-notes",
            v3_tall,
            V3_0,
            vec![Cell(16, "additional_generic_notes", "")],
        ),
        variant(
            "v3-tall-ndc-no-drug",
            v3_tall,
            V3_0,
            vec![
                Cell(37, "drug_unit_of_measurement", ""),
                Cell(38, "drug_type_of_measurement", ""),
            ],
        ),
        variant(
            "v3-tall-drug-unit-no-type",
            v3_tall,
            V3_0,
            vec![Cell(4, "drug_unit_of_measurement", "2")],
        ),
        variant(
            "v3-tall-blank-setting",
            v3_tall,
            V3_0,
            vec![Cell(10, "setting", "")],
        ),
        variant(
            "v3-tall-bad-setting",
            v3_tall,
            V3_0,
            vec![Cell(11, "setting", "ambulatory")],
        ),
        variant(
            "v3-tall-half-code-pair",
            v3_tall,
            V3_0,
            vec![Cell(12, "code|2|type", ""), Cell(13, "code|1", "")],
        ),
        variant(
            "v3-tall-no-code",
            v3_tall,
            V3_0,
            vec![Cell(10, "code|1", ""), Cell(10, "code|1|type", "")],
        ),
        variant(
            "v3-tall-no-charge",
            v3_tall,
            V3_0,
            vec![
                Cell(4, "standard_charge|gross", ""),
                Cell(4, "standard_charge|discounted_cash", ""),
                Cell(4, "standard_charge|negotiated_dollar", ""),
            ],
        ),
        variant(
            "v3-tall-dollar-no-min",
            v3_tall,
            V3_0,
            vec![Cell(5, "standard_charge|min", "")],
        ),
        variant(
            "v3-tall-payer-no-plan",
            v3_tall,
            V3_0,
            vec![Cell(8, "plan_name", "")],
        ),
        variant(
            "v3-tall-payer-no-charge",
            v3_tall,
            V3_0,
            vec![Cell(9, "standard_charge|negotiated_dollar", "")],
        ),
        variant(
            "v3-tall-modifier-no-info",
            v3_tall,
            V3_0,
            vec![
                Cell(31, "standard_charge|negotiated_percentage", ""),
                Cell(31, "additional_generic_notes", ""),
            ],
        ),
        variant(
            "v3-tall-modifier-notes-only",
            v3_tall,
            V3_0,
            vec![
                Cell(33, "payer_name", ""),
                Cell(33, "plan_name", ""),
                Cell(33, "standard_charge|negotiated_percentage", ""),
            ],
        ),
        variant(
            "v3-tall-nine-nines",
            v3_tall,
            V3_0,
            vec![Cell(22, "median_amount", "999999999")],
        ),
        variant(
            "v3-tall-no-setting-column",
            v3_tall,
            V3_0,
            vec![DropColumn("setting")],
        ),
        variant(
            "v3-tall-no-count-column",
            v3_tall,
            V3_0,
            vec![DropColumn("count")],
        ),
        variant(
            "v3-tall-no-description-column",
            v3_tall,
            V3_0,
            vec![DropColumn("description")],
        ),
        // v3 Wide.
        variant(
            "v3-wide-no-methodology-column",
            v3_wide,
            V3_0,
            vec![DropColumn(
                "standard_charge|region health insurance|hmo|methodology",
            )],
        ),
        variant(
            "v3-wide-no-notes-column",
            v3_wide,
            V3_0,
            vec![DropColumn(
                "additional_payer_notes|platform health insurance|ppo",
            )],
        ),
        variant(
            "v3-wide-no-methodology",
            v3_wide,
            V3_0,
            vec![Cell(
                4,
                "standard_charge|region health insurance|hmo|methodology",
                "",
            )],
        ),
        variant(
            "v3-wide-dollar-sign",
            v3_wide,
            V3_0,
            vec![Cell(
                5,
                "standard_charge|platform health insurance|ppo|negotiated_dollar",
                "$8,000",
            )],
        ),
        variant(
            "v3-wide-other-no-notes",
            v3_wide,
            V3_0,
            vec![Cell(
                4,
                "standard_charge|platform health insurance|ppo|methodology",
                "other",
            )],
        ),
        // v3 JSON.
        variant(
            "v3-json-bad-date",
            v3_json,
            V3_0,
            vec![Json("/last_updated_on", Some(json!("4/1/2026")))],
        ),
        variant(
            "v3-json-bad-npi",
            v3_json,
            V3_0,
            vec![Json("/type_2_npi/0", Some(json!("12345")))],
        ),
        variant(
            "v3-json-blank-npi",
            v3_json,
            V3_0,
            vec![Json("/type_2_npi/0", Some(json!("")))],
        ),
        variant(
            "v3-json-negative-gross",
            v3_json,
            V3_0,
            vec![Json(
                "/standard_charge_information/0/standard_charges/0/gross_charge",
                Some(json!(-1200)),
            )],
        ),
        variant(
            "v3-json-string-amount",
            v3_json,
            V3_0,
            vec![Json(
                "/standard_charge_information/0/standard_charges/0/gross_charge",
                Some(json!("$1200")),
            )],
        ),
        variant(
            "v3-json-no-methodology",
            v3_json,
            V3_0,
            vec![Json(
                "/standard_charge_information/0/standard_charges/0/payers_information/1/methodology",
                None,
            )],
        ),
        variant(
            "v3-json-bad-count",
            v3_json,
            V3_0,
            vec![Json(
                "/standard_charge_information/9/standard_charges/0/payers_information/0/count",
                Some(json!("5")),
            )],
        ),
        variant(
            "v3-json-percentage-no-count",
            v3_json,
            V3_0,
            vec![Json(
                "/standard_charge_information/9/standard_charges/0/payers_information/0/count",
                None,
            )],
        ),
        variant(
            "v3-json-ndc-no-drug",
            v3_json,
            V3_0,
            vec![Json(
                "/standard_charge_information/15/drug_information",
                None,
            )],
        ),
        variant(
            "v3-json-blank-setting",
            v3_json,
            V3_0,
            vec![Json(
                "/standard_charge_information/1/standard_charges/0/setting",
                Some(json!("")),
            )],
        ),
        variant(
            "v3-json-other-no-notes",
            v3_json,
            V3_0,
            vec![Json(
                "/standard_charge_information/0/standard_charges/0/payers_information/0/methodology",
                Some(json!("other")),
            )],
        ),
        variant(
            "v3-json-no-min-max",
            v3_json,
            V3_0,
            vec![Json(
                "/standard_charge_information/0/standard_charges/0/minimum",
                None,
            )],
        ),
        variant(
            "v3-json-no-npi-list",
            v3_json,
            V3_0,
            vec![Json("/type_2_npi", None)],
        ),
        variant(
            "v3-json-drug-unit-string",
            v3_json,
            V3_0,
            vec![Json(
                "/standard_charge_information/15/drug_information/unit",
                Some(json!("1")),
            )],
        ),
        // v2.
        variant(
            "v2-tall-bad-date",
            v2_tall,
            V2_2,
            vec![Cell(2, "last_updated_on", "July 1 2024")],
        ),
        variant(
            "v2-tall-negative-dollar",
            v2_tall,
            V2_2,
            vec![Cell(4, "standard_charge|negotiated_dollar", "-20000")],
        ),
        variant(
            "v2-tall-no-methodology",
            v2_tall,
            V2_2,
            vec![Cell(8, "standard_charge|methodology", "")],
        ),
        variant(
            "v2-tall-no-estimate",
            v2_tall,
            V2_2,
            vec![Cell(7, "estimated_amount", "")],
        ),
        variant(
            "v2-tall-other-no-notes",
            v2_tall,
            V2_2,
            vec![Cell(10, "standard_charge|methodology", "other")],
        ),
        variant(
            "v2-tall-ndc-no-drug",
            v2_tall,
            V2_2,
            vec![
                Cell(10, "code|1", "0093-8739-01"),
                Cell(10, "code|1|type", "NDC"),
            ],
        ),
        variant(
            "v2-tall-blank-setting",
            v2_tall,
            V2_2,
            vec![Cell(14, "setting", "")],
        ),
        variant(
            "v2-tall-no-modifiers-column",
            v2_tall,
            V2_2,
            vec![DropColumn("modifiers")],
        ),
        variant(
            "v2-tall-as-2.1-no-code",
            v2_tall,
            V2_1,
            vec![Cell(16, "code|1", ""), Cell(16, "code|1|type", "")],
        ),
        variant(
            "v2-wide-no-methodology-column",
            v2_wide,
            V2_2,
            vec![DropColumn(
                "standard_charge|platform_health_insurance|ppo|methodology",
            )],
        ),
        variant(
            "v2-json-bad-date",
            v2_json,
            V2_2,
            vec![Json("/last_updated_on", Some(json!("July 1 2024")))],
        ),
        variant(
            "v2-json-ndc-no-drug",
            v2_json,
            V2_2,
            vec![Json(
                "/standard_charge_information/4/drug_information",
                None,
            )],
        ),
        variant(
            "v2-json-no-methodology",
            v2_json,
            V2_2,
            vec![Json(
                "/standard_charge_information/1/standard_charges/0/payers_information/0/methodology",
                None,
            )],
        ),
        variant(
            "v2-json-unit-number",
            v2_json,
            V2_2,
            vec![Json(
                "/standard_charge_information/4/drug_information/unit",
                Some(json!(1)),
            )],
        ),
    ]
}

/// A minimal RFC 4180 reader and writer, enough to edit the examples cell by cell.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let text = text.trim_start_matches('\u{feff}');
    let mut rows = Vec::new();
    let (mut row, mut cell) = (Vec::new(), String::new());
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut cell)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => cell.push(c),
        }
    }
    if !cell.is_empty() || !row.is_empty() {
        row.push(cell);
        rows.push(row);
    }
    rows
}

fn write_csv(rows: &[Vec<String>]) -> String {
    let mut out = String::new();
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .map(|cell| {
                if cell.contains([',', '"', '\n', '\r']) {
                    format!("\"{}\"", cell.replace('"', "\"\""))
                } else {
                    cell.clone()
                }
            })
            .collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

fn header_key(text: &str) -> String {
    text.split('|')
        .map(|part| part.trim().to_lowercase())
        .collect::<Vec<_>>()
        .join("|")
}

fn column(header: &[String], name: &str) -> usize {
    header
        .iter()
        .position(|cell| header_key(cell) == header_key(name))
        .unwrap_or_else(|| panic!("no column {name:?} in {header:?}"))
}

fn apply(variant: &Variant, dir: &Path) -> PathBuf {
    let base = shared(variant.base);
    let bytes = std::fs::read(&base).unwrap();
    // Some examples are not UTF-8 (Windows-1252); read byte for byte as Latin-1 then.
    let text = String::from_utf8(bytes.clone())
        .unwrap_or_else(|_| bytes.iter().map(|&byte| char::from(byte)).collect());
    let json = variant.base.ends_with(".json");
    let out = if json {
        let mut value: Value = serde_json::from_str(text.trim_start_matches('\u{feff}')).unwrap();
        for edit in &variant.edits {
            let Edit::Json(pointer, new) = edit else {
                panic!("{}: a CSV edit on JSON", variant.name)
            };
            match new {
                Some(new) => *value.pointer_mut(pointer).unwrap() = new.clone(),
                None => {
                    let (parent, key) = pointer.rsplit_once('/').unwrap();
                    let removed = value
                        .pointer_mut(parent)
                        .and_then(Value::as_object_mut)
                        .and_then(|object| object.remove(key));
                    assert!(removed.is_some(), "{}: nothing at {pointer}", variant.name);
                }
            }
        }
        serde_json::to_string_pretty(&value).unwrap()
    } else {
        let mut rows = parse_csv(&text);
        for edit in &variant.edits {
            match edit {
                Edit::Cell(row, name, new) => {
                    let index = if *row == 2 {
                        column(&rows[0], name)
                    } else {
                        column(&rows[2], name)
                    };
                    let cells = &mut rows[*row as usize - 1];
                    if cells.len() <= index {
                        cells.resize(index + 1, String::new());
                    }
                    cells[index] = (*new).to_owned();
                }
                Edit::DropColumn(name) => {
                    let index = column(&rows[2], name);
                    for cells in rows.iter_mut().skip(2) {
                        if index < cells.len() {
                            cells.remove(index);
                        }
                    }
                }
                Edit::Json(..) => panic!("{}: a JSON edit on CSV", variant.name),
            }
        }
        write_csv(&rows)
    };
    let path = dir.join(format!(
        "{}.{}",
        variant.name,
        if json { "json" } else { "csv" }
    ));
    std::fs::write(&path, out).unwrap();
    path
}

fn cases(dir: &Path) -> Vec<Case> {
    use TemplateVersion::*;
    let mut cases = Vec::new();
    let mut add = |name: String, path: PathBuf, version| {
        cases.push(Case {
            name,
            path,
            version,
        })
    };
    // The CMS validator's fixtures, as the data README's table validates them.
    for (file, version) in [
        ("sample-tall-valid.csv", V2_2),
        ("sample-wide-valid.csv", V2_2),
        ("sample-tall-mixed-line-endings.csv", V2_0),
        ("sample-tall-small-rows.csv", V2_1),
        ("sample-wide-blank-headers.csv", V3_0),
        ("sample-blank-header.csv", V2_2),
        ("sample-no-data.csv", V2_2),
        ("sample-bad-header.csv", V2_2),
        ("sample-bad-item-header.csv", V2_2),
        ("sample-lots-of-errors.csv", V2_2),
        ("sample-valid.json", V2_2),
        ("sample-valid-bom.json", V2_2),
        ("sample-empty.json", V2_2),
        ("sample-invalid.json", V2_2),
        ("false-confirmation.json", V2_0),
        ("sample-no-min-max.json", V2_1),
        ("sample-other-no-notes.json", V2_1),
        ("sample-no-charges.json", V2_1),
        ("unexpected-version.json", V2_1),
        ("unexpected-version.json", V2_2),
        ("sample-lots-of-alerts.json", V2_2),
        ("sample-nine-nines.json", V2_2),
        ("sample-valid-drug-info.json", V2_2),
        ("sample-valid-modifier.json", V2_2),
        ("sample-wrong-drug-info.json", V2_2),
        ("sample-wrong-modifier.json", V2_2),
        ("sample-missing-estimate.json", V2_2),
        ("sample-ndc-no-drug-info.json", V2_2),
        ("sample-no-payer-charges.json", V2_2),
    ] {
        add(
            format!("fixture/{file}@{}", &version_arg(version)[1..4]),
            shared(&format!("validator-fixtures/{file}")),
            version,
        );
    }
    // The CMS examples, as the version they were written for (the v2 ones carry v2.2 columns).
    for (file, version) in [
        ("v3.0.0/V3.0.0_Tall_CSV_Format_Example.csv", V3_0),
        ("v3.0.0/V3.0.0_Wide_CSV_Format_Example.csv", V3_0),
        ("v3.0.0/v3_json_format_example.json", V3_0),
        ("v2.0.0/V2.0.0_Tall_CSV_Format_Example.csv", V2_2),
        ("v2.0.0/V2.0.0_Wide_CSV_Format_Example.csv", V2_2),
        ("v2.0.0/V2.0.0_JSON_Format_Example.json", V2_2),
    ] {
        add(
            format!("cms/{file}"),
            shared(&format!("cms/{file}")),
            version,
        );
    }
    // CMS-template files hospitals published (the legacy and negative ones are refused by design).
    for (file, version) in [
        ("233044421_rockford_standardcharges.csv", V2_2),
        (
            "630436871_grove-hill-memorial-hospital_standardcharges.csv",
            V2_2,
        ),
        (
            "823462523_BayhealthEmergencyPhysicians_StandardCharges.csv",
            V2_2,
        ),
        ("DE-Price-Transparency-validated-3525.-03012025.csv", V2_2),
        (
            "patterson-health-center-171346-standard-charges-2026-02-10.EXCERPT.csv",
            V3_0,
        ),
        (
            "bridgeway-medrates-candidate-standardcharges-2026-09-29.EXCERPT.csv",
            V3_0,
        ),
        (
            "nor-lea-official-standard-charges-2025-v2.EXCERPT.csv",
            V2_2,
        ),
    ] {
        add(
            format!("real/{file}"),
            shared(&format!("real/{file}")),
            version,
        );
    }
    for variant in variants() {
        let path = apply(&variant, dir);
        add(format!("variant/{}", variant.name), path, variant.version);
    }
    cases
}

#[test]
#[cfg_attr(
    no_shared_data,
    ignore = "the shared test data (../shared/data, PRICELINE_TEST_SHARED_DATA) is not present"
)]
// One `ignore` per test (a second is an unused attribute): the missing data is named first.
#[cfg_attr(
    all(no_cms_validator, not(no_shared_data)),
    ignore = "tools/cms-validator is not installed (npm ci --prefix tools/cms-validator)"
)]
fn findings_match_the_cms_validator() {
    let dir = tempfile::tempdir().unwrap();
    let cases = cases(dir.path());
    let cms = run_cms(&cases);
    let mut table = Vec::new();
    let (mut matching, mut justified_cases, mut failures) = (0, 0, Vec::new());
    let mut used_justifications = BTreeMap::new();
    for (case, mut cms) in cases.iter().zip(cms) {
        let mut reasons = normalise_cms(&mut cms);
        let theirs = cms_pairs(&cms);
        let (mut ours, described) = our_pairs(case);
        if stopped_on_rows_1_2_only(&cms) {
            // See `stopped_on_rows_1_2_only`: compare rows 1–2 only.
            ours.retain(|(location, _)| csv_row(location).is_some_and(|row| row <= 2));
            reasons.push("CMS 2.4.0 stops after row-2 errors; the reference (2.6.0) does not");
        }
        let mut only_cms: Vec<_> = theirs.difference(&ours).cloned().collect();
        let mut only_ours: Vec<_> = ours.difference(&theirs).cloned().collect();
        if reasons
            .iter()
            .any(|reason| reason.starts_with("CMS 2.4.0 stops"))
        {
            only_cms.retain(|(location, _)| location != "A1");
        }
        for (side, list) in [("cms", &mut only_cms), ("ours", &mut only_ours)] {
            list.retain(|(location, severity)| {
                let found = JUSTIFIED.iter().find(|j| {
                    j.case == case.name
                        && j.only_in == side
                        && j.location == location
                        && j.severity == *severity
                });
                if let Some(found) = found {
                    used_justifications.insert(found.case, found.reason);
                    reasons.push(found.reason);
                }
                found.is_none()
            });
        }
        let verdict = if !only_cms.is_empty() || !only_ours.is_empty() {
            failures.push(format!(
                "{}\n  only CMS: {only_cms:?}\n  only ours: {only_ours:?}\n  CMS said: {:?}\n  we said: {described:?}",
                case.name,
                cms.errors
                    .iter()
                    .chain(&cms.alerts)
                    .map(|f| format!("{} {} {}", f.kind, f.path, f.message.chars().take(90).collect::<String>()))
                    .collect::<Vec<_>>()
            ));
            "MISMATCH"
        } else if reasons.is_empty() {
            matching += 1;
            "match"
        } else {
            justified_cases += 1;
            "justified"
        };
        table.push(format!(
            "{verdict:9} {:4} errors/alerts {:>3}/{:<3} {}",
            version_arg(case.version),
            cms.errors.len(),
            cms.alerts.len(),
            case.name
        ));
    }
    println!("{}", table.join("\n"));
    println!(
        "differential: {} cases, {matching} match, {justified_cases} match after justified differences, {} mismatch",
        cases.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_csv_editor_round_trips() {
    let text = "a,\"b,c\",\"say \"\"hi\"\"\"\r\n\"x\ny\",,z\n";
    let rows = parse_csv(text);
    assert_eq!(rows[0], ["a", "b,c", "say \"hi\""]);
    assert_eq!(rows[1], ["x\ny", "", "z"]);
    assert_eq!(parse_csv(&write_csv(&rows)), rows);
    assert_eq!(csv_row("B2"), Some(2));
    assert_eq!(csv_row("row 13"), Some(13));
    assert_eq!(csv_row("/version"), None);
}
