//! Field types of the dataset files whose error messages say what was expected and what was
//! found, and the bounds on text that the API's writes apply too.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

use crate::domain::fiscal_year;

/// A fiscal year: a Western year or any era spelling [`fiscal_year::parse`] accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Year(pub i32);

impl<'de> Deserialize<'de> for Year {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Year;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a fiscal year such as 2017 or \"H29\"")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Year, E> {
                fiscal_year::check_year(v).map(Year).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Year, E> {
                self.visit_i64(i64::try_from(v).unwrap_or(i64::MAX))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Year, E> {
                Err(E::custom(format!("expected a fiscal year, got {v}")))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Year, E> {
                fiscal_year::parse(v).map(Year).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

/// A count of people, sessions or groups: a non-negative integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count(pub i32);

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Count;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a non-negative integer")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Count, E> {
                i32::try_from(v)
                    .ok()
                    .filter(|v| *v >= 0)
                    .map(Count)
                    .ok_or_else(|| E::custom(format!("expected a non-negative integer, got {v}")))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Count, E> {
                self.visit_i64(i64::try_from(v).unwrap_or(-1))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Count, E> {
                Err(E::custom(format!(
                    "expected a non-negative integer, got {v}"
                )))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Count, E> {
                Err(E::custom(format!(
                    "expected a non-negative integer, got {v:?}"
                )))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Count, E> {
                Err(E::custom(format!(
                    "expected a non-negative integer, got {v}"
                )))
            }
        }
        d.deserialize_any(V)
    }
}

/// A measured or target value: any finite number.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Number(pub f64);

impl<'de> Deserialize<'de> for Number {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Number;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Number, E> {
                Ok(Number(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Number, E> {
                Ok(Number(v as f64))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Number, E> {
                if v.is_finite() {
                    Ok(Number(v))
                } else {
                    Err(E::custom(format!("expected a finite number, got {v}")))
                }
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Number, E> {
                Err(E::custom(format!("expected a number, got {v:?}")))
            }
        }
        d.deserialize_any(V)
    }
}

// ---------------------------------------------------------------------------------------------
// Text and year fields under the bounds the API's writes apply (`crate::write::validate`), checked as
// the YAML is read so that a refusal carries the line and column of the value.

pub(super) mod bounds {
    use std::fmt;

    use serde::de::{self, DeserializeSeed, Deserializer, SeqAccess, Visitor};

    use crate::write::validate::{self as v, MAX_LABEL, MAX_LIST, MAX_TEXT, MAX_TITLE};

    /// A check of one text: `None` when it passes, else the problem.
    type Check = fn(&str) -> Result<(), String>;

    fn stored(value: &str) -> Result<(), String> {
        v::unnamed(|f| v::storable(f, value))
    }

    fn title_check(value: &str) -> Result<(), String> {
        stored(value)?;
        v::unnamed(|f| v::required(f, value, MAX_TITLE)).map(drop)
    }

    fn text_check(value: &str) -> Result<(), String> {
        stored(value)?;
        v::unnamed(|f| v::required(f, value, MAX_TEXT)).map(drop)
    }

    fn label_check(value: &str) -> Result<(), String> {
        stored(value)?;
        v::unnamed(|f| v::required(f, value, MAX_LABEL)).map(drop)
    }

    fn key_check(value: &str) -> Result<(), String> {
        // The key's own message quotes the value; keep a huge one out of it.
        if value.len() > 64 {
            return Err(format!(
                "expected 1–64 characters of a–z, 0–9, - and _ (e.g. \"kyodo-teian\"), got {} characters",
                value.chars().count()
            ));
        }
        v::unnamed(|f| v::key(f, value)).map(drop)
    }

    fn url_check(value: &str) -> Result<(), String> {
        stored(value)?;
        v::unnamed(|f| v::url(f, Some(value.to_owned()))).map(drop)
    }

    /// Optional texts may be empty, as in the API, where empty counts as left out.
    fn optional(check: Check) -> impl Fn(&str) -> Result<(), String> {
        move |value| {
            if value.trim().is_empty() {
                stored(value)
            } else {
                check(value)
            }
        }
    }

    struct Text {
        check: Check,
        optional: bool,
    }

    impl<'de> Visitor<'de> for Text {
        type Value = String;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("text")
        }

        fn visit_str<E: de::Error>(self, value: &str) -> Result<String, E> {
            let result = if self.optional {
                optional(self.check)(value)
            } else {
                (self.check)(value)
            };
            result.map(|()| value.to_owned()).map_err(E::custom)
        }
    }

    impl<'de> DeserializeSeed<'de> for Text {
        type Value = String;

        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
            d.deserialize_string(self)
        }
    }

    struct Optional(Check);

    impl<'de> Visitor<'de> for Optional {
        type Value = Option<String>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("text, or nothing")
        }

        fn visit_none<E: de::Error>(self) -> Result<Option<String>, E> {
            Ok(None)
        }

        fn visit_unit<E: de::Error>(self) -> Result<Option<String>, E> {
            Ok(None)
        }

        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Option<String>, D::Error> {
            d.deserialize_string(Text {
                check: self.0,
                optional: true,
            })
            .map(Some)
        }
    }

    struct List(Check);

    impl<'de> Visitor<'de> for List {
        type Value = Vec<String>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "a list of at most {MAX_LIST} texts")
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<String>, A::Error> {
            let mut out = Vec::new();
            while let Some(value) = seq.next_element_seed(Text {
                check: self.0,
                optional: false,
            })? {
                if out.len() == MAX_LIST {
                    return Err(de::Error::custom(format!(
                        "at most {MAX_LIST} entries, got more"
                    )));
                }
                out.push(value);
            }
            Ok(out)
        }
    }

    macro_rules! text_fields {
        ($($required:ident, $optional:ident, $list:ident => $check:ident;)+) => {
            $(
                #[allow(dead_code, reason = "not every kind of text is required somewhere")]
                pub fn $required<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
                    d.deserialize_string(Text { check: $check, optional: false })
                }

                #[allow(dead_code, reason = "not every kind of text is optional somewhere")]
                pub fn $optional<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
                    d.deserialize_option(Optional($check))
                }

                #[allow(dead_code, reason = "not every kind of text comes in lists")]
                pub fn $list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
                    d.deserialize_seq(List($check))
                }
            )+
        };
    }

    text_fields! {
        title, opt_title, titles => title_check;
        text, opt_text, texts => text_check;
        label, opt_label, labels => label_check;
        key, opt_key, keys => key_check;
        url, opt_url, urls => url_check;
    }

    /// Text that may be empty but must be there, such as the body of a heading without text of
    /// its own.
    pub fn text_or_empty<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        d.deserialize_string(Text {
            check: text_check,
            optional: true,
        })
    }

    /// A calendar year such as a census year, within the years the hub accepts.
    pub fn census_year<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i32>, D::Error> {
        struct Year;
        impl Visitor<'_> for Year {
            type Value = Option<i32>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a year such as 2020")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Option<i32>, E> {
                Ok(None)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Option<i32>, E> {
                crate::domain::fiscal_year::check_year(v)
                    .map(Some)
                    .map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Option<i32>, E> {
                self.visit_i64(i64::try_from(v).unwrap_or(i64::MAX))
            }
        }
        d.deserialize_any(Year)
    }
}
