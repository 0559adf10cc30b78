//! Parameter types shared by the read operations: facility criteria, snapshot date and paging.

use chrono::NaiveDate;
use priceline_domain::{CodeType, Methodology, Npi, Setting, StateCode};
use priceline_store::queries::{FacilityFilter, Scope};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use validator::ValidationError;

/// A text enumeration with an example value.
fn text_enum(
    values: impl Iterator<Item = &'static str>,
    description: &str,
    example: &str,
) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .enum_values(Some(values))
        .examples([example])
        .into()
}

/// The 21 code types of the CMS dictionaries (any case is accepted).
pub fn code_type_schema() -> RefOr<Schema> {
    text_enum(
        CodeType::ALL.iter().map(|t| t.as_str()),
        "A CMS code type",
        "CPT",
    )
}

/// A state code as `state` takes it: one of [`StateCode::ALL`] in any case, spelled out as a pattern
/// (JSON Schema has no case-insensitive enum).
pub fn state_schema() -> RefOr<Schema> {
    let alternatives: Vec<String> = StateCode::ALL
        .iter()
        .map(|code| {
            code.chars()
                .map(|c| format!("[{}{}]", c, c.to_ascii_lowercase()))
                .collect()
        })
        .collect();
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(
            "A two-letter US state, district or territory code (any case)",
        ))
        .pattern(Some(format!("^(?:{})$", alternatives.join("|"))))
        .examples(["CA"])
        .into()
}

pub fn setting_schema() -> RefOr<Schema> {
    text_enum(
        Setting::ALL.iter().map(|s| s.as_str()),
        "A setting of care",
        "outpatient",
    )
}

/// Schema-only stand-ins for the domain enumerations, for `#[param(inline, value_type = ..)]`: unlike
/// `schema_with`, that keeps the parameter's description, example and `required`.
macro_rules! text_enum_param {
    ($($(#[$meta:meta])* $name:ident => $schema:path;)*) => {$(
        $(#[$meta])*
        pub struct $name;

        impl utoipa::PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                $schema()
            }
        }

        impl utoipa::ToSchema for $name {}
    )*};
}

text_enum_param! {
    /// A CMS code type, in the documentation.
    CodeTypeName => code_type_schema;
    /// A setting of care, in the documentation.
    SettingName => setting_schema;
    /// A contracting methodology, in the documentation.
    MethodologyName => methodology_schema;
    /// A state code, in the documentation.
    StateName => state_schema;
}

pub fn methodology_schema() -> RefOr<Schema> {
    text_enum(
        Methodology::ALL.iter().map(|m| m.as_str()),
        "A contracting methodology",
        "fee schedule",
    )
}

/// The one of `values` named exactly `text`, `names` holding their names in the same order; any other
/// text is refused with serde's own message, as a derived enum would. For parameters whose domain
/// type accepts more spellings than the API documents.
pub fn one_of<'de, D: serde::Deserializer<'de>, T: Copy>(
    deserializer: D,
    values: &[T],
    names: &'static [&'static str],
) -> Result<Option<T>, D::Error> {
    let text = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(deserializer)?;
    names
        .iter()
        .position(|name| *name == text)
        .and_then(|index| values.get(index).copied())
        .map(Some)
        .ok_or_else(|| serde::de::Error::unknown_variant(&text, names))
}

pub fn zip(value: &str) -> Result<(), ValidationError> {
    (value.len() == 5 && value.bytes().all(|b| b.is_ascii_digit()))
        .then_some(())
        .ok_or_else(|| {
            ValidationError::new("zip").with_message("expected five digits, e.g. 92832".into())
        })
}

/// The form every date parameter takes, as its 400 names it.
pub const DATE_FORM: &str = "YYYY-MM-DD";

/// `as_of` and other dates, for `#[serde(default, deserialize_with = "…")]`: chrono's own message
/// (`input contains invalid characters`) does not say what is expected, so the refusal names the
/// form and quotes the value.
pub fn date<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<NaiveDate>, D::Error> {
    let text = <String as serde::Deserialize>::deserialize(deserializer)?;
    text.parse::<NaiveDate>().map(Some).map_err(|error| {
        serde::de::Error::custom(format!(
            "{text:?} is not a date in the form {DATE_FORM}, such as 2025-01-01 ({error})"
        ))
    })
}

/// A path `{id}`: a positive whole number. Ids start at 1, so `0` or `-3` is a malformed request
/// (400 naming `id`, as the spec's `minimum: 1` says), not a search that found nothing (404).
#[derive(Debug, Clone, Copy)]
pub struct PositiveId(pub i64);

