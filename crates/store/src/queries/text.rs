//! Case-insensitive substring matching that behaves the same on SQLite and PostgreSQL.

diesel::define_sql_function! {
    /// `lower(text)`: SQLite's `LIKE` ignores ASCII case and PostgreSQL's does not, so both sides are lowered.
    fn lower(text: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// The character that escapes `%`, `_` and itself in a [`contains_pattern`].
pub(crate) const LIKE_ESCAPE: char = '\\';

/// A `LIKE` pattern matching `needle` anywhere, lower-cased, with the user's `%` and `_` taken literally.
pub(crate) fn contains_pattern(needle: &str) -> String {
    let mut pattern = String::with_capacity(needle.len() + 2);
    pattern.push('%');
    for character in needle.trim().to_lowercase().chars() {
        if matches!(character, '%' | '_' | LIKE_ESCAPE) {
            pattern.push(LIKE_ESCAPE);
        }
        pattern.push(character);
    }
    pattern.push('%');
    pattern
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_wildcards() {
        assert_eq!(contains_pattern(" 50%_Off "), "%50\\%\\_off%");
    }
}
