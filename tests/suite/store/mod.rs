//! The persistence layer on both backends.

mod charge_items;
mod connection;
mod encryption;
mod migrate_command;
mod migrations;
mod postgres_tls;
mod round_trip;
mod schema;
mod statistics;
