//! The r2d2 pool over [`DbConnection`]: each new connection goes through [`connect`], so SQLite gets
//! its pragmas and every failure keeps its real reason.

use std::time::Duration;

use diesel::connection::SimpleConnection;

use crate::connection::{Backend, DatabaseUrl, DbConnection, connect};
use crate::{StoreError, StoreResult};

pub type PooledConnection = r2d2::PooledConnection<Manager>;

#[derive(Debug)]
pub struct Manager {
    url: DatabaseUrl,
}

impl r2d2::ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = StoreError;

    fn connect(&self) -> Result<DbConnection, StoreError> {
        connect(&self.url)
    }

    fn is_valid(&self, connection: &mut DbConnection) -> Result<(), StoreError> {
        connection
            .batch_execute("SELECT 1")
            .map_err(StoreError::from)
    }

    fn has_broken(&self, _connection: &mut DbConnection) -> bool {
        false
    }
}

/// The most connections a SQLite pool gets, whatever is asked: SQLite serialises writers, and a
/// small pool avoids piling them up behind the file lock.
pub const SQLITE_MAX_POOL_SIZE: u32 = 8;

/// A cloneable handle on the connection pool.
#[derive(Clone, Debug)]
pub struct Pool {
    inner: r2d2::Pool<Manager>,
    url: DatabaseUrl,
}

impl Pool {
    /// Connects once first, so a wrong host or port fails here with the driver's own message rather than
    /// as a pool timeout, then builds the pool around the URL.
    pub fn open(url: &DatabaseUrl, max_size: u32) -> StoreResult<Self> {
        drop(connect(url)?);
        let max_size = match url.backend() {
            Backend::Sqlite => max_size.clamp(1, SQLITE_MAX_POOL_SIZE),
            Backend::Postgres => max_size.max(1),
        };
        let inner = r2d2::Pool::builder()
            .max_size(max_size)
            .min_idle(Some(1))
            .connection_timeout(Duration::from_secs(10))
            .build_unchecked(Manager { url: url.clone() });
        Ok(Self {
            inner,
            url: url.clone(),
        })
    }

    /// A connection from the pool; `StoreError::Unavailable` when none comes in time.
    pub fn get(&self) -> StoreResult<PooledConnection> {
        self.inner.get().map_err(|error| {
            StoreError::Unavailable(format!(
                "{} at {}: {error}",
                self.url.backend().name(),
                self.url.target()
            ))
        })
    }

    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }
}
