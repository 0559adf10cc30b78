//! Deterministic synthetic CMS v3.0 price transparency files for demos, benchmarks and tests.
//!
//! ```text
//! Spec { seed, hospital, rows } ─► Hospital::new(seed, hospital)     identity, price level, contracts
//!                               ─► generator: items, charges, rates  (one content model)
//!                               ─► tall | wide | json writer         ─► any io::Write, streamed
//! ```
//!
//! * **Valid v3.0**: every file follows the CMS v3.0 templates (rows 1–3, Tall and Wide columns,
//!   JSON schema V3.0.0) and the conditional rules 1–12, so a validator finds no error in it.
//! * **Deterministic**: the same spec gives byte-identical output (a self-contained SplitMix64;
//!   amounts are computed in integer ten-thousandths and written as exact decimal text).
//! * **Equivalent**: for one spec, the Tall, Wide and JSON files carry exactly the same items,
//!   standard charges and payer rates, because all three render one generated model. (A modifier's
//!   payment percentage is a CSV cell; JSON has no field for it and carries it in the description.)
//! * **Streamed**: one item is in memory at a time, so a 5-million-row file costs no more memory
//!   than a small one.
//!
//! Size is given as Tall data rows (`Spec::rows`): the same content written as Wide has fewer,
//! wider rows, and as JSON one array element per item.
//!
//! ```ignore
//! let spec = Spec { seed: 42, hospital: 0, rows: 100_000 };
//! let stats = priceline_synth::write(&spec, Format::Tall, &mut std::io::stdout().lock())?;
//! let paths = priceline_synth::write_dataset(dir, 42, 20, 10_000, Format::ALL)?;
//! ```

mod catalogue;
mod csv;
mod dataset;
mod decimal;
mod faulty;
mod generator;
mod hospital;
mod json;
mod model;
mod payer;
mod rng;
mod tall;
mod wide;

use std::io::{self, BufWriter, Write};

pub use dataset::{write_dataset, write_hospital};
pub use faulty::{Fault, write_faulty};
pub use hospital::{Hospital, Location};
pub use payer::Contract;

use catalogue::SERVICES;
use generator::{Generator, modifier_definitions};
use model::{Item, ModifierDefinition};

/// The v3.0 attestation statement: the CSV row-1 key and the JSON `attestation.attestation` text,
/// copied from the CMS v3.0.0 templates.
pub const ATTESTATION: &str = "To the best of its knowledge and belief, this hospital has included all applicable standard charge information in accordance with the requirements of 45 CFR 180.50, and the information encoded is true, accurate, and complete as of the date in the file. This hospital has included all payer-specific negotiated charges in dollars that can be expressed as a dollar amount. For payer-specific negotiated charges that cannot be expressed as a dollar amount in the machine-readable file or not knowable in advance, the hospital attests that the payer-specific negotiated charge is based on a contractual algorithm, percentage or formula that precludes the provision of a dollar amount and has provided all necessary information available to the hospital for the public to be able to derive the dollar amount, including, but not limited to, the specific fee schedule or components referenced in such percentage, algorithm or formula.";

/// The `version` every generated file declares.
pub const VERSION: &str = "3.0.0";

/// Output buffer: large enough that writes to a file or socket are few.
const BUFFER_BYTES: usize = 1 << 16;

/// The layout of a generated file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Tall,
    Wide,
    Json,
}

impl Format {
    pub const ALL: &'static [Format] = &[Format::Tall, Format::Wide, Format::Json];

    /// `csv` or `json`.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Tall | Format::Wide => "csv",
            Format::Json => "json",
        }
    }

    /// `tall`, `wide` or `json`: the dataset's sub-directory for the format.
    pub fn name(self) -> &'static str {
        match self {
            Format::Tall => "tall",
            Format::Wide => "wide",
            Format::Json => "json",
        }
    }
}

/// What to generate: hospital `hospital` of `seed`, about `rows` Tall data rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Spec {
    pub seed: u64,
    /// Which hospital of the seed (its identity, price level and contracts).
    pub hospital: usize,
    /// Target size in Tall data rows (item rows plus modifier rows). Items are added until the
    /// target is reached, so a file has at least this many Tall rows and at most one item's rows
    /// (a few dozen) more; a file always has at least one item.
    pub rows: u64,
}

