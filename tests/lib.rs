//! Test support lives in `suite/`; this library is empty so the package has a target.
