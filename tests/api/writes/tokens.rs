//! Tokens: a request without a valid one writes nothing (issue 4), and the command line
//! creates, lists and revokes them. Tokens that end (issue 10): a token made with an expiry
//! stops working then, with a 401 that says when; a rotated token's successor works at once and
//! the old one only for its grace period; both hold even for a token whose secret the hub has
//! already verified and cached.

use std::time::Duration;

use chrono::Utc;
use kyodo_hub::domain::TokenRole;
use kyodo_hub::write::auth;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
use serde_json::json;

use super::{CHANGES, HOFU, TOYONAKA, UPSERT, changes_as};
use crate::db_tests;
use crate::helpers::{Backend, TestApp, cli};

/// Needs a Hofu token (its audit trail is not public), so a 200 proves the token was accepted.
const TRAIL: &str = r#"{ changes(municipality: "352063", first: 1) { totalCount } }"#;

/// The status and message of a request with `token`.
async fn refusal(app: &TestApp, token: &str) -> (u16, String, String) {
    let (status, body) = app.post_as(token, TRAIL, json!({})).await;
    (
        status,
        body["errors"][0]["extensions"]["code"]
            .as_str()
            .unwrap_or("")
            .to_owned(),
        body["errors"][0]["message"]
            .as_str()
            .unwrap_or("")
            .to_owned(),
    )
}

fn id_of(secret: &str) -> i32 {
    secret
        .strip_prefix("khub_")
        .and_then(|r| r.split_once('_'))
        .and_then(|(id, _)| id.parse().ok())
        .expect("token shape")
}

async fn an_expired_token_is_refused_saying_when_it_expired(b: Backend) {
    // Arrange: one token that ended an hour ago, one that ends in an hour.
    let app = TestApp::spawn(&b).await;
    let ended = Utc::now() - chrono::Duration::hours(1);
    let expired =
        auth::create_expiring(&app.db, Some(HOFU), TokenRole::Editor, "Hofu", Some(ended))
            .await
            .expect("create");
    let later = Utc::now() + chrono::Duration::hours(1);
    let current =
        auth::create_expiring(&app.db, Some(HOFU), TokenRole::Viewer, "Hofu", Some(later))
            .await
            .expect("create");

    // Act
    let (status, code, message) = refusal(&app, &expired.secret).await;

    // Assert: 401 naming the token and the time; the unexpired one works.
    assert_eq!(
        (status, code.as_str()),
        (401, "UNAUTHENTICATED"),
        "{message}"
    );
    assert_eq!(
        message,
        format!(
            "token {} expired at {}; ask for a new one (`kyodo-hub token rotate {}` or `token create`)",
            expired.token.id,
            auth::show_time(ended),
            expired.token.id
        )
    );
    app.data_as(&current.secret, TRAIL, json!({})).await;

    // A token whose secret is verified and cached stops as soon as its row says it ended.
    let mut row: entity::api_tokens::ActiveModel = current.token.clone().into();
    row.expires_at = Set(Some(Utc::now() - chrono::Duration::seconds(1)));
    row.update(&app.db).await.expect("expire");
    let (status, _, message) = refusal(&app, &current.secret).await;
    assert_eq!(status, 401, "{message}");
    assert!(message.contains("expired at"), "{message}");
}

