//! `embed_migrations!` does not notice a new migration folder by itself: rebuild when the trees change.
fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
