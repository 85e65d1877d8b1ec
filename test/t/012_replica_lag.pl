# backfill's max_replication_lag against real standbys: a standby whose
# replay is paused (pg_wal_replay_pause()) and one that is stopped both
# pause the backfill until they are back within the limit; a server with
# no standby refuses the setting.  pg_stat_replication alone read both as
# 0 ms behind (its lag columns are NULL or stale then, and a stopped
# standby is not in it).
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);

my $primary = PostgreSQL::Test::Cluster->new('lag_primary');
$primary->init(allows_streaming => 1);
$primary->append_conf('postgresql.conf', "wal_receiver_status_interval = '100ms'");
$primary->start;
$primary->safe_psql('postgres', q{
	CREATE EXTENSION schemashift;
	CREATE TABLE big (id bigint PRIMARY KEY, a int, b int);
	INSERT INTO big SELECT g, g, NULL FROM generate_series(1, 40000) g;
	ANALYZE big;
	SELECT pg_create_physical_replication_slot('standby_slot');
});
$primary->backup('backup');
my $standby = PostgreSQL::Test::Cluster->new('lag_standby');
$standby->init_from_backup($primary, 'backup', has_streaming => 1);
$standby->append_conf('postgresql.conf', qq{
primary_slot_name = 'standby_slot'
wal_receiver_status_interval = '100ms'
hot_standby_feedback = off
});
$standby->start;
$primary->wait_for_catchup($standby);

# a backfill of 40000 rows in batches of 500, 100 ms apart; returns the session
sub start_backfill
{
	my ($set) = @_;
	my $s = $primary->background_psql('postgres', on_error_stop => 0);
	$s->query_until(qr/started/, qq{\\echo started
CALL schemashift.backfill('big', '$set', batch_size => 500, pause => '100ms',
                          max_replication_lag => '1s');
});
	$primary->poll_query_until('postgres',
		"SELECT rows_updated >= 1000 FROM schemashift.jobs WHERE set_clause = '$set' AND status = 'running'")
	  or die 'the backfill did not start';
	return $s;
}

sub wait_for_notice
{
	my ($s, $re) = @_;
	return pump_until($s->{run}, $s->{timeout}, \$s->{stderr}, $re);
}

sub rows_updated
{
	my ($set) = @_;
	return $primary->safe_psql('postgres', "SELECT rows_updated FROM schemashift.jobs WHERE set_clause = '$set'");
}

# --- replay paused on the standby ---
{
	my $set = 'b = a * 2';
	my $s = start_backfill($set);
	$standby->safe_psql('postgres', 'SELECT pg_wal_replay_pause()');
	my $paused_at = time;
	ok(wait_for_notice($s, qr/pausing, standby "standby_slot" is \d+ ms and \d+ bytes behind/),
		'paused replay: the backfill pauses');
	my $pause_took = time - $paused_at;
	my $held = rows_updated($set);
	sleep 2;
	is(rows_updated($set), $held, 'paused replay: no batch runs while the standby is behind');
	$standby->safe_psql('postgres', 'SELECT pg_wal_replay_resume()');
	my $resumed_at = time;
	ok(wait_for_notice($s, qr/resuming, every standby is within 500 ms/), 'paused replay: it resumes once replay goes on');
	my $resume_took = time - $resumed_at;
	$s->query('SELECT 1');
	$s->quit;
	is($primary->safe_psql('postgres', "SELECT count(*) FROM big WHERE b IS DISTINCT FROM a * 2"), '0',
		'paused replay: every row is done in the end');
	diag(sprintf('paused replay: the backfill paused %.1f s after replay stopped, resumed %.1f s after it went on',
		$pause_took, $resume_took));
}

# --- the standby stopped (its slot still says where it is) ---
{
	my $set = 'b = a * 3';
	my $s = start_backfill($set);
	$standby->stop('fast');
	my $stopped_at = time;
	ok(wait_for_notice($s, qr/pausing, standby "standby_slot" is \d+ ms and \d+ bytes behind, not connected/),
		'stopped standby: the backfill pauses, naming it as not connected');
	my $pause_took = time - $stopped_at;
	my $held = rows_updated($set);
	sleep 2;
	is(rows_updated($set), $held, 'stopped standby: no batch runs while it is away');
	$standby->start;
	my $started_at = time;
	ok(wait_for_notice($s, qr/resuming/), 'stopped standby: it resumes once the standby caught up');
	my $resume_took = time - $started_at;
	$s->query('SELECT 1');
	$s->quit;
	is($primary->safe_psql('postgres', "SELECT count(*) FROM big WHERE b IS DISTINCT FROM a * 3"), '0',
		'stopped standby: every row is done in the end');
	diag(sprintf('stopped standby: the backfill paused %.1f s after the standby stopped, resumed %.1f s after it started',
		$pause_took, $resume_took));
}

# --- no standby at all: the setting cannot be honoured ---
{
	my $lonely = PostgreSQL::Test::Cluster->new('lonely');
	$lonely->init;
	$lonely->start;
	$lonely->safe_psql('postgres', 'CREATE EXTENSION schemashift; CREATE TABLE t (id bigint PRIMARY KEY, a int)');
	my ($ret, $out, $err) = $lonely->psql('postgres',
		q{CALL schemashift.backfill('t', 'a = 1', max_replication_lag => '1s')});
	like($err, qr/max_replication_lag was given, but no standby is streaming and no physical replication slot exists/,
		'no standby: refused before it starts');
	is($lonely->safe_psql('postgres', 'SELECT count(*) FROM schemashift.jobs'), '0', 'no standby: no job recorded');
}

done_testing();
