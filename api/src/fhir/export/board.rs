//! The export jobs of this process. In memory on purpose: a job is a few files on this server's disk,
//! so only this server can serve them; a status URL asked of another replica, or of this one after a
//! restart, answers 404 saying so (README, "Bulk export"). Finished jobs and their files are deleted
//! [`LIFETIME`] after they end; folders a previous process left are deleted once as old.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

use chrono::{DateTime, Utc};

use crate::config::ExportSettings;
use crate::fhir::registry::ResourceType;

/// How long a finished job and its files are kept.
pub const LIFETIME: Duration = Duration::from_secs(3600);

/// One file of a finished export.
#[derive(Debug, Clone)]
pub struct OutputFile {
    pub type_name: &'static str,
    pub name: String,
    pub count: u64,
}

#[derive(Debug, Clone)]
pub enum State {
    Running {
        type_name: &'static str,
        written: u64,
    },
    Done {
        files: Vec<OutputFile>,
        ended: Instant,
    },
    Failed {
        message: String,
        ended: Instant,
    },
}

/// One export.
#[derive(Debug)]
pub struct Job {
    pub id: String,
    /// The kick-off URL, as the manifest repeats it.
    pub request: String,
    pub transaction_time: DateTime<Utc>,
    pub requires_access_token: bool,
    pub types: Vec<&'static ResourceType>,
    pub since: Option<DateTime<Utc>>,
    pub dir: PathBuf,
    /// The most lines in one file.
    pub file_lines: u64,
    cancelled: AtomicBool,
    state: Mutex<State>,
}

impl Job {
    pub fn state(&self) -> State {
        lock(&self.state).clone()
    }

    pub fn set_state(&self, state: State) {
        *lock(&self.state) = state;
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }

    fn ended(&self) -> Option<Instant> {
        match &*lock(&self.state) {
            State::Running { .. } => None,
            State::Done { ended, .. } | State::Failed { ended, .. } => Some(*ended),
        }
    }
}

/// A poisoned lock still holds consistent data here (every write is one assignment).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// What a new job is asked for.
pub struct NewJob {
    pub request: String,
    pub requires_access_token: bool,
    pub types: Vec<&'static ResourceType>,
    pub since: Option<DateTime<Utc>>,
}

/// The jobs of this process and the folder their files are written under.
#[derive(Debug)]
pub struct ExportBoard {
    dir: PathBuf,
    file_lines: u64,
    jobs: Mutex<HashMap<String, Arc<Job>>>,
}

/// A job id: 128 random bits in hex, so that ids cannot be guessed from one another.
fn new_id() -> std::io::Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(std::io::Error::other)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

pub fn is_job_id(text: &str) -> bool {
    text.len() == 32 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

impl ExportBoard {
    pub fn new(settings: ExportSettings) -> Self {
        let board = Self {
            dir: settings.dir,
            file_lines: settings.file_lines,
            jobs: Mutex::new(HashMap::new()),
        };
        board.sweep();
        board
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn create(&self, new: NewJob) -> std::io::Result<Arc<Job>> {
        self.sweep();
        let id = new_id()?;
        let dir = self.dir.join(&id);
        std::fs::create_dir_all(&dir)?;
        let job = Arc::new(Job {
            dir,
            file_lines: self.file_lines,
            request: new.request,
            transaction_time: Utc::now(),
            requires_access_token: new.requires_access_token,
            types: new.types,
            since: new.since,
            cancelled: AtomicBool::new(false),
            state: Mutex::new(State::Running {
                type_name: "",
                written: 0,
            }),
            id: id.clone(),
        });
        lock(&self.jobs).insert(id, job.clone());
        Ok(job)
    }

    pub fn get(&self, id: &str) -> Option<Arc<Job>> {
        self.sweep();
        lock(&self.jobs).get(id).cloned()
    }

    /// Cancels a job (its writer stops at its next page) and deletes its files; false if unknown.
    pub fn cancel(&self, id: &str) -> bool {
        let Some(job) = lock(&self.jobs).remove(id) else {
            return false;
        };
        job.cancelled.store(true, Ordering::Relaxed);
        remove(&job.dir);
        true
    }

    /// Deletes the jobs that ended more than [`LIFETIME`] ago, and job folders no job of this
    /// process names that were last written to before that (a previous process's).
    pub fn sweep(&self) {
        let expired: Vec<Arc<Job>> = {
            let mut jobs = lock(&self.jobs);
            let ids: Vec<String> = jobs
                .values()
                .filter(|job| job.ended().is_some_and(|ended| ended.elapsed() > LIFETIME))
                .map(|job| job.id.clone())
                .collect();
            ids.iter().filter_map(|id| jobs.remove(id)).collect()
        };
        for job in expired {
            remove(&job.dir);
        }
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let old = entry
                .metadata()
                .and_then(|meta| meta.modified())
                .ok()
                .and_then(|modified| SystemTime::now().duration_since(modified).ok())
                .is_some_and(|age| age > LIFETIME);
            if is_job_id(&name) && old && !lock(&self.jobs).contains_key(&name) {
                remove(&entry.path());
            }
        }
    }
}

/// Deletes a job's folder; one already gone is fine.
pub fn remove(dir: &Path) {
    if let Err(error) = std::fs::remove_dir_all(dir)
        && error.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!(dir = %dir.display(), %error, "could not delete an export folder");
    }
}
