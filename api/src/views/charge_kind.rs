//! The kinds of charge, as parameters and in bodies: the domain's [`ChargeKind`] under its
//! `snake_case` name.

use priceline_domain::ChargeKind;
use serde::{Deserializer, Serialize, Serializer};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

use crate::routes::params::one_of;

/// The names of `kinds`, in their order, for [`one_of`].
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
