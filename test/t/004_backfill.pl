# schemashift.backfill killed mid-run: the progress view shows the job as
# interrupted, the committed batches and the job row agree, a second runner
# is refused while one runs, and calling the same backfill again resumes
# after the last committed batch; in the end every row is updated exactly
# once in effect and there is one job.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('backfill');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'schemashift'");
$node->start;
$node->safe_psql('postgres', q{
	CREATE EXTENSION schemashift;
	CREATE TABLE t1 (id bigint PRIMARY KEY, a int NOT NULL, b int);
	INSERT INTO t1 SELECT g, g, NULL FROM generate_series(1, 20000) g;
	CREATE TABLE t3 (a int NOT NULL, b int);
	INSERT INTO t3 SELECT g, NULL FROM generate_series(1, 20000) g;
});

sub start_backfill
{
	my ($table) = @_;
	my $s = $node->background_psql('postgres', on_error_stop => 0);
	my $pid = $s->query_safe('SELECT pg_backend_pid()');
	$s->query_until(qr/started/,
		"\\echo started\nCALL schemashift.backfill('$table', 'b = a * 2', NULL, batch_size => 500, pause => '50ms');\n");
	$node->poll_query_until('postgres',
		"SELECT rows_updated >= 2000 FROM schemashift.jobs WHERE target = 'public.$table' AND status = 'running'")
	  or die "backfill of $table did not progress";
	return ($s, $pid);
}

sub check_after_kill
{
	my ($table) = @_;
	is($node->safe_psql('postgres',
		"SELECT status FROM schemashift.progress WHERE kind = 'backfill' AND target = 'public.$table'"),
		'interrupted', "$table: the progress view shows the job as interrupted");
	my ($right, $updated) = split /\|/, $node->safe_psql('postgres',
		"SELECT (SELECT count(*) FROM $table WHERE b = a * 2), rows_updated FROM schemashift.jobs WHERE target = 'public.$table'");
	is($right, $updated, "$table: committed rows and the job's rows_updated agree");
	is($node->safe_psql('postgres', "SELECT count(*) FROM $table WHERE b IS NOT NULL AND b <> a * 2"),
		'0', "$table: no row holds a wrong value");
	cmp_ok($right, '<', 20000, "$table: killed before the end");
}

sub resume_and_check
{
	my ($table) = @_;
	my ($rc, $out, $err) = $node->psql('postgres',
		"CALL schemashift.backfill('$table', 'b = a * 2', NULL, batch_size => 500)");
	is($rc, 0, "$table: the same call runs again");
	like($err, qr/resuming job/, "$table: it resumes the job");
	is($node->safe_psql('postgres', "SELECT count(*) FROM $table WHERE b IS DISTINCT FROM a * 2"),
		'0', "$table: every row is updated");
	is($node->safe_psql('postgres',
		"SELECT count(*) || '/' || max(rows_updated) || '/' || max(status) FROM schemashift.jobs WHERE target = 'public.$table'"),
		'1/20000/done', "$table: one job, 20000 rows updated once, done");
}

# 1. kill the backend of a keyset backfill; a second runner is refused meanwhile
my ($s, $pid) = start_backfill('t1');
my ($rc, $out, $err) = $node->psql('postgres',
	"CALL schemashift.backfill('t1', 'b = a * 2', NULL, batch_size => 500)");
like($err, qr/running in another session/, 't1: a second runner of the same job is refused');
$node->safe_psql('postgres', "SELECT pg_terminate_backend($pid)");
$node->poll_query_until('postgres', "SELECT count(*) = 0 FROM pg_stat_activity WHERE pid = $pid");
eval { $s->quit; };
check_after_kill('t1');
resume_and_check('t1');

# 2. no key: TID ranges; restart the server (immediate) mid-run
($s, $pid) = start_backfill('t3');
$node->stop('immediate');
eval { $s->quit; };
$node->start;
check_after_kill('t3');
resume_and_check('t3');

$node->stop;
done_testing();
