//! One document from bytes to a stored snapshot: parsing, writing and hashing on three threads.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::{self, ScopedJoinHandle};
use std::time::Instant;

use priceline_domain::{Ein, Sha256};
use priceline_ingest::{
    Document, IngestError, RawRecord, ReadOptions, ReadReport, Record, Scan, Sniffed, SniffedText,
    sniff_start,
};
use priceline_store::queries::source_files;
use priceline_store::snapshot::{
    self, Begin, FileReport, ImportSession, Rejection, SnapshotIds, SnapshotWriter, StoredFinding,
    StoredQuarantine,
};
use priceline_store::{DbConnection, StoreError};
use tracing::field::Empty;
use tracing::{Span, info_span};

use crate::acceptance::{self, Verdict};
use crate::progress::Progress;
use crate::report::{DocumentReport, Status};

/// Records per batch sent from the reader to the writer, and batches in flight: together they bound
/// the memory an import holds whatever the file size. The writer is the slower side, so a deeper
/// queue only holds records until they are cold in cache: with 32 batches a 1M-rate import ran at
/// 432-457k rates/s and peaked at 145 MB, with 4 at 496-500k/s and 106 MB.
const BATCH_RECORDS: usize = 512;
const BATCHES_IN_FLIGHT: usize = 4;