impl<'de> serde::Deserialize<'de> for PositiveId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let id = <i64 as serde::Deserialize>::deserialize(deserializer)?;
        if id < 1 {
            return Err(serde::de::Error::custom(format!(
                "{id} is below 1, the first id"
            )));
        }
        Ok(Self(id))
    }
}

pub fn scope(as_of: Option<NaiveDate>) -> Scope {
    as_of.map_or(Scope::Current, Scope::AsOf)
}

/// Declares a query struct with the facility criteria, `as_of`, `limit` and `cursor` after its own
/// fields, so every search takes them alike; `$name::facilities()` gives the store's filter.
/// `cursor` documents the cursors of the store key the operation pages by (a
/// [`crate::pagination`] type), and `cursor_example` is one of them (a cursor of another form is a
/// 400).
macro_rules! facility_filtered_query {
    (
        cursor = $cursor:ty;
        cursor_example = $cursor_example:literal;
        $(#[$meta:meta])* pub struct $name:ident { $($fields:tt)* }
    ) => {
        $(#[$meta])*
        #[derive(Debug, serde::Deserialize, utoipa::IntoParams, validator::Validate)]
        #[into_params(parameter_in = Query)]
        pub struct $name {
            $($fields)*
            /// Only this facility.
            #[param(example = 1, minimum = 1)]
            #[validate(range(min = 1))]
            pub facility_id: Option<i64>,
            /// Facility or location name contains this text (any case).
            #[param(example = "mercy", min_length = 1, max_length = 200, pattern = "^[^\\x00]*$")]
            #[validate(length(min = 1, max = 200))]
            pub facility_name: Option<String>,
            /// License state or a location's state: a two-letter code.
            #[param(inline, value_type = Option<crate::routes::params::StateName>, example = "CA")]
            pub state: Option<priceline_domain::StateCode>,
            /// City of a location's address (any case).
            #[param(example = "Fullerton", min_length = 1, max_length = 100, pattern = "^[^\\x00]*$")]
            #[validate(length(min = 1, max = 100))]
            pub city: Option<String>,
            /// Five-digit ZIP code of a location's address.
            #[param(example = "92832", pattern = "^[0-9]{5}$")]
            #[validate(custom(function = "crate::routes::params::zip"))]
            pub zip: Option<String>,
            /// A type-2 NPI of the facility: ten digits.
            #[param(value_type = Option<String>, example = "0000000001", pattern = "^[0-9]{10}$")]
            pub npi: Option<priceline_domain::Npi>,
            /// CMS Certification Number (any case).
            #[param(example = "050001", min_length = 1, max_length = 20, pattern = "^[^\\x00]*$")]
            #[validate(length(min = 1, max = 20))]
            pub ccn: Option<String>,
            /// State license number as the file gives it.
            #[param(example = "50056", min_length = 1, max_length = 50, pattern = "^[^\\x00]*$")]
            #[validate(length(min = 1, max = 50))]
            pub license_number: Option<String>,
            /// Answer from each facility's snapshot in force on this date (its latest
            /// `last_updated_on` not after it) instead of the current one.
            #[param(value_type = Option<String>, format = Date, example = "2025-01-01")]
            #[serde(default, deserialize_with = "crate::routes::params::date")]
            pub as_of: Option<chrono::NaiveDate>,
            /// Page size, 1 to 1000.
            #[param(example = 50, minimum = 1, maximum = 1000)]
            #[validate(range(min = 1, max = 1000))]
            pub limit: Option<usize>,
            /// `next_cursor` of the previous page, unchanged: the sort key of its last item, as JSON.
            #[param(inline, value_type = Option<$cursor>, example = $cursor_example)]
            pub cursor: Option<String>,
        }

        impl $name {
            pub fn facilities(&self) -> priceline_store::queries::FacilityFilter {
                crate::routes::params::facility_filter(
                    self.facility_id,
                    &self.facility_name,
                    &self.state,
                    &self.city,
                    &self.zip,
                    &self.npi,
                    &self.ccn,
                    &self.license_number,
                )
            }
        }
    };
}

pub(crate) use facility_filtered_query;

#[allow(clippy::too_many_arguments)]
pub fn facility_filter(
    facility_id: Option<i64>,
    name: &Option<String>,
    state: &Option<StateCode>,
    city: &Option<String>,
    zip: &Option<String>,
    npi: &Option<Npi>,
    ccn: &Option<String>,
    license_number: &Option<String>,
) -> FacilityFilter {
    FacilityFilter {
        facility_id,
        name: name.clone(),
        state: state.clone(),
        city: city.clone(),
        zip: zip.clone(),
        npi: npi.clone(),
        ccn: ccn.clone(),
        license_number: license_number.clone(),
    }
}
