//! The snapshot rule: which of a facility's files speaks for it on a given day.
//!
//! Every imported file is kept as a snapshot. A facility's current snapshot is its file with the
//! latest effective date (a tie goes to the later import); the snapshot in force on an earlier day
//! is, by the same rule, the latest file whose effective date is not after that day. The store's
//! writer (which file becomes current) and its read queries (`as of` a date) both apply it.

use chrono::{NaiveDate, NaiveDateTime};

/// The date a file speaks for: the hospital's `last_updated_on`, or the import date for a file that
/// gave none.
pub fn effective_date(last_updated_on: Option<NaiveDate>, imported_at: NaiveDateTime) -> NaiveDate {
    last_updated_on.unwrap_or(imported_at.date())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_import_date_stands_in_for_a_missing_last_updated_on() {
        let imported_at = NaiveDate::from_ymd_opt(2025, 3, 4)
            .and_then(|day| day.and_hms_opt(23, 59, 0))
            .expect("a valid timestamp");
        let stated = NaiveDate::from_ymd_opt(2024, 7, 1).expect("a valid date");
        assert_eq!(effective_date(Some(stated), imported_at), stated);
        assert_eq!(effective_date(None, imported_at), imported_at.date());
    }
}
