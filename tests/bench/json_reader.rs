//! `make bench` (JSON-reader part): does the hand-written JSON reader (`crates/ingest/src/json`, a
//! lexer and an element reader) earn its keep against a streaming reader built on a well-kept crate?
//! On one generated CMS v3.0 JSON file it measures:
//!
//! - `ours`: `priceline_ingest::read` with default options, as a caller gets it: the text checks
//!   and SHA-256 (on a second thread), a syntax pass, then the elements converted into records;
//! - `ours one pass`: the reader alone as an import runs it (`JsonPasses::One`, only the first 4 KiB
//!   sniffed, the hash left to its own thread elsewhere): one pass, elements into records;
//! - `serde_json`: a `DeserializeSeed` over the root object visiting `standard_charge_information`
//!   (and `modifier_information`) element by element, each into a `serde_json::Value` and dropped.
//!   Default number handling (decimals become `f64`, not exact; `arbitrary_precision` would change
//!   every crate's serde_json through feature unification);
//! - `struson`: its token API, each element into a small tree with numbers kept as their exact text
//!   (path tracking off).
//!
//! The two crate readers only parse: no checks, no records. They are a lower bound of what a
//! replacement would cost, so ours should be clearly faster than them to be kept.
//!
//! Each reader runs in its own process (its peak RSS is its own), the readers alternate within each
//! round, and every figure is the best, median and worst of `PRICELINE_BENCH_RUNS` rounds (default
//! 5). Wall time on a shared host varies; instruction counts do not, so when valgrind is installed
//! each reader also runs once under callgrind on a smaller file (`PRICELINE_BENCH_CALLGRIND=0` skips
//! it). To run one reader alone (for a profiler):
//! `PRICELINE_JSON_READER=serde_json PRICELINE_JSON_READER_FILE=file.json target/release/deps/json_reader-…`
//! with `ours`, `ours-one-pass`, `serde_json`, `struson` or `none` (start-up only).
//! Prints figures; asserts nothing about speed.

use std::fmt;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use priceline_domain::Sha256;
use priceline_ingest::{JsonPasses, ReadOptions, Sniffed};
use priceline_synth::Format;
use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use struson::reader::{JsonReader, JsonStreamReader, ReaderError, ReaderSettings, ValueType};

#[path = "support.rs"]
mod support;
use support::{generated_file, runs};

/// The import bench's seed: the 1M file is the one it measures, generated once for both.
const WALL_ROWS: u64 = 1_000_000;
const CALLGRIND_ROWS: u64 = 100_000;

const READER_VAR: &str = "PRICELINE_JSON_READER";
const FILE_VAR: &str = "PRICELINE_JSON_READER_FILE";

const ITEMS: &str = "standard_charge_information";
const MODIFIERS: &str = "modifier_information";

/// (name for `PRICELINE_JSON_READER`, label in the figures)
const READERS: [(&str, &str); 4] = [
    ("ours", "ours: read(), default options"),
    ("ours-one-pass", "ours: one pass, as an import"),
    ("serde_json", "serde_json: elements into Values"),
    ("struson", "struson: elements into trees"),
];

/// What a reader saw: its elements (items and modifiers) and payer rates, compared across readers
/// so each is known to have read the whole file.
#[derive(Default, Clone, Copy, PartialEq, Eq)]
struct Counts {
    elements: u64,
    payer_rates: u64,
}

impl fmt::Display for Counts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} elements, {} payer rates",
            self.elements, self.payer_rates
        )
    }
}

