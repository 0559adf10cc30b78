//! What a reader produces: one header, then items, modifiers and quarantined records in file order.

use priceline_domain::{Facility, Item, Modifier, RecordLocation, SourceFile};
use serde::{Deserialize, Serialize};

use crate::finding::Finding;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Record {
    /// Always the first record: who published the file and what the file is.
    Header(Box<FileHeader>),
    /// An item with its standard charges and payer rates, complete (a Tall file's consecutive rows
    /// of one item are grouped before the item is emitted).
    Item(Item),
    Modifier(ModifierRecord),
    /// A data row (CSV) or array element (JSON) with an error the importer could not repair, or one
    /// payer rate of a CSV row with such an error: kept verbatim with its findings, never dropped.
    Quarantined(QuarantinedRecord),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileHeader {
    pub facility: Facility,
    pub file: SourceFile,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModifierRecord {
    pub modifier: Modifier,
    /// The first row (CSV) or the element (JSON) it was read from.
    pub source: RecordLocation,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuarantinedRecord {
    pub source: RecordLocation,
    /// What was quarantined: the whole row or element, or only one payer rate of a CSV item row
    /// whose other parts (the item, its standard charge, the other payers' rates) were imported.
    pub part: QuarantinedPart,
    pub raw: RawRecord,
    pub findings: Vec<Finding>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum QuarantinedPart {
    /// The whole row (CSV) or array element (JSON).
    Whole,
    /// One payer rate of a row; `raw` still holds the whole row, and the findings name its cells.
    PayerRate {
        payer_name: String,
        plan_name: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RawRecord {
    /// The row's cells as written (trimmed, as the CMS validator reads them).
    Cells(Vec<String>),
    /// The element re-serialised from the parsed JSON; numbers and strings keep their exact text.
    Json(String),
}
