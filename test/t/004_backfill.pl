# schemashift.backfill interrupted mid-run, and run twice at once:
#  1. the caller's backend killed (keyset batches): the progress view shows
#     the job as interrupted; the rows holding their new value are exactly
#     the committed batches (the job's rows_updated, committed with each
#     batch, agrees; the key prefix up to last_key is done, nothing after);
#     no row holds a wrong value; the same CALL resumes after the last
#     committed batch without rewriting the rows already done, and ends
#     with every row updated, rows_updated = 20000 and one job;
#  2. a second CALL of the same backfill while the first runs is refused
#     ("running in another session") without touching the job, and the
#     first completes (rows already at their value are skipped, not counted);
#  3. the same invariants as 1 after an immediate server restart;
#  4. the same after a kill on a table without any key (TID-range batches).
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $ROWS = 20000;
my $SET = 'b = a * 2';

my $node = PostgreSQL::Test::Cluster->new('backfill');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'schemashift'");
# no autovacuum/autoanalyze changing relpages under the TID-range batching
$node->append_conf('postgresql.conf', "autovacuum = off");
$node->start;
$node->safe_psql('postgres', qq{
	CREATE EXTENSION schemashift;
	CREATE TABLE t1 (id bigint PRIMARY KEY, a int NOT NULL, b int);
	INSERT INTO t1 SELECT g, g, NULL FROM generate_series(1, $ROWS) g;
	CREATE TABLE t2 (id bigint PRIMARY KEY, a int NOT NULL, b int);
	INSERT INTO t2 SELECT g, g, NULL FROM generate_series(1, $ROWS) g;
	CREATE TABLE t3 (a int NOT NULL, b int);
	INSERT INTO t3 SELECT g, NULL FROM generate_series(1, $ROWS) g;
	CREATE TABLE t4 (id bigint PRIMARY KEY, a int NOT NULL, b int);
	INSERT INTO t4 SELECT g, g, NULL FROM generate_series(1, $ROWS) g;
	-- 100 rows of t4 already hold their value: the backfill must skip them
	UPDATE t4 SET b = a * 2 WHERE id BETWEEN 10001 AND 10100;
	ANALYZE t1, t2, t3, t4;
});

my $call_args = "NULL, batch_size => 500";

# Start the backfill of $table in its own session (50 ms between batches);
# return the session and its backend pid once >= 2000 rows are committed.
sub start_backfill
{
	my ($table) = @_;
	my $s = $node->background_psql('postgres', on_error_stop => 0);
	my $pid = $s->query_safe('SELECT pg_backend_pid()');
	$s->query_until(qr/started/,
		"\\echo started\nCALL schemashift.backfill('$table', '$SET', $call_args, pause => '50ms');\n");
	$node->poll_query_until('postgres', qq{
		SELECT rows_updated >= 2000 FROM schemashift.jobs
		 WHERE relid = '$table'::regclass AND status = 'running'})
	  or die "backfill of $table did not progress";
	return ($s, $pid);
}

# The only job row of $table, as a hash.
sub job
{
	my ($table) = @_;
	my $row = $node->safe_psql('postgres', qq{
		SELECT id, status, rows_updated, batches, done, coalesce(pid, 0),
		       coalesce(last_key[1], ''), coalesce(end_block, -1), key_columns
		  FROM schemashift.jobs WHERE relid = '$table'::regclass ORDER BY id});
	die "expected one job row for $table, got:\n$row" if $row eq '' || $row =~ /\n/;
	my %j;
	@j{qw(id status rows_updated batches done pid last_key end_block key_columns)} =
	  split /\|/, $row;
	return \%j;
}

sub count_rows
{
	my ($table, $where) = @_;
	return $node->safe_psql('postgres', "SELECT count(*) FROM $table WHERE $where");
}

# After the runner died: the job is interrupted and agrees with the table.
# Saves the rows already done (and where they are) in ${table}_done.
sub check_interrupted
{
	my ($table, $pid) = @_;
	my $j = job($table);
	is($j->{status}, 'running', "$table: the job row still says running");
	is($j->{pid}, $pid, "$table: the job row names the dead runner");
	is($node->safe_psql('postgres',
		"SELECT status FROM schemashift.progress WHERE kind = 'backfill' AND job = $j->{id}"),
		'interrupted', "$table: the progress view shows the job as interrupted");
	is(count_rows($table, 'b = a * 2'), $j->{rows_updated},
		"$table: rows holding the new value = rows_updated of the job");
	is(count_rows($table, 'b IS NOT NULL AND b <> a * 2'), '0',
		"$table: no row holds a wrong value");
	cmp_ok($j->{rows_updated}, '>=', 2000, "$table: batches were committed before the interruption");
	cmp_ok($j->{rows_updated}, '<', $ROWS, "$table: interrupted before the end");
	if ($j->{key_columns} eq 'id')
	{
		# keyset batches commit in key order: done up to last_key, nothing after
		is(count_rows($table, "id <= $j->{last_key} AND b IS DISTINCT FROM a * 2"), '0',
			"$table: every row up to last_key $j->{last_key} is done");
		is(count_rows($table, "id > $j->{last_key} AND b IS NOT NULL"), '0',
			"$table: no row after last_key is touched");
	}
	$node->safe_psql('postgres',
		"CREATE TABLE ${table}_done AS SELECT ctid AS tid, a FROM $table WHERE b = a * 2");
	return $j;
}

