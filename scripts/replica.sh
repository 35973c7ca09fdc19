#!/usr/bin/env bash
# A private PostgreSQL primary and its streaming replica, for `make replica-check` (issue 16 item 6).
#
#   scripts/replica.sh start          initdb a primary on $REPLICA_PRIMARY_PORT (default 55432) if there is none,
#                                     start it, pg_basebackup -R a replica of it on $REPLICA_PORT (default 55433)
#                                     if there is none, start it; prints the two DATABASE_*_URL lines
#   scripts/replica.sh stop-replica   stop the replica only (the primary keeps serving)
#   scripts/replica.sh start-replica  start the replica again (it catches up from the primary's WAL)
#   scripts/replica.sh status         both servers' state and the replica's lag
#   scripts/replica.sh stop           stop both
#   scripts/replica.sh destroy        stop both and delete their folder
#
# Why a private primary: the machine's shared server on 5432 allows no replication connection in its pg_hba.conf,
# and it serves everyone's tests; it is neither reconfigured nor copied. The servers run as the postgres OS user
# (PostgreSQL refuses to run as root), under $REPLICA_DIR (default /tmp/chaindesk-replica), on 127.0.0.1 only,
# trust authentication, fsync off (a throwaway pair: speed over durability).
set -euo pipefail
DIR="${REPLICA_DIR:-/tmp/chaindesk-replica}"
PRIMARY_PORT="${REPLICA_PRIMARY_PORT:-55432}"
REPLICA_PORT="${REPLICA_PORT:-55433}"
BIN="${PG_BIN:-$(pg_config --bindir)}"
PRIMARY="$DIR/primary"
REPLICA="$DIR/replica"

as_postgres() {  # run a command as the postgres OS user when we are root, else as ourselves
  if [ "$(id -u)" -eq 0 ]; then
    su postgres -s /bin/bash -c "$(printf '%q ' "$@")"
  else
    "$@"
  fi
}

running() { as_postgres "$BIN/pg_ctl" -D "$1" status >/dev/null 2>&1; }

init_primary() {
  [ -f "$PRIMARY/PG_VERSION" ] && return 0
  mkdir -p "$DIR"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$DIR"
  as_postgres "$BIN/initdb" -D "$PRIMARY" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
  # initdb's pg_hba.conf with -A trust already lets 127.0.0.1 connect for replication.
  as_postgres bash -c "cat >> '$PRIMARY/postgresql.conf'" <<EOF
listen_addresses = '127.0.0.1'
port = $PRIMARY_PORT
unix_socket_directories = '$DIR'
wal_level = replica
max_wal_senders = 5
wal_keep_size = 256MB
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 64MB
EOF
}

start_primary() {
  init_primary
  running "$PRIMARY" || as_postgres "$BIN/pg_ctl" -D "$PRIMARY" -l "$DIR/primary.log" -w -t 30 start >/dev/null
}

init_replica() {
  [ -f "$REPLICA/PG_VERSION" ] && return 0
  # -R writes standby.signal and primary_conninfo; -X stream copies the WAL written meanwhile; -c fast checkpoints
  # at once instead of waiting for the next one.
  as_postgres "$BIN/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -D "$REPLICA" -R -X stream -c fast
  as_postgres bash -c "echo 'port = $REPLICA_PORT' >> '$REPLICA/postgresql.conf'"
}

start_replica() {
  init_replica
  running "$REPLICA" || as_postgres "$BIN/pg_ctl" -D "$REPLICA" -l "$DIR/replica.log" -w -t 30 start >/dev/null
}

stop_one() { running "$1" && as_postgres "$BIN/pg_ctl" -D "$1" -m fast -w stop >/dev/null || true; }

status() {
  for name in primary replica; do
    if running "$DIR/$name"; then echo "$name: running"; else echo "$name: stopped"; fi
  done
  if running "$REPLICA"; then
    psql -h 127.0.0.1 -p "$REPLICA_PORT" -U postgres -d postgres -Atc \
      "SELECT 'replica: in recovery ' || pg_is_in_recovery() || ', replayed up to ' || pg_last_wal_replay_lsn()"
  fi
}

case "${1:-}" in
  start)
    start_primary
    start_replica
    echo "DATABASE_URL=postgres://postgres@127.0.0.1:$PRIMARY_PORT/chaindesk"
    echo "DATABASE_REPLICA_URL=postgres://postgres@127.0.0.1:$REPLICA_PORT/chaindesk"
    ;;
  start-replica) start_replica ;;
  stop-replica) stop_one "$REPLICA" ;;
  stop) stop_one "$REPLICA"; stop_one "$PRIMARY" ;;
  status) status ;;
  destroy) stop_one "$REPLICA"; stop_one "$PRIMARY"; rm -rf "$DIR" ;;
  *) echo "usage: $0 start|stop-replica|start-replica|status|stop|destroy" >&2; exit 2 ;;
esac
