//! Full-text search over the Japanese text of every city: plan items and sections, programmes,
//! activities, meetings' agendas, ordinance articles, indicators, bodies and support centres.
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
