//! A throwaway PostgreSQL database for tests (shared by tests/store.rs and tests/replicas.rs).

use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::Connection as _;

const DEFAULT_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
/// Databases left behind by a killed run are dropped by a later run after this long.
const LEFTOVER_AFTER_SECS: u64 = 6 * 3600;

fn admin_url() -> String {
    std::env::var("ZGW_TEST_PG_ADMIN_URL").unwrap_or_else(|_| DEFAULT_ADMIN_URL.to_owned())
}

/// A fresh database `zgw_test_<unix seconds>_<random>`, dropped (connections and all) when
/// this value is dropped, also while a failed test unwinds.
pub struct TestDatabase {
    pub name: String,
    pub url: String,
}

impl TestDatabase {
    pub async fn create() -> Self {
        let admin = admin_url();
        let mut conn = sqlx::PgConnection::connect(&admin)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL at {admin} (set ZGW_TEST_PG_ADMIN_URL to use another server): {e}"));
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        drop_leftovers(&mut conn, now).await;
        let name = format!("zgw_test_{now}_{:016x}", rand::random::<u64>());
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut conn).await.expect("CREATE DATABASE");
        let _ = conn.close().await;
        let mut url = url::Url::parse(&admin).expect("ZGW_TEST_PG_ADMIN_URL is a URL");
        url.set_path(&name);
        TestDatabase { name, url: url.to_string() }
    }
}

async fn drop_leftovers(conn: &mut sqlx::PgConnection, now: u64) {
    let names: Vec<String> = sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE 'zgw\\_test\\_%'")
        .fetch_all(&mut *conn)
        .await
        .unwrap_or_default();
    for name in names {
        let created = name.split('_').nth(2).and_then(|s| s.parse::<u64>().ok());
        if created.is_some_and(|t| t + LEFTOVER_AFTER_SECS < now) {
            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
                .execute(&mut *conn)
                .await;
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        // Drop may run inside the test's runtime: do the async work on a thread of its own.
        let (admin, name) = (admin_url(), self.name.clone());
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            runtime.block_on(async {
                let mut conn = sqlx::PgConnection::connect(&admin).await.map_err(std::io::Error::other)?;
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
                    .execute(&mut conn)
                    .await
                    .map_err(std::io::Error::other)?;
                let _ = conn.close().await;
                Ok::<_, std::io::Error>(())
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop the test database {}: {dropped:?}", self.name);
        }
    }
}
