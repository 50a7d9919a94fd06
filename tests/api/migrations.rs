//! Migrations on both databases: the schema goes up, down and up again, and a database
//! already at the newest version is left as it is.

use sea_orm::{EntityTrait, PaginatorTrait};

use crate::db_tests;
use crate::helpers::{Backend, TestApp, TestDb};

#[tokio::test]
async fn migrations_run_up_down_and_up_again() {
    use migration::{Migrator, MigratorTrait};
    for backend in std::iter::once(Backend::Sqlite).chain(Backend::postgres()) {
        let test_db = TestDb::create(&backend).await;
        let db = kyodo_hub::db::connect(&test_db.url).await.expect("connect");
        Migrator::up(&db.conn, None).await.expect("up");
        Migrator::down(&db.conn, None).await.expect("down");
        Migrator::up(&db.conn, None).await.expect("up again");
        assert_eq!(
            entity::municipalities::Entity::find()
                .count(&db.conn)
                .await
                .expect("count"),
            0
        );
        db.conn.close().await.ok();
    }
}

/// `migrate` on a database that is already at the newest version, holding the five cities,
/// changes nothing: starting a newer hub against a live database must not disturb it.
async fn migrating_a_current_database_again_changes_nothing(b: Backend) {
    use migration::{Migrator, MigratorTrait};
    let app = TestApp::spawn(&b).await;
    let before = app.fingerprint().await;
    assert!(before.iter().any(|(_, n)| *n > 0), "{before:?}");
    Migrator::up(&app.db, None)
        .await
        .expect("up on a current database");
    assert!(
        Migrator::get_pending_migrations(&app.db)
            .await
            .expect("pending")
            .is_empty()
    );
    assert_eq!(app.fingerprint().await, before);
}

db_tests!(migrating_a_current_database_again_changes_nothing);
