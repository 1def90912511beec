//! A fresh PostgreSQL database per test, on the server `PERFGATE_TEST_POSTGRES` names (a
//! superuser URL; `.ci/run` starts a throwaway cluster with `bench/pg_cluster.sh` and sets
//! it). Without it a test prints `SKIPPED <test>: PERFGATE_TEST_POSTGRES not set` and
//! returns, except under CI, where it fails.
#![allow(dead_code)]

use std::io::{Read as _, Write as _};

/// A database `pgt_<random hex>` created for one test and dropped (`WITH (FORCE)`, so
/// connections a failed test left open do not keep it) when this is dropped.
pub struct TestDb {
    admin_url: String,
    name: String,
    url: String,
}

impl TestDb {
    /// The URL of the test's own database.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A superuser connection to the test's database, to look at (or damage) it directly.
    pub fn connect(&self) -> postgres::Client {
        postgres::Client::connect(&self.url, postgres::NoTls)
            .unwrap_or_else(|e| panic!("connecting to {}: {e}", self.url))
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let dropped =
            postgres::Client::connect(&self.admin_url, postgres::NoTls).and_then(|mut c| {
                c.batch_execute(&format!(
                    "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                    self.name
                ))
            });
        if let Err(e) = dropped {
            let _ = writeln!(
                std::io::stderr(),
                "could not drop test database {}: {e}",
                self.name
            );
        }
    }
}

/// A fresh database for `test`, or `None` (after printing why) when no server is configured.
/// Panics under CI (env `CI` set) when `PERFGATE_TEST_POSTGRES` is not set.
pub fn test_database(test: &str) -> Option<TestDb> {
    let Some(admin_url) = std::env::var("PERFGATE_TEST_POSTGRES")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        if std::env::var_os("CI").is_some() {
            panic!("{test}: PERFGATE_TEST_POSTGRES not set; .ci/run starts a PostgreSQL cluster and sets it");
        }
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED {test}: PERFGATE_TEST_POSTGRES not set"
        );
        return None;
    };
    let name = format!("pgt_{}", random_hex(8));
    let mut admin = postgres::Client::connect(&admin_url, postgres::NoTls)
        .unwrap_or_else(|e| panic!("{test}: connecting to PERFGATE_TEST_POSTGRES: {e}"));
    admin
        .batch_execute(&format!("CREATE DATABASE \"{name}\""))
        .unwrap_or_else(|e| panic!("{test}: CREATE DATABASE {name}: {e}"));
    let url = with_database(&admin_url, &name);
    Some(TestDb {
        admin_url,
        name,
        url,
    })
}

/// `url` (`postgres://user@host:port/db?query`) naming database `name` instead.
pub fn with_database(url: &str, name: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("a postgres:// URL");
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let query = tail
        .split_once('?')
        .map(|(_, q)| format!("?{q}"))
        .unwrap_or_default();
    format!("{scheme}://{authority}/{name}{query}")
}

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut buf))
        .expect("read /dev/urandom");
    buf.iter().map(|b| format!("{b:02x}")).collect()
}
