//! A throwaway PostgreSQL database for tests (shared by tests/store.rs and tests/replicas.rs).
//!
//! Where the server is, decided once per test binary:
//! 1. the server at `ZGW_TEST_PG_ADMIN_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`),
//!    when something listens there;
//! 2. else a cluster of our own, when PostgreSQL's programs are installed (`initdb` and `pg_ctl` in
//!    `ZGW_TEST_PG_BINDIR`, on PATH, or under `/usr/lib/postgresql/<version>/bin`): created in a
//!    temporary folder on a free port, and stopped and deleted when the test binary exits;
//! 3. else the PostgreSQL tests are skipped with one line saying so, except under CI (`CI=true`),
//!    where a missing server is a failure.

use std::net::{SocketAddr, TcpStream, ToSocketAddrs as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sqlx::Connection as _;

const DEFAULT_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
/// Databases left behind by a killed run are dropped by a later run after this long.
const LEFTOVER_AFTER_SECS: u64 = 6 * 3600;

/// The admin URL of the server to use, or `None` when the PostgreSQL tests are skipped.
fn admin_url() -> Option<String> {
    static SERVER: OnceLock<Option<String>> = OnceLock::new();
    SERVER.get_or_init(find_server).clone()
}

fn find_server() -> Option<String> {
    let url = std::env::var("ZGW_TEST_PG_ADMIN_URL").unwrap_or_else(|_| DEFAULT_ADMIN_URL.to_owned());
    if listening(&url) {
        return Some(url);
    }
    let started = match pg_bindir() {
        Some(bin) => own_cluster(&bin),
        None => Err("PostgreSQL is not installed (no initdb and pg_ctl on PATH or under /usr/lib/postgresql)".to_owned()),
    };
    match started {
        Ok(own) => {
            say(&format!("note: nothing listens at {url}; the PostgreSQL tests run on a throwaway cluster at {own}"));
            Some(own)
        }
        Err(why) if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI=true and no PostgreSQL server listens at {url}: {why}")
        }
        Err(why) => {
            say(&format!(
                "SKIPPED: the PostgreSQL store and replica tests (nothing listens at {url}, and {why}). \
                 Start a server there, set ZGW_TEST_PG_ADMIN_URL, or install PostgreSQL to run them."
            ));
            None
        }
    }
}

/// One line on stderr that the test harness does not capture (its capture takes only `eprintln!`).
fn say(line: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// Whether something accepts connections at the URL's host and port.
fn listening(url: &str) -> bool {
    let Ok(parsed) = url::Url::parse(url) else { return false };
    let (Some(host), port) = (parsed.host_str(), parsed.port().unwrap_or(5432)) else { return false };
    let addrs: Vec<SocketAddr> = (host, port).to_socket_addrs().map(Iterator::collect).unwrap_or_default();
    addrs.iter().any(|a| TcpStream::connect_timeout(a, Duration::from_secs(1)).is_ok())
}

/// The folder holding `initdb` and `pg_ctl`.
fn pg_bindir() -> Option<PathBuf> {
    let has_both = |dir: &Path| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();
    if let Some(dir) = std::env::var_os("ZGW_TEST_PG_BINDIR") {
        return Some(PathBuf::from(dir)).filter(|d| has_both(d));
    }
    let on_path = std::env::var_os("PATH").map(|p| std::env::split_paths(&p).collect::<Vec<_>>()).unwrap_or_default();
    let mut debian: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|entries| entries.filter_map(Result::ok).map(|e| e.path().join("bin")).collect())
        .unwrap_or_default();
    // The newest version first (numeric folder names: 9.6 < 15 < 16).
    debian.sort_by_key(|d| {
        std::cmp::Reverse(d.parent().and_then(|v| v.file_name()?.to_str()?.parse::<f64>().ok()).map(|v| (v * 10.0) as u64))
    });
    on_path.into_iter().chain(debian).find(|d| has_both(d))
}

/// `initdb` and `pg_ctl start` in a temporary folder on a free port; a watchdog stops the cluster
/// and deletes the folder once this test binary has exited. PostgreSQL refuses to run as root, so
/// as root it runs as the `postgres` user.
fn own_cluster(bin: &Path) -> Result<String, String> {
    let dir = std::env::temp_dir().join(format!("zgw-test-pg-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    let as_root = Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    let run_as = if as_root {
        let chown = Command::new("chown").args(["postgres:", &dir.display().to_string()]).status();
        if !chown.is_ok_and(|s| s.success()) {
            return Err("running as root, and the postgres user to run PostgreSQL as is missing".to_owned());
        }
        "runuser -u postgres -- "
    } else {
        ""
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map_err(|e| e.to_string())?.port();
    let (data, log) = (dir.join("data"), dir.join("server.log"));
    let (initdb, pg_ctl) = (bin.join("initdb"), bin.join("pg_ctl"));
    let script = format!(
        "set -e; {run_as}{initdb} -D {data} -U postgres -A trust -E UTF8 --no-sync >/dev/null; \
         {run_as}{pg_ctl} -D {data} -l {log} -w -o '-p {port} -k {dir} -c listen_addresses=127.0.0.1 -c fsync=off' start >/dev/null",
        initdb = initdb.display(),
        pg_ctl = pg_ctl.display(),
        data = data.display(),
        log = log.display(),
        dir = dir.display(),
    );
    let status = Command::new("sh").args(["-c", &script]).status().map_err(|e| e.to_string())?;
    if !status.success() {
        let log = std::fs::read_to_string(&log).unwrap_or_default();
        return Err(format!("starting a throwaway cluster with {} failed ({status}): {log}", bin.display()));
    }
    // Outlives this process (its own session, no inherited pipes), polls for it to exit, then
    // stops the cluster and removes its folder.
    let watchdog = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 1; done; {run_as}{pg_ctl} -D {data} -m immediate stop; rm -rf {dir}",
        pid = std::process::id(),
        pg_ctl = pg_ctl.display(),
        data = data.display(),
        dir = dir.display(),
    );
    Command::new("setsid")
        .args(["sh", "-c", &watchdog])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("starting the cluster's watchdog: {e}"))?;
    Ok(format!("postgres://postgres@127.0.0.1:{port}/postgres"))
}

/// A fresh database `zgw_test_<unix seconds>_<random>`, dropped (connections and all) when
/// this value is dropped, also while a failed test unwinds.
pub struct TestDatabase {
    pub name: String,
    pub url: String,
    admin: String,
}

impl TestDatabase {
    /// `None` when no PostgreSQL can be had here (see the module's notes): the test is skipped.
    pub async fn create() -> Option<Self> {
        let admin = tokio::task::spawn_blocking(admin_url).await.expect("finding PostgreSQL")?;
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
        Some(TestDatabase { name, url: url.to_string(), admin })
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
        let (admin, name) = (self.admin.clone(), self.name.clone());
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
