//! The kinds of charge, as parameters and in bodies: the domain's [`ChargeKind`] under its
//! `snake_case` name.

use std::borrow::Cow;

use priceline_domain::ChargeKind;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

/// The names of `kinds`, in their order, for serde's "expected one of" message.
const fn names<const N: usize>(kinds: [ChargeKind; N]) -> [&'static str; N] {
    let mut names = [""; N];
    let mut index = 0;
    while index < N {
        names[index] = kinds[index].as_str();
        index += 1;
    }
    names
}

const ALL_NAMES: [&str; 7] = names(ChargeKind::ALL);
const DOLLAR_NAMES: [&str; 5] = names(ChargeKind::DOLLAR);

/// One of `kinds` by its exact name; any other text is refused with serde's own message (as a
/// derived enum would).
fn one_of<'de, D: Deserializer<'de>>(
    deserializer: D,
    kinds: &[ChargeKind],
    names: &'static [&'static str],
) -> Result<Option<ChargeKind>, D::Error> {
    let text = Cow::<'de, str>::deserialize(deserializer)?;
    kinds
        .iter()
        .copied()
        .find(|kind| kind.as_str() == text)
        .map(Some)
        .ok_or_else(|| serde::de::Error::unknown_variant(&text, names))
}

/// Any kind of charge, for `#[serde(default, deserialize_with = "…")]` on an `Option<ChargeKind>`.
pub fn any_kind<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<ChargeKind>, D::Error> {
    one_of(deserializer, &ChargeKind::ALL, &ALL_NAMES)
}

/// A dollar kind (what facilities are ranked by), as [`any_kind`].
pub fn dollar_kind<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<ChargeKind>, D::Error> {
    one_of(deserializer, &ChargeKind::DOLLAR, &DOLLAR_NAMES)
}

fn schema(names: &[&'static str], description: &str) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .enum_values(Some(names.iter().copied()))
        .into()
}

/// A kind of charge in a body, and the schema of every kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChargeKindView(pub ChargeKind);

impl Serialize for ChargeKindView {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0.as_str())
    }
}

impl utoipa::PartialSchema for ChargeKindView {
    fn schema() -> RefOr<Schema> {
        schema(&ALL_NAMES, "A kind of charge a file states.")
    }
}

impl utoipa::ToSchema for ChargeKindView {}

/// The schema of a dollar kind, for `#[param(inline, value_type = ..)]`.
pub struct DollarKindName;

impl utoipa::PartialSchema for DollarKindName {
    fn schema() -> RefOr<Schema> {
        schema(
            &DOLLAR_NAMES,
            "The dollar kinds facilities can be ranked by.",
        )
    }
}

impl utoipa::ToSchema for DollarKindName {}