fn ours(path: &Path, passes: JsonPasses) -> Result<Counts, String> {
    let documents = priceline_ingest::open(path).map_err(|error| error.to_string())?;
    let document = &documents[0];
    let mut sink = |record| drop(std::hint::black_box(record));
    let report = match passes {
        JsonPasses::Two => priceline_ingest::read(document, &ReadOptions::default(), &mut sink),
        JsonPasses::One => {
            let text =
                priceline_ingest::sniff_start(document).map_err(|error| error.to_string())?;
            let options = ReadOptions {
                json_passes: JsonPasses::One,
                ..ReadOptions::default()
            };
            let sniffed = Sniffed::new(text, Sha256::PENDING);
            priceline_ingest::read_sniffed(document, sniffed, &options, &mut sink)
        }
    }
    .map_err(|error| error.to_string())?;
    Ok(Counts {
        elements: report.summary.data_rows,
        payer_rates: report.summary.payer_rates,
    })
}

fn serde_json_values(path: &Path) -> Result<Counts, String> {
    let file = File::open(path).map_err(|error| error.to_string())?;
    let mut deserializer =
        serde_json::Deserializer::from_reader(BufReader::with_capacity(1 << 16, file));
    let mut counts = Counts::default();
    Root(&mut counts)
        .deserialize(&mut deserializer)
        .and_then(|()| deserializer.end())
        .map_err(|error| error.to_string())?;
    Ok(counts)
}

/// The root object: the small fields kept as values, the two arrays streamed.
struct Root<'a>(&'a mut Counts);

impl<'de> DeserializeSeed<'de> for Root<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Root<'_> {
    type Value = ();

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a CMS price-transparency object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut fields = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            if key == ITEMS || key == MODIFIERS {
                map.next_value_seed(Elements(&mut *self.0))?;
            } else {
                fields.push((key, map.next_value::<serde_json::Value>()?));
            }
        }
        std::hint::black_box(fields);
        Ok(())
    }
}

/// One of the arrays: each element becomes a `Value`, is counted and dropped.
struct Elements<'a>(&'a mut Counts);

impl<'de> DeserializeSeed<'de> for Elements<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Elements<'_> {
    type Value = ();

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("an array of elements")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(element) = seq.next_element::<serde_json::Value>()? {
            self.0.elements += 1;
            let charges = element.get("standard_charges").and_then(|c| c.as_array());
            for charge in charges.into_iter().flatten() {
                let payers = charge.get("payers_information").and_then(|p| p.as_array());
                self.0.payer_rates += payers.map_or(0, |payers| payers.len() as u64);
            }
        }
        Ok(())
    }
}

/// A JSON value as struson's token API gives it, numbers as their text. Built to measure building
/// it: only the counts are read back.
#[allow(dead_code)]
enum Tree {
    Null,
    Bool(bool),
    Number(String),
    Text(String),
    Array(Vec<Tree>),
    Object(Vec<(String, Tree)>),
}

impl Tree {
    fn field(&self, name: &str) -> Option<&Tree> {
        match self {
            Tree::Object(fields) => fields.iter().find(|(key, _)| key == name).map(|(_, v)| v),
            _ => None,
        }
    }

    fn items(&self) -> &[Tree] {
        match self {
            Tree::Array(items) => items,
            _ => &[],
        }
    }
}

fn tree<R: std::io::Read>(reader: &mut JsonStreamReader<R>) -> Result<Tree, ReaderError> {
    Ok(match reader.peek()? {
        ValueType::Null => {
            reader.next_null()?;
            Tree::Null
        }
        ValueType::Boolean => Tree::Bool(reader.next_bool()?),
        ValueType::Number => Tree::Number(reader.next_number_as_string()?),
        ValueType::String => Tree::Text(reader.next_string()?),
        ValueType::Array => {
            reader.begin_array()?;
            let mut items = Vec::new();
            while reader.has_next()? {
                items.push(tree(reader)?);
            }
            reader.end_array()?;
            Tree::Array(items)
        }
        ValueType::Object => {
            reader.begin_object()?;
            let mut fields = Vec::new();
            while reader.has_next()? {
                let name = reader.next_name_owned()?;
                fields.push((name, tree(reader)?));
            }
            reader.end_object()?;
            Tree::Object(fields)
        }
    })
}

