//! What the API and the runner share in one process: jobs accepted but not stored yet, and the
//! live progress of the job being run.

use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

use priceline_domain::ImportJob;

use crate::config::ImportSettings;

/// The job board of this process (one per server, shared by every HTTP worker).
pub struct Jobs {
    pub(super) settings: ImportSettings,
    /// This server process among those over the database: random at each start, recorded on the
    /// jobs it accepts (see [`super::runner`]).
    pub(super) instance: String,
    board: Mutex<Board>,
    wake: Condvar,
}

#[derive(Default)]
pub(super) struct Board {
    /// Accepted, not yet in the table (the runner stores them between imports).
    pub pending: Vec<ImportJob>,
    /// The job this process is running, with its live progress.
    pub running: Option<ImportJob>,
    /// The server has stopped: the runner abandons its current job (recorded failed, the import
    /// rolled back), stores what it was still holding, and ends.
    pub stopped: bool,
}

impl Jobs {
    pub fn new(settings: ImportSettings) -> std::io::Result<Self> {
        Ok(Self {
            settings,
            instance: super::new_id().map_err(std::io::Error::other)?,
            board: Mutex::new(Board::default()),
            wake: Condvar::new(),
        })
    }

    /// This process's instance id.
    pub fn instance(&self) -> &str {
        &self.instance
    }

    pub fn settings(&self) -> &ImportSettings {
        &self.settings
    }

    pub(super) fn board(&self) -> MutexGuard<'_, Board> {
        // A panic while holding the lock leaves plain data behind: keep using it.
        self.board
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Hands a job just accepted to the runner, as this instance's.
    pub fn accept(&self, mut job: ImportJob) {
        job.instance = Some(self.instance.clone());
        self.board().pending.push(job);
        self.wake.notify_all();
    }

    /// The job as this process knows it now: accepted and not stored yet, or running here (with
    /// its live progress). `None`: ask the table.
    pub fn live(&self, id: &str) -> Option<ImportJob> {
        let board = self.board();
        board
            .running
            .iter()
            .chain(board.pending.iter())
            .find(|job| job.id == id)
            .cloned()
    }

    /// Jobs accepted here and not stored yet, the most recent first (for the list).
    pub fn pending(&self) -> Vec<ImportJob> {
        let mut pending = self.board().pending.clone();
        pending.reverse();
        pending
    }

    /// `job` with this process's live progress, when it is the one running here.
    pub fn with_progress(&self, job: ImportJob) -> ImportJob {
        match &self.board().running {
            Some(running) if running.id == job.id => running.clone(),
            _ => job,
        }
    }

    /// Waits for work (or the stop) up to `timeout`.
    pub(super) fn wait(&self, timeout: Duration) {
        let board = self.board();
        if board.pending.is_empty() && !board.stopped {
            let _ = self.wake.wait_timeout(board, timeout);
        }
    }

    /// Sleeps up to `timeout`, or until the stop; whether stopped.
    pub(super) fn sleep(&self, timeout: Duration) -> bool {
        let board = self.board();
        if board.stopped {
            return true;
        }
        let (board, _) = self
            .wake
            .wait_timeout_while(board, timeout, |board| !board.stopped)
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        board.stopped
    }

    pub(super) fn stopped(&self) -> bool {
        self.board().stopped
    }

    pub(super) fn stop(&self) {
        self.board().stopped = true;
        self.wake.notify_all();
    }
}
