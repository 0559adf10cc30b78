//! JSON reader, holding one value at a time. By default two passes over the text: the first checks
//! the whole syntax (so a truncated or concatenated file is refused before any record is produced),
//! collects the small root fields wherever they appear (CMS puts them before the arrays, some files
//! after) and notes which version-specific keys occur; the second streams the elements of
//! `standard_charge_information` and `modifier_information`.
//!
//! A caller that can discard records (an import rolls back) may ask for one pass
//! (`JsonPasses::One`): when the root fields before the items decide the header, as in a v3 file
//! laid out like the CMS template, the elements are streamed at once and the first pass is saved.
//!
//! Hand-written rather than built on a crate, measured (`make bench`, tests/bench/json_reader.rs) on
//! a generated v3.0 file of 1M payer rates (212 MB, 108,100 elements), best / median / worst of 5
//! alternating runs, each in its own process, on 2 shared cores: this reader as an import runs it
//! (one pass, exact numbers, checks, elements into records) 1.28 / 1.44 / 1.66 s; `read` with
//! default options (text checks, SHA-256 on a second thread, the syntax pass, then records) 1.86 /
//! 2.12 / 2.31 s; serde_json alone parsing each element into a `Value` (a `DeserializeSeed` over the
//! root, `f64` numbers) 1.17 / 1.20 / 1.52 s; struson's token API into a tree with exact numbers
//! 1.93 / 2.14 / 2.49 s. Peak RSS 3–4 MB for all four. Instructions (callgrind, 100k rates, 21 MB):
//! one pass 1.66 G, of which lexing ≈ 0.88 G and conversion into records ≈ 0.58 G; `read` 2.98 G
//! (SHA-256 0.69 G, syntax pass ≈ 0.6 G); serde_json 1.58 G, or 1.79 G with exact numbers
//! (`arbitrary_precision`, measured outside the workspace, where it would reach every crate through
//! feature unification); struson 2.67 G.
//!
//! Kept, for the parse itself: at the same layer (text into one element's tree) this lexer takes
//! ≈ 0.88 G instructions where serde_json takes 1.58 G (1.79 G with the exact numbers an amount
//! needs) and struson 2.67 G. The whole reader, parse + checks + records, costs less than
//! serde_json's exact parse alone, which is the lower bound of a replacement built on it (it would
//! still need the checks and a conversion into records, ≈ 0.58 G here). In wall time, a parse into
//! `Value`s with `f64` numbers is about 9 % faster than this whole reader; memory decides nothing.

mod element;
mod lexer;

use std::hash::BuildHasher;
use std::io::Read;

use priceline_domain::{FileFormat, RecordLocation, TemplateVersion};

use crate::decode::{Decoded, TextEncoding};
use crate::detect::{self, JsonShape};
use crate::finding::Finding;
use crate::reading::{JsonPasses, Reading, header_record};
use crate::record::{ModifierRecord, QuarantinedPart, QuarantinedRecord, RawRecord, Record};
use crate::repeats::{Repeats, Rows};
use crate::sniff::Syntax;
use crate::values::Check;
use crate::{Document, IngestError, group, rules};
use lexer::{Key, Lexer, Value};

const ITEMS: &str = "standard_charge_information";
const MODIFIERS: &str = "modifier_information";
/// Root keys of any template version; a root object with none of them is not a CMS file.
const ROOT_KEYS: [&str; 15] = [
    "hospital_name",
    "last_updated_on",
    "version",
    "hospital_location",
    "location_name",
    "hospital_address",
    "license_information",
    "type_2_npi",
    "affirmation",
    "attestation",
    "financial_aid_policy",
    "general_contract_provisions",
    ITEMS,
    MODIFIERS,
    "attester_name",
];

