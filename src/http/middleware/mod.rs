//! What every `/graphql` request passes before a handler sees it, in the order the router
//! layers them: [`csrf`] (and the client's name), then [`auth`].

pub mod auth;
pub mod csrf;
