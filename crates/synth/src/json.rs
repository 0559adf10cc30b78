//! JSON (schema V3.0.0): the general elements first, then `standard_charge_information` with one
//! element per line, then `modifier_information`. Numbers are written as their exact decimal text.

use std::fmt::{Display, Write as _};
use std::io::{self, Write};

use crate::hospital::Hospital;
use crate::model::{AdjustmentNote, Item, ModifierDefinition, Rate};
use crate::{ATTESTATION, Layout, VERSION};

pub(crate) struct Json<W: Write> {
    out: W,
    scratch: String,
    items: u64,
}

impl<W: Write> Json<W> {
    pub fn new(out: W) -> Self {
        Self {
            out,
            scratch: String::new(),
            items: 0,
        }
    }

    /// A JSON string with the escapes RFC 8259 requires.
    fn string(&mut self, text: &str) -> io::Result<()> {
        self.out.write_all(b"\"")?;
        let mut start = 0;
        for (index, character) in text.char_indices() {
            let escape = match character {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                c if u32::from(c) < 0x20 => "",
                _ => continue,
            };
            self.out.write_all(&text.as_bytes()[start..index])?;
            if escape.is_empty() {
                write!(self.out, "\\u{:04x}", u32::from(character))?;
            } else {
                self.out.write_all(escape.as_bytes())?;
            }
            start = index + character.len_utf8();
        }
        self.out.write_all(&text.as_bytes()[start..])?;
        self.out.write_all(b"\"")
    }

    /// A displayed value as a JSON string.
    fn shown(&mut self, value: impl Display) -> io::Result<()> {
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.clear();
        // Writing into a String cannot fail.
        let _ = write!(scratch, "{value}");
        let written = self.string(&scratch);
        self.scratch = scratch;
        written
    }

    /// `,"key":` (or `"key":` first in an object).
    fn key(&mut self, first: bool, key: &str) -> io::Result<()> {
        if !first {
            self.out.write_all(b",")?;
        }
        self.string(key)?;
        self.out.write_all(b":")
    }

    /// `,"key":value` for a number when present.
    fn number(&mut self, key: &str, value: Option<impl Display>) -> io::Result<()> {
        match value {
            Some(value) => {
                self.key(false, key)?;
                write!(self.out, "{value}")
            }
            None => Ok(()),
        }
    }

    fn strings<'a>(&mut self, key: &str, values: impl Iterator<Item = &'a str>) -> io::Result<()> {
        self.key(false, key)?;
        self.out.write_all(b"[")?;
        for (index, value) in values.enumerate() {
            if index > 0 {
                self.out.write_all(b",")?;
            }
            self.string(value)?;
        }
        self.out.write_all(b"]")
    }

    fn payer(&mut self, hospital: &Hospital, rate: &Rate) -> io::Result<()> {
        let contract = &hospital.contracts[rate.contract];
        self.out.write_all(b"{")?;
        self.key(true, "payer_name")?;
        self.string(contract.payer)?;
        self.key(false, "plan_name")?;
        self.string(contract.plan)?;
        self.key(false, "methodology")?;
        self.string(rate.methodology.as_str())?;
        self.number("standard_charge_dollar", rate.dollar)?;
        self.number("standard_charge_percentage", rate.percentage)?;
        if let Some(algorithm) = rate.algorithm {
            self.key(false, "standard_charge_algorithm")?;
            self.shown(algorithm)?;
        }
        if let Some(allowed) = rate.allowed {
            self.number("median_amount", Some(allowed.median))?;
            self.number("10th_percentile", Some(allowed.p10))?;
            self.number("90th_percentile", Some(allowed.p90))?;
        }
        if let Some(count) = rate.count {
            self.key(false, "count")?;
            self.shown(count)?;
        }
        if let Some(notes) = rate.notes {
            self.key(false, "additional_payer_notes")?;
            self.string(notes)?;
        }
        self.out.write_all(b"}")
    }
}

