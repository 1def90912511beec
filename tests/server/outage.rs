//! PostgreSQL stopped under a running server: every request that needs the store gets a 503
//! that says so (and nothing else), and the server recovers by itself when the database
//! returns. The test owns its cluster (bench/pg_cluster.sh), so it can stop and start it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::common::{report_of, Server};

/// A throwaway cluster of this test's own, stopped (and its files removed) when dropped.
struct Cluster {
    dir: PathBuf,
    url: String,
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/pg_cluster.sh")
}

impl Cluster {
    /// `None` (after a SKIPPED line) when PostgreSQL's server binaries are not installed;
    /// under CI they must be.
    fn start(dir: &Path) -> Option<Cluster> {
        let installed = std::fs::read_dir("/usr/lib/postgresql")
            .is_ok_and(|mut d| d.any(|v| v.is_ok_and(|v| v.path().join("bin/initdb").exists())));
        if !installed {
            assert!(
                std::env::var_os("CI").is_none(),
                "PostgreSQL's server binaries are needed under CI"
            );
            println!("SKIPPED postgres_outage: PostgreSQL's server binaries not found");
            return None;
        }
        let mut cluster = Cluster {
            dir: dir.to_path_buf(),
            url: String::new(),
        };
        cluster.url = cluster.up();
        Some(cluster)
    }

    fn up(&self) -> String {
        let out = Command::new(script())
            .arg("start")
            .arg(&self.dir)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .last()
            .unwrap()
            .to_string()
    }

    fn down(&self) {
        let out = Command::new(script())
            .arg("stop")
            .arg(&self.dir)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new(script()).arg("stop").arg(&self.dir).output();
    }
}

#[test]
fn with_postgresql_stopped_the_server_says_503_and_recovers_when_it_returns() {
    let dir = tempfile::tempdir().unwrap();
    // The cluster's owner (`postgres`, when the tests run as root) must reach its directory.
    std::fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let Some(cluster) = Cluster::start(&dir.path().join("pg")) else {
        return;
    };
    let mut admin = postgres::Client::connect(&cluster.url, postgres::NoTls).unwrap();
    admin.batch_execute("CREATE DATABASE perfgate").unwrap();
    drop(admin);
    let base = cluster.url.strip_suffix("/postgres").unwrap();
    let store = PathBuf::from(format!("{base}/perfgate"));
    let server = Server::start_on(store, None, tempfile::tempdir().unwrap(), &[]);
    let token = server.token("p", "write");
    assert_eq!(
        server.push(&report_of("p", 0, &["b"], 1.0), &token).status,
        201
    );
    assert_eq!(server.get("/api/v1/health", None).status, 200);

    cluster.down();
    for reply in [
        server.get("/api/v1/health", None),
        server.get("/api/v1/projects/p/runs", Some(&token)),
        server.push(&report_of("p", 1, &["b"], 1.0), &token),
    ] {
        assert_eq!(reply.status, 503, "{}", reply.body);
        assert!(
            reply.error().starts_with("the store is unavailable"),
            "{}",
            reply.body
        );
        assert!(
            !reply.body.contains("127.0.0.1"),
            "no location: {}",
            reply.body
        );
    }

    cluster.up();
    let deadline = Instant::now() + Duration::from_secs(30);
    while server.get("/api/v1/health", None).status != 200 {
        assert!(Instant::now() < deadline, "the server did not recover");
        std::thread::sleep(Duration::from_millis(200));
    }
    // Every worker (4) held a connection the restart dropped: each reconnects on its next
    // request instead of failing it.
    for _ in 0..12 {
        let reply = server.get("/api/v1/projects/p/runs", Some(&token));
        assert_eq!(reply.status, 200, "{}", reply.body);
    }
    assert_eq!(
        server.push(&report_of("p", 1, &["b"], 1.0), &token).status,
        201
    );
    let runs = server.get("/api/v1/projects/p/runs", Some(&token));
    assert_eq!(runs.status, 200, "{}", runs.body);
    assert_eq!(runs.json()["runs"].as_array().unwrap().len(), 2);
}