async fn a_rotated_token_works_and_the_old_one_only_during_its_grace(b: Backend) {
    // Arrange: an editor token that has been used (so its secret is cached).
    let app = TestApp::spawn(&b).await;
    let first = app
        .token(Some(HOFU), "EDITOR", "Hofu citizen activities section")
        .await;
    app.data_as(&first, TRAIL, json!({})).await;

    // Act: rotate with an hour's grace.
    let rotated = auth::rotate(&app.db, id_of(&first), Duration::from_secs(3600), None)
        .await
        .expect("rotate");

    // Assert: both work; the new one has the same role, municipality and label.
    app.data_as(&rotated.new.secret, TRAIL, json!({})).await;
    app.data_as(&first, TRAIL, json!({})).await;
    let new = &rotated.new.token;
    assert_eq!(
        (
            new.role.as_str(),
            new.municipality_code.as_deref(),
            new.label.as_str()
        ),
        ("EDITOR", Some(HOFU), "Hofu citizen activities section")
    );
    assert_eq!(
        new.expires_at, None,
        "the old token had no end, nor has the new one"
    );
    let grace_end = rotated.old.expires_at.expect("grace end");
    let hour = (grace_end - Utc::now()).num_seconds();
    assert!((3590..=3600).contains(&hour), "{hour}");
    assert_eq!(rotated.old.replaced_by, Some(new.id));
    assert!(
        auth::status(&rotated.old, Utc::now()).starts_with("active until "),
        "{}",
        auth::status(&rotated.old, Utc::now())
    );

    // A token rotated two hours ago with an hour's grace has stopped, cached or not.
    let second = app.token(Some(HOFU), "EDITOR", "Hofu council office").await;
    app.data_as(&second, TRAIL, json!({})).await;
    let two_hours_ago = Utc::now() - chrono::Duration::hours(2);
    let past = auth::rotate_at(
        &app.db,
        id_of(&second),
        Duration::from_secs(3600),
        None,
        two_hours_ago,
    )
    .await
    .expect("rotate");
    let (status, code, message) = refusal(&app, &second).await;
    assert_eq!((status, code.as_str()), (401, "UNAUTHENTICATED"));
    assert_eq!(
        message,
        format!(
            "token {} expired at {}: it was rotated, and token {} replaces it",
            id_of(&second),
            auth::show_time(two_hours_ago + chrono::Duration::hours(1)),
            past.new.token.id
        )
    );
    app.data_as(&past.new.secret, TRAIL, json!({})).await;

    // With no grace the old token stops at once.
    let third = auth::rotate(&app.db, new.id, Duration::ZERO, None)
        .await
        .expect("rotate");
    let (status, _, message) = refusal(&app, &rotated.new.secret).await;
    assert_eq!(status, 401);
    assert!(
        message.contains(&format!(
            "(rotated: token {} replaces it)",
            third.new.token.id
        )),
        "{message}"
    );
    app.data_as(&third.new.secret, TRAIL, json!({})).await;

    // A rotated or revoked token is not rotated again.
    let again = auth::rotate(&app.db, id_of(&first), Duration::ZERO, None).await;
    let e = again.err().expect("already rotated").to_string();
    assert_eq!(
        e,
        format!(
            "token {} was already rotated to token {}; rotate that one",
            id_of(&first),
            new.id
        )
    );
    auth::revoke(&app.db, third.new.token.id)
        .await
        .expect("revoke");
    let e = auth::rotate(&app.db, third.new.token.id, Duration::ZERO, None)
        .await
        .err()
        .expect("revoked")
        .to_string();
    assert!(e.contains("a revoked token is not rotated"), "{e}");

    // A token made to last 90 days is replaced by one that lasts 90 days.
    let ninety = auth::create_expiring_in(
        &app.db,
        Some(HOFU),
        TokenRole::Viewer,
        "Hofu",
        Duration::from_secs(90 * 86_400),
    )
    .await
    .expect("create");
    let renewed = auth::rotate(&app.db, ninety.token.id, auth::DEFAULT_GRACE, None)
        .await
        .expect("rotate");
    let lifetime = renewed.new.token.expires_at.expect("end") - renewed.new.token.created_at;
    assert_eq!(lifetime.num_days(), 90);
}

