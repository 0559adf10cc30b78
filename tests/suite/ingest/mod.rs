//! The importer (`priceline-ingest`) on the shared data: the CMS examples, the CMS validator's
//! fixtures and files hospitals really published (`../shared/data`, never copied into the repo).

mod cms_examples;
mod differential;
pub(crate) mod real_files;
mod validator_fixtures;

use priceline_ingest::{Finding, ReadOptions, ReadReport, Record, ValidationReport};

/// Reads one shared file completely, returning its records and report.
fn read_all(path: &str, options: &ReadOptions) -> (Vec<Record>, ReadReport) {
    let documents = priceline_ingest::open(path).unwrap_or_else(|error| panic!("{path}: {error}"));
    assert_eq!(documents.len(), 1, "{path}");
    let mut records = Vec::new();
    let report = priceline_ingest::read(&documents[0], options, &mut |record| records.push(record))
        .unwrap_or_else(|error| panic!("{path}: {error}"));
    assert!(
        report.summary.balanced(),
        "{path}: counts do not add up: {:?}",
        report.summary
    );
    (records, report)
}

fn validate(path: &str, options: &ReadOptions) -> ValidationReport {
    let mut reports = priceline_ingest::validate_path(path, options);
    assert_eq!(reports.len(), 1, "{path}");
    reports.remove(0)
}

/// The CMS rules a report found, as (rule, location, severity), for comparing with the CMS validator.
fn cms_findings(findings: &[Finding]) -> Vec<(String, String, String)> {
    findings
        .iter()
        .filter(|finding| finding.cms)
        .map(|finding| {
            (
                finding.rule.clone(),
                finding.location.clone(),
                format!("{:?}", finding.severity),
            )
        })
        .collect()
}
