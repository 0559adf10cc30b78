//! How serious a validation finding is.

use crate::enumeration::text_enum;

text_enum! {
    /// The CMS validator's two levels. An error makes a file non-compliant; an alert is a warning.
    Severity, "severity" {
        Error => "error",
        Alert => "alert",
    }
}
