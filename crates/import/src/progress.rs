//! What an import tells about its advance while it runs: the CLI draws a progress bar with it, a
//! caller without a display passes [`Quiet`].

use crate::report::DocumentReport;

/// Told about an import's advance; the CLI draws a progress bar with it.
pub trait Progress: Sync {
    /// `bytes` is the document's size, or 0 where it is not known before reading it (gzip).
    fn start(&self, _file: &str, _bytes: u64) {}
    /// Called as batches are written: totals so far for the current document, and the bytes the
    /// reader has consumed of the document's `bytes`.
    fn advance(&self, _items: u64, _payer_rates: u64, _bytes_read: u64) {}
    fn finish(&self, _report: &DocumentReport) {}
    /// Asked after every written batch: true abandons the import (rolled back, nothing stored;
    /// the document is reported failed), e.g. when the server running it stops.
    fn cancelled(&self) -> bool {
        false
    }
}

/// No progress display (tests, non-terminal runs).
pub struct Quiet;
impl Progress for Quiet {}
