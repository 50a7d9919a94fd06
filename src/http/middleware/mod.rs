//! What requests pass before a handler sees them: on `/graphql`, in the order the router
//! layers them, [`csrf`] (and the client's name), then [`auth`]; on every route, [`headers`]
//! (caching validators and security headers).

pub mod auth;
pub mod csrf;
pub mod headers;
