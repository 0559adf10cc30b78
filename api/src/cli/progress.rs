//! The import progress bar, drawn on stderr only when it is a terminal.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use crate::importer::{DocumentReport, Progress};

pub struct TerminalProgress {
    bar: Mutex<Option<ProgressBar>>,
}

impl TerminalProgress {
    pub fn new() -> Self {
        Self {
            bar: Mutex::new(None),
        }
    }

    fn with_bar(&self, action: impl FnOnce(&mut Option<ProgressBar>)) {
        if let Ok(mut bar) = self.bar.lock() {
            action(&mut bar);
        }
    }
}

impl Progress for TerminalProgress {
    fn start(&self, file: &str, bytes: u64) {
        if !std::io::stderr().is_terminal() {
            return;
        }
        let bar = ProgressBar::new(bytes);
        bar.set_style(
            ProgressStyle::with_template(
                "{prefix} [{elapsed_precise}] [{wide_bar}] {bytes}/{total_bytes} {msg} ETA {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.set_prefix(file.to_owned());
        bar.enable_steady_tick(Duration::from_millis(120));
        self.with_bar(|slot| *slot = Some(bar));
    }

    fn advance(&self, items: u64, payer_rates: u64, bytes_read: u64) {
        self.with_bar(|slot| {
            if let Some(bar) = slot {
                bar.set_position(bytes_read);
                let seconds = bar.elapsed().as_secs_f64().max(0.001);
                bar.set_message(format!(
                    "{items} items, {payer_rates} payer rates ({:.0} rates/s)",
                    payer_rates as f64 / seconds
                ));
            }
        });
    }

    fn finish(&self, _report: &DocumentReport) {
        self.with_bar(|slot| {
            if let Some(bar) = slot.take() {
                bar.finish_and_clear();
            }
        });
    }
}
