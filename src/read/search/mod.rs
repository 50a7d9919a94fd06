//! Full-text search over the Japanese text of every city: plan items and sections, programmes,
//! activities, meetings' agendas, ordinance articles, indicators, bodies and support centres.
//!
//! Each searchable record has one row in `search_documents`, rebuilt in the same transaction
//! that writes the record (an import rebuilds the whole municipality), so the index cannot
//! drift from what it indexes.
//! Matching is by substring, accelerated by character trigrams (see the migration): a word
//! such as 防災 or 研修 has no spaces around it in Japanese, so word tokenizers would miss it.
//!
//! `index` keeps the documents; `query` finds, ranks and pages them. The rest of the hub
//! reaches both through the names re-exported here.

mod index;
mod query;

pub use index::{reindex_municipality, reindex_records};
pub use query::{Hit, Page, search};
