//! Persistence for Hospital Priceline with Diesel, on SQLite (embedded default) and PostgreSQL.
//!
//! The backend is chosen by the database URL; one schema serves both, with one migration tree per
//! backend. Callers get domain values back, never rows.

mod codec;
mod connection;
mod convert;
pub mod encryption;
mod error;
mod location;
mod pool;
mod rows;
mod schema;

pub mod migrations;
pub mod planner;
pub mod queries;
pub mod snapshot;

pub use connection::{
    Backend, DatabaseKey, DatabaseUrl, DbConnection, SQLITE_HEADER, connect, ping,
};
pub use error::{QueryError, StoreError, StoreResult};
pub use pool::{
    Checkout, Pool, PoolOptions, PoolStats, PooledConnection, SQLITE_MAX_POOL_SIZE, start_on,
};
