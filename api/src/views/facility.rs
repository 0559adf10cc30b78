//! Facilities.

use chrono::NaiveDate;
use priceline_store::queries::Place;
use priceline_store::queries::facilities::{FacilityDetail, FacilitySummary};
use serde::Serialize;
use utoipa::ToSchema;

use super::list_view;
use super::source_file::SourceFileView;

/// A location of a facility, with the parts of its address searches use.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlaceView {
    #[schema(example = "West Mercy Hospital")]
    pub name: Option<String>,
    #[schema(example = "12 Main Street, Fullerton, CA  92832")]
    pub address: Option<String>,
    #[schema(example = "Fullerton")]
    pub city: Option<String>,
    #[schema(example = "CA")]
    pub state: Option<String>,
    #[schema(example = "92832")]
    pub zip: Option<String>,
}

impl From<Place> for PlaceView {
    fn from(place: Place) -> Self {
        Self {
            name: place.name,
            address: place.address,
            city: place.city,
            state: place.state.map(|state| state.to_string()),
            zip: place.zip,
        }
    }
}

/// A facility as its snapshot in scope describes it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 1, "name": "West Mercy Hospital", "license_state": "CA", "license_number": "50056",
    "ccn": null, "ein": null, "npis": ["0000000001"], "last_updated_on": "2026-04-01", "source_file_id": 3,
    "locations": [{"name": "West Mercy Hospital", "address": "12 Main Street, Fullerton, CA  92832",
                   "city": "Fullerton", "state": "CA", "zip": "92832"}]
}))]
pub struct FacilityView {
    pub id: i64,
    pub name: String,
    pub license_state: Option<String>,
    pub license_number: Option<String>,
    pub ccn: Option<String>,
    pub ein: Option<String>,
    /// Type-2 NPIs (v3.0 files).
    pub npis: Vec<String>,
    pub locations: Vec<PlaceView>,
    /// The hospital's date of the snapshot in scope.
    pub last_updated_on: Option<NaiveDate>,
    /// The snapshot this description comes from.
    pub source_file_id: i64,
}

impl From<FacilitySummary> for FacilityView {
    fn from(facility: FacilitySummary) -> Self {
        Self {
            id: facility.id,
            name: facility.name,
            license_state: facility.license_state.map(|state| state.to_string()),
            license_number: facility.license_number,
            ccn: facility.ccn,
            ein: facility.ein,
            npis: facility.npis,
            locations: facility.places.into_iter().map(Into::into).collect(),
            last_updated_on: facility.last_updated_on,
            source_file_id: facility.source_file_id,
        }
    }
}

/// One facility, its snapshot in scope, its last rejected submission and every file it has
/// published (newest first).
#[derive(Debug, Serialize, ToSchema)]
pub struct FacilityDetailView {
    pub facility: FacilityView,
    pub snapshot: SourceFileView,
    /// The newest file that was rejected as unusable (and so did not replace the snapshot), if any.
    pub last_rejected: Option<SourceFileView>,
    pub source_files: Vec<SourceFileView>,
}

impl From<FacilityDetail> for FacilityDetailView {
    fn from(detail: FacilityDetail) -> Self {
        Self {
            facility: detail.facility.into(),
            snapshot: detail.snapshot.into(),
            last_rejected: detail.last_rejected.map(Into::into),
            source_files: detail.files.into_iter().map(Into::into).collect(),
        }
    }
}

list_view!(
    /// A page of facilities, by name.
    FacilityList,
    FacilityView
);