async fn tokens_expire_and_rotate_on_the_command_line(b: Backend) {
    // Arrange
    let app = TestApp::spawn(&b).await;

    // Act: a token for 90 days.
    let (ok, first, stderr) = cli(
        &app,
        &[
            "token",
            "create",
            "--municipality",
            HOFU,
            "--role",
            "editor",
            "--label",
            "Hofu",
            "--expires-in",
            "90d",
        ],
    );

    // Assert: it works, and says when it ends.
    assert!(ok, "{stderr}");
    let id = id_of(&first);
    let end = auth::show_time(
        entity::api_tokens::Entity::find_by_id(id)
            .one(&app.db)
            .await
            .expect("read")
            .and_then(|t| t.expires_at)
            .expect("an end"),
    );
    assert!(
        stderr.contains(&format!(
            "created token {id} (Hofu, editor of {HOFU}, expires {end})"
        )),
        "{stderr}"
    );
    app.data_as(&first, TRAIL, json!({})).await;
    let (ok, listed, _) = cli(&app, &["token", "list"]);
    assert!(
        ok && listed.contains(&format!("{id}\teditor\t{HOFU}\tactive until {end}\tHofu")),
        "{listed}"
    );

    // Rotate with the default grace: both work, the list says which replaced which.
    let (ok, second, stderr) = cli(&app, &["token", "rotate", &id.to_string()]);
    assert!(ok, "{stderr}");
    assert!(
        stderr.contains(&format!("rotated token {id}: it keeps working until ")),
        "{stderr}"
    );
    assert!(stderr.contains("shown only this once"), "{stderr}");
    app.data_as(&second, TRAIL, json!({})).await;
    app.data_as(&first, TRAIL, json!({})).await;
    let (_, listed, _) = cli(&app, &["token", "list"]);
    assert!(
        listed.contains(&format!("(rotated to {})\tHofu", id_of(&second))),
        "{listed}"
    );

    // Rotate with --grace 0: the old one stops at once.
    let (ok, third, stderr) = cli(
        &app,
        &[
            "token",
            "rotate",
            &id_of(&second).to_string(),
            "--grace",
            "0",
        ],
    );
    assert!(ok, "{stderr}");
    assert!(stderr.contains("it was revoked at once"), "{stderr}");
    let (status, _, message) = refusal(&app, &second).await;
    assert_eq!(status, 401, "{message}");
    app.data_as(&third, TRAIL, json!({})).await;

    // Bad durations and ids are named.
    for (args, expected) in [
        (
            vec![
                "token",
                "create",
                "--role",
                "admin",
                "--label",
                "x",
                "--expires-in",
                "90x",
            ],
            "expected a duration such as 90d, 12h, 30m, 2w or 1h30m",
        ),
        (
            vec![
                "token",
                "create",
                "--role",
                "admin",
                "--label",
                "x",
                "--expires-in",
                "0",
            ],
            "--expires-in: a token must last longer than 0",
        ),
        (
            vec![
                "token",
                "create",
                "--role",
                "admin",
                "--label",
                "x",
                "--expires-in",
                "900000y",
            ],
            "--expires-in: at most",
        ),
        (vec!["token", "rotate", "4242"], "no token with id 4242"),
        (
            vec!["token", "rotate", &id.to_string()],
            "was already rotated to token",
        ),
    ] {
        let (ok, _, stderr) = cli(&app, &args);
        assert!(!ok, "{args:?} succeeded");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}

async fn missing_malformed_unknown_and_revoked_tokens_are_refused(b: Backend) {
    // Arrange
    let app = TestApp::spawn(&b).await;
    let editor = app.token(Some(HOFU), "EDITOR", "Hofu").await;
    let viewer = app.token(Some(HOFU), "VIEWER", "Hofu council office").await;
    let upsert = json!({ "i": { "municipality": HOFU, "metric": "promotion_officers", "fiscalYear": 2030, "value": 1 } });
    let before = app.fingerprint().await;

    // No token: reads work, writes and the audit trail do not.
    let errors = app.errors(UPSERT, upsert.clone()).await;
    assert_eq!(errors[0].0, "UNAUTHENTICATED", "{errors:?}");
    let errors = app.errors(CHANGES, json!({})).await;
    assert_eq!(errors[0].0, "UNAUTHENTICATED");

    // Malformed, unknown, wrong secret: 401 before anything runs.
    let (id, secret) = editor
        .strip_prefix("khub_")
        .and_then(|r| r.split_once('_'))
        .expect("token shape");
    let wrong_secret = format!("khub_{id}_{}", "A".repeat(secret.len()));
    for bad in [
        "not-a-token".to_owned(),
        format!("khub_{id}"),
        format!("khub_x_{secret}"),
        format!("khub_9999_{secret}"),
        wrong_secret,
    ] {
        let (status, body) = app.post_as(&bad, UPSERT, upsert.clone()).await;
        assert_eq!(status, 401, "{bad}: {body}");
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
            "{bad}"
        );
    }
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("authorization", format!("Basic {editor}"))
        .json(&json!({ "query": "{ metrics { code } }" }))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 401, "only Bearer is accepted");

    // A viewer reads its city's trail but writes nothing, and reads no other city's trail.
    let (code, _) = app.error_as(&viewer, UPSERT, upsert.clone()).await;
    assert_eq!(code, "FORBIDDEN");
    assert!(!changes_as(&app, &viewer, None).await.is_empty());
    let (code, message) = app
        .error_as(&viewer, CHANGES, json!({ "m": TOYONAKA }))
        .await;
    assert_eq!(code, "FORBIDDEN", "{message}");
    let (code, _) = app
        .error_as(&editor, CHANGES, json!({ "m": "toyonaka" }))
        .await;
    assert_eq!(code, "FORBIDDEN");
    assert_eq!(
        app.fingerprint().await,
        before,
        "no refused request wrote anything"
    );

    // The editor's token works until it is revoked, then stops at once.
    app.data_as(&editor, UPSERT, upsert.clone()).await;
    let token_id: i32 = id.parse().expect("id");
    kyodo_hub::write::auth::revoke(&app.db, token_id)
        .await
        .expect("revoke");
    let (status, body) = app.post_as(&editor, UPSERT, upsert).await;
    assert_eq!(status, 401);
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("revoked"),
        "{body}"
    );

    // An admin sees every city's changes.
    let admin = app.token(None, "ADMIN", "Hub operators").await;
    let all = changes_as(&app, &admin, None).await;
    let cities: std::collections::BTreeSet<&str> = all
        .iter()
        .filter_map(|c| c["municipalityCode"].as_str())
        .collect();
    assert_eq!(cities.len(), 5, "{cities:?}");
}

