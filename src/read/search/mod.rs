//! Full-text search over every text the hub serves about a city: the city's names, sources,
//! plans with their sections, policies (and their role divisions), measures and items,
//! ordinances and their articles, indicators and their values' notes, observations,
//! programmes, activities, proposals, bodies, meetings and support centres. Text served under
//! a parent (an agenda, a schedule cell, a body's yearly note) is in the parent's document.
//!
//! Each searchable record has one row in `search_documents`, rebuilt in the same transaction
//! that writes the record (an import rebuilds the whole municipality), so the documents cannot
//! drift from what they describe. Each hub process holds them in an inverted index of
//! character bigrams ([`engine`]), which follows the documents through `search_revisions`.
//! Matching is by substring of the folded text ([`normal`]: NFKC, lowercase): a word such as
//! 防災 or 研修 has no spaces around it in Japanese, so word tokenizers would miss it.
//!
//! [`index`] keeps the documents (writes and imports call it); [`engine`] matches, counts and
//! ranks them; [`query`] pages them and marks the snippets (the GraphQL `search` field calls
//! it).

pub mod engine;
pub mod index;
pub mod normal;
pub mod query;
