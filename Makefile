# schemashift: PGXS build, install, tests and demo.
#
#   make            build the extension
#   make install    install it into the PostgreSQL that pg_config names
#   make demo       set everything up on a fresh Debian machine and run the demo
#   make test       set everything up and run the whole test suite
#   make bench      run the benchmarks (not part of the test suite)

EXTENSION  = schemashift
EXTVERSION = $(shell sed -n "s/^default_version[[:space:]]*=[[:space:]]*'\(.*\)'/\1/p" $(EXTENSION).control)

MODULE_big = schemashift
OBJS = \
	src/schemashift.o \
	src/guc.o \
	src/rules.o \
	src/engine.o \
	src/hints.o \
	src/engine_phases.o \
	src/table_size.o \
	src/catalog.o \
	src/fence.o \
	src/lint.o \
	src/rules_tx.o \
	src/rules_index.o \
	src/rules_alter.o \
	src/rules_types.o \
	src/rules_drop.o \
	src/rules_misc.o \
	src/guard.o \
	src/approvals.o \
	src/hooks.o \
	src/worker.o \
	src/args.o \
	src/retry.o \
	src/scan.o \
	src/sql_build.o \
	src/state.o \
	src/txn.o \
	src/index_procs.o \
	src/backfill.o \
	src/expand.o \
	src/lock_retries.o \
	src/constraints.o \
	src/owner.o \
	src/recipes.o \
	src/procedure.o \
	src/plan.o \
	src/migrations.o \
	src/apply.o \
	src/ledger.o \
	src/exemptions.o \
	src/audit.o \
	src/event_triggers.o \
	src/preconditions.o \
	src/restore.o \
	src/lock_report.o \
	src/lint_blocks.o \
	src/replicas.o \
	src/versions.o \
	src/progress_lines.o

DATA = $(wildcard src/sql/$(EXTENSION)--*.sql)
PG_CPPFLAGS = -I$(srcdir)/src -DSCHEMASHIFT_VERSION=\"$(EXTVERSION)\"
PG_CFLAGS = -Wall -Werror

# make installcheck runs the pg_regress and isolation suites (test/schedule,
# test/isolation_schedule) against an installed, running server, as PGXS
# users expect.  That server needs shared_preload_libraries = 'schemashift',
# timezone = 'UTC' and lc_messages = 'C' (test/regress.conf), and the tests
# create the extension in contrib_regression and isolation_regression.
# make test (test/run) starts temporary instances of its own instead.
REGRESS = $(shell PG_CONFIG=$(PG_CONFIG) bash -c '. scripts/pgenv.sh && version_schedule test/schedule' | sed -n 's/^test: *//p')
ISOLATION = $(shell PG_CONFIG=$(PG_CONFIG) bash -c '. scripts/pgenv.sh && version_schedule test/isolation_schedule' | sed -n 's/^test: *//p')
ISOLATION_OPTS = --inputdir=test

PG_CONFIG ?= pg_config

# The command-line program: a libpq client, built with the client headers
# only, installed next to psql in PostgreSQL's bindir.
CLI = src/cli/schemashift
CLI_OBJS = src/cli/main.o src/cli/options.o src/cli/files.o src/cli/output.o \
	src/cli/tmpserver.o src/cli/util.o src/cli/progress.o
EXTRA_CLEAN = $(CLI) $(CLI_OBJS)

PGXS := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)
ifeq ($(PGXS),)
# no server headers yet: only the set-up targets below can work
all install installcheck:
	@echo "pg_config not found: run 'make test' or 'make demo', or scripts/setup" >&2; exit 1
else
include $(PGXS)
endif

# every object depends on the shared headers (PGXS tracks no header deps),
# and on the control file, whose version is compiled in
$(OBJS): $(wildcard src/*.h) $(EXTENSION).control

# The command-line program's build (CLI, CLI_OBJS and EXTRA_CLEAN are set
# above PGXS's include: its clean rule tests EXTRA_CLEAN with ifdef when the
# file is read, so a later setting never cleaned the CLI, and a tree built
# for one major kept its CLI for the next).

ifneq ($(PGXS),)
CLI_CFLAGS = -std=gnu99 -O2 -g -Wall -Wextra -Wno-unused-parameter \
	-Wno-missing-field-initializers -Wno-format-truncation -Werror \
	-I$(shell $(PG_CONFIG) --includedir) \
	-DSCHEMASHIFT_VERSION=\"$(EXTVERSION)\" \
	-DSCHEMASHIFT_PG_MAJOR=\"$(MAJORVERSION)\" \
	-DSCHEMASHIFT_PG_BINDIR=\"$(bindir)\" \
	-DSCHEMASHIFT_PKGLIBDIR=\"$(pkglibdir)\" \
	-DSCHEMASHIFT_SHAREDIR=\"$(datadir)\"

all: $(CLI)

$(CLI_OBJS): src/cli/%.o: src/cli/%.c src/cli/cli.h $(EXTENSION).control
	$(CC) $(CLI_CFLAGS) -c -o $@ $<

$(CLI): $(CLI_OBJS)
	$(CC) $(CLI_CFLAGS) -o $@ $(CLI_OBJS) -L$(shell $(PG_CONFIG) --libdir) -lpq

install: install-cli

.PHONY: install-cli
install-cli: $(CLI)
	$(MKDIR_P) '$(DESTDIR)$(bindir)'
	$(INSTALL_PROGRAM) $(CLI) '$(DESTDIR)$(bindir)/schemashift'
endif

.PHONY: setup test demo bench docs check-docs

setup:
	bash scripts/setup

# make test TEST_PARTS="pg_regress deb": only those parts of test/run
test: setup
	$(MAKE) all
	$(MAKE) install
	bash test/run $(TEST_PARTS)

demo: setup
	$(MAKE) all
	$(MAKE) install
	bash scripts/demo

bench: setup
	$(MAKE) all
	$(MAKE) install
	bash bench/run
	bash bench/guard_overhead
	bash bench/guard_callgrind
	bash bench/index_build
	bash bench/backfill
	bash bench/apply
	bash bench/cli
	PG_CONFIG=$(PG_CONFIG) python3 bench/corpus/run

docs: all install
	bash scripts/gen-rules-doc > docs/rules.md
