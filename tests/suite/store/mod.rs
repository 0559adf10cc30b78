//! The persistence layer on both backends.

mod connection;
mod migrate_command;
mod migrations;
mod round_trip;
mod schema;
