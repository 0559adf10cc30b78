//! `priceline generate --faulty`: the demo set gains files whose problems an import reports, and its
//! valid files stay byte for byte what they are without the flag.

use std::path::Path;
use std::process::Command;

use crate::import::priceline_binary;

fn generate(out: &Path, faulty: bool) {
    let mut command = Command::new(priceline_binary());
    command.args([
        "generate",
        "--hospitals",
        "3",
        "--rows",
        "150",
        "--seed",
        "9",
        "--out",
    ]);
    command.arg(out);
    if faulty {
        command.arg("--faulty");
    }
    let output = command.output().unwrap();
    assert!(output.status.success(), "{output:?}");
}

/// Every file below `dir`, as (path relative to `dir`, bytes), sorted.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut found = Vec::new();
    for folder in std::fs::read_dir(dir).unwrap() {
        for file in std::fs::read_dir(folder.unwrap().path()).unwrap() {
            let path = file.unwrap().path();
            let relative = path.strip_prefix(dir).unwrap().display().to_string();
            found.push((relative, std::fs::read(&path).unwrap()));
        }
    }
    found.sort();
    found
}

#[test]
fn the_demo_set_with_faulty_files_imports_with_findings() {
    let dir = tempfile::tempdir().unwrap();
    let (plain, demo) = (dir.path().join("plain"), dir.path().join("demo"));
    generate(&plain, false);
    generate(&demo, true);
    let plain_files = files(&plain);
    let demo_files = files(&demo);
    let (faulty, valid): (Vec<_>, Vec<_>) = demo_files
        .into_iter()
        .partition(|(path, _)| path.starts_with("faulty/"));
    assert_eq!(valid, plain_files, "the valid files do not change");
    assert_eq!(faulty.len(), 3);
    // Deterministic: the same command writes the same faulty files.
    let again = dir.path().join("again");
    generate(&again, true);
    assert_eq!(files(&again), files(&demo));

    let report = dir.path().join("report.json");
    let output = Command::new(priceline_binary())
        .arg("import")
        .arg(&demo)
        .arg("--report")
        .arg(&report)
        .env("PRICELINE_DATABASE_URL", dir.path().join("demo.db"))
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let mut rules = Vec::new();
    for document in report["documents"].as_array().unwrap() {
        assert_eq!(document["status"], "imported", "{document}");
        let file = document["file"].as_str().unwrap();
        let findings = document["findings"].as_array().unwrap();
        if file.contains("/faulty/") {
            assert_eq!(findings.len(), 1, "{file}: {findings:?}");
            rules.push(findings[0]["rule"].as_str().unwrap().to_owned());
        } else {
            assert!(findings.is_empty(), "{file}: {findings:?}");
        }
    }
    rules.sort();
    assert_eq!(
        rules,
        [
            "AllowedValuesError",
            "InvalidPositiveNumberError",
            "RequiredValueError"
        ]
    );
}
