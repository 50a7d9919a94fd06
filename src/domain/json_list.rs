//! Lists stored as JSON text in one column: a meeting's speakers, a body's duties, a plan
//! item's departments and targets. They are read and written whole and never queried by
//! entry, so a table of their own would buy joins and nothing else. The importer writes them,
//! the API writes and reads them; all go through here so that the column holds one encoding.

use serde::Serialize;
use serde::de::DeserializeOwned;

/// The column text for a list: a JSON array.
pub fn encode<T: Serialize>(items: &[T]) -> String {
    // Texts and vocabulary names always serialise; the empty list is the only sane fallback
    // for a type that one day might not.
    serde_json::to_string(items).unwrap_or_else(|_| "[]".to_owned())
}

/// The list a column holds.
pub fn decode<T: DeserializeOwned>(text: &str) -> Result<Vec<T>, serde_json::Error> {
    serde_json::from_str(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ActorType;

    #[test]
    fn texts_and_vocabulary_round_trip() {
        let texts = vec!["防災訓練".to_owned(), "a \"quoted\" one".to_owned()];
        let column = encode(&texts);
        assert_eq!(column, r#"["防災訓練","a \"quoted\" one"]"#);
        assert_eq!(decode::<String>(&column).ok(), Some(texts));
        let actors = [ActorType::Citizen, ActorType::CivicGroup];
        assert_eq!(encode(&actors), r#"["CITIZEN","CIVIC_GROUP"]"#);
        assert_eq!(
            decode::<ActorType>(&encode(&actors)).ok(),
            Some(actors.to_vec())
        );
        assert_eq!(encode::<String>(&[]), "[]");
        assert!(decode::<String>("not json").is_err());
    }
}
