//! `priceline migrate` as an operator runs it: what it prints, what it refuses, what it leaves alone.

use std::process::Command;

use crate::import::priceline_binary;
use crate::on_both_backends;
use crate::support::db::TestDb;

/// Runs `priceline migrate ARGS` against `database`: success, and stdout followed by stderr.
fn migrate(args: &[&str], database: &str) -> (bool, String) {
    let output = Command::new(priceline_binary())
        .arg("migrate")
        .args(args)
        .env("PRICELINE_DATABASE_URL", database)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    (output.status.success(), text)
}

/// The migration folders, as the operator sees them in the source tree.
fn migration_names() -> Vec<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../migrations/sqlite");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn status_and_down_on_a_missing_sqlite_path_create_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("not-there");
    let database = folder.join("priceline.db").display().to_string();
    for args in [&["status"][..], &["down", "1"][..]] {
        let (ok, out) = migrate(args, &database);
        assert!(
            !ok,
            "migrate {args:?} succeeded on a missing database: {out}"
        );
        assert!(
            out.contains("no database") && out.contains(&database),
            "{out}"
        );
        assert!(!folder.exists(), "migrate {args:?} created {folder:?}");
    }
}

/// `up`, `status` and `down` name each migration by its folder name, and `down N` with fewer
/// applied reverts them all and says how many.
fn up_status_and_down_name_the_migrations(db: TestDb) {
    let database = db.url.connection_string();
    let names = migration_names();

    let (ok, out) = migrate(&["up"], &database);
    assert!(ok, "{out}");
    for name in &names {
        assert!(out.contains(&format!("applied {name}")), "{name}: {out}");
    }

    let (ok, out) = migrate(&["status"], &database);
    assert!(ok, "{out}");
    let listed: Vec<&str> = out.lines().collect();
    let expected: Vec<String> = names
        .iter()
        .map(|name| format!("applied  {name}"))
        .collect();
    assert_eq!(listed, expected);

    let asked = names.len() + 93;
    let (ok, out) = migrate(&["down", &asked.to_string()], &database);
    assert!(ok, "{out}");
    for name in &names {
        assert!(out.contains(&format!("reverted {name}")), "{name}: {out}");
    }
    assert!(
        out.contains(&format!(
            "reverted {} migration(s), all that were applied ({asked} asked)",
            names.len()
        )),
        "{out}"
    );

    let (ok, out) = migrate(&["status"], &database);
    assert!(ok, "{out}");
    assert!(
        out.lines().all(|line| line.starts_with("pending  ")),
        "{out}"
    );
}
on_both_backends!(up_status_and_down_name_the_migrations);
