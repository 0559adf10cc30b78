//! The Makefile as a newcomer meets it: `make help` describes each target fully.

use std::process::Command;

/// Every step of the `lint` recipe, and the words `make help` must use for it.
const LINT_STEPS: [(&str, &str); 8] = [
    ("fmt --all -- --check", "rustfmt"),
    (
        "clippy --workspace --all-targets -- -D warnings",
        "clippy -D warnings",
    ),
    (
        "scripts/check-boundaries.sh",
        "neither Diesel nor actix-web",
    ),
    (
        "scripts/check-module-cycles.py",
        "no module cycles inside a crate",
    ),
    (
        "hadolint deploy/Dockerfile",
        "hadolint on deploy/Dockerfile",
    ),
    ("scripts/check-deploy.sh", "the deploy/ checks"),
    ("scripts/validate-openapi.sh", "openapi-spec-validator"),
    ("scripts/lint-openapi.sh", "Redocly CLI and Spectral"),
];

#[test]
fn make_help_describes_every_step_of_make_lint() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let makefile = std::fs::read_to_string(format!("{root}/Makefile")).unwrap();
    let recipe: String = makefile
        .split("\nlint:")
        .nth(1)
        .expect("a lint target")
        .lines()
        .skip(1)
        .take_while(|line| line.starts_with('\t'))
        .collect::<Vec<_>>()
        .join("\n");
    let output = Command::new("make")
        .args(["-s", "-C", root, "help"])
        .output()
        .expect("make runs");
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    // The lint entry: its first line and the indented lines that continue it.
    let entry: String = help
        .lines()
        .skip_while(|line| !line.starts_with("make lint"))
        .take_while(|line| line.starts_with("make lint") || line.starts_with("  "))
        .collect::<Vec<_>>()
        .join(" ");
    let entry = entry.split_whitespace().collect::<Vec<_>>().join(" ");
    for (step, words) in LINT_STEPS {
        assert!(
            recipe.contains(step),
            "the lint recipe has {step}: {recipe}"
        );
        assert!(entry.contains(words), "make help says {words:?}: {entry}");
    }
    assert_eq!(
        recipe.lines().count(),
        LINT_STEPS.len(),
        "every step of the recipe is listed here: {recipe}"
    );
}
