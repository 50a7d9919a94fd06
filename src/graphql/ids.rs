//! Opaque global IDs for `node(id:)`: the type name and the row key, base64-encoded, so that
//! clients treat them as tokens and the hub may change what is inside.

use async_graphql::ID;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

pub fn encode(type_name: &str, key: impl std::fmt::Display) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{type_name}:{key}")))
}

/// The type name and key inside a global ID, if it is one. No ID the hub made holds a NUL
/// character, and PostgreSQL refuses one in a query, so such an ID is none of the API's.
pub fn decode(id: &str) -> Option<(String, String)> {
    let bytes = URL_SAFE_NO_PAD.decode(id).ok()?;
    let text = String::from_utf8(bytes)
        .ok()
        .filter(|t| !t.contains('\0'))?;
    let (type_name, key) = text.split_once(':')?;
    Some((type_name.to_owned(), key.to_owned()))
}

/// The key inside a global ID of type `type_name`, read as a `T`; `None` for an ID of another
/// type or a key that is no `T`, which each caller answers in its own way.
pub fn key_of<T: std::str::FromStr>(id: &str, type_name: &str) -> Option<T> {
    decode(id)
        .filter(|(t, _)| t == type_name)
        .and_then(|(_, key)| key.parse().ok())
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_round_trip_and_garbage_is_none() {
        let id = super::encode("Plan", 12);
        assert_eq!(super::decode(&id), Some(("Plan".into(), "12".into())));
        assert_eq!(super::decode("not base64!"), None);
        assert_eq!(
            super::decode(&super::encode("Municipality", "35\u{0}063")),
            None
        );
        assert_eq!(
            super::key_of::<i32>(&super::encode("Plan", 12), "Plan"),
            Some(12)
        );
        assert_eq!(
            super::key_of::<i32>(&super::encode("Plan", 12), "Program"),
            None
        );
        assert_eq!(
            super::key_of::<i32>(&super::encode("Plan", "x"), "Plan"),
            None
        );
    }
}