impl<W: Write> Layout for Json<W> {
    fn begin(&mut self, hospital: &Hospital) -> io::Result<()> {
        self.out.write_all(b"{")?;
        self.key(true, "hospital_name")?;
        self.string(&hospital.name)?;
        self.key(false, "last_updated_on")?;
        self.string(&hospital.last_updated_on)?;
        self.key(false, "version")?;
        self.string(VERSION)?;
        self.strings(
            "location_name",
            hospital
                .locations
                .iter()
                .map(|location| location.name.as_str()),
        )?;
        self.strings(
            "hospital_address",
            hospital
                .locations
                .iter()
                .map(|location| location.address.as_str()),
        )?;
        self.key(false, "license_information")?;
        self.out.write_all(b"{")?;
        self.key(true, "state")?;
        self.string(hospital.license_state)?;
        self.key(false, "license_number")?;
        self.string(&hospital.license_number)?;
        self.out.write_all(b"}")?;
        self.strings("type_2_npi", hospital.npis.iter().map(String::as_str))?;
        self.key(false, "attestation")?;
        self.out.write_all(b"{")?;
        self.key(true, "attestation")?;
        self.string(ATTESTATION)?;
        self.key(false, "confirm_attestation")?;
        self.out.write_all(b"true")?;
        self.key(false, "attester_name")?;
        self.string(&hospital.attester_name)?;
        self.out.write_all(b"}")?;
        self.key(false, "standard_charge_information")?;
        self.out.write_all(b"[")
    }

    fn item(&mut self, hospital: &Hospital, item: &Item) -> io::Result<u64> {
        self.out
            .write_all(if self.items == 0 { b"\n{" } else { b",\n{" })?;
        self.items += 1;
        self.key(true, "description")?;
        self.shown(item.description())?;
        self.key(false, "code_information")?;
        self.out.write_all(b"[")?;
        for (index, (code_type, code)) in item.codes().enumerate() {
            self.out.write_all(if index == 0 { b"{" } else { b",{" })?;
            self.key(true, "code")?;
            self.shown(code)?;
            self.key(false, "type")?;
            self.string(code_type.as_str())?;
            self.out.write_all(b"}")?;
        }
        self.out.write_all(b"]")?;
        if let Some((unit, unit_type)) = item.drug() {
            self.key(false, "drug_information")?;
            write!(self.out, "{{\"unit\":{unit},\"type\":")?;
            self.string(unit_type.as_str())?;
            self.out.write_all(b"}")?;
        }
        self.key(false, "standard_charges")?;
        self.out.write_all(b"[")?;
        for (index, charge) in item.charges.iter().enumerate() {
            self.out.write_all(if index == 0 { b"{" } else { b",{" })?;
            self.key(true, "setting")?;
            self.string(charge.setting.as_str())?;
            self.number("gross_charge", charge.gross)?;
            self.number("discounted_cash", charge.cash)?;
            self.number("minimum", charge.min)?;
            self.number("maximum", charge.max)?;
            if let Some(modifier) = charge.modifier {
                self.strings("modifier_code", std::iter::once(modifier))?;
            }
            let rates = item.rates_of(charge);
            if !rates.is_empty() {
                self.key(false, "payers_information")?;
                self.out.write_all(b"[")?;
                for (index, rate) in rates.iter().enumerate() {
                    if index > 0 {
                        self.out.write_all(b",")?;
                    }
                    self.payer(hospital, rate)?;
                }
                self.out.write_all(b"]")?;
            }
            self.out.write_all(b"}")?;
        }
        self.out.write_all(b"]}")?;
        Ok(1)
    }

    fn finish(&mut self, hospital: &Hospital, modifiers: &[ModifierDefinition]) -> io::Result<u64> {
        self.out.write_all(b"\n]")?;
        if !modifiers.is_empty() {
            self.key(false, "modifier_information")?;
            self.out.write_all(b"[")?;
            for (index, modifier) in modifiers.iter().enumerate() {
                self.out
                    .write_all(if index == 0 { b"\n{" } else { b",\n{" })?;
                self.key(true, "description")?;
                self.string(modifier.description)?;
                self.key(false, "code")?;
                self.string(modifier.code)?;
                self.key(false, "setting")?;
                self.string("both")?;
                self.key(false, "modifier_payer_information")?;
                self.out.write_all(b"[")?;
                for (index, &(contract, percentage)) in modifier.adjustments.iter().enumerate() {
                    let contract = &hospital.contracts[contract];
                    self.out.write_all(if index == 0 { b"{" } else { b",{" })?;
                    self.key(true, "payer_name")?;
                    self.string(contract.payer)?;
                    self.key(false, "plan_name")?;
                    self.string(contract.plan)?;
                    self.key(false, "description")?;
                    self.shown(AdjustmentNote(percentage))?;
                    self.out.write_all(b"}")?;
                }
                self.out.write_all(b"]}")?;
            }
            self.out.write_all(b"\n]")?;
        }
        self.out.write_all(b"}\n")?;
        Ok(modifiers.len() as u64)
    }
}
