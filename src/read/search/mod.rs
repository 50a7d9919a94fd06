//! Full-text search over every text the hub serves about a city: the city's names, sources,
//! plans with their sections, policies (and their role divisions), measures and items,
//! ordinances and their articles, indicators and their values' notes, observations,
//! programmes, activities, proposals, bodies, meetings and support centres. Text served under
//! a parent (an agenda, a schedule cell, a body's yearly note) is in the parent's document.
//!
//! Each searchable record has one row in `search_documents`, rebuilt in the same transaction
//! that writes the record (an import rebuilds the whole municipality), so the index cannot
//! drift from what it indexes.
//! Matching is by substring, accelerated by character trigrams (see the migration): a word
//! such as 防災 or 研修 has no spaces around it in Japanese, so word tokenizers would miss it.
//!
//! [`index`] keeps the documents (writes and imports call it); [`query`] finds, ranks and
//! pages them (the GraphQL `search` field calls it).

pub mod index;
pub mod query;
