//! The r2d2 pool over [`DbConnection`]: each new connection goes through [`connect`], so SQLite gets
//! its pragmas and every failure keeps its real reason.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use diesel::connection::{Connection, SimpleConnection, TransactionManager};

use crate::connection::{Backend, DatabaseUrl, DbConnection, connect};
use crate::{StoreError, StoreResult};

pub type PooledConnection = r2d2::PooledConnection<Manager>;

#[derive(Debug)]
pub struct Manager {
    url: DatabaseUrl,
}

/// How long a pooled connection is given out without a `SELECT 1` after it last answered one (or
/// was opened). Checking on every checkout cost a round trip to PostgreSQL per request, for
/// connections that had answered a millisecond before; checking once a second still finds a
/// connection the server dropped (a restart, a terminated backend) within a second of requests.
pub const CHECKED_FOR: Duration = Duration::from_secs(1);

/// A connection of the pool and when it last proved alive.
pub struct PoolConnection {
    connection: DbConnection,
    checked: Instant,
}

impl std::fmt::Debug for PoolConnection {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("PoolConnection")
            .field("checked", &self.checked)
            .finish_non_exhaustive()
    }
}

impl Deref for PoolConnection {
    type Target = DbConnection;

    fn deref(&self) -> &DbConnection {
        &self.connection
    }
}

impl DerefMut for PoolConnection {
    fn deref_mut(&mut self) -> &mut DbConnection {
        &mut self.connection
    }
}

impl r2d2::ManageConnection for Manager {
    type Connection = PoolConnection;
    type Error = StoreError;

    fn connect(&self) -> Result<PoolConnection, StoreError> {
        Ok(PoolConnection {
            connection: connect(&self.url)?,
            checked: Instant::now(),
        })
    }

    /// Called by r2d2 on every checkout: a connection checked within [`CHECKED_FOR`] passes as it is.
    fn is_valid(&self, connection: &mut PoolConnection) -> Result<(), StoreError> {
        if connection.checked.elapsed() < CHECKED_FOR {
            return Ok(());
        }
        connection.batch_execute("SELECT 1")?;
        connection.checked = Instant::now();
        Ok(())
    }

    /// A connection left inside a transaction, or whose transaction state diesel lost track of,
    /// is not given out again.
    fn has_broken(&self, connection: &mut PoolConnection) -> bool {
        <DbConnection as Connection>::TransactionManager::is_broken_transaction_manager(
            &mut connection.connection,
        )
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

impl r2d2::CustomizeConnection<PoolConnection, StoreError> for StatementTimeout {
    fn on_acquire(&self, connection: &mut PoolConnection) -> Result<(), StoreError> {
        match &mut connection.connection {
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
