# The scenario every runner project in test/runners/ goes through (one
# test/runners/t/<runner>.pl each): against a node in enforce mode, as a
# non-superuser that owns the database, the runner's own command line runs
# up to the first migration, down to nothing, up again, up to the second
# migration in its first, broken version (no UPDATE for the orphans: the
# foreign key fails), the fixed version (refused: the run must be reset),
# schemashift.reset(), and up again. After each step the catalog (indexes,
# constraints, the orphans), schemashift's ledger and the runner's own
# record of applied migrations are checked.
package RunnerScenario;

use strict;
use warnings;
use Exporter 'import';
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

our @EXPORT_OK = qw(run_scenario);

# the tables the migrations change, 2 orphans in order_items
my $schema = q{
	CREATE TABLE customers (id bigint PRIMARY KEY);
	CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint);
	CREATE TABLE order_items (id bigint PRIMARY KEY, order_id bigint);
	INSERT INTO customers SELECT g FROM generate_series(1, 100) g;
	INSERT INTO orders SELECT g, g % 100 + 1 FROM generate_series(1, 2000) g;
	INSERT INTO order_items SELECT g, CASE WHEN g IN (7, 8) THEN 999999 ELSE g END
	  FROM generate_series(1, 2000) g;
};

# what the migrations build, one word each: valid/invalid/absent for the
# indexes, validated/not validated/absent for the foreign keys
my $catalog = q{
	SELECT string_agg(o || '=' || coalesce(
	    (SELECT CASE WHEN i.indisvalid THEN 'valid' ELSE 'invalid' END
	       FROM pg_index i WHERE i.indexrelid = to_regclass(o)),
	    (SELECT CASE WHEN c.convalidated THEN 'validated' ELSE 'not validated' END
	       FROM pg_constraint c WHERE c.conname = o),
	    'absent'), ' ' ORDER BY n)
	  FROM unnest(ARRAY['orders_customer_idx', 'orders_customer_fk',
	                    'order_items_order_idx', 'order_items_order_fk']) WITH ORDINALITY u(o, n)
};

# the ledger: id=status/run of each migration (the run: the how-manieth
# under its id), in id order; the runs a revert or a reset ended, with who
# ended them and why
my $ledger = q{
	SELECT coalesce(string_agg(id || '=' || status || '/' || run, ' ' ORDER BY id), '')
	  FROM schemashift.migrations
};
my $history = q{
	SELECT coalesce(string_agg(id || '=' || status || '/' || run || ' by ' || ended_by
	                           || ': ' || end_reason, ', ' ORDER BY id, run), '')
	  FROM schemashift.migration_history
};

