# A throwaway PostgreSQL cluster for the benchmark scripts (sourced, not run). Call
#   pg_cluster_start WORKDIR [extra server settings…]
# then use $PG_URL (postgres://postgres@127.0.0.1:PORT) and `pg_psql SQL`; the cluster is
# stopped and WORKDIR removed on exit. Durable settings (fsync on) unless the caller adds others.

PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5,5n | tail -n1)"
[ -x "$PG_BIN/initdb" ] || { echo "PostgreSQL is not installed (scripts/test installs it)" >&2; exit 1; }

pg_as_owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

pg_cluster_start() {
  PG_WORK="$1"
  shift
  trap pg_cluster_stop EXIT
  [ "$(id -u)" = 0 ] && chown postgres: "$PG_WORK"
  PG_PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  (cd "$PG_WORK" && pg_as_owner "$PG_BIN/initdb" -D "$PG_WORK/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null)
  local opts="-c listen_addresses=127.0.0.1 -p $PG_PORT -c unix_socket_directories=$PG_WORK"
  local o
  for o in "$@"; do opts="$opts -c $o"; done
  (cd "$PG_WORK" && pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_WORK/data" -l "$PG_WORK/pg.log" -w -t 120 -o "$opts" start >/dev/null)
  PG_URL="postgres://postgres@127.0.0.1:$PG_PORT"
}

pg_psql() {
  pg_as_owner "$PG_BIN/psql" -qAt -h 127.0.0.1 -p "$PG_PORT" -U postgres -c "$1" "${2:-postgres}"
}

pg_cluster_stop() {
  (cd "$PG_WORK" && pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_WORK/data" -m immediate -w stop >/dev/null 2>&1) || true
  rm -rf "$PG_WORK"
}
