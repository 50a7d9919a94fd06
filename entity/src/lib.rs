//! sea-orm models of the hub's tables, one module per table. Nothing here knows about
//! GraphQL: the API types in `kyodo_hub::graphql::types` are built from these models.

pub mod activities;
pub mod agenda_items;
pub mod api_tokens;
pub mod bodies;
pub mod body_years;
pub mod changes;
pub mod indicator_values;
pub mod indicators;
pub mod latest_observations;
pub mod measures;
pub mod meetings;
pub mod metrics;
pub mod municipalities;
pub mod observations;
pub mod ordinance_articles;
pub mod ordinances;
pub mod plan_items;
pub mod plan_sections;
pub mod plans;
pub mod policies;
pub mod policy_roles;
pub mod programs;
pub mod proposals;
pub mod region_members;
pub mod regions;
pub mod schedule_entries;
pub mod search_documents;
pub mod sources;
pub mod support_centers;
