# schemashift.create_index under concurrency, cancellation and crashes:
#  - a long transaction holding an old snapshot does not deadlock the
#    caller (it holds no snapshot while its worker waits), and writes to the
#    table proceed during the build;
#  - cancelling the CALL stops the worker and leaves no INVALID index;
#  - killing the worker mid-build: the procedure cleans up and retries;
#  - killing the caller mid-build: the next CALL drops the leftover and
#    builds; exactly one valid index in the end;
#  - a unique violation reports the duplicate key.
#
# (isolationtester cannot express the first case: it only recognises a
# waiting step when that session's own backend waits for a lock, and here
# the caller waits on its latch while the worker waits.)
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);

my $node = PostgreSQL::Test::Cluster->new('index_procs');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'schemashift'");
$node->append_conf('postgresql.conf', "schemashift.mode = 'enforce'");
$node->start;
$node->safe_psql('postgres', q{
	CREATE EXTENSION schemashift;
	CREATE TABLE items (id bigint PRIMARY KEY, v bigint, code text);
	INSERT INTO items SELECT g, g, 'c' || g FROM generate_series(1, 100000) g;
});

# A session holding an old snapshot and no lock on the table.
sub open_long_transaction
{
	my $s = $node->background_psql('postgres');
	$s->query_safe('BEGIN ISOLATION LEVEL REPEATABLE READ');
	$s->query_safe('SELECT 1');
	return $s;
}

# Start a CALL in its own session; return the session and its backend pid.
sub start_call
{
	my ($sql) = @_;
	my $s = $node->background_psql('postgres', on_error_stop => 0);
	my $pid = $s->query_safe('SELECT pg_backend_pid()');
	$s->query_until(qr/started/, "\\echo started\n$sql;\n");
	return ($s, $pid);
}

sub executor_pid
{
	return $node->safe_psql('postgres',
		"SELECT pid FROM pg_stat_activity WHERE backend_type = 'schemashift executor'");
}

sub wait_for_executor_lock_wait
{
	return $node->poll_query_until('postgres', q{
		SELECT count(*) = 1 FROM pg_stat_activity
		 WHERE backend_type = 'schemashift executor' AND wait_event_type = 'Lock'});
}

sub index_state
{
	my ($name) = @_;
	return $node->safe_psql('postgres', qq{
		SELECT coalesce(string_agg(c.relname || ':' || CASE WHEN i.indisvalid THEN 't' ELSE 'f' END, ',' ORDER BY c.relname), 'none')
		  FROM pg_class c JOIN pg_index i ON i.indexrelid = c.oid
		 WHERE c.relname LIKE '$name%'});
}

# 1. A long transaction: the build waits for it, the caller holds nothing,
# writers go on.
{
	my $long = open_long_transaction();
	# the session's own timeouts are shorter than the wait: neither may end
	# the build (statement_timeout is disarmed, the build's lock waits are
	# not bounded)
	my ($call, $call_pid) = start_call(
		"SET statement_timeout = '1s'; SET lock_timeout = '100ms'; CALL schemashift.create_index('CREATE INDEX items_v_idx ON items (v)')");
	ok(wait_for_executor_lock_wait(), 'the build waits for the old snapshot');
	is($node->safe_psql('postgres', 'SELECT index, phase FROM schemashift.progress'),
		'items_v_idx|waiting for old snapshots', 'schemashift.progress shows the build');

	my $caller = $node->safe_psql('postgres',
		"SELECT backend_xmin IS NULL, backend_xid IS NULL, wait_event FROM pg_stat_activity WHERE pid = $call_pid");
	is($caller, 't|t|Extension', 'the caller holds no snapshot and no xid while it waits');
	my $locks = $node->safe_psql('postgres',
		"SELECT count(*) FROM pg_locks WHERE pid = $call_pid AND locktype = 'relation' AND relation = 'items'::regclass");
	is($locks, '0', 'the caller holds no lock on the table while it waits');

	my $t0 = time();
	my ($ret, $out, $err) = $node->psql('postgres',
		"SET statement_timeout = '10s'; INSERT INTO items SELECT g, g, 'c' || g FROM generate_series(100001, 101000) g; UPDATE items SET v = -v WHERE id <= 1000; DELETE FROM items WHERE id BETWEEN 2000 AND 2099;");
	my $took = time() - $t0;
	is($ret, 0, 'writes succeed during the build');
	cmp_ok($took, '<', 5, sprintf('writes were not held up (%.2f s)', $took));

	# longer than the caller's statement_timeout and lock_timeout
	sleep(2);
	$long->query_safe('COMMIT');
	$long->quit;
	$call->quit;
	like($call->{stderr}, qr/built/, 'the CALL completes once the long transaction ends');
	# the phase is forced (the build sits in it for seconds): the poll reports it
	like($call->{stderr}, qr/NOTICE:  index public\.items_v_idx: waiting for old snapshots/,
		'a progress notice names the phase the build waits in');
	unlike($call->{stderr}, qr/ERROR/, 'no timeout of the session ended it');
	is(index_state('items_v_idx'), 'items_v_idx:t', 'one valid index');
	is($node->safe_psql('postgres', 'SET enable_seqscan = off; SELECT count(*) FROM items WHERE v < 0'),
		'1000', 'the index sees the rows written during the build');
}

