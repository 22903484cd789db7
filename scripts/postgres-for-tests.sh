# Sourced by scripts/test.sh: a private PostgreSQL server in a temporary directory, listening on a
# Unix socket and a loopback port, owned by an unprivileged user when run as root (PostgreSQL refuses
# to run as root). Sets EMBARGO_TEST_POSTGRES_URL.
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
PG_DIR=""
PG_USER=""
as_pg_user() {
    if [ -n "$PG_USER" ]; then setpriv --reuid="$PG_USER" --regid="$PG_USER" --clear-groups -- "$@"; else "$@"; fi
}
start_test_postgres() {
    if [ -z "$PG_BIN" ]; then
        echo "test.sh: PostgreSQL is not installed (scripts/install-dependencies.sh installs it)" >&2
        exit 2
    fi
    PG_DIR=$(mktemp -d /tmp/embargo-pg.XXXXXX)
    if [ "$(id -u)" -eq 0 ]; then
        PG_USER=$(id -u nobody)
        chown "$PG_USER" "$PG_DIR"
    fi
    PG_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_pg_user "$PG_BIN/initdb" -D "$PG_DIR/data" -U embargo --auth=trust >"$PG_DIR/initdb.log" 2>&1 \
        || { cat "$PG_DIR/initdb.log" >&2; exit 2; }
    as_pg_user "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w \
        -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR -c fsync=off" start >/dev/null \
        || { cat "$PG_DIR/server.log" >&2; exit 2; }
    as_pg_user "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U embargo embargo_test
    EMBARGO_TEST_POSTGRES_URL="postgres://embargo@127.0.0.1:$PG_PORT/embargo_test"
    export EMBARGO_TEST_POSTGRES_URL
}
stop_test_postgres() {
    if [ -n "$PG_DIR" ] && [ -d "$PG_DIR/data" ]; then
        as_pg_user "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast stop >/dev/null 2>&1 || true
        rm -rf "$PG_DIR"
    fi
}
