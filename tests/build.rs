//! Decides, when the suite is built, which optional test groups can run here, so those that cannot are
//! reported as ignored with their reason instead of passing silently.
use std::path::Path;

fn main() {
    println!("cargo:rustc-check-cfg=cfg(no_postgres)");
    println!("cargo:rustc-check-cfg=cfg(no_shared_data)");
    println!("cargo:rustc-check-cfg=cfg(no_cms_validator)");
    println!("cargo:rerun-if-env-changed=PRICELINE_TEST_POSTGRES_URL");
    let postgres = std::env::var("PRICELINE_TEST_POSTGRES_URL").unwrap_or_default();
    if postgres.trim().is_empty() {
        println!("cargo:rustc-cfg=no_postgres");
    }
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data");
    println!("cargo:rerun-if-changed={}", shared.display());
    if !shared.is_dir() {
        println!("cargo:rustc-cfg=no_shared_data");
    }
    // The CMS validator (npm) for the differential tests, installed by `make test` when npm exists.
    let tools = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tools/cms-validator");
    println!("cargo:rerun-if-changed={}", tools.display());
    if !tools.join("node_modules/@cmsgov/hpt-validator").is_dir() {
        println!("cargo:rustc-cfg=no_cms_validator");
    }
}
