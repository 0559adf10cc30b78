//! Domain types of Hospital Priceline: what a CMS hospital price transparency file says, held losslessly.
//!
//! This crate knows nothing of databases, HTTP or file parsing: it holds types, their invariants and
//! their `parse` constructors. Every enumeration of the CMS data dictionaries (v2.0–v3.0) is a type, and
//! every amount is an exact decimal: no binary floating point sits between a file and the API.

mod decimal;
mod enumeration;

pub mod api_key;
pub mod audit;
pub mod charge_kind;
pub mod code;
pub mod count;
pub mod error;
pub mod facility;
pub mod file;
pub mod identifiers;
pub mod import_job;
pub mod item;
pub mod modifier;
pub mod setting;
pub mod severity;
pub mod snapshot;

pub use api_key::{ApiKey, KeyStatus};
pub use audit::{AuditEvent, NewAuditEvent, StatusFilter};
pub use charge_kind::{ChargeKind, KindAmounts};
pub use code::{Code, CodeType};
pub use count::AllowedCount;
pub use decimal::{Amount, MAX_FRACTION_DIGITS, MICROS_PER_UNIT, Percentage, Quantity};
pub use enumeration::TextEnum;
pub use error::ParseError;
pub use facility::{ContractProvision, Facility, License, Location};
pub use file::{Attestation, FileFormat, Sha256, SourceFile, TemplateVersion};
pub use identifiers::{Ccn, Ein, Npi, StateCode};
pub use import_job::{ImportJob, JobSource, JobState};
pub use item::{DrugInfo, DrugUnitType, Item, PayerRate, RawValue, RecordLocation, StandardCharge};
pub use modifier::{Modifier, ModifierPayerInfo};
pub use setting::{BillingClass, Methodology, Setting};
pub use severity::Severity;
pub use snapshot::effective_date;
