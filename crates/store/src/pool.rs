//! The r2d2 pool over [`DbConnection`]: each new connection goes through [`connect`], so SQLite gets
//! its pragmas and every failure keeps its real reason.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use diesel::connection::{Connection, SimpleConnection, TransactionManager};

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

    /// A connection left inside a transaction, or whose transaction state diesel lost track of,
    /// is not given out again.
    fn has_broken(&self, connection: &mut DbConnection) -> bool {
        <DbConnection as Connection>::TransactionManager::is_broken_transaction_manager(connection)
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
    waits: Arc<Waits>,
}

/// Acquisitions that found no idle connection, counted since the pool opened (shared by clones).
#[derive(Debug, Default)]
struct Waits {
    waited: AtomicU64,
    timed_out: AtomicU64,
}

/// The pool's state for metrics: its connections and how often callers had to wait for one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    /// The most connections the pool opens.
    pub max_size: u32,
    /// Connections open now (idle or in use).
    pub open: u32,
    /// Open connections checked out now.
    pub in_use: u32,
    /// Acquisitions that found no idle connection and had to wait (for a release or a new
    /// connection), timed-out ones included.
    pub waits: u64,
    /// Acquisitions that waited the whole acquire timeout and failed.
    pub timeouts: u64,
}

impl Pool {
    /// Connects once first, so a wrong host or port fails here with the driver's own message rather than
    /// as a pool timeout, then builds the pool around the URL.
    pub fn open(url: &DatabaseUrl, options: PoolOptions) -> StoreResult<Self> {
        drop(connect(url)?);
        Ok(Self::open_unchecked(url, options))
    }

    /// A pool that connects when first asked: for a server that must start while this database is
    /// down (a read replica, which the primary stands in for meanwhile).
    pub fn open_unchecked(url: &DatabaseUrl, options: PoolOptions) -> Self {
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
        Self {
            inner,
            url: url.clone(),
            waits: Arc::default(),
        }
    }

    /// A connection from the pool; `StoreError::Unavailable` when none comes in time.
    pub fn get(&self) -> StoreResult<PooledConnection> {
        // An idle connection is taken at once; only when there is none does the caller wait (for
        // a release or a new connection), and that wait is what the pool metrics count.
        if let Some(connection) = self.inner.try_get() {
            return Ok(connection);
        }
        self.waits.waited.fetch_add(1, Ordering::Relaxed);
        self.inner.get().map_err(|error| {
            self.waits.timed_out.fetch_add(1, Ordering::Relaxed);
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

    pub fn stats(&self) -> PoolStats {
        let state = self.inner.state();
        PoolStats {
            max_size: self.inner.max_size(),
            open: state.connections,
            in_use: state.connections.saturating_sub(state.idle_connections),
            waits: self.waits.waited.load(Ordering::Relaxed),
            timeouts: self.waits.timed_out.load(Ordering::Relaxed),
        }
    }
}
