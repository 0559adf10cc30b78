//! The persistence layer on both backends.

mod connection;
mod migrations;
mod round_trip;
mod schema;
