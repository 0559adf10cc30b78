//! Resource ids, derived from store keys so that they stay the same for as long as the data they
//! name does (README, "FHIR", ids):
//!
//! | resource | id | from |
//! |---|---|---|
//! | Organization (hospital) | `hospital-{facility id}` | `facilities.id` |
//! | Organization (payer) | `payer-{plan id}` | the smallest `payer_plans.id` of the payer's name |
//! | Location | `location-{facility id}-{n}` | the facility and the n-th location (from 1) of its file |
//! | InsurancePlan | `plan-{plan id}` | `payer_plans.id` |
//! | ChargeItemDefinition | `item-{item id}-{setting}` | `items.id` and the setting of its charges |
//!
//! A ChargeItemDefinition names an item of one snapshot: when the hospital publishes a new file, its
//! items get new ids and the old ones answer 410 Gone.

use priceline_domain::Setting;
use priceline_store::queries::charge_items::ChargeItemKey;

/// An Organization: a hospital (a facility) or a payer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrganizationId {
    Hospital(i64),
    Payer(i64),
}

impl OrganizationId {
    pub fn parse(id: &str) -> Option<Self> {
        if let Some(number) = id.strip_prefix("hospital-") {
            return number_of(number).map(Self::Hospital);
        }
        id.strip_prefix("payer-")
            .and_then(number_of)
            .map(Self::Payer)
    }

    pub fn text(self) -> String {
        match self {
            Self::Hospital(id) => hospital(id),
            Self::Payer(id) => payer(id),
        }
    }
}

/// A positive whole number written without sign or leading zeros (so each id has one spelling).
fn number_of(text: &str) -> Option<i64> {
    if text.starts_with('0') || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok().filter(|n| *n > 0)
}

pub fn hospital(facility_id: i64) -> String {
    format!("hospital-{facility_id}")
}

pub fn payer(payer_id: i64) -> String {
    format!("payer-{payer_id}")
}

pub fn plan(plan_id: i64) -> String {
    format!("plan-{plan_id}")
}

pub fn parse_plan(id: &str) -> Option<i64> {
    id.strip_prefix("plan-").and_then(number_of)
}

/// `position` counts from 1.
pub fn location(facility_id: i64, position: usize) -> String {
    format!("location-{facility_id}-{position}")
}

/// The facility and the position (from 1) of a location id.
pub fn parse_location(id: &str) -> Option<(i64, usize)> {
    let (facility, position) = id.strip_prefix("location-")?.split_once('-')?;
    Some((
        number_of(facility)?,
        usize::try_from(number_of(position)?).ok()?,
    ))
}

pub fn charge_item(key: &ChargeItemKey) -> String {
    format!("item-{}-{}", key.item_id, key.setting)
}

pub fn parse_charge_item(id: &str) -> Option<ChargeItemKey> {
    let (item, setting) = id.strip_prefix("item-")?.split_once('-')?;
    let setting = Setting::parse(setting)
        .ok()
        .filter(|parsed| parsed.as_str() == setting)?;
    Some(ChargeItemKey {
        item_id: number_of(item)?,
        setting: setting.as_str().to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_read_back_as_written_and_have_one_spelling() {
        assert_eq!(
            OrganizationId::parse("hospital-12"),
            Some(OrganizationId::Hospital(12))
        );
        assert_eq!(OrganizationId::parse("payer-3").unwrap().text(), "payer-3");
        assert_eq!(OrganizationId::parse("hospital-012"), None);
        assert_eq!(OrganizationId::parse("hospital-0"), None);
        assert_eq!(OrganizationId::parse("hospital-+1"), None);
        assert_eq!(parse_location(&location(4, 2)), Some((4, 2)));
        assert_eq!(parse_plan("plan-7"), Some(7));
        let key = parse_charge_item("item-9-outpatient").unwrap();
        assert_eq!(charge_item(&key), "item-9-outpatient");
        assert_eq!(parse_charge_item("item-9-elsewhere"), None);
    }
}