fn struson_trees(path: &Path) -> Result<Counts, String> {
    let file = File::open(path).map_err(|error| error.to_string())?;
    // struson buffers its input itself.
    let settings = ReaderSettings {
        track_path: false,
        ..ReaderSettings::default()
    };
    let mut reader = JsonStreamReader::new_custom(file, settings);
    let mut counts = Counts::default();
    let mut fields = Vec::new();
    let read = || -> Result<(), ReaderError> {
        reader.begin_object()?;
        while reader.has_next()? {
            let name = reader.next_name_owned()?;
            if name != ITEMS && name != MODIFIERS {
                fields.push((name, tree(&mut reader)?));
                continue;
            }
            reader.begin_array()?;
            while reader.has_next()? {
                let element = tree(&mut reader)?;
                counts.elements += 1;
                let charges = element
                    .field("standard_charges")
                    .map_or(&[][..], Tree::items);
                for charge in charges {
                    let payers = charge
                        .field("payers_information")
                        .map_or(&[][..], Tree::items);
                    counts.payer_rates += payers.len() as u64;
                }
            }
            reader.end_array()?;
        }
        reader.end_object()?;
        reader.consume_trailing_whitespace()
    };
    read().map_err(|error| error.to_string())?;
    std::hint::black_box(&fields);
    Ok(counts)
}

/// Peak resident set size of this process (`VmHWM`), 0 where unknown.
fn peak_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
            let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(kib * 1024)
        })
        .unwrap_or(0)
}

/// The child: runs one reader over one file and prints `seconds elements payer_rates peak_bytes`.
fn child(reader: &str, path: &Path) -> ! {
    let started = Instant::now();
    let counts = match reader {
        "ours" => ours(path, JsonPasses::Two),
        "ours-one-pass" => ours(path, JsonPasses::One),
        "serde_json" => serde_json_values(path),
        "struson" => struson_trees(path),
        "none" => Ok(Counts::default()),
        other => Err(format!("unknown reader {other:?}")),
    };
    let seconds = started.elapsed().as_secs_f64();
    match counts {
        Ok(counts) => {
            println!(
                "{seconds} {} {} {}",
                counts.elements,
                counts.payer_rates,
                peak_bytes()
            );
            std::process::exit(0)
        }
        Err(error) => {
            eprintln!("{reader}: {error}");
            std::process::exit(1)
        }
    }
}

// ---- The parent: alternating rounds, then callgrind ----

struct Run {
    seconds: f64,
    counts: Counts,
    peak_bytes: u64,
}

fn this_binary() -> PathBuf {
    std::env::current_exe().expect("the bench binary's path")
}

fn spawn(reader: &str, path: &Path) -> Result<Run, String> {
    let output = Command::new(this_binary())
        .env(READER_VAR, reader)
        .env(FILE_VAR, path)
        .output()
        .map_err(|error| error.to_string())?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let fields: Vec<&str> = text.split_whitespace().collect();
    let number = |i: usize| fields.get(i).and_then(|field| field.parse::<f64>().ok());
    match (number(0), number(1), number(2), number(3)) {
        (Some(seconds), Some(elements), Some(payer_rates), Some(peak)) => Ok(Run {
            seconds,
            counts: Counts {
                elements: elements as u64,
                payer_rates: payer_rates as u64,
            },
            peak_bytes: peak as u64,
        }),
        _ => Err(format!("unexpected output {text:?}")),
    }
}

