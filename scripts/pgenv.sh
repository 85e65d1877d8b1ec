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

# the server's major version (15, 16, ...), from pg_config
PG_MAJOR=$("$PG_CONFIG" --version | sed -n 's/^PostgreSQL \([0-9]*\).*/\1/p')

# version_schedule SCHEDULE: SCHEDULE without the tests that
# test/schedule_versions keeps for other majors than PG_MAJOR
version_schedule() {
    awk -v major="$PG_MAJOR" '
        FNR == NR { if ($0 !~ /^#/ && NF == 3 && (major < $2 || major > $3)) skip[$1] = 1; next }
        !($1 == "test:" && ($2 in skip))' "$(dirname "$1")/schedule_versions" "$1"
}
