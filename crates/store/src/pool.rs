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

/// How big the pool is, how long a caller waits for a connection, and how long one statement may
/// run on a connection of the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolOptions {
    pub max_size: u32,
    /// A request that finds every connection busy (or the server refusing new ones) fails after
    /// this, instead of queueing without end.
    pub acquire_timeout: Duration,
    /// PostgreSQL's `statement_timeout` on every connection of the pool; `None` for no limit (an
    /// import's long statements). SQLite has no such setting: the API bounds its requests instead.
    pub statement_timeout: Option<Duration>,
}

impl PoolOptions {
    /// `max_size` connections, a caller waiting up to 10 s, statements unlimited.
    pub fn new(max_size: u32) -> Self {
        Self {
            max_size,
            acquire_timeout: Duration::from_secs(10),
            statement_timeout: None,
        }
    }
}

/// Sets `statement_timeout` on each new PostgreSQL connection of a pool: the server cancels a
/// statement that runs longer, so a slow query frees its connection instead of holding it.
#[derive(Debug)]
struct StatementTimeout(Duration);

impl r2d2::CustomizeConnection<DbConnection, StoreError> for StatementTimeout {
    fn on_acquire(&self, connection: &mut DbConnection) -> Result<(), StoreError> {
        match connection {
            DbConnection::Postgres(_) => connection
                .batch_execute(&format!(
                    "SET statement_timeout = {}",
                    self.0.as_millis().max(1)
                ))
                .map_err(StoreError::from),
            DbConnection::Sqlite(_) => Ok(()),
        }
    }
}

/// A cloneable handle on the connection pool.
#[derive(Clone, Debug)]
pub struct Pool {
    inner: r2d2::Pool<Manager>,
    url: DatabaseUrl,
}

impl Pool {
    /// Connects once first, so a wrong host or port fails here with the driver's own message rather than
    /// as a pool timeout, then builds the pool around the URL.
    pub fn open(url: &DatabaseUrl, options: PoolOptions) -> StoreResult<Self> {
        drop(connect(url)?);
        let max_size = match url.backend() {
            Backend::Sqlite => options.max_size.clamp(1, SQLITE_MAX_POOL_SIZE),
            Backend::Postgres => options.max_size.max(1),
        };
        let mut builder = r2d2::Pool::builder()
            .max_size(max_size)
            .min_idle(Some(1))
            .connection_timeout(options.acquire_timeout);
        if let Some(timeout) = options.statement_timeout {
            builder = builder.connection_customizer(Box::new(StatementTimeout(timeout)));
        }
        let inner = builder.build_unchecked(Manager { url: url.clone() });
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
