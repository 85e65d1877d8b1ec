# The scenario every runner project in test/runners/ goes through (one
# test/runners/t/<runner>.pl each): against a node in enforce mode, as a
# non-superuser that owns the database, the runner's own command line runs
# the first migration inside the runner's transaction (refused), then up to
# the first migration, down to nothing, up again, up to the second
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
# indexes, validated/not_validated/absent for the foreign keys
my $catalog = q{
	SELECT string_agg(o || '=' || coalesce(
	    (SELECT CASE WHEN i.indisvalid THEN 'valid' ELSE 'invalid' END
	       FROM pg_index i WHERE i.indexrelid = to_regclass(o)),
	    (SELECT CASE WHEN c.convalidated THEN 'validated' ELSE 'not_validated' END
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
# (the second migration's file, relative to dir), in_transaction (a file,
# relative to dir, a regex and its replacement: what makes the first
# migration run in the runner's transaction).
sub run_scenario
{
	my (%r) = @_;
	my $t = setup(\%r);

	local $ENV{PGHOST} = $t->{node}->host;
	local $ENV{PGPORT} = $t->{node}->port;
	local $ENV{PGDATABASE} = 'shop';
	local $ENV{PGUSER} = 'app';
	local $ENV{PYTHONDONTWRITEBYTECODE} = 1;

	in_transaction($t);
	up_down_up($t);
	fail_fix_resume($t);
	$t->{node}->stop;
	return;
}

# setup(\%r): the node, the tables, the project's copy; returns what the
# steps use: r, node, proj, m1, m2, q (a query's result), and runner (run
# the runner with these arguments: ok and output)
sub setup
{
	my ($r) = @_;
	my $node = PostgreSQL::Test::Cluster->new($r->{name});
	$node->init;
	$node->append_conf('postgresql.conf', "shared_preload_libraries = 'schemashift'");
	$node->append_conf('postgresql.conf', "schemashift.mode = 'enforce'");
	$node->start;
	$node->safe_psql('postgres', 'CREATE ROLE app LOGIN; CREATE DATABASE shop OWNER app');
	$node->safe_psql('shop', 'CREATE EXTENSION schemashift');
	$node->safe_psql('shop', "SET ROLE app; $schema");
	is($node->safe_psql('shop', 'SHOW schemashift.mode'), 'enforce', 'the guard enforces');

	# the project, in a directory the runner may write (bytecode, lock files)
	my $proj = PostgreSQL::Test::Utils::tempdir . "/$r->{name}";
	system('cp', '-R', "$ENV{SCHEMASHIFT_SRC}/test/runners/$r->{dir}", $proj) == 0
	  or die "copying the $r->{name} project failed";

	my $runner = sub {
		my ($step, @args) = @_;
		my ($out, $err) = ('', '');
		my $ok = IPC::Run::run([ @{ $r->{command} }, @args ], '<', \undef, '>', \$out, '2>', \$err,
			init => sub { chdir $proj or die "$proj: $!" });
		note("$r->{name} @args ($step):\n$out$err");
		return ($ok, "$out$err");
	};
	return {
		r => $r,
		node => $node,
		proj => $proj,
		m1 => $r->{ids}[0],
		m2 => $r->{ids}[1],
		q => sub { $node->safe_psql('shop', shift) },
		runner => $runner,
	};
}

# checks(t, step, catalog, ledger, applied): the catalog (the four objects'
# words, see $catalog), the ledger (see $ledger) and, unless undef, the
# runner's record are as expected after the step
sub checks
{
	my ($t, $step, $catalog_words, $ledger_text, $applied) = @_;
	my @objects = ('orders_customer_idx', 'orders_customer_fk', 'order_items_order_idx', 'order_items_order_fk');
	my @words = split / /, $catalog_words;
	is($t->{q}->($catalog), join(' ', map { "$objects[$_]=$words[$_]" } 0 .. 3),
		"$step: the catalog");
	is($t->{q}->($ledger), $ledger_text, "$step: the ledger");
	is($t->{q}->("SELECT coalesce(string_agg(m, ',' ORDER BY m), '') FROM ($t->{r}{applied}) a(m)"),
		$applied, "$step: the runner's record") if defined $applied;
	return;
}

# run(t, step, ok, args): the runner with those arguments succeeds (ok
# true) or fails; returns its output
sub run
{
	my ($t, $step, $want_ok, @args) = @_;
	my ($ok, $out) = $t->{runner}->($step, @args);
	if ($want_ok) { ok($ok, "$step: the runner succeeds") or diag($out); }
	else { ok(!$ok, "$step: the runner fails"); }
	return $out;
}

# 0. the first migration in the runner's transaction: apply() refuses
sub in_transaction
{
	my ($t) = @_;
	my ($file, $re, $by) = @{ $t->{r}{in_transaction} };
	my $outside = slurp_file("$t->{proj}/$file");
	(my $inside = $outside) =~ s/$re/$by/ or die "$file: no match for $re";
	write_file("$t->{proj}/$file", $inside);
	my $out = run($t, "in the runner's transaction", 0, @{ $t->{r}{up1} });
	like($out, qr/apply\(\) cannot run inside a transaction block/,
		"in the runner's transaction: apply() refuses, and says why");
	checks($t, "in the runner's transaction", 'absent absent absent absent', '');
	write_file("$t->{proj}/$file", $outside);
	return;
}

# 1-3. up to the first migration, down to nothing (the down migration drops
# both, then mark_reverted()), up again: apply() runs it again
sub up_down_up
{
	my ($t) = @_;
	my ($m1, $r) = ($t->{m1}, $t->{r});

	run($t, 'up', 1, @{ $r->{up1} });
	checks($t, 'up', 'valid validated absent absent', "$m1=done/1", $m1);

	run($t, 'down', 1, @{ $r->{down} });
	checks($t, 'down', 'absent absent absent absent', "$m1=reverted/1", '');
	like($t->{q}->("SELECT ended_by || ': ' || end_reason FROM schemashift.migrations"),
		qr/^app: \S/, 'down: by app, with the reason the down migration gave');

	run($t, 'up again', 1, @{ $r->{up1} });
	checks($t, 'up again', 'valid validated absent absent', "$m1=done/2", $m1);
	like($t->{q}->($history), qr/^$m1=reverted\/1 by app: \S+/,
		'up again: the reverted run is kept in the history');
	return;
}

# 4-7. the second migration as first written (no UPDATE: the orphans fail
# the key), the fixed one before a reset (refused, the error says how),
# schemashift.reset() by the migration's owner, the fixed one
sub fail_fix_resume
{
	my ($t) = @_;
	my ($m1, $m2, $r) = ($t->{m1}, $t->{m2}, $t->{r});
	my $fixed = slurp_file("$t->{proj}/$r->{broken}");
	my @fix = $fixed =~ /^.*UPDATE order_items .*\n/mg;
	is(scalar @fix, 1, 'the second migration has one UPDATE for the orphans (the fix)');
	(my $broken = $fixed) =~ s/^.*UPDATE order_items .*\n//m;

	write_file("$t->{proj}/$r->{broken}", $broken);
	my $out = run($t, 'broken', 0, @{ $r->{up} });
	like($out, qr/violates foreign key constraint "order_items_order_fk"/,
		"broken: the runner shows apply()'s error");
	checks($t, 'broken', 'valid validated valid absent', "$m1=done/2 $m2=failed/1", $m1);

	write_file("$t->{proj}/$r->{broken}", $fixed);
	$out = run($t, 'fixed, not reset', 0, @{ $r->{up} });
	like($out, qr/schemashift\.reset/, 'fixed, not reset: the error names schemashift.reset()');
	checks($t, 'fixed, not reset', 'valid validated valid absent', "$m1=done/2 $m2=failed/1", $m1);

	$t->{q}->("SET ROLE app; SELECT schemashift.reset('$m2', 'orphans cleared in the migration')");
	checks($t, 'reset', 'valid validated valid absent', "$m1=done/2 $m2=reset/1");

	run($t, 'fixed', 1, @{ $r->{up} });
	checks($t, 'fixed', 'valid validated valid validated', "$m1=done/2 $m2=done/2", "$m1,$m2");
	is($t->{q}->("SELECT count(*) FILTER (WHERE order_id IS NULL) || '/' || count(*) FILTER (WHERE order_id = id) || '/' || count(*) FROM order_items"),
		'2/1998/2000', 'fixed: the 2 orphans are cleared, the other rows kept');
	like($t->{q}->($history), qr/, $m2=reset\/1 by app: orphans cleared in the migration$/,
		'fixed: the reset run is kept in the history');
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