fn wall(path: &Path) {
    let bytes = std::fs::metadata(path).map_or(0, |meta| meta.len()) as f64;
    let rounds = runs(5);
    println!(
        "JSON readers on {} ({:.0} MB), {rounds} alternating rounds, each reader in its own process:",
        path.display(),
        bytes / 1e6
    );
    let mut done: Vec<Result<Vec<Run>, String>> = READERS.iter().map(|_| Ok(Vec::new())).collect();
    for round in 0..rounds {
        // Rotated, so no reader always follows the same one.
        for turn in 0..READERS.len() {
            let index = (round + turn) % READERS.len();
            if let Ok(runs) = &mut done[index] {
                match spawn(READERS[index].0, path) {
                    Ok(run) => runs.push(run),
                    Err(error) => done[index] = Err(error),
                }
            }
        }
    }
    let mut first: Option<Counts> = None;
    for ((_, label), runs) in READERS.iter().zip(done) {
        let mut runs = match runs {
            Ok(runs) => runs,
            Err(error) => {
                println!("  {label:36} failed: {}", error.trim());
                continue;
            }
        };
        runs.sort_by(|a, b| a.seconds.total_cmp(&b.seconds));
        let counts = runs[0].counts;
        let agrees = match first {
            None => {
                first = Some(counts);
                ""
            }
            Some(first) if first == counts => "",
            Some(_) => "  (counts differ from the first reader's!)",
        };
        println!(
            "  {label:36} best {:>6.2} s {:>4.0} MB/s  median {:>6.2} s  worst {:>6.2} s  peak RSS {:>4.0} MB  ({counts}){agrees}",
            runs[0].seconds,
            bytes / runs[0].seconds / 1e6,
            runs[runs.len() / 2].seconds,
            runs[runs.len() - 1].seconds,
            runs.iter().map(|run| run.peak_bytes).max().unwrap_or(0) as f64 / 1e6,
        );
    }
}

/// Instructions each reader executes (all threads), from callgrind's summary; start-up measured
/// alone (`none`) and taken off.
fn callgrind(path: &Path) {
    if std::env::var("PRICELINE_BENCH_CALLGRIND").is_ok_and(|value| value == "0") {
        println!("callgrind figures skipped: PRICELINE_BENCH_CALLGRIND=0");
        return;
    }
    if Command::new("valgrind").arg("--version").output().is_err() {
        println!("callgrind figures skipped: valgrind is not installed");
        return;
    }
    let bytes = std::fs::metadata(path).map_or(0, |meta| meta.len()) as f64;
    println!(
        "Instructions (callgrind, deterministic) on {} ({:.0} MB):",
        path.display(),
        bytes / 1e6
    );
    let dir = tempfile::tempdir().expect("a temporary directory");
    let count = |reader: &str| -> Result<u64, String> {
        let output = Command::new("valgrind")
            .arg("--tool=callgrind")
            .arg(format!(
                "--callgrind-out-file={}",
                dir.path().join("callgrind.out").display()
            ))
            .arg(this_binary())
            .env(READER_VAR, reader)
            .env(FILE_VAR, path)
            .output()
            .map_err(|error| error.to_string())?;
        let stderr = String::from_utf8_lossy(&output.stderr);
        if !output.status.success() {
            return Err(stderr.into_owned());
        }
        stderr
            .lines()
            .find_map(|line| {
                let (_, after) = line.split_once("Collected :")?;
                after.trim().parse().ok()
            })
            .ok_or_else(|| format!("no instruction count in {stderr:?}"))
    };
    let start_up = match count("none") {
        Ok(start_up) => start_up,
        Err(error) => {
            println!("  failed: {}", error.trim());
            return;
        }
    };
    for (reader, label) in READERS {
        match count(reader) {
            Ok(instructions) => {
                let own = instructions.saturating_sub(start_up);
                println!(
                    "  {label:36} {:>14} instructions  {:>5.1} per byte",
                    own,
                    own as f64 / bytes
                );
            }
            Err(error) => println!("  {label:36} failed: {}", error.trim()),
        }
    }
}

fn main() {
    if let Ok(reader) = std::env::var(READER_VAR) {
        let path =
            std::env::var_os(FILE_VAR).expect("PRICELINE_JSON_READER_FILE: the file to read");
        child(&reader, Path::new(&path));
    }
    wall(&generated_file(Format::Json, WALL_ROWS));
    callgrind(&generated_file(Format::Json, CALLGRIND_ROWS));
}