async fn tokens_are_created_listed_and_revoked_on_the_command_line(b: Backend) {
    // Arrange
    let app = TestApp::spawn(&b).await;

    // Act: create as the issue spells it.
    let (ok, secret, stderr) = cli(
        &app,
        &[
            "token",
            "create",
            "--municipality",
            HOFU,
            "--role",
            "editor",
            "--label",
            "Hofu citizen activities section",
        ],
    );

    // Assert: the secret works, and only its hash is stored.
    assert!(ok, "{stderr}");
    assert!(secret.starts_with("khub_"), "{secret}");
    assert!(stderr.contains("shown only this once"), "{stderr}");
    app.data_as(
        &secret,
        UPSERT,
        json!({ "i": { "municipality": HOFU, "metric": "promotion_officers", "fiscalYear": 2030, "value": 1 } }),
    )
    .await;
    let stored = kyodo_hub::write::auth::list(&app.db).await.expect("list");
    assert_eq!(stored.len(), 1);
    assert!(
        stored[0].secret_hash.starts_with("$argon2id$"),
        "{}",
        stored[0].secret_hash
    );
    // The secret is what follows `khub_<id>_`; it may hold `_` itself.
    assert!(
        !stored[0]
            .secret_hash
            .contains(secret.splitn(3, '_').nth(2).unwrap_or("-"))
    );

    let id = stored[0].id.to_string();
    let (ok, listed, _) = cli(&app, &["token", "list"]);
    assert!(
        ok && listed.contains("editor\t352063\tactive\tHofu citizen activities section"),
        "{listed}"
    );
    let (ok, out, stderr) = cli(&app, &["token", "revoke", &id]);
    assert!(ok && out.contains("revoked token"), "{out} {stderr}");
    let (status, _) = app
        .post_as(&secret, "{ metrics { code } }", json!({}))
        .await;
    assert_eq!(status, 401, "a revoked token stops at once");

    // Bad requests are named.
    for (args, expected) in [
        (
            vec!["token", "create", "--role", "editor", "--label", "x"],
            "--municipality: an editor token needs",
        ),
        (
            vec![
                "token",
                "create",
                "--municipality",
                "999999",
                "--role",
                "viewer",
                "--label",
                "x",
            ],
            "no municipality with code \"999999\"",
        ),
        (
            vec![
                "token",
                "create",
                "--municipality",
                HOFU,
                "--role",
                "admin",
                "--label",
                "x",
            ],
            "leave it out",
        ),
        (
            vec![
                "token",
                "create",
                "--municipality",
                HOFU,
                "--role",
                "owner",
                "--label",
                "x",
            ],
            "--role: expected editor, viewer or admin",
        ),
        (
            vec![
                "token",
                "create",
                "--municipality",
                HOFU,
                "--role",
                "editor",
                "--label",
                " ",
            ],
            "--label",
        ),
        (vec!["token", "revoke", "4242"], "no token with id 4242"),
    ] {
        let (ok, _, stderr) = cli(&app, &args);
        assert!(!ok, "{args:?} succeeded");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}

db_tests!(
    missing_malformed_unknown_and_revoked_tokens_are_refused,
    tokens_are_created_listed_and_revoked_on_the_command_line,
    an_expired_token_is_refused_saying_when_it_expired,
    a_rotated_token_works_and_the_old_one_only_during_its_grace,
    tokens_expire_and_rotate_on_the_command_line,
);
