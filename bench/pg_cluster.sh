#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests and benches of the PostgreSQL store.
#
#   bench/pg_cluster.sh start DIR   # initdb into DIR (when empty), start the server
#   bench/pg_cluster.sh stop DIR    # stop it (DIR is left for the caller to remove; `start`
#                                   # starts it again on the same port)
#
# `start` prints the superuser URL `postgres://postgres@127.0.0.1:PORT/postgres` on its last
# line: export it as PERFGATE_TEST_POSTGRES. The server listens on 127.0.0.1 only, on a free
# port, with its unix socket inside DIR, and trusts every local connection: for tests only.
# Run as root, the cluster belongs to the `postgres` user (initdb refuses root) and DIR is
# chowned to it. Needs PostgreSQL's server binaries (Debian: apt-get install postgresql).
set -euo pipefail

usage() { echo "usage: $0 start|stop DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
action=$1
dir=$(mkdir -p "$2" && cd "$2" && pwd)

bin=${PG_BIN:-}
if [ -z "$bin" ]; then
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
fi
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "$0: PostgreSQL server binaries not found (set PG_BIN or apt-get install postgresql)" >&2
  exit 2
fi

# Runs a PostgreSQL binary as the cluster's owner.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

free_port() {
  # A port nobody listens on now, from the ephemeral range.
  local port
  for _ in $(seq 1 100); do
    port=$(( 20000 + RANDOM % 30000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
  echo "$0: no free port found" >&2
  exit 1
}

case "$action" in
  start)
    if [ "$(id -u)" -eq 0 ]; then
      chown postgres: "$dir"
    fi
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    # A cluster started again keeps its port, so URLs given out before stay right.
    if [ -f "$dir/port" ]; then port=$(cat "$dir/port"); else port=$(free_port); fi
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c max_connections=200" \
      start >/dev/null \
      || { cat "$dir/server.log" >&2; exit 1; }
    echo "$port" >"$dir/port"
    echo "postgres://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    if [ -f "$dir/data/postmaster.pid" ]; then
      as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    fi
    ;;
  *) usage ;;
esac
