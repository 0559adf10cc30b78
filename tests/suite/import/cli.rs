//! `priceline import` and `priceline validate` as an operator runs them: exit codes, lines, reports.

use std::process::Command;

use super::{SHARED, priceline_binary};

fn run(args: &[&str], database: &str) -> (bool, String, serde_json::Value) {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.json");
    let output = Command::new(priceline_binary())
        .args(args)
        .arg("--report")
        .arg(&report)
        .env("PRICELINE_DATABASE_URL", database)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    let json = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    (output.status.success(), stdout, json)
}

#[test]
#[cfg_attr(
    no_shared_data,
    ignore = "the shared test data (../shared/data, PRICELINE_TEST_SHARED_DATA) is not present"
)]
fn import_then_validate_report_per_file_and_exit_by_outcome() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("cli.db").display().to_string();
    let example = format!("{SHARED}/cms/v3.0.0/v3_json_format_example.json");
    let html = format!("{SHARED}/real/negative/dpcpricetransparency.csv");

    let (ok, out, report) = run(&["import", &example], &database);
    assert!(ok, "{out}");
    assert!(
        out.contains(&format!("imported  {example} [json v3.0.0]")),
        "{out}"
    );
    assert_eq!(report["documents"][0]["status"], "imported");
    assert_eq!(report["documents"][0]["summary"]["payer_rates"], 39);
    assert!(
        report["peak_memory_bytes"]
            .as_u64()
            .is_some_and(|bytes| bytes > 0)
    );

    // The same bytes again: a no-op that says so, and success.
    let (ok, out, report) = run(&["import", &example], &database);
    assert!(ok, "{out}");
    assert_eq!(report["documents"][0]["status"], "unchanged");

    // A file that is not a price file fails the command, and says why.
    let (ok, out, report) = run(&["import", &example, &html], &database);
    assert!(!ok, "{out}");
    assert!(out.contains("HTML"), "{out}");
    assert_eq!(report["documents"][1]["status"], "refused");

    // validate stores nothing and fails on a file with errors.
    let fixture = format!("{SHARED}/validator-fixtures/sample-bad-header.csv");
    let (ok, out, report) = run(&["validate", &fixture, "--as-version", "2.2.0"], &database);
    assert!(!ok, "{out}");
    assert_eq!(report["documents"][0]["status"], "invalid");
    let locations: Vec<&str> = report["documents"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|finding| finding["severity"] == "error")
        .map(|finding| finding["location"].as_str().unwrap())
        .collect();
    assert!(
        locations.contains(&"B2") && locations.contains(&"R10"),
        "{locations:?}"
    );
}

#[test]
fn a_missing_file_and_a_bad_version_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("cli.db").display().to_string();
    let output = Command::new(priceline_binary())
        .args(["validate", "/nonexistent/prices.csv", "--as-version", "9.9"])
        .env("PRICELINE_DATABASE_URL", &database)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--as-version") && stderr.contains("9.9"),
        "{stderr}"
    );

    let output = Command::new(priceline_binary())
        .args(["validate", "/nonexistent/prices.csv"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("/nonexistent/prices.csv") && stdout.contains("refused"),
        "{stdout}"
    );
}

/// `priceline import … | head -1`: the pipe closes after the first line, and the import goes on
/// with every file, quietly, and exits by its outcome.
#[test]
fn a_closed_output_pipe_does_not_stop_an_import() {
    use std::process::Stdio;
    let dir = tempfile::tempdir().unwrap();
    let files = dir.path().join("files");
    for hospital in 0..2 {
        let spec = priceline_synth::Spec {
            seed: 3,
            hospital,
            rows: 200,
        };
        let path = files.join(format!("{hospital}.csv"));
        std::fs::create_dir_all(&files).unwrap();
        priceline_synth::write(
            &spec,
            priceline_synth::Format::Tall,
            &mut std::fs::File::create(&path).unwrap(),
        )
        .unwrap();
    }
    let database = dir.path().join("pipe.db").display().to_string();
    let mut child = Command::new(priceline_binary())
        .arg("import")
        .arg(&files)
        .env("PRICELINE_DATABASE_URL", &database)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let (ok, out, report) = run(&["import", files.to_str().unwrap()], &database);
    assert!(ok, "{out}");
    assert_eq!(report["documents"][0]["status"], "unchanged");
    assert_eq!(report["documents"][1]["status"], "unchanged");
}

/// A folder with nothing to read is a mistake the operator must see: a message and a non-zero exit,
/// for `import` and `validate` alike, and no report claiming `0 file(s)`.
#[test]
fn an_empty_folder_is_an_error_that_says_nothing_was_found() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty");
    std::fs::create_dir_all(empty.join("nested")).unwrap();
    std::fs::write(empty.join(".hidden.csv"), "a,b\n").unwrap();
    let database = dir.path().join("cli.db").display().to_string();
    for command in ["import", "validate"] {
        let output = Command::new(priceline_binary())
            .arg(command)
            .arg(&empty)
            .env("PRICELINE_DATABASE_URL", &database)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(!output.status.success(), "{command}: {stdout}{stderr}");
        assert!(
            stderr.contains(&format!("no file found in {}", empty.display())),
            "{command}: {stderr}"
        );
        assert!(!stdout.contains("0 file(s)"), "{command}: {stdout}");
    }
}

/// Lines and `--report` name each file by the path given (or found below a folder given), relative
/// paths as they were typed; a refusal quotes the file's text as written, case and all.
#[test]
fn files_are_named_by_the_path_given_and_quoted_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("files");
    std::fs::create_dir_all(&folder).unwrap();
    let spec = priceline_synth::Spec {
        seed: 5,
        hospital: 0,
        rows: 100,
    };
    priceline_synth::write(
        &spec,
        priceline_synth::Format::Tall,
        &mut std::fs::File::create(folder.join("prices.csv")).unwrap(),
    )
    .unwrap();
    std::fs::write(
        folder.join("page.csv"),
        "<!DOCTYPE HTML><Title>Our Prices</Title>\n",
    )
    .unwrap();
    let report = dir.path().join("report.json");
    let output = Command::new(priceline_binary())
        .current_dir(dir.path())
        .args(["import", "files", "--report", "report.json"])
        .env("PRICELINE_DATABASE_URL", dir.path().join("cli.db"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        !output.status.success(),
        "the HTML page is refused: {stdout}"
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let files: Vec<&str> = report["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|document| document["file"].as_str().unwrap())
        .collect();
    assert_eq!(files, ["files/page.csv", "files/prices.csv"]);
    assert!(stdout.contains("imported  files/prices.csv "), "{stdout}");
    assert!(
        stdout.contains(r#"refused   files/page.csv: "#)
            && stdout.contains(r#""<!DOCTYPE HTML><Title>Our Prices</Title>""#),
        "{stdout}"
    );
}
