//! The r2d2 pool over [`DbConnection`]: each new connection goes through [`connect`], so SQLite gets
//! its pragmas and every failure keeps its real reason.
//!
//! A connection is checked when it is taken ([`Checkout`]) by this module, not by r2d2, whose check
//! (`test_on_check_out`) is all or nothing. Reads skip it ([`start_on`]): their first statement
//! shows a dead connection before anything is done, and they start over on a checked one. The
//! check was two of a PostgreSQL code lookup's nine statements (one for the managed-keys read, one
//! for the price read). Measured at 1M rates on PostgreSQL, cache off, wrk 32 connections, seven
//! rounds alternating with the checking binary, median req/s: code lookup 1,930 -> 2,088,
//! statistics 3,252 -> 3,684.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use diesel::connection::{Connection, SimpleConnection, TransactionManager};

use crate::connection::{Backend, DatabaseUrl, DbConnection, connect, ping};
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

    /// Unused while r2d2's own check is off (`checkout` checks), but part of the trait.
    fn is_valid(&self, connection: &mut DbConnection) -> Result<(), StoreError> {
        ping(connection)
    }

    fn has_broken(&self, connection: &mut DbConnection) -> bool {
        is_broken(connection)
    }
}

/// A connection left inside a transaction, or whose transaction state diesel lost track of, is not
/// given out again. That includes a dead PostgreSQL connection once a statement has failed on it:
/// libpq then reports its transaction state as unknown, and diesel marks its transaction manager
/// broken.
fn is_broken(connection: &mut DbConnection) -> bool {
    <DbConnection as Connection>::TransactionManager::is_broken_transaction_manager(connection)
}

/// Whether a connection is checked to answer before it is given out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checkout {
    /// After a round trip (`SELECT 1`): a connection that died while it sat in the pool (the
    /// server restarted, a network device dropped it) is closed and another taken. For callers
    /// whose first statement may already change something.
    Checked,
    /// As it is, for a caller that starts over on a `Checked` one when its first statement finds
    /// the connection dead ([`start_on`]).
    AsIs,
}

/// Takes a connection from `acquire` as it is and runs `first` on it, which changes nothing. When
/// `first` fails because the connection died while it sat in the pool, nothing was done: a checked
/// connection is taken and `first` runs again. Gives the connection with `first`'s result.
pub fn start_on<T, E: From<StoreError>>(
    acquire: impl Fn(Checkout) -> StoreResult<PooledConnection>,
    first: impl Fn(&mut DbConnection) -> Result<T, E>,
) -> Result<(PooledConnection, T), E> {
    let mut connection = acquire(Checkout::AsIs)?;
    match first(&mut connection) {
        Ok(value) => Ok((connection, value)),
        // A failure leaves a dead connection broken, except where diesel failed to prepare the
        // statement (a statement new to this connection): there it leaves the state as it was, so
        // the connection is asked. Only a failure costs that round trip.
        Err(error) if !is_broken(&mut connection) && ping(&mut connection).is_ok() => Err(error),
        Err(_) => {
            drop(connection);
            let mut connection = acquire(Checkout::Checked)?;
            let value = first(&mut connection)?;
            Ok((connection, value))
        }
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
            // `checkout` checks, when asked to.
            .test_on_check_out(false)
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

    /// A checked connection from the pool; `StoreError::Unavailable` when none comes in time.
    pub fn get(&self) -> StoreResult<PooledConnection> {
        self.checkout(Checkout::Checked)
    }

    /// A connection from the pool, checked or as it is; `StoreError::Unavailable` when none comes
    /// in time or, checked, none of the pool's answers.
    pub fn checkout(&self, checkout: Checkout) -> StoreResult<PooledConnection> {
        if checkout == Checkout::AsIs {
            return self.take();
        }
        // Every idle connection may have died at once (a restarted server): each fails its check
        // and is closed, and then the pool opens a new one.
        for _ in 0..=self.inner.max_size() {
            let mut connection = self.take()?;
            if ping(&mut connection).is_ok() {
                return Ok(connection);
            }
        }
        Err(StoreError::Unavailable(format!(
            "{} at {}: no connection of the pool answered",
            self.url.backend().name(),
            self.url.target()
        )))
    }

    fn take(&self) -> StoreResult<PooledConnection> {
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