/// Root keys of pre-template JSON chargemasters (and the CMS v1.1 draft), lower-case.
const LEGACY_ROOT_KEYS: &[&str] = &[
    "billing_code_information",
    "charges",
    "chargemaster",
    "cdm",
    "items",
    "data",
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Array {
    Items,
    Modifiers,
}

struct Walked {
    root: Vec<(Key, Value)>,
    keys: Vec<String>,
    wrapped: bool,
    /// One pass only: nothing was passed on, because the walk stopped at the first array when the
    /// fields before it did not decide the header, or met no items (see `Elements::OnePass`).
    undecided: bool,
}

pub(crate) fn read(
    document: &Document,
    reading: &mut Reading,
    sink: &mut dyn FnMut(Record),
) -> Result<(), IngestError> {
    let (encoding, strip_nul) = (reading.sniffed.encoding, reading.sniffed.nul_bytes > 0);
    if reading.options.json_passes == JsonPasses::One {
        let mut streaming = Streaming {
            reading: &mut *reading,
            sink: &mut *sink,
            version: None,
            repeats: Repeats::new(),
        };
        let walked = document.with_reader(|reader| {
            walk(
                reader,
                encoding,
                strip_nul,
                Elements::OnePass(&mut streaming),
            )
        })?;
        if !walked.undecided {
            return Ok(streaming.repeats.finish()?);
        }
    }
    let mut shape = JsonShape::default();
    // The first pass only needs the property names inside the elements: they are skimmed, not
    // built (building every element twice was most of the cost of reading a JSON file).
    let walked = document.with_reader(|reader| {
        walk(
            reader,
            encoding,
            strip_nul,
            Elements::Keys(&mut |key| shape.observe_key(key)),
        )
    })?;
    walked.keys.iter().for_each(|key| shape.observe_key(key));
    let version = reading
        .options
        .version
        .unwrap_or_else(|| shape.version(declared_version(&walked).as_deref()));
    start_data(reading, &walked, version, sink)?;
    let mut streaming = Streaming {
        reading,
        sink,
        version: Some(version),
        repeats: Repeats::new(),
    };
    document.with_reader(|reader| {
        walk(
            reader,
            encoding,
            strip_nul,
            Elements::Values(&mut streaming),
        )
    })?;
    Ok(streaming.repeats.finish()?)
}

/// Passes on the records of a document's data once its header is known.
struct Streaming<'r, 's> {
    reading: &'r mut Reading,
    sink: &'s mut dyn FnMut(Record),
    /// Known once the header has been passed on.
    version: Option<TemplateVersion>,
    /// The elements read so far, to recognise an exact repeat of one.
    repeats: Repeats,
}

impl Streaming<'_, '_> {
    /// One pass, at the first array: passes on the header if the fields before it decide it.
    fn start(&mut self, walked: &Walked) -> Result<bool, IngestError> {
        self.version = decided_version(self.reading, walked);
        match self.version {
            Some(version) => start_data(self.reading, walked, version, self.sink).map(|()| true),
            None => Ok(false),
        }
    }

    fn element(&mut self, array: Array, index: u64, value: Value) {
        let version = self.version.expect("elements are built after the header");
        element(
            self.reading,
            version,
            (array, index, value),
            &mut self.repeats,
            self.sink,
        );
    }
}

/// One pass: the version the root fields before the first array decide, if they do. They decide it
/// when the caller chose it, or when they are v3's own (v3 wins over any key an element may hold).
fn decided_version(reading: &Reading, walked: &Walked) -> Option<TemplateVersion> {
    if let Some(version) = reading.options.version {
        return Some(version);
    }
    let mut shape = JsonShape::default();
    walked.keys.iter().for_each(|key| shape.observe_key(key));
    shape.v3.then_some(TemplateVersion::V3_0)
}

fn declared_version(walked: &Walked) -> Option<String> {
    walked.root.iter().find_map(|(key, value)| match value {
        Value::String(text) if key == "version" => Some(text.clone()),
        _ => None,
    })
}

/// Checks the root fields and passes on the header record, before any element.
fn start_data(
    reading: &mut Reading,
    walked: &Walked,
    version: TemplateVersion,
    sink: &mut dyn FnMut(Record),
) -> Result<(), IngestError> {
    if !walked.keys.is_empty()
        && !walked
            .keys
            .iter()
            .any(|key| ROOT_KEYS.contains(&key.as_str()))
    {
        let shown: Vec<&str> = walked.keys.iter().take(6).map(String::as_str).collect();
        let description =
            format!("a JSON document with keys {shown:?} and none of the CMS template keys");
        // Chargemasters published before the template (and the CMS v1.1 draft) have their own keys;
        // anything else without a CMS key (a JSON Schema, an API error body) is not a price file.
        let legacy = walked
            .keys
            .iter()
            .any(|key| LEGACY_ROOT_KEYS.contains(&key.to_ascii_lowercase().as_str()));
        return Err(if legacy {
            IngestError::Legacy(description)
        } else {
            IngestError::NotAPriceFile(description)
        });
    }
    if walked.wrapped {
        reading.log.add(Finding::new(
            rules::ROOT_IN_ARRAY,
            "",
            "the document is wrapped in an array; its single object is read",
        ));
    }
    let declared = declared_version(walked);
    let root = Value::Object(walked.root.clone());
    let mut check = Check::new();
    let general = element::root(&root, &walked.keys, version, &mut check);
    reading.log.extend(check.findings);
    // As CMS: only a version written as a string is compared.
    if declared.is_some() {
        reading.log.extend(detect::version_alert(
            declared.as_deref(),
            version,
            Syntax::Json,
            "/version",
        ));
    }
    sink(header_record(
        reading,
        general.facility,
        FileFormat::Json,
        version,
        declared,
        general.last_updated_on,
        general.attestation,
    ));
    reading.summary.data_checked = true;
    Ok(())
}

/// Builds the record of one array element: an item or modifier, or the element quarantined with
/// its findings. An exact repeat of an earlier element is counted and reported instead.
fn element(
    reading: &mut Reading,
    version: TemplateVersion,
    (array, index, value): (Array, u64, Value),
    repeats: &mut Repeats,
    sink: &mut dyn FnMut(Record),
) {
    reading.summary.data_rows += 1;
    let mut check = Check::new();
    let name = match array {
        Array::Items => ITEMS,
        Array::Modifiers => MODIFIERS,
    };
    let pointer = format!("/{name}/{index}");
    let record = match array {
        Array::Items => element::item(&value, &pointer, version, &mut check)
            .filter(|_| !check.blocked())
            .map(Record::Item),
        Array::Modifiers => element::modifier(&value, &pointer, version, &mut check)
            .filter(|_| !check.blocked())
            .map(|modifier| {
                Record::Modifier(ModifierRecord {
                    modifier,
                    source: RecordLocation::Pointer(pointer.clone()),
                })
            }),
    };
    let identity = match &record {
        Some(Record::Item(item)) => Some(group::item_identity(item)),
        Some(Record::Modifier(modifier)) => Some(group::modifier_identity(&modifier.modifier)),
        _ => None,
    };
    if let Some(identity) = identity {
        let hash = foldhash::fast::FixedState::with_seed(ELEMENT_HASH_SEED).hash_one(&value);
        if let Some(first) = repeats.recall(identity).get(&hash).copied() {
            reading.summary.duplicate_rows += 1;
            reading.log.add(Finding::new(
                rules::DUPLICATE_ROW,
                pointer,
                format!("exact repeat of /{name}/{first}; kept once"),
            ));
            return;
        }
        let mut earlier = Rows::default();
        repeats.recall_into(identity, &mut earlier);
        earlier.insert(hash, index);
        repeats.remember(identity, &earlier);
    }
    let summary = &mut reading.summary;
    let record = match record {
        Some(Record::Item(item)) => {
            summary.item_rows += 1;
            group::count_item(&item, summary);
            Record::Item(item)
        }
        Some(Record::Modifier(modifier)) => {
            summary.modifier_rows += 1;
            summary.modifiers += 1;
            Record::Modifier(modifier)
        }
        _ => {
            summary.quarantined_rows += 1;
            summary.quarantined_records += 1;
            Record::Quarantined(QuarantinedRecord {
                source: RecordLocation::Pointer(pointer),
                part: QuarantinedPart::Whole,
                raw: RawRecord::Json(value.to_json()),
                findings: check.findings.clone(),
            })
        }
    };
    sink(record);
    reading.log.extend(check.findings);
}

/// Any fixed value: an element only has to hash the same as its repeats within one read.
const ELEMENT_HASH_SEED: u64 = 0x5eed_0fc5_a7a1_2000;

/// What `walk` does with the elements of the two arrays.
enum Elements<'a, 'r, 's> {
    /// Skims them, passing on every property name in them (at any depth); the other root
    /// fields are kept.
    Keys(&'a mut dyn FnMut(&str)),
    /// Builds each one and passes it on; the other root fields are skipped.
    Values(&'a mut Streaming<'r, 's>),
    /// Keeps the root fields up to the first array, which must be the items, and starts the data
    /// with them; if they do not decide the header, the walk stops there (`Walked::undecided`),
    /// else the elements are built and passed on as by `Values`. A root field after the data then
    /// fails the walk with `IngestError::ReadAgain`: the header passed on lacked it.
    OnePass(&'a mut Streaming<'r, 's>),
}

/// Walks the document: root fields other than the two arrays are kept (when skimming the
/// elements, or in one pass before the data) or skipped; each element of the arrays goes to
/// `elements`.
fn walk(
    reader: &mut dyn Read,
    encoding: TextEncoding,
    strip_nul: bool,
    mut elements: Elements<'_, '_, '_>,
) -> Result<Walked, IngestError> {
    let mut keep_root = !matches!(elements, Elements::Values(_));
    let mut lexer = Lexer::new(Decoded::new(reader, encoding, strip_nul));
    let wrapped = lexer.peek_token()? == Some(b'[');
    if wrapped {
        lexer.expect(b'[')?;
    }
    if lexer.peek_token()? != Some(b'{') {
        return Err(IngestError::NotAPriceFile(
            "JSON whose root is not an object".into(),
        ));
    }
    lexer.expect(b'{')?;
    let mut walked = Walked {
        root: Vec::new(),
        keys: Vec::new(),
        wrapped,
        undecided: false,
    };
    let mut first = true;
    while let Some(key) = lexer.next_key(&mut first)? {
        walked.keys.push(key.to_string());
        let array = match &*key {
            ITEMS => Some(Array::Items),
            MODIFIERS => Some(Array::Modifiers),
            _ => None,
        };
        match array {
            Some(array) if lexer.peek_token()? == Some(b'[') => {
                if let Elements::OnePass(streaming) = &mut elements
                    && keep_root
                {
                    if array != Array::Items || !streaming.start(&walked)? {
                        walked.undecided = true;
                        return Ok(walked);
                    }
                    keep_root = false;
                }
                lexer.expect(b'[')?;
                let mut first_element = true;
                let mut index = 0;
                while lexer.next_element(&mut first_element)? {
                    match &mut elements {
                        Elements::Keys(on_key) => lexer.skim(*on_key)?,
                        Elements::Values(streaming) | Elements::OnePass(streaming) => {
                            streaming.element(array, index, lexer.value()?)
                        }
                    }
                    index += 1;
                }
            }
            _ if keep_root && (array.is_some() || ROOT_KEYS.contains(&&*key)) => {
                let value = lexer.value()?;
                walked.root.push((key, value));
            }
            _ if matches!(elements, Elements::OnePass(_))
                && (array.is_some() || ROOT_KEYS.contains(&&*key)) =>
            {
                return Err(IngestError::ReadAgain);
            }
            _ => lexer.skip()?,
        }
    }
    // One pass that never reached the items (a document without them) gave nothing yet.
    walked.undecided = matches!(elements, Elements::OnePass(_)) && keep_root;
    if wrapped {
        match lexer.peek_token()? {
            Some(b']') => lexer.expect(b']')?,
            Some(b',') => return Err(IngestError::ConcatenatedJson(lexer.offset())),
            _ => return Err(lexer.error("expected ']' closing the wrapping array")),
        }
    }
    match lexer.peek_token()? {
        None => Ok(walked),
        Some(b'{' | b'[') => Err(IngestError::ConcatenatedJson(lexer.offset())),
        Some(_) => Err(lexer.error("unexpected text after the document")),
    }
}

#[cfg(test)]
mod tests {
    use priceline_domain::{RecordLocation, TemplateVersion};

    use crate::{IngestError, JsonPasses, ReadOptions, ReadReport, Record, source};

    fn read_text(text: &str) -> Result<(Vec<Record>, ReadReport), IngestError> {
        read_in(text, JsonPasses::Two)
    }

    fn read_in(
        text: &str,
        json_passes: JsonPasses,
    ) -> Result<(Vec<Record>, ReadReport), IngestError> {
        let document = source::from_bytes("test.json", text.as_bytes().to_vec())?.remove(0);
        let mut records = Vec::new();
        let options = ReadOptions {
            json_passes,
            ..ReadOptions::default()
        };
        let report = crate::read(&document, &options, &mut |record| records.push(record))?;
        assert!(report.summary.balanced(), "{:?}", report.summary);
        Ok((records, report))
    }

    /// The root fields of a v3 file laid out as the CMS template lays it out: all before the data.
    fn v3_root_first(items: &str) -> String {
        format!(
            r#"{{"hospital_name":"West Mercy","last_updated_on":"2026-04-01","version":"3.0.0","location_name":["A"],"hospital_address":["1 Main St"],"type_2_npi":["0000000001"],"license_information":{{"state":"CA","license_number":"5"}},"attestation":{{"attestation":"{}","confirm_attestation":true,"attester_name":"Leigh"}},"standard_charge_information":[{items}],"modifier_information":[]}}"#,
            crate::detect::ATTESTATION
        )
    }

    #[test]
    fn one_pass_gives_what_two_passes_give() {
        for text in [
            v3_root_first(&format!("{ITEM},{BAD_ITEM}")),
            // Root fields after the data: nothing decides the header before it, so one pass
            // falls back to two by itself.
            v3_root(&format!("{ITEM},{BAD_ITEM}")),
            // No items at all: the header still comes, from the whole root.
            "{}".to_owned(),
            v3_root_first("").replace(r#""standard_charge_information":[],"#, ""),
        ] {
            let (records, report) = read_in(&text, JsonPasses::One).unwrap();
            let (expected_records, expected_report) = read_text(&text).unwrap();
            // The same records, the header's import time aside.
            let (Record::Header(header), Record::Header(expected)) =
                (&records[0], &expected_records[0])
            else {
                panic!("header first")
            };
            assert_eq!(header.facility, expected.facility);
            assert_eq!(header.file.template_version, expected.file.template_version);
            assert_eq!(records[1..], expected_records[1..]);
            assert_eq!(report.summary, expected_report.summary);
            assert_eq!(report.findings, expected_report.findings);
        }
    }

    #[test]
    fn one_pass_asks_for_two_when_root_fields_follow_the_data() {
        let text = v3_root_first(ITEM).replacen(r#""hospital_name":"West Mercy","#, "", 1);
        let text = format!(
            "{},\"hospital_name\":\"West Mercy\"}}",
            &text[..text.len() - 1]
        );
        assert!(matches!(
            read_in(&text, JsonPasses::One),
            Err(IngestError::ReadAgain)
        ));
        let (records, report) = read_text(&text).unwrap();
        let Record::Header(header) = &records[0] else {
            panic!("header first")
        };
        assert_eq!(header.facility.hospital_name, "West Mercy");
        assert_eq!(report.findings.errors, 0, "{:?}", report.findings.findings);
    }

    #[test]
    fn one_pass_still_refuses_broken_documents_at_their_end() {
        let text = v3_root_first(ITEM);
        let cut = text.find("payers_information").unwrap();
        assert!(matches!(
            read_in(&text[..cut], JsonPasses::One),
            Err(IngestError::BrokenJson(_))
        ));
        assert!(matches!(
            read_in(&format!("{text}{text}"), JsonPasses::One),
            Err(IngestError::ConcatenatedJson(_))
        ));
    }

    #[test]
    fn a_methodology_off_the_list_keeps_its_rate_with_its_text() {
        let item = ITEM.replace("\"fee schedule\"", "\"Per-Diem\"");
        let unknown = ITEM
            .replace("MRI", "CT")
            .replace("\"fee schedule\"", "\"capitation\"");
        let (records, report) = read_text(&v3_root_first(&format!("{item},{unknown}"))).unwrap();
        let rates: Vec<_> = records
            .iter()
            .filter_map(|record| match record {
                Record::Item(item) => Some(&item.standard_charges[0].payer_rates[0]),
                _ => None,
            })
            .map(|rate| (rate.methodology, rate.raw_values[0].raw.as_str()))
            .collect();
        use priceline_domain::Methodology;
        assert_eq!(
            rates,
            [
                (Some(Methodology::PerDiem), "Per-Diem"),
                (Some(Methodology::Unknown), "capitation")
            ]
        );
        assert_eq!(report.summary.quarantined_records, 0);
        assert_eq!(report.findings.by_rule["AllowedValuesError"], 2);
    }

    const ITEM: &str = r#"{"description":"MRI","code_information":[{"code":"70551","type":"CPT"}],"standard_charges":[{"setting":"outpatient","gross_charge":1200.50,"minimum":250,"maximum":400,"modifier_code":["50"],"payers_information":[{"payer_name":"Aetna","plan_name":"PPO","methodology":"fee schedule","standard_charge_dollar":400}]}]}"#;
    const BAD_ITEM: &str = r#"{"description":"CT","code_information":[{"code":"74150","type":"CPT"}],"standard_charges":[{"setting":"outpatient","gross_charge":-5}]}"#;

    fn v3_root(items: &str) -> String {
        format!(
            r#"{{"standard_charge_information":[{items}],"hospital_name":"West Mercy","last_updated_on":"2026-04-01","version":"3.0.0","location_name":["A"],"hospital_address":["1 Main St"],"type_2_npi":["0000000001"],"license_information":{{"state":"CA","license_number":"5"}},"attestation":{{"attestation":"{}","confirm_attestation":true,"attester_name":"Leigh"}}}}"#,
            crate::detect::ATTESTATION
        )
    }

    #[test]
    fn root_fields_after_the_array_are_read_and_items_streamed() {
        let (records, report) = read_text(&v3_root(&format!("{ITEM},{BAD_ITEM}"))).unwrap();
        let Record::Header(header) = &records[0] else {
            panic!("header first")
        };
        assert_eq!(header.facility.hospital_name, "West Mercy");
        assert_eq!(header.file.template_version, Some(TemplateVersion::V3_0));
        let Record::Item(item) = &records[1] else {
            panic!("item")
        };
        let charge = &item.standard_charges[0];
        assert_eq!(
            charge.gross.map(|gross| gross.to_micros()),
            Some(1_200_500_000)
        );
        assert_eq!(charge.modifiers, ["50"]);
        assert_eq!(
            charge.source,
            RecordLocation::Pointer("/standard_charge_information/0/standard_charges/0".into())
        );
        let Record::Quarantined(bad) = &records[2] else {
            panic!("quarantined")
        };
        assert!(matches!(&bad.raw, crate::RawRecord::Json(text) if text.contains("-5")));
        assert_eq!(
            bad.findings[0].location,
            "/standard_charge_information/1/standard_charges/0/gross_charge"
        );
        assert_eq!(report.findings.errors, 1, "{:?}", report.findings.findings);
    }

    #[test]
    fn a_repeated_element_is_found_anywhere_and_kept_once() {
        let other = ITEM.replace("Aetna", "Cigna");
        let (records, report) = read_text(&v3_root(&format!(
            "{ITEM},{BAD_ITEM},{other},{ITEM},{other}"
        )))
        .unwrap();
        let items = records
            .iter()
            .filter(|record| matches!(record, Record::Item(_)))
            .count();
        assert_eq!(items, 2, "MRI with Aetna and with Cigna, once each");
        assert_eq!(report.summary.duplicate_rows, 2);
        let repeats: Vec<(&str, &str)> = report
            .findings
            .findings
            .iter()
            .filter(|finding| finding.rule == "duplicate-row")
            .map(|finding| (finding.location.as_str(), finding.message.as_str()))
            .collect();
        assert_eq!(
            repeats,
            [
                (
                    "/standard_charge_information/3",
                    "exact repeat of /standard_charge_information/0; kept once"
                ),
                (
                    "/standard_charge_information/4",
                    "exact repeat of /standard_charge_information/2; kept once"
                ),
            ]
        );
        assert!(report.summary.balanced(), "{:?}", report.summary);
    }

    #[test]
    fn refuses_truncated_and_concatenated_documents_before_any_record() {
        let text = v3_root(ITEM);
        assert!(matches!(
            read_text(&text[..text.len() - 10]),
            Err(IngestError::BrokenJson(_))
        ));
        assert!(matches!(
            read_text(&format!("{text}{text}")),
            Err(IngestError::ConcatenatedJson(_))
        ));
        assert!(matches!(
            read_text(&format!("{text} x")),
            Err(IngestError::BrokenJson(_))
        ));
        assert!(matches!(
            read_text(r#"{"charges":[1]}"#),
            Err(IngestError::Legacy(_))
        ));
        assert!(matches!(
            read_text(r#"{"$schema":"http://json-schema.org/draft-07/schema#","type":"object"}"#),
            Err(IngestError::NotAPriceFile(_))
        ));
    }

    #[test]
    fn tolerates_a_root_wrapped_in_an_array() {
        let (records, report) = read_text(&format!("[{}]", v3_root(ITEM))).unwrap();
        assert_eq!(records.len(), 2);
        assert!(
            report
                .findings
                .by_rule
                .contains_key("root-wrapped-in-array")
        );
    }

    #[test]
    fn v3_conditionals_are_reported_at_the_payer() {
        let item = r#"{"description":"ER","code_information":[{"code":"99283","type":"CPT"}],"standard_charges":[{"setting":"outpatient","gross_charge":4000,"payers_information":[{"payer_name":"A","plan_name":"B","methodology":"other","standard_charge_percentage":80}]}]}"#;
        let (_, report) = read_text(&v3_root(item)).unwrap();
        let at = "/standard_charge_information/0/standard_charges/0/payers_information/0";
        let found: Vec<(&str, &str)> = report
            .findings
            .findings
            .iter()
            .map(|f| (f.rule.as_str(), f.location.as_str()))
            .collect();
        for rule in [
            "OtherMethodologyNotesError",
            "PercentageAlgorithmCountError",
            "PercentageAlgorithmMedianError",
            "PercentageAlgorithm10thError",
            "PercentageAlgorithm90thError",
        ] {
            assert!(found.contains(&(rule, at)), "{rule} in {found:?}");
        }
    }
}
