//! The persistence layer on both backends.

mod charge_items;
mod compare;
mod connection;
mod encryption;
mod migrate_command;
mod migrations;
mod postgres_tls;
mod prices;
mod round_trip;
mod schema;
mod statistics;

/// Reverts migrations, newest first, through the one whose name contains `name` (later ones are
/// reverted with it); what was reverted.
pub(crate) fn revert_through(
    connection: &mut priceline_store::DbConnection,
    name: &str,
) -> Vec<String> {
    let mut reverted = Vec::new();
    while !reverted
        .last()
        .is_some_and(|last: &String| last.contains(name))
    {
        let step = priceline_store::migrations::revert(connection, 1).unwrap();
        assert!(!step.is_empty(), "no migration named {name}: {reverted:?}");
        reverted.extend(step);
    }
    reverted
}
