//! The import progress bar, drawn on stderr only when it is a terminal.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use priceline_import::{DocumentReport, Progress};

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
        // A gzip file's size is known only once it is read: bytes so far, no bar or ETA.
        let (bar, template) = if bytes == 0 {
            (
                ProgressBar::no_length(),
                "{prefix} [{elapsed_precise}] {spinner} {bytes} {msg}",
            )
        } else {
            (
                ProgressBar::new(bytes),
                "{prefix} [{elapsed_precise}] [{wide_bar}] {bytes}/{total_bytes} {msg} ETA {eta}",
            )
        };
        bar.set_style(
            ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar()),
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
