# Sourced by scripts/pg-build and scripts/in-pg-root: a PostgreSQL server
# from Debian's own binary packages in a Debian root of a newer suite, for a
# major this machine's Debian has no package of and whose source the mirror
# does not give (17: trixie's postgresql-17, whose source files the mirror
# answers 404 for).  Trixie's binaries need a newer glibc than bookworm's,
# so they run in a minimal trixie root (debootstrap --variant=minbase)
# under chroot, with everything the test suite needs inside.
#
# The root is made once per machine under the cache directory, named by
# the server package's Debian version and a hash of how the root is made
# (suite, mirror, packages), marked complete only after every package is
# installed, the way pg-build marks its builds; pg-$major.current names the
# complete root in use.  Inside it, PostgreSQL is where Debian puts it:
# PG_CONFIG=/usr/lib/postgresql/$major/bin/pg_config.
#
# Needs: cache, major, say (set by the caller).

# the suite whose packages a root of this major holds
root_suite() {
    case $1 in
        17) echo trixie ;;
        *) return 1 ;;
    esac
}

# what the suite needs inside: the server and its headers, the tool chain,
# Perl's IPC::Run and PostgreSQL::Test's needs for the TAP tests, Sqitch,
# git and Python with jsonschema for the CLI test (its SARIF schema is
# fetched with the machine's npm, outside the root: scripts/in-pg-root)
root_packages() {
    echo "postgresql-$1 postgresql-server-dev-$1 postgresql-client-$1" \
         "make gcc libc6-dev libipc-run-perl perl python3 python3-jsonschema" \
         "python3-rfc3987 sqitch libdbd-pg-perl git ca-certificates"
}

root_pg_config() { echo "/usr/lib/postgresql/$1/bin/pg_config"; }

# root_cached MAJOR: the complete root that pg-MAJOR.current names
root_cached() {
    local d f="$cache/pg-$1.current"
    [ -f "$f" ] || return 1
    d="$cache/$(cat "$f")"
    [[ "$(basename "$d")" == pg-"$1"-root-* ]] || return 1
    [ -f "$d/.complete" ] && [ -x "$d$(root_pg_config "$1")" ] || return 1
    echo "$d"
}

# root_unmount ROOT: unmount whatever is mounted at or below ROOT, deepest
# first (a root is never moved or removed while something is mounted in it)
root_unmount() {
    local m
    for m in $(awk -v r="$1" '$2 == r || index($2, r "/") == 1 { print $2 }' /proc/mounts | sort -r); do
        umount "$m" 2>/dev/null || umount -l "$m"
    done
}
