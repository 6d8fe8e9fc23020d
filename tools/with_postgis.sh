#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL + PostGIS cluster:
#   tools/with_postgis.sh COMMAND [ARGS...]
# Installs PostgreSQL 15 and PostGIS 3 from Debian where missing (as root), starts a
# cluster on loopback at a free port as an unprivileged user (initdb refuses root), runs
# COMMAND with FRONTWATCH_TEST_POSTGIS set to the database's URL, and stops and removes
# the cluster whatever COMMAND did. Its exit code is COMMAND's.
set -euo pipefail

PG_VERSION=${PG_VERSION:-15}
PG_BIN=/usr/lib/postgresql/$PG_VERSION/bin
POSTGIS_CONTROL=/usr/share/postgresql/$PG_VERSION/extension/postgis.control

if [[ ! -x $PG_BIN/initdb || ! -f $POSTGIS_CONTROL ]]; then
    if [[ $(id -u) -ne 0 ]]; then
        echo "with_postgis: PostgreSQL $PG_VERSION or PostGIS missing; install postgresql-$PG_VERSION-postgis-3 (as root)" >&2
        exit 2
    fi
    echo "with_postgis: installing postgresql-$PG_VERSION and postgresql-$PG_VERSION-postgis-3 from Debian" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null
    apt-get install -y -q --no-install-recommends "postgresql-$PG_VERSION" "postgresql-$PG_VERSION-postgis-3" >/dev/null
fi

# who runs the cluster: root may not (initdb refuses), so an unprivileged user does
if [[ $(id -u) -eq 0 ]]; then
    RUN_AS=${PG_RUN_AS:-nobody}
    as_pg() { runuser -u "$RUN_AS" -- "$@"; }
else
    RUN_AS=$(id -un)
    as_pg() { "$@"; }
fi

DIR=$(mktemp -d "${TMPDIR:-/tmp}/fw-postgis.XXXXXX")
chmod 755 "$DIR"
[[ $(id -u) -eq 0 ]] && chown "$RUN_AS" "$DIR"
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

stop() {
    as_pg "$PG_BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$DIR"
}
trap stop EXIT

as_pg "$PG_BIN/initdb" -D "$DIR/data" -U frontwatch --auth=trust -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 \
    || { cat "$DIR/initdb.log" >&2; exit 1; }
# a throwaway cluster: durability off (a crash loses the test database, nothing else)
as_pg "$PG_BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 start -o \
    "-c listen_addresses=127.0.0.1 -p $PORT -k $DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=50" \
    >/dev/null || { cat "$DIR/server.log" >&2; exit 1; }
"$PG_BIN/createdb" -h 127.0.0.1 -p "$PORT" -U frontwatch frontwatch_test
"$PG_BIN/psql" -q -h 127.0.0.1 -p "$PORT" -U frontwatch -d frontwatch_test -c "CREATE EXTENSION IF NOT EXISTS postgis" >/dev/null

export FRONTWATCH_TEST_POSTGIS="postgresql://frontwatch@127.0.0.1:$PORT/frontwatch_test"
echo "with_postgis: PostgreSQL $PG_VERSION + PostGIS $("$PG_BIN/psql" -tA -h 127.0.0.1 -p "$PORT" -U frontwatch -d frontwatch_test -c 'SELECT postgis_lib_version()') at $FRONTWATCH_TEST_POSTGIS (run by $RUN_AS)" >&2
set +e
"$@"
rc=$?
set -e
exit $rc