#[derive(Debug, thiserror::Error)]
enum Failure {
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Read(#[from] IngestError),
    #[error("the file ended before its header (general data elements) could be read")]
    NoHeader,
    #[error("the reader thread stopped unexpectedly")]
    ReaderPanicked,
    #[error("cannot compute the file's SHA-256: {0}")]
    Hash(IngestError),
    #[error("the hash thread stopped unexpectedly")]
    HashStopped,
    #[error("the file has a second header")]
    SecondHeader,
    #[error("already imported")]
    AlreadyImported(SnapshotIds),
    #[error("the text is not the clean UTF-8 its first bytes suggested")]
    TextMisread,
    #[error("the import was abandoned")]
    Cancelled,
}

/// Imports every document of a file (one, or one per ZIP member). `rates`, a second connection to
/// the same PostgreSQL database, lets a second server process store the payer rates beside the rest
/// (see `priceline_store::snapshot::import`).
pub fn import_path(
    connection: &mut DbConnection,
    mut rates: Option<&mut DbConnection>,
    path: &Path,
    options: &ReadOptions,
    progress: &dyn Progress,
) -> Vec<DocumentReport> {
    match priceline_ingest::open(path) {
        Ok(documents) => {
            let mut reports = Vec::new();
            for document in documents.iter() {
                // An abandoned import goes no further than the document it abandoned.
                if progress.cancelled() {
                    break;
                }
                reports.push(import_document(
                    connection,
                    rates.as_deref_mut(),
                    document,
                    options,
                    progress,
                ));
            }
            reports
        }
        Err(error) => {
            let mut report = DocumentReport::new(&path.display().to_string());
            report.refuse(&error);
            record_metrics(&report);
            vec![report]
        }
    }
}

/// Rows and seconds per import by outcome, through the global meter: the CLI and the server each
/// install a provider (OTLP, `/metrics`); without one this records nothing.
fn record_metrics(report: &DocumentReport) {
    use opentelemetry::KeyValue;
    let meter = opentelemetry::global::meter("priceline-import");
    let outcome = [KeyValue::new("outcome", report.status.name())];
    meter
        .u64_counter("priceline.import.rows")
        .with_description("Data rows read by imports, by outcome")
        .build()
        .add(report.summary.data_rows, &outcome);
    meter
        .f64_histogram("priceline.import.duration")
        .with_unit("s")
        .with_description("Seconds per imported document, by outcome")
        .with_boundaries(vec![
            0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0,
        ])
        .build()
        .record(report.seconds, &outcome);
}

/// Imports one document, unless the same bytes are already stored: a trace of its own (`import`),
/// with spans for sniffing, reading, hashing and each batch written.
pub fn import_document(
    connection: &mut DbConnection,
    rates: Option<&mut DbConnection>,
    document: &Document,
    options: &ReadOptions,
    progress: &dyn Progress,
) -> DocumentReport {
    let span = info_span!(
        parent: None,
        "import",
        file = %document.location(),
        status = Empty,
        rows = Empty,
        bytes = Empty,
        otel.status_code = Empty,
    );
    let report = span.in_scope(|| import_traced(connection, rates, document, options, progress));
    span.record("status", report.status.name());
    span.record("rows", report.summary.data_rows);
    span.record("bytes", report.bytes);
    if report.status.is_failure() {
        span.record("otel.status_code", "ERROR");
    }
    record_metrics(&report);
    report
}

fn import_traced(
    connection: &mut DbConnection,
    mut rates: Option<&mut DbConnection>,
    document: &Document,
    options: &ReadOptions,
    progress: &dyn Progress,
) -> DocumentReport {
    let started = Instant::now();
    let mut report = DocumentReport::new(document.location());
    // Reading starts after the first 4 KiB, on the assumption most files bear out: clean UTF-8 text.
    // A thread beside the import hashes every byte and checks that; an import on the assumption
    // commits only once the check agrees (`write`), and a file it does not hold for is read again
    // with what the check found. Measured at 1M Tall rates, the separate text pass this replaces
    // was 0.13-0.16 s before the first record (a whole read of the file, now shared with the hash).
    let assumed = match info_span!("sniff").in_scope(|| sniff_start(document)) {
        Ok(text) => text,
        Err(error) => {
            report.refuse(&error);
            return report;
        }
    };
    progress.start(document.name(), assumed.bytes);
    let bytes_read = Arc::new(AtomicU64::new(0));
    let counted = &document.clone().with_progress(Arc::clone(&bytes_read));
    let advance = Advance {
        progress,
        bytes_read: &bytes_read,
    };
    let (outcome, scan) = thread::scope(|scope| {
        let (sender, receiver) = sync_channel(1);
        let parent = Span::current();
        scope.spawn(move || {
            let _span = info_span!(parent: &parent, "hash").entered();
            sender.send(priceline_ingest::scan(document))
        });
        let mut hash = Hash {
            receiver,
            known: None,
            assumed,
        };
        // The reader is given a placeholder hash: the writer stores the real one when it arrives,
        // or, finding the same bytes already stored, is rolled back as unchanged.
        let mut attempt = |text: SniffedText, hash: &mut Hash| {
            hash.assumed = text;
            let sniffed = Sniffed::new(text, Sha256::PENDING);
            // A failed import stores nothing, so a JSON document may stream in one pass; in the
            // rare one that pass cannot serve (root fields after the data) it is read again in two.
            options.one_pass_then_two(
                |failure| matches!(failure, Failure::Read(IngestError::ReadAgain)),
                |options| {
                    let rates = rates.as_deref_mut();
                    import_sniffed(
                        connection, rates, counted, &sniffed, options, hash, &advance,
                    )
                },
            )
        };
        let mut outcome = attempt(assumed, &mut hash);
        let scan = hash.scan(true);
        if let Ok(Some(scan)) = &scan
            && !assumed.agrees_with(scan)
        {
            outcome = attempt(assumed.scanned(scan), &mut hash);
        }
        (outcome, scan)
    });
    let scan = scan.ok().flatten();
    report.bytes = scan.map_or(assumed.bytes, |scan| scan.bytes);
    report.sha256 = scan.map(|scan| scan.sha256.to_string());
    report.seconds = started.elapsed().as_secs_f64();
    match outcome {
        Ok(Written {
            ids,
            read,
            rejected,
        }) => {
            report.status = Status::Imported;
            report.facility_id = Some(ids.facility_id);
            report.source_file_id = Some(ids.source_file_id);
            report.fill_read(read.file.as_ref(), read.summary, read.findings);
            if let Some(verdict) = rejected {
                report.status = Status::Rejected;
                report.reason = Some(format!(
                    "rejected, kept as source file {} with its findings; the facility's current \
                     snapshot is unchanged: {}",
                    ids.source_file_id, verdict.reason
                ));
                report.next_step = Some(verdict.next_step);
            }
        }
        Err(Failure::AlreadyImported(ids)) => already_imported(connection, &mut report, ids),
        // A file the reader refuses is refused; an I/O error midway is a failure like any other.
        Err(Failure::Read(error)) if !matches!(error, IngestError::Io(_)) => report.refuse(&error),
        Err(error) => {
            report.reason = Some(format!("{error}; nothing was written"));
        }
    }
    progress.finish(&report);
    report
}

/// Reads and writes a sniffed document on two threads, in one import transaction; the writer
/// stores the hash (or stops at unchanged bytes) when it arrives.
fn import_sniffed(
    connection: &mut DbConnection,
    rates: Option<&mut DbConnection>,
    document: &Document,
    sniffed: &Sniffed,
    options: &ReadOptions,
    hash: &mut Hash,
    advance: &Advance<'_>,
) -> Result<Written, Failure> {
    // Once the writer has given up (on unchanged bytes, say), the rest of the file is not read.
    let stop = Arc::new(AtomicBool::new(false));
    let document = &document.clone().with_stop(Arc::clone(&stop));
    thread::scope(|scope| {
        let (sender, receiver) = sync_channel::<Vec<Record>>(BATCHES_IN_FLIGHT);
        // Written batches come back to the reader, which drops their records and refills them.
        // Why: the records were allocated on the reader's thread, and freeing them there is much
        // cheaper than from the writer's (the allocator hands memory freed by another thread back
        // to its owner through an atomic list it must then collect).
        let (returns, returned) = sync_channel::<Vec<Record>>(2);
        let parent = Span::current();
        let reader = scope.spawn(move || {
            let _span = info_span!(parent: &parent, "read").entered();
            let mut batch = Vec::with_capacity(BATCH_RECORDS);
            let mut open = true;
            let result =
                priceline_ingest::read_sniffed(document, sniffed.clone(), options, &mut |record| {
                    if open {
                        batch.push(record);
                        if batch.len() == BATCH_RECORDS {
                            let next = match returned.try_recv() {
                                Ok(mut written) => {
                                    written.clear();
                                    written
                                }
                                Err(_) => Vec::with_capacity(BATCH_RECORDS),
                            };
                            open = sender.send(std::mem::replace(&mut batch, next)).is_ok();
                            stop.store(!open, Ordering::Relaxed);
                        }
                    }
                });
            if open && !batch.is_empty() {
                let _ = sender.send(batch);
            }
            result
        });
        snapshot::import(connection, rates, move |session| {
            write(session, document, receiver, &returns, reader, hash, advance)
        })
    })
}

/// Reports bytes stored before: unchanged, or, when they were rejected then, rejected again with
/// the stored reason and next step (the file is no more usable than it was).
fn already_imported(connection: &mut DbConnection, report: &mut DocumentReport, ids: SnapshotIds) {
    report.status = Status::Unchanged;
    report.facility_id = Some(ids.facility_id);
    report.source_file_id = Some(ids.source_file_id);
    report.reason = Some(format!(
        "already imported (source file {} of facility {}); nothing written",
        ids.source_file_id, ids.facility_id
    ));
    match source_files::get(connection, ids.source_file_id) {
        Ok(stored) => {
            if let Some(rejection) = stored.rejection {
                report.status = Status::Rejected;
                report.reason = Some(format!(
                    "already submitted and rejected (source file {} of facility {}); nothing \
                     written: {}",
                    ids.source_file_id, ids.facility_id, rejection.reason
                ));
                report.next_step = Some(rejection.next_step);
            }
        }
        Err(error) => {
            report.status = Status::Failed;
            report.reason = Some(format!(
                "already stored as source file {}, whose status cannot be read: {error}",
                ids.source_file_id
            ));
        }
    }
}

/// What an import that reached the end of its file stored: the snapshot's ids, what was read, and
/// the verdict when the file was unusable and kept as a rejected submission.
struct Written {
    ids: SnapshotIds,
    read: ReadReport,
    rejected: Option<Verdict>,
}

/// The document's [`Scan`] (its SHA-256 and text facts), computed on a thread beside the import.
struct Hash {
    receiver: Receiver<Result<Scan, IngestError>>,
    known: Option<Scan>,
    /// What the running import assumed of the text.
    assumed: SniffedText,
}

impl Hash {
    /// The scan if it has arrived; `wait` waits for it. `None` after waiting: the thread stopped.
    fn scan(&mut self, wait: bool) -> Result<Option<Scan>, Failure> {
        if self.known.is_none() {
            let arrived = if wait {
                self.receiver.recv().ok()
            } else {
                self.receiver.try_recv().ok()
            };
            if let Some(scan) = arrived {
                self.known = Some(scan.map_err(Failure::Hash)?);
            }
        }
        Ok(self.known)
    }