# 2. Cancel the CALL mid-build: the worker stops, no INVALID index is left.
{
	my $long = open_long_transaction();
	my ($call, $call_pid) = start_call(
		"CALL schemashift.create_index('CREATE INDEX items_code_idx ON items (code)')");
	ok(wait_for_executor_lock_wait(), 'the second build waits');
	my $worker = executor_pid();
	$node->safe_psql('postgres', "SELECT pg_cancel_backend($call_pid)");
	$call->quit;
	like($call->{stderr}, qr/canceling statement due to user request/, 'the CALL reports the cancel');
	like($call->{stderr}, qr/dropping invalid index public\.items_code_idx/, 'and cleaned up after the build');
	is($node->safe_psql('postgres', "SELECT count(*) FROM pg_stat_activity WHERE pid = $worker"),
		'0', 'the worker is gone');
	is(index_state('items_code_idx'), 'none', 'no INVALID index is left behind');
	$long->query_safe('COMMIT');
	$long->quit;
}

# 3. Kill the worker mid-build: the procedure drops the leftover and retries.
{
	my $long = open_long_transaction();
	my ($call, $call_pid) = start_call(
		"CALL schemashift.create_index('CREATE INDEX items_code_idx ON items (code)', retries => 3)");
	ok(wait_for_executor_lock_wait(), 'the third build waits');
	my $worker = executor_pid();
	$node->safe_psql('postgres', "SELECT pg_terminate_backend($worker)");
	# the retry starts a new worker, which waits for the same snapshot
	ok($node->poll_query_until('postgres', qq{
		SELECT count(*) = 1 FROM pg_stat_activity
		 WHERE backend_type = 'schemashift executor' AND wait_event_type = 'Lock' AND pid <> $worker}),
		'a new worker retries the build');
	$long->query_safe('COMMIT');
	$long->quit;
	$call->quit;
	like($call->{stderr}, qr/attempt 1 of 4 failed/, 'the failed attempt is reported');
	like($call->{stderr}, qr/built/, 'the retry built the index');
	is(index_state('items_code_idx'), 'items_code_idx:t', 'exactly one valid index after a killed worker');
	is($node->safe_psql('postgres', q{
		SELECT string_agg(attempt || ':' || outcome, ',' ORDER BY started_at) FROM (
		  SELECT * FROM schemashift.lock_attempts
		   WHERE statement = 'CREATE INDEX CONCURRENTLY items_code_idx ON public.items (code)'
		   ORDER BY started_at DESC LIMIT 2) a}),
		'1:error,2:ok', 'both attempts are in lock_attempts');
}

# 4. Kill the caller mid-build: its worker stops with it; the next CALL
# drops the INVALID leftover and builds.
{
	my $long = open_long_transaction();
	my ($call, $call_pid) = start_call(
		"CALL schemashift.create_index('CREATE INDEX items_id_code_idx ON items (id, code)')");
	ok(wait_for_executor_lock_wait(), 'the fourth build waits');
	$node->safe_psql('postgres', "SELECT pg_terminate_backend($call_pid)");
	# psql is gone with its connection: quitting it may find a closed pipe
	eval { $call->quit; };
	ok($node->poll_query_until('postgres',
		"SELECT count(*) = 0 FROM pg_stat_activity WHERE backend_type = 'schemashift executor'"),
		'the worker does not outlive its caller');
	is(index_state('items_id_code_idx'), 'items_id_code_idx:f', 'an INVALID index is left behind');
	$long->query_safe('COMMIT');
	$long->quit;

	my ($ret, $out, $err) = $node->psql('postgres',
		"CALL schemashift.create_index('CREATE INDEX items_id_code_idx ON items (id, code)')");
	is($ret, 0, 'the second CALL succeeds');
	like($err, qr/dropping invalid index/, 'it dropped the leftover first');
	is(index_state('items_id_code_idx'), 'items_id_code_idx:t', 'exactly one valid index after a killed caller');
}

# 5. A unique violation names the key and leaves nothing behind.
{
	$node->safe_psql('postgres', "INSERT INTO items VALUES (200000, 1, 'c5')");
	my ($ret, $out, $err) = $node->psql('postgres',
		"CALL schemashift.create_index('CREATE UNIQUE INDEX items_code_key ON items (code)', retries => 3)");
	isnt($ret, 0, 'a unique violation fails the CALL');
	like($err, qr/Key \(code\)=\(c5\) is duplicated/, 'the error names the duplicate key');
	unlike($err, qr/attempt 1 of/, 'and it is not retried');
	is($node->safe_psql('postgres', q{
		SELECT string_agg(attempt || ':' || outcome, ',') FROM schemashift.lock_attempts
		 WHERE statement = 'CREATE UNIQUE INDEX CONCURRENTLY items_code_key ON public.items (code)'}),
		'1:error', 'its one attempt is in lock_attempts');
	is(index_state('items_code_key'), 'none', 'no INVALID index is left behind');
}

# the server survived all of it
is($node->safe_psql('postgres', 'SELECT 1'), '1', 'server still up');
my $log = slurp_file($node->logfile);
unlike($log, qr/terminated by signal|PANIC|TRAP:/, 'no backend crashed');

$node->stop;
done_testing();