/// What one `write` produced.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    pub items: u64,
    /// Item × setting (× modifier) combinations.
    pub standard_charges: u64,
    pub payer_rates: u64,
    /// Modifier definitions (CSV modifier rows grouped by code, JSON `modifier_information`).
    pub modifiers: u64,
    /// Data rows of this format: CSV rows after row 3, or JSON array elements.
    pub rows: u64,
    /// Rows the same content takes as Tall, whatever the format (the unit of `Spec::rows`).
    pub tall_rows: u64,
    pub bytes: u64,
}

/// A file layout: the writers render the generated model and report the data rows they wrote.
trait Layout {
    fn begin(&mut self, hospital: &Hospital) -> io::Result<()>;
    fn item(&mut self, hospital: &Hospital, item: &Item) -> io::Result<u64>;
    fn finish(&mut self, hospital: &Hospital, modifiers: &[ModifierDefinition]) -> io::Result<u64>;
}

/// Writes the file of `spec` in `format` to `out` (buffered internally; `out` is flushed).
pub fn write(spec: &Spec, format: Format, out: &mut impl Write) -> io::Result<Stats> {
    let hospital = Hospital::new(spec.seed, spec.hospital);
    let mut counted = Counted {
        inner: out,
        bytes: 0,
    };
    let mut buffered = BufWriter::with_capacity(BUFFER_BYTES, &mut counted);
    let mut stats = match format {
        Format::Tall => generate(spec, &hospital, &mut tall::Tall::new(&mut buffered)),
        Format::Wide => generate(
            spec,
            &hospital,
            &mut wide::Wide(csv::CsvWriter::new(&mut buffered)),
        ),
        Format::Json => generate(spec, &hospital, &mut json::Json::new(&mut buffered)),
    }?;
    buffered.flush()?;
    drop(buffered);
    stats.bytes = counted.bytes;
    Ok(stats)
}

fn generate(spec: &Spec, hospital: &Hospital, layout: &mut impl Layout) -> io::Result<Stats> {
    let modifiers = modifier_definitions(spec.seed, spec.hospital, hospital, spec.rows);
    let modifier_rows: u64 = modifiers
        .iter()
        .map(|modifier| modifier.adjustments.len() as u64)
        .sum();
    let item_rows = spec.rows.saturating_sub(modifier_rows);
    let mut generator = Generator::new(spec.seed, spec.hospital, hospital, item_rows);
    let mut stats = Stats {
        modifiers: modifiers.len() as u64,
        tall_rows: modifier_rows,
        ..Stats::default()
    };
    layout.begin(hospital)?;
    let mut item = Item::new(&SERVICES[0]);
    while generator.next(&mut item) {
        stats.items += 1;
        stats.standard_charges += item.charges.len() as u64;
        stats.payer_rates += item.rates.len() as u64;
        stats.tall_rows += item.tall_rows();
        stats.rows += layout.item(hospital, &item)?;
    }
    stats.rows += layout.finish(hospital, &modifiers)?;
    Ok(stats)
}

/// Counts the bytes that reach the caller's writer.
struct Counted<'a, W: Write> {
    inner: &'a mut W,
    bytes: u64,
}

impl<W: Write> Write for Counted<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let written = self.inner.write(buf)?;
        self.bytes += written as u64;
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn generate(spec: &Spec, format: Format) -> (Vec<u8>, Stats) {
        let mut bytes = Vec::new();
        let stats = write(spec, format, &mut bytes).unwrap();
        (bytes, stats)
    }

    #[test]
    fn same_spec_same_bytes_and_the_counts_add_up() {
        let spec = Spec {
            seed: 12,
            hospital: 3,
            rows: 1_500,
        };
        let mut content = None;
        for &format in Format::ALL {
            let (bytes, stats) = generate(&spec, format);
            assert_eq!(
                generate(&spec, format),
                (bytes.clone(), stats),
                "{format:?}"
            );
            assert_eq!(stats.bytes, bytes.len() as u64);
            let lines = bytes.iter().filter(|byte| **byte == b'\n').count() as u64;
            match format {
                Format::Tall => {
                    assert_eq!(stats.rows, stats.tall_rows);
                    assert_eq!(lines, 3 + stats.rows);
                }
                Format::Wide => {
                    assert_eq!(stats.rows, stats.standard_charges + stats.modifiers);
                    assert_eq!(lines, 3 + stats.rows);
                }
                Format::Json => assert_eq!(stats.rows, stats.items + stats.modifiers),
            }
            let counts = (
                stats.items,
                stats.standard_charges,
                stats.payer_rates,
                stats.modifiers,
            );
            assert_eq!(*content.get_or_insert(counts), counts, "{format:?}");
        }
    }
}