    /// The hash once the scan has arrived and found the text as the import assumed it; a scan that
    /// did not fails the import ([`Failure::TextMisread`]), which is then read again.
    fn get(&mut self, wait: bool) -> Result<Option<Sha256>, Failure> {
        match self.scan(wait)? {
            Some(scan) if !self.assumed.agrees_with(&scan) => Err(Failure::TextMisread),
            scan => Ok(scan.map(|scan| scan.sha256)),
        }
    }
}

/// Stores the hash on the file, or stops the import when the same bytes are stored already.
fn confirm(writer: &mut SnapshotWriter, sha256: &Sha256) -> Result<(), Failure> {
    match writer.confirm_sha256(sha256)? {
        Some(stored) => Err(Failure::AlreadyImported(stored)),
        None => Ok(()),
    }
}

/// What the writer reports progress with.
struct Advance<'a> {
    progress: &'a dyn Progress,
    bytes_read: &'a AtomicU64,
}

/// The writer's side, inside the import transaction: store records as they arrive, then the findings
/// and counts once the reader has finished. Returning an error rolls everything back.
fn write(
    session: ImportSession<'_>,
    document: &Document,
    receiver: Receiver<Vec<Record>>,
    returns: &SyncSender<Vec<Record>>,
    reader: ScopedJoinHandle<'_, Result<ReadReport, IngestError>>,
    hash: &mut Hash,
    progress: &Advance<'_>,
) -> Result<Written, Failure> {
    let file_name = document.name();
    // The session is handed to the writer at the header; a second header finds it gone.
    let mut session = Some(session);
    let mut writer: Option<Box<SnapshotWriter>> = None;
    for batch in receiver.iter() {
        let _span = info_span!("write_batch", records = batch.len()).entered();
        for record in &batch {
            if let Record::Header(header) = record {
                let session = session.take().ok_or(Failure::SecondHeader)?;
                let mut facility = header.facility.clone();
                if facility.ein.is_none() {
                    facility.ein = Ein::from_file_name(file_name);
                }
                // The hash is not known yet (`Sha256::PENDING`): the same bytes stored already
                // are found when it is (`confirm`), under the import lock `begin` takes.
                match SnapshotWriter::begin(session, &facility.key(), &facility, &header.file)? {
                    Begin::Writer(started) => writer = Some(started),
                    Begin::AlreadyImported(ids) => return Err(Failure::AlreadyImported(ids)),
                }
                continue;
            }
            let writer = writer.as_mut().ok_or(Failure::NoHeader)?;
            match record {
                Record::Header(_) => {}
                Record::Item(item) => writer.push_item(item)?,
                Record::Modifier(modifier) => writer.push_modifier(&modifier.modifier)?,
                Record::Quarantined(quarantined) => writer.push_quarantined(StoredQuarantine {
                    location: quarantined.source.to_string(),
                    raw: match &quarantined.raw {
                        RawRecord::Cells(cells) => serde_json::to_string(cells).unwrap_or_default(),
                        RawRecord::Json(text) => text.clone(),
                    },
                    findings_json: serde_json::to_string(&quarantined.findings).unwrap_or_default(),
                })?,
            }
        }
        if let Some(writer) = &mut writer {
            // Unchanged bytes are found as soon as their hash is known.
            if !writer.sha256_known()
                && let Some(sha256) = hash.get(false)?
            {
                confirm(writer, &sha256)?;
            }
            let written = writer.written();
            let bytes_read = progress.bytes_read.load(Ordering::Relaxed);
            progress
                .progress
                .advance(written.items as u64, written.payer_rates as u64, bytes_read);
        }
        if progress.progress.cancelled() {
            return Err(Failure::Cancelled);
        }
        // Full or gone (the reader has finished): the batch is dropped here instead.
        let _ = returns.try_send(batch);
    }
    let read = reader.join().map_err(|_| Failure::ReaderPanicked)??;
    let mut writer = writer.ok_or(Failure::NoHeader)?;
    if progress.progress.cancelled() {
        return Err(Failure::Cancelled);
    }
    if !writer.sha256_known() {
        let sha256 = hash.get(true)?.ok_or(Failure::HashStopped)?;
        confirm(&mut writer, &sha256)?;
    }
    for finding in &read.findings.findings {
        writer.push_finding(StoredFinding {
            severity: finding.severity,
            rule: finding.rule.clone(),
            location: finding.location.clone(),
            message: finding.message.clone(),
        })?;
    }
    let counts = FileReport {
        rows_read: read.summary.data_rows,
        duplicate_rows: read.summary.duplicate_rows,
        skipped_rows: read.summary.skipped_rows(),
        error_count: read.findings.errors,
        alert_count: read.findings.alerts,
    };
    let stored_charges = u64::try_from(writer.written().standard_charges).unwrap_or_default();
    let rejected = acceptance::judge(&read.summary, &read.findings, stored_charges);
    let ids = match &rejected {
        None => writer.finish(&counts)?,
        Some(verdict) => {
            // Only an unusable file pays for a second look at its start. A header that cannot be
            // read again is kept as absent rather than failing the import.
            let raw_header = priceline_ingest::raw_header(document, &hash.assumed).ok();
            writer.reject(
                &counts,
                Rejection {
                    reason: verdict.reason.clone(),
                    next_step: verdict.next_step.clone(),
                    raw_header,
                },
            )?
        }
    };
    Ok(Written {
        ids,
        read,
        rejected,
    })
}