# run_scenario(%r): name, dir (the project under test/runners/), command
# (the runner's argument vector: the step's arguments are appended), up1
# (the arguments that migrate up to the first migration), down (down to
# nothing), up (up to the last), ids (the two migrations' ledger ids),
# applied (SQL: the runner's applied migrations, comma-separated), broken
# (the second migration's file, relative to dir).
sub run_scenario
{
	my (%r) = @_;
	my ($m1, $m2) = @{ $r{ids} };

	my $node = PostgreSQL::Test::Cluster->new($r{name});
	$node->init;
	$node->append_conf('postgresql.conf', "shared_preload_libraries = 'schemashift'");
	$node->append_conf('postgresql.conf', "schemashift.mode = 'enforce'");
	$node->start;
	$node->safe_psql('postgres', 'CREATE ROLE app LOGIN; CREATE DATABASE shop OWNER app');
	$node->safe_psql('shop', 'CREATE EXTENSION schemashift');
	$node->safe_psql('shop', "SET ROLE app; $schema");
	is($node->safe_psql('shop', 'SHOW schemashift.mode'), 'enforce', 'the guard enforces');

	my $q = sub { $node->safe_psql('shop', shift) };
	my $applied = sub { $q->("SELECT coalesce(string_agg(m, ',' ORDER BY m), '') FROM ($r{applied}) a(m)") };

	# the project, in a directory the runner may write (bytecode, lock files)
	my $proj = PostgreSQL::Test::Utils::tempdir . "/$r{name}";
	system('cp', '-R', "$ENV{SCHEMASHIFT_SRC}/test/runners/$r{dir}", $proj) == 0
	  or die "copying the $r{name} project failed";
	my $fixed = slurp_file("$proj/$r{broken}");
	my @fix = $fixed =~ /^.*UPDATE order_items .*\n/mg;
	is(scalar @fix, 1, 'the second migration has one UPDATE for the orphans (the fix)');
	(my $broken = $fixed) =~ s/^.*UPDATE order_items .*\n//m;

	local $ENV{PGHOST} = $node->host;
	local $ENV{PGPORT} = $node->port;
	local $ENV{PGDATABASE} = 'shop';
	local $ENV{PGUSER} = 'app';
	local $ENV{PYTHONDONTWRITEBYTECODE} = 1;
	my $runner = sub {
		my ($step, @args) = @_;
		my ($out, $err) = ('', '');
		my $ok = IPC::Run::run([ @{ $r{command} }, @args ], '<', \undef, '>', \$out, '2>', \$err,
			init => sub { chdir $proj or die "$proj: $!" });
		note("$r{name} @args ($step):\n$out$err");
		return ($ok, "$out$err");
	};
	my $step_ok = sub {
		my ($step, @args) = @_;
		my ($ok, $out) = $runner->($step, @args);
		ok($ok, "$step: the runner succeeds") or diag($out);
		return $out;
	};

	# 1. up to the first migration
	$step_ok->('up to the first migration', @{ $r{up1} });
	is($q->($catalog), 'orders_customer_idx=valid orders_customer_fk=validated '
		  . 'order_items_order_idx=absent order_items_order_fk=absent',
		'up: the index is valid, the foreign key validated');
	is($q->($ledger), "$m1=done/1", 'up: the ledger has the migration done');
	is($applied->(), $m1, 'up: the runner records it applied');

	# 2. down to nothing: the down migration drops both, mark_reverted()
	$step_ok->('down', @{ $r{down} });
	is($q->($catalog), 'orders_customer_idx=absent orders_customer_fk=absent '
		  . 'order_items_order_idx=absent order_items_order_fk=absent',
		'down: the index and the foreign key are gone');
	is($q->($ledger), "$m1=reverted/1", 'down: the ledger has the migration reverted');
	like($q->("SELECT ended_by || ': ' || end_reason FROM schemashift.migrations"),
		qr/^app: \S/, 'down: by app, with the reason the down migration gave');
	is($applied->(), '', 'down: the runner records nothing applied');

	# 3. up again under the same id: apply() runs it again
	$step_ok->('up again', @{ $r{up1} });
	is($q->($catalog), 'orders_customer_idx=valid orders_customer_fk=validated '
		  . 'order_items_order_idx=absent order_items_order_fk=absent',
		'up again: the index and the foreign key are back');
	is($q->($ledger), "$m1=done/2", 'up again: the ledger has the migration done, as its second run');
	like($q->($history), qr/^$m1=reverted\/1 by app: \S+/, 'up again: the reverted run is kept in the history');
	is($applied->(), $m1, 'up again: the runner records it applied');

	# 4. the second migration as first written: the orphans fail the key
	write_file("$proj/$r{broken}", $broken);
	my ($ok, $out) = $runner->('the broken migration', @{ $r{up} });
	ok(!$ok, 'broken: the runner fails');
	like($out, qr/violates foreign key constraint "order_items_order_fk"/,
		"broken: the runner shows apply()'s error");
	like($q->($catalog), qr/order_items_order_idx=valid order_items_order_fk=absent$/,
		'broken: the index is built, the foreign key absent');
	is($q->($ledger), "$m1=done/2 $m2=failed/1", 'broken: the ledger has the migration failed');
	is($applied->(), $m1, 'broken: the runner does not record it');

	# 5. the fixed migration, not reset: refused, the error says how
	write_file("$proj/$r{broken}", $fixed);
	($ok, $out) = $runner->('the fixed migration before reset', @{ $r{up} });
	ok(!$ok, 'fixed, not reset: the runner fails');
	like($out, qr/schemashift\.reset/, 'fixed, not reset: the error names schemashift.reset()');
	is($q->($ledger), "$m1=done/2 $m2=failed/1", 'fixed, not reset: the ledger is unchanged');

	# 6. the migration's owner resets the failed run
	$q->("SET ROLE app; SELECT schemashift.reset('$m2', 'orphans cleared in the migration')");
	is($q->($ledger), "$m1=done/2 $m2=reset/1", 'reset: the ledger has the failed run reset');

	# 7. resume: the fixed migration runs
	$step_ok->('up after the fix', @{ $r{up} });
	is($q->($catalog), 'orders_customer_idx=valid orders_customer_fk=validated '
		  . 'order_items_order_idx=valid order_items_order_fk=validated',
		'fixed: both indexes valid, both foreign keys validated');
	is($q->("SELECT count(*) FILTER (WHERE order_id IS NULL) || '/' || count(*) FROM order_items"),
		'2/2000', 'fixed: the 2 orphans are cleared, the other rows kept');
	is($q->($ledger), "$m1=done/2 $m2=done/2", 'fixed: the ledger has both done, the second as its second run');
	like($q->($history), qr/, $m2=reset\/1 by app: orphans cleared in the migration$/,
		'fixed: the reset run is kept in the history');
	is($applied->(), "$m1,$m2", 'fixed: the runner records both applied');

	$node->stop;
	return;
}

# write_file(path, text): the file holds text, nothing else
sub write_file
{
	my ($path, $text) = @_;
	open my $fh, '>', $path or die "$path: $!";
	print $fh $text;
	close $fh or die "$path: $!";
	return;
}

1;
