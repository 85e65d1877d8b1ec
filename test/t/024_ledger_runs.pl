# The ledger with a second backend (issue 19): a run in progress cannot be
# reset nor marked reverted, and its edited script is refused with a hint
# that names reset(); once its backend is gone (terminated: the ledger
# still says running), reset() ends it and the edited script runs under the
# same id.  And with_lock_retries never waits longer than
# schemashift.lock_timeout on an attempt unless the caller passes
# max_lock_timeout.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('ledger_runs');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'schemashift'");
$node->append_conf('postgresql.conf', "schemashift.mode = 'enforce'");
$node->start;
$node->safe_psql('postgres', q{
	CREATE EXTENSION schemashift;
	CREATE TABLE held (id bigint PRIMARY KEY);
});

# ---------- a run in progress ----------

my $slow = "CALL schemashift.apply('SELECT pg_catalog.pg_sleep(300)', 'm_alive')";
my $runner = $node->background_psql('postgres', on_error_stop => 0);
$runner->query_until(qr/started/, "\\echo started\nSET statement_timeout = 0;\n$slow;\n");
$node->poll_query_until('postgres', q{
	SELECT count(*) = 1 FROM schemashift.migration_status('m_alive') WHERE next LIKE 'running in process%'})
  or die "the migration did not start";
my $runner_pid = $node->safe_psql('postgres', q{
	SELECT pid FROM pg_stat_activity WHERE query LIKE 'CALL schemashift.apply(%m_alive%'});

my ($rc, $out, $err) = $node->psql('postgres', "SELECT schemashift.reset('m_alive', 'stuck?')");
isnt($rc, 0, 'a run in progress cannot be reset');
like($err, qr/migration "m_alive" is running in another session/, 'reset says the run is alive');
like($err, qr/A run in progress cannot be reset/, 'and why');

($rc, $out, $err) = $node->psql('postgres', "SELECT schemashift.mark_reverted('m_alive')");
isnt($rc, 0, 'a run in progress cannot be marked reverted');
like($err, qr/is running in another session/, 'mark_reverted says the run is alive');

($rc, $out, $err) = $node->psql('postgres',
	"CALL schemashift.apply('SELECT pg_catalog.pg_sleep(0)', 'm_alive')");
isnt($rc, 0, 'a second apply() of the id is refused while the run is alive');
like($err, qr/migration m_alive is running in another session/, 'the migration lock refuses it');

is($node->safe_psql('postgres', "SELECT status FROM schemashift.migrations WHERE id = 'm_alive'"),
	'running', 'the ledger is untouched by the refusals');

# ---------- the backend gone: interrupted ----------

$node->safe_psql('postgres', "SELECT pg_terminate_backend($runner_pid)");
eval { $runner->quit; };
$node->poll_query_until('postgres', q{
	SELECT count(*) = 1 FROM schemashift.migration_status('m_alive') WHERE next LIKE 'interrupted%'})
  or die "the run did not end";
is($node->safe_psql('postgres', "SELECT status FROM schemashift.migrations WHERE id = 'm_alive'"),
	'running', 'a terminated run stays running in the ledger');

# the edited script: refused, the hint names reset()
($rc, $out, $err) = $node->psql('postgres',
	"CALL schemashift.apply('SELECT pg_catalog.pg_sleep(0)', 'm_alive')");
isnt($rc, 0, 'the edited script of an interrupted run is refused');
like($err, qr/was started with a different script/, 'because its script changed');
like($err, qr/HINT:.*schemashift\.reset\('m_alive', reason => '\.\.\.'\)/, 'the hint names reset()');

# an ordinary role that did not run it may not reset it
$node->safe_psql('postgres', 'CREATE ROLE someone LOGIN');
($rc, $out, $err) = $node->psql('postgres', "SELECT schemashift.reset('m_alive', 'mine now')",
	extra_params => [ '-U', 'someone' ]);
isnt($rc, 0, 'another role cannot reset the run');
like($err, qr/permission denied to reset migration "m_alive"/, 'reset checks who asks');

($rc, $out, $err) = $node->psql('postgres', "SELECT schemashift.reset('m_alive', 'the session was killed')");
is($rc, 0, 'the run that is not alive is reset');
($rc, $out, $err) = $node->psql('postgres',
	"CALL schemashift.apply('SELECT pg_catalog.pg_sleep(0)', 'm_alive')");
is($rc, 0, 'the edited script runs under the same id');
like($err, qr/migration m_alive was reset: run 2 starts/, 'as a new run');
is($node->safe_psql('postgres', q{
	SELECT m.status || '/' || m.run || '/' || h.status || '/' || h.end_reason
	  FROM schemashift.migrations m JOIN schemashift.migration_history h USING (id)
	 WHERE m.id = 'm_alive'}),
	'done/2/reset/the session was killed', 'the ledger keeps the reset run and its reason');
is($node->safe_psql('postgres', q{
	SELECT count(*) FROM schemashift.ddl_log WHERE command_tag = 'schemashift.reset' AND objects = '{m_alive}'}),
	'1', 'the reset is in the audit log');

# ---------- with_lock_retries and schemashift.lock_timeout ----------

my $holder = $node->background_psql('postgres');
$holder->query_safe('BEGIN; LOCK TABLE held IN ACCESS EXCLUSIVE MODE;');

sub longest_wait
{
	my ($label, $args) = @_;
	my ($rc, $out, $err) = $node->psql('postgres', qq{
		SET schemashift.lock_timeout = '300ms';
		CALL schemashift.with_lock_retries('ALTER TABLE held ADD COLUMN $label bigint',
		    attempts => 5, min_lock_timeout => '100ms', min_sleep => '10ms', max_sleep => '10ms'$args);
	});
	isnt($rc, 0, "$label: every attempt times out behind the held lock");
	return $node->safe_psql('postgres', qq{
		SELECT count(*) || '/' || max(lock_timeout_ms) FROM schemashift.lock_attempts
		 WHERE statement LIKE '%ADD COLUMN $label %'});
}

is(longest_wait('capped', ''), '5/300',
	'without max_lock_timeout no attempt waits longer than schemashift.lock_timeout');
is(longest_wait('asked', ", max_lock_timeout => '700ms'"), '5/700',
	'max_lock_timeout passed explicitly is taken as given');

($rc, $out, $err) = $node->psql('postgres', q{
	SET schemashift.lock_timeout = '300ms';
	CALL schemashift.with_lock_retries('ALTER TABLE held ADD COLUMN other bigint', min_lock_timeout => '1s');
});
like($err, qr/max_lock_timeout must not be less than min_lock_timeout/,
	'a min_lock_timeout above the cap is refused');
like($err, qr/HINT:  Pass max_lock_timeout to let attempts wait longer/, 'the hint names max_lock_timeout');

$holder->query_safe('ROLLBACK');
$holder->quit;

done_testing();
