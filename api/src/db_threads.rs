//! The threads requests' reads run on: of price data, and of the managed keys that authenticate
//! them. Diesel is synchronous, so a request's queries run off the workers' event loops: on a pool
//! of `PRICELINE_DB_THREADS` threads shared by every worker. Work beyond those threads waits its
//! turn, in order, and a thread that finishes a job takes the next at once. Writes keep to actix's
//! blocking pool (`routes::with_connection`): on SQLite one may wait seconds for the writer's lock,
//! and would hold one of these few threads meanwhile.
//!
//! Not actix's blocking pool (`web::block`), which starts a thread for every job in flight (up to
//! 256 per worker): 32 concurrent code lookups were 32 threads taking turns on the cores and
//! waiting for 8 pooled connections. On SQLite, whose queries run in process, as many threads as
//! cores answered 9–34% more lookups at 1M rates on 2 cores (median +24%), with a p99 of 16–22 ms
//! instead of 23–27.
//! On PostgreSQL a thread mostly waits for the server, so the default is one per pooled connection:
//! a request's work then waits in this queue, not in the pool.
//!
//! Health probes keep to the blocking pool: readiness must answer while this queue is long.

use std::sync::Arc;
use std::time::Duration;

use tokio::runtime::{Builder, Runtime};

use crate::problem::ApiError;

/// A handle on the threads; clones share them.
#[derive(Clone)]
pub struct DbThreads {
    threads: Arc<Threads>,
    /// How long a request's database work may take in all (waiting for a thread and a connection,
    /// then its queries) before it is answered 503; `None` for no bound.
    deadline: Option<Duration>,
}

/// The threads are a tokio runtime's blocking pool, capped, which queues jobs in order; its one
/// worker thread runs nothing.
struct Threads(Option<Runtime>);

impl Drop for Threads {
    /// Dropped when the server stops, possibly on a thread running async code, where a runtime
    /// may not wait for its threads: a job still running finishes on its own.
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

impl DbThreads {
    pub fn new(threads: usize, deadline: Option<Duration>) -> std::io::Result<Self> {
        let runtime = Builder::new_multi_thread()
            .worker_threads(1)
            .max_blocking_threads(threads)
            .thread_name("priceline-db")
            .build()?;
        Ok(Self {
            threads: Arc::new(Threads(Some(runtime))),
            deadline,
        })
    }

    /// The bound on a request's database work: waiting for a thread and a connection, then its
    /// queries.
    pub fn deadline(&self) -> Option<Duration> {
        self.deadline
    }

    /// Runs `job` on one of the threads, within the deadline: past it, the request is answered 503
    /// at once, and a job that has not started yet never does. (One that has started finishes on its
    /// thread, and its connection goes back to the pool then; PostgreSQL's statement timeout ends
    /// its query before that.)
    pub async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let runtime = self.threads.0.as_ref().expect("running until dropped");
        let mut handle = runtime.spawn_blocking(job);
        let joined = match self.deadline {
            None => (&mut handle).await,
            Some(deadline) => match actix_web::rt::time::timeout(deadline, &mut handle).await {
                Ok(joined) => joined,
                Err(_) => {
                    handle.abort();
                    tracing::warn!(?deadline, "the database did not answer in time");
                    return Err(ApiError::Unavailable);
                }
            },
        };
        joined.unwrap_or_else(|error| {
            tracing::error!(%error, "database job failed");
            Err(ApiError::Internal)
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    /// Jobs beyond the threads wait, and start in about the order they came: two threads taking
    /// jobs at the same moment may record their starts the other way round.
    #[actix_web::test]
    async fn jobs_beyond_the_threads_wait_their_turn_in_order() {
        let threads = DbThreads::new(2, None).unwrap();
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let started = Arc::new(Mutex::new(Vec::new()));
        let jobs = (0..8).map(|index| {
            let (running, most, started) = (running.clone(), most.clone(), started.clone());
            let threads = threads.clone();
            async move {
                threads
                    .run(move || {
                        started.lock().unwrap().push(index);
                        let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        std::thread::sleep(Duration::from_millis(20));
                        running.fetch_sub(1, Ordering::SeqCst);
                        Ok(index)
                    })
                    .await
            }
        });
        let mut handles = Vec::new();
        for job in jobs {
            handles.push(actix_web::rt::spawn(job));
            // Submitted one after another, so the order they came in is known.
            actix_web::rt::time::sleep(Duration::from_millis(1)).await;
        }
        for (index, handle) in handles.into_iter().enumerate() {
            assert_eq!(handle.await.unwrap().unwrap(), index);
        }
        assert_eq!(most.load(Ordering::SeqCst), 2);
        let started = started.lock().unwrap().clone();
        for (position, index) in started.iter().enumerate() {
            assert!(
                index.abs_diff(position) <= 1,
                "started in the order {started:?}"
            );
        }
    }

    /// Past the deadline the caller gets a 503 at once, and a job still waiting for a thread never
    /// runs.
    #[actix_web::test]
    async fn a_job_past_its_deadline_is_unavailable_and_never_starts() {
        let threads = DbThreads::new(1, Some(Duration::from_millis(100))).unwrap();
        let ran = Arc::new(AtomicUsize::new(0));
        let busy = threads.clone();
        let occupying = actix_web::rt::spawn(async move {
            busy.run(|| {
                std::thread::sleep(Duration::from_millis(300));
                Ok(())
            })
            .await
        });
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
        let counted = ran.clone();
        let waiting = threads
            .run(move || {
                counted.fetch_add(1, Ordering::SeqCst);
                Ok(())
            })
            .await;
        assert!(matches!(waiting, Err(ApiError::Unavailable)));
        assert!(matches!(
            occupying.await.unwrap(),
            Err(ApiError::Unavailable)
        ));
        // Once the first job ends, the thread takes new work: the job that waited was dropped,
        // not run late.
        actix_web::rt::time::sleep(Duration::from_millis(300)).await;
        assert!(threads.run(|| Ok(())).await.is_ok());
        assert_eq!(ran.load(Ordering::SeqCst), 0);
    }
}
