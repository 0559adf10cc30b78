//! SMART on FHIR scopes (SMART App Launch 1.0 and 2.0) that grant reading price data, for clients
//! of the FHIR interface to come: `system/*.read` and `user/*.read` (1.0), and the 2.0 forms whose
//! permissions include both read and search, such as `system/*.rs` or `user/*.cruds`.
//!
//! Only the wildcard resource type counts (price data spans several FHIR resources), and only the
//! `system` (a backend service) and `user` (whatever the signed-in user may see) contexts:
//! `patient/` scopes are limited to one patient's record, which price data is not part of.

/// Whether a SMART scope grants reading every resource.
pub fn grants_read(scope: &str) -> bool {
    let Some((context, rest)) = scope.split_once('/') else {
        return false;
    };
    if context != "system" && context != "user" {
        return false;
    }
    // 2.0 allows search parameters after `?`; they narrow a scope, so a narrowed one is not ours.
    let Some(permissions) = rest.strip_prefix("*.") else {
        return false;
    };
    permissions == "read" || permissions == "*" || is_v2_read(permissions)
}

/// A 2.0 permission string: letters of `cruds`, each at most once and in that order, here with
/// both `r` and `s`.
fn is_v2_read(permissions: &str) -> bool {
    let mut order = "cruds".chars();
    let in_order = permissions
        .chars()
        .all(|letter| order.by_ref().any(|allowed| allowed == letter));
    !permissions.is_empty() && in_order && permissions.contains('r') && permissions.contains('s')
}

#[cfg(test)]
mod tests {
    use super::grants_read;

    #[test]
    fn wildcard_read_scopes_of_system_and_user_grant_reads() {
        for granted in [
            "system/*.read",
            "user/*.read",
            "system/*.rs",
            "system/*.cruds",
            "user/*.rs",
            "system/*.*",
        ] {
            assert!(grants_read(granted), "{granted}");
        }
        for refused in [
            "patient/*.read",
            "system/*.write",
            "system/*.r",
            "system/*.s",
            "system/*.sr",
            "system/*.rrs",
            "system/Observation.read",
            "system/*.rs?category=x",
            "system/*.",
            "system*.read",
            "prices:read",
        ] {
            assert!(!grants_read(refused), "{refused}");
        }
    }
}
