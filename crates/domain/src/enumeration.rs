//! `text_enum!`: an enumeration whose values are the spellings of a CMS data dictionary.
//!
//! Files write enumerations in any case and with stray spaces (`Inpatient`, ` BOTH`, `Per Diem`), so
//! parsing trims and ignores ASCII case; the canonical spelling is what `as_str` and serde give back.

/// What every `text_enum!` type is, for code generic over them (the importer's lenient reading).
pub trait TextEnum: Copy + PartialEq + 'static {
    /// Every value, in dictionary order.
    fn values() -> &'static [Self];
    /// The canonical CMS spelling.
    fn text(self) -> &'static str;
}

macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        $name:ident, $what:literal {
            $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every value, in dictionary order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The canonical CMS spelling.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            /// Parses a CMS spelling, ignoring ASCII case and surrounding whitespace.
            pub fn parse(text: &str) -> Result<Self, $crate::ParseError> {
                let wanted = text.trim();
                Self::ALL
                    .iter()
                    .copied()
                    .find(|value| value.as_str().eq_ignore_ascii_case(wanted))
                    .ok_or_else(|| $crate::ParseError::UnknownValue {
                        what: $what,
                        value: text.to_owned(),
                        expected: Self::ALL
                            .iter()
                            .map(|value| value.as_str())
                            .collect::<Vec<_>>()
                            .join(", "),
                    })
            }
        }

        impl $crate::TextEnum for $name {
            fn values() -> &'static [Self] {
                Self::ALL
            }
            fn text(self) -> &'static str {
                self.as_str()
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::ParseError;
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                Self::parse(text)
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <::std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                Self::parse(&text).map_err(::serde::de::Error::custom)
            }
        }
    };
}

pub(crate) use text_enum;
