# Sourced by the test, demo and bench scripts: where PostgreSQL is, and how to
# run its server programs, which refuse to run as root.
PG_CONFIG=${PG_CONFIG:-pg_config}
PG_BINDIR=$("$PG_CONFIG" --bindir)
PG_PGXS_DIR=$(dirname "$("$PG_CONFIG" --pgxs)")/..
PG_REGRESS="$PG_PGXS_DIR/test/regress/pg_regress"
PG_ISOLATION_REGRESS="$PG_PGXS_DIR/test/isolation/pg_isolation_regress"

# as_pg CMD...: run CMD as the postgres OS user when we are root
if [ "$(id -u)" -eq 0 ]; then
    as_pg() { runuser -u postgres -- "$@"; }
    PG_OWNER=postgres
else
    as_pg() { "$@"; }
    PG_OWNER=$(id -un)
fi

# make_pg_tmpdir: a private temporary directory the server user can write
make_pg_tmpdir() {
    local d
    d=$(mktemp -d "${TMPDIR:-/tmp}/schemashift.XXXXXX")
    chown "$PG_OWNER" "$d"
    chmod 700 "$d"
    echo "$d"
}
