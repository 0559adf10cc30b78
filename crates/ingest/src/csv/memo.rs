//! The enumeration cells of earlier rows, remembered per column. It sits below both `columns.rs`
//! (the `Layout` holds it, since it is per column) and `row.rs` (which reads through it).

use priceline_domain::{BillingClass, CodeType, DrugUnitType, Methodology, Setting};

/// The text each enumeration column last held, and what it parsed to. Consecutive rows mostly
/// repeat their code types, setting and methodology, and comparing a few bytes is cheaper than
/// parsing again (a case-insensitive search of the value list). Only values that parsed are kept,
/// so a bad value is parsed, and reported, every time.
#[derive(Debug, Default)]
pub(crate) struct EnumMemo {
    columns: Vec<Option<(String, Parsed)>>,
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Parsed {
    Code(CodeType),
    Setting(Setting),
    Billing(BillingClass),
    Methodology(Methodology),
    DrugUnit(DrugUnitType),
}

pub(crate) trait Memoised: Copy {
    fn into_parsed(self) -> Parsed;
    fn from_parsed(parsed: Parsed) -> Option<Self>;
}

macro_rules! memoised {
    ($($type:ty => $variant:ident),*) => {$(
        impl Memoised for $type {
            fn into_parsed(self) -> Parsed {
                Parsed::$variant(self)
            }
            fn from_parsed(parsed: Parsed) -> Option<Self> {
                match parsed {
                    Parsed::$variant(value) => Some(value),
                    _ => None,
                }
            }
        }
    )*};
}
memoised!(CodeType => Code, Setting => Setting, BillingClass => Billing, Methodology => Methodology, DrugUnitType => DrugUnit);

impl EnumMemo {
    /// What `text` parsed to when column `index` last held it, if it parsed to a `T`.
    pub fn recall<T: Memoised>(&self, index: usize, text: &str) -> Option<T> {
        match self.columns.get(index) {
            Some(Some((kept, parsed))) if kept == text => T::from_parsed(*parsed),
            _ => None,
        }
    }

    /// Remembers that column `index` held `text`, which parsed to `value`.
    pub fn keep<T: Memoised>(&mut self, index: usize, text: &str, value: T) {
        if self.columns.len() <= index {
            self.columns.resize_with(index + 1, || None);
        }
        match &mut self.columns[index] {
            Some((kept, parsed)) => {
                kept.clear();
                kept.push_str(text);
                *parsed = value.into_parsed();
            }
            slot @ None => *slot = Some((text.to_owned(), value.into_parsed())),
        }
    }
}
