//! `priceline audit export`: the audit trail as NDJSON on stdout, one event per line (the shape
//! `GET /v1/admin/audit-events` gives each item), oldest first. Read a chunk at a time, so an export
//! of any size holds one chunk in memory.

use std::io::{BufWriter, Write};

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use clap::Subcommand;
use priceline_store::DatabaseUrl;
use priceline_store::queries::audit_events::{self, AuditFilter};

use crate::config::Settings;
use crate::views::audit_event::AuditEventView;

/// Events read from the database at a time.
const CHUNK: usize = 1000;

#[derive(Debug, Subcommand)]
pub enum AuditAction {
    /// Write the audit events recorded from --since (inclusive) to --until (exclusive, default: now
    /// and later) to stdout as NDJSON, oldest first.
    Export {
        /// RFC 3339 date and time, e.g. 2026-12-01T00:00:00Z.
        #[arg(long, value_name = "TIME")]
        since: String,
        /// RFC 3339 date and time.
        #[arg(long, value_name = "TIME")]
        until: Option<String>,
    },
}

fn parse_time(option: &str, text: &str) -> anyhow::Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text.trim())
        .map(|time| time.with_timezone(&Utc))
        .map_err(|_| {
            anyhow::anyhow!(
                "{option} {text:?} is not an RFC 3339 date and time such as 2026-12-01T00:00:00Z"
            )
        })
}

pub fn run(settings: &Settings, action: AuditAction) -> anyhow::Result<()> {
    let AuditAction::Export { since, until } = action;
    let since = parse_time("--since", &since)?;
    let until = until
        .map(|until| parse_time("--until", &until))
        .transpose()?;
    if let Some(until) = until
        && until <= since
    {
        bail!("--until {until} is not after --since {since}: no event can be in between");
    }
    let target = &settings.database_url;
    // Reading only: a mistyped SQLite path must not become a new empty database.
    if let DatabaseUrl::Sqlite(path, _) = target
        && !path.exists()
    {
        bail!(
            "there is no database at {}: check PRICELINE_DATABASE_URL",
            path.display()
        );
    }
    let mut connection = priceline_store::connect(target)?;
    let filter = AuditFilter {
        since: Some(since),
        until,
        ..AuditFilter::default()
    };
    let mut out = BufWriter::new(std::io::stdout().lock());
    let mut after = None;
    loop {
        let chunk = audit_events::chunk(&mut connection, &filter, after, CHUNK)
            .with_context(|| format!("cannot read the audit trail of {target}"))?;
        let Some(last) = chunk.last() else {
            break;
        };
        after = Some(last.id);
        let full = chunk.len() == CHUNK;
        for event in chunk {
            let mut line = serde_json::to_string(&AuditEventView::from(event))?;
            line.push('\n');
            if let Err(error) = out.write_all(line.as_bytes()) {
                return closed_pipe(error);
            }
        }
        if let Err(error) = out.flush() {
            return closed_pipe(error);
        }
        if !full {
            break;
        }
    }
    match out.flush() {
        Err(error) => closed_pipe(error),
        Ok(()) => Ok(()),
    }
}

/// A closed pipe (`| head`) is the reader's choice, not an error.
fn closed_pipe(error: std::io::Error) -> anyhow::Result<()> {
    if error.kind() == std::io::ErrorKind::BrokenPipe {
        Ok(())
    } else {
        Err(error.into())
    }
}
