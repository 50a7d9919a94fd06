//! The `Node` interface: every record a global ID can name. The derive calls each member's
//! `id` resolver from here, which is why those are `pub(super)` while the other resolvers stay
//! private to their files.

use async_graphql::{ID, Interface};

use super::body::{Body, Meeting};
use super::indicator::{Indicator, Observation};
use super::municipality::Municipality;
use super::ordinance::Ordinance;
use super::plan::{Measure, Plan, PlanItem, PlanSection, Policy};
use super::program::{Activity, Program, Proposal};
use super::region::Region;
use super::source::Source;
use super::support_center::SupportCenter;

/// Anything with a global ID, for `node(id:)`.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID"))]
pub enum Node {
    Municipality(Municipality),
    Region(Region),
    Source(Source),
    Ordinance(Ordinance),
    Plan(Plan),
    PlanSection(PlanSection),
    Policy(Policy),
    Measure(Measure),
    PlanItem(PlanItem),
    Indicator(Indicator),
    Observation(Observation),
    Program(Program),
    Activity(Activity),
    Proposal(Proposal),
    Body(Body),
    Meeting(Meeting),
    SupportCenter(SupportCenter),
}
