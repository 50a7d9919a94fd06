//! Questions asked across cities: comparisons, aggregate statistics and full-text search.

pub mod compare;
pub mod latest;
pub mod search;
pub mod stats;