# Call the same backfill again: it resumes the job and finishes it.
sub resume_and_check
{
	my ($table, $before) = @_;
	my ($rc, $out, $err) = $node->psql('postgres',
		"CALL schemashift.backfill('$table', '$SET', $call_args)");
	is($rc, 0, "$table: the same CALL runs again");
	like($err, qr/resuming job $before->{id}\b/, "$table: it resumes job $before->{id}");
	my $rest = $ROWS - $before->{rows_updated};
	like($err, qr/done, $rest rows updated in \d+ batches \(job $before->{id}\)/,
		"$table: the second run updated only the $rest remaining rows");
	is(count_rows($table, 'b IS DISTINCT FROM a * 2'), '0', "$table: every row is updated");
	is($node->safe_psql('postgres', qq{
		SELECT count(*) FROM ${table}_done d LEFT JOIN $table t ON t.ctid = d.tid AND t.a = d.a
		 WHERE t.a IS NULL}),
		'0', "$table: rows done before the interruption were not written again");
	my $j = job($table);
	is("$j->{id}/$j->{status}/$j->{rows_updated}", "$before->{id}/done/$ROWS",
		"$table: exactly one job, done, $ROWS rows updated");
	is($node->safe_psql('postgres',
		"SELECT status || ' ' || percent FROM schemashift.progress WHERE job = $j->{id}"),
		'done 100.0', "$table: the progress view shows the job done");
	if ($j->{key_columns} eq 'id')
	{
		is($j->{done}, $ROWS, "$table: every key range scanned once (no restart from the start)");
	}
	else
	{
		is($j->{done}, $j->{end_block}, "$table: every block range scanned once (no restart from the start)");
	}
}

sub wait_gone
{
	my ($pid) = @_;
	$node->poll_query_until('postgres',
		"SELECT count(*) = 0 FROM pg_stat_activity WHERE pid = $pid")
	  or die "backend $pid did not exit";
}

# 1. kill the caller's backend mid-run (keyset batches)
{
	my ($s, $pid) = start_backfill('t1');
	$node->safe_psql('postgres', "SELECT pg_terminate_backend($pid)");
	wait_gone($pid);
	# psql is gone with its connection: quitting it may find a closed pipe
	eval { $s->quit; };
	my $before = check_interrupted('t1', $pid);
	resume_and_check('t1', $before);
}

# 2. a second runner of the same backfill is refused while the first runs
# (held before its last batch by a lock on the last row, so that it is
# still running whatever the machine's load)
{
	my $holder = $node->background_psql('postgres');
	$holder->query_safe("BEGIN; SELECT id FROM t4 WHERE id = $ROWS FOR UPDATE");
	my ($s, $pid) = start_backfill('t4');
	my $j = job('t4');
	my ($rc, $out, $err) = $node->psql('postgres',
		"CALL schemashift.backfill('t4', '$SET', $call_args)");
	isnt($rc, 0, 't4: the second CALL fails');
	like($err, qr/this backfill of public\.t4 is running in another session/,
		't4: a second runner of the same job is refused');
	unlike($err, qr/resuming job/, 't4: the second CALL did not take over the job');
	my $after = job('t4');
	is("$after->{id}/$after->{pid}/$after->{status}", "$j->{id}/$pid/running",
		't4: the job still belongs to the first runner');
	is($node->safe_psql('postgres', "SELECT status FROM schemashift.progress WHERE job = $j->{id}"),
		'running', 't4: the progress view shows it running');
	cmp_ok($after->{rows_updated}, '<', $ROWS - 100, 't4: the first runner was still mid-run');

	$holder->query_safe('COMMIT');
	$holder->quit;
	$s->quit;
	unlike($s->{stderr}, qr/ERROR/, 't4: the first CALL completes without error');
	my $expect = $ROWS - 100;
	like($s->{stderr}, qr/done, $expect rows updated in \d+ batches \(job $j->{id}\)/,
		't4: it reports the rows it changed');
	is(count_rows('t4', 'b IS DISTINCT FROM a * 2'), '0', 't4: every row is updated');
	$after = job('t4');
	is("$after->{status}/$after->{rows_updated}/$after->{done}", "done/$expect/$ROWS",
		't4: one job, done; the 100 rows already at their value were not counted');
}

# 3. immediate server restart mid-run (keyset batches)
{
	my ($s, $pid) = start_backfill('t2');
	$node->stop('immediate');
	eval { $s->quit; };
	$node->start;
	my $before = check_interrupted('t2', $pid);
	resume_and_check('t2', $before);
}

# 4. no key: batches by TID ranges; kill the caller mid-run
{
	my ($s, $pid) = start_backfill('t3');
	is(job('t3')->{key_columns}, 'ctid', 't3: batched by TID ranges');
	$node->safe_psql('postgres', "SELECT pg_terminate_backend($pid)");
	wait_gone($pid);
	eval { $s->quit; };
	my $before = check_interrupted('t3', $pid);
	resume_and_check('t3', $before);
}

my $log = slurp_file($node->logfile);
unlike($log, qr/terminated by signal|PANIC|TRAP:/, 'no backend crashed');

$node->stop;
done_testing();
