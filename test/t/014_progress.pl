# Progress where a migration runner's log is (issue 19, item 5):
#  1. `schemashift progress` with nothing running says so and exits 0; in
#     a database without the extension, or with no database, it fails
#     clearly (3, 2);
#  2. it watches a backfill running in another backend, held on a row lock
#     after its first batch: one line with the counts while it is held (a
#     file, not a terminal: a line per change), the job's end when the lock
#     goes, exit 0; the backfill's LOG progress lines are in the server log;
#  3. --wait waits for something to start, then watches it to its end; a
#     job that fails makes the exit status 1;
#  4. on a terminal, a bar redrawn in place;
#  5. an index build held by a writer's open transaction: its phase in the
#     command's output and, at progress_level = log, in the server log.
# Deterministic: each step waits for a state (a lock held, a line printed),
# never for a time.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);
use IPC::Run;
use Cwd qw(realpath);
use File::Basename qw(dirname);

my $src = $ENV{SCHEMASHIFT_SRC} // realpath(dirname(__FILE__) . '/../..');
my $bindir = `pg_config --bindir`;
chomp $bindir;
my $bin = -x "$bindir/schemashift" ? "$bindir/schemashift" : "$src/src/cli/schemashift";
die "schemashift is not built or installed\n" unless -x $bin;
my $timeout = $PostgreSQL::Test::Utils::timeout_default;

my $node = PostgreSQL::Test::Cluster->new('progress');
$node->init;
# no autovacuum: the row estimates the lines count against stay as ANALYZE left them
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'schemashift'\nautovacuum = off\n");
$node->start;
$node->safe_psql('postgres', q{
	CREATE DATABASE other;
	CREATE EXTENSION schemashift;
	CREATE TABLE t (id int PRIMARY KEY, a int NOT NULL, b int);
	CREATE TABLE t2 (id int PRIMARY KEY, a int);
	INSERT INTO t SELECT g, g, NULL FROM generate_series(1, 100) g;
	INSERT INTO t2 SELECT g, g FROM generate_series(1, 100) g;
	ANALYZE t, t2;
});
my $db = $node->connstr('postgres');
# no .schemashift.conf of the tree's is read
my @cli = ($bin, 'progress', '--no-config', '--interval=0.1');

sub run_cli
{
	my @args = @_;
	my ($out, $err) = ('', '');
	IPC::Run::run([ @cli, @args ], '<', \'', '>', \$out, '2>', \$err,
		IPC::Run::timeout($timeout));
	return ($? >> 8, $out, $err);
}

# start the command in the background, output to $$out / $$err (or a pty)
sub start_cli
{
	my ($out, $err, $pty, @args) = @_;
	return IPC::Run::start([ @cli, @args ], '<', \'', ($pty ? '>pty>' : '>'), $out,
		'2>', $err, IPC::Run::timeout($timeout));
}

# pump $h until $$buf matches $re (or the harness's timeout ends the test)
sub wait_for_output
{
	my ($h, $buf, $re, $what) = @_;
	$h->pump until $$buf =~ $re;
	pass($what);
}

# a session holding row $id of t locked, in an open transaction
sub hold_row
{
	my ($id) = @_;
	my $s = $node->background_psql('postgres');
	$s->query_safe("BEGIN; SELECT 1 FROM t WHERE id = $id FOR UPDATE;");
	return $s;
}

# a backfill of t in its own session, progress lines at LOG after each batch;
# back once its first batch is committed and the second waits for the lock
sub start_backfill
{
	my ($set) = @_;
	my $s = $node->background_psql('postgres', on_error_stop => 0);
	$s->query_safe("SET schemashift.progress_level = log; SET schemashift.progress_interval = -1;");
	$s->query_until(qr/started/, "\\echo started\nCALL schemashift.backfill('t', '$set', batch_size => 10);\n");
	$node->poll_query_until('postgres', q{
		SELECT EXISTS (SELECT 1 FROM schemashift.jobs j JOIN pg_stat_activity a ON a.pid = j.pid
		                WHERE j.status = 'running' AND j.done = 10 AND a.wait_event_type = 'Lock')})
	  or die "the backfill did not stop at the held row";
	return $s;
}

# 1. nothing to watch; no extension; no database
{
	my ($rc, $out, $err) = run_cli('-d', $db);
	is($rc, 0, 'nothing running: exit 0');
	is($out, '', 'nothing running: nothing on standard output');
	like($err, qr/^schemashift: nothing is running$/m, 'nothing running: said on standard error');

	($rc, $out, $err) = run_cli('-d', $node->connstr('other'));
	is($rc, 3, 'no extension: exit 3');
	like($err, qr/error: the schemashift extension is not installed in database "other"/, 'no extension: said so');
	like($err, qr/hint: Connect to the database the migration runs in/, 'no extension: the hint');

	($rc, $out, $err) = run_cli();
	is($rc, 2, 'no database: exit 2');
	like($err, qr/progress needs the database the migration runs in/, 'no database: said so');

	($rc, $out, $err) = run_cli('-d', $db, '--interval=0');
	is($rc, 2, 'a bad --interval: exit 2');
	IPC::Run::run([ $bin, 'lint', '--no-config', '--wait', '-' ], '<', \'', '>', \$out, '2>', \$err);
	like($err, qr/--wait and --interval belong to progress/, '--wait belongs to progress');
}

# 2. a backfill held after its first batch, watched into a file
{
	my $lock = hold_row(15);
	my $bf = start_backfill('b = a * 2');
	my ($out, $err) = ('', '');
	my $h = start_cli(\$out, \$err, 0, '-d', $db);
	wait_for_output($h, \$out,
		qr/^backfill of public\.t \(job 1\): batch 2, 10 of 100 rows \(10\.0%\)/m,
		'held backfill: its counts while it waits');
	ok($h->pumpable, 'held backfill: the command watches on while the job runs');
	$lock->query_safe('COMMIT');
	$h->finish;
	is($? >> 8, 0, 'backfill done: exit 0');
	like($out, qr/^backfill of public\.t \(job 1\): done, 100 of 100 rows \(100\.0%\)$/m,
		'backfill done: its end, with the counts');
	my @lines = grep { /batch 2, 10 of 100/ } split /\n/, $out;
	is(scalar @lines, 1, 'into a file: one line per change, not one per look');
	unlike($out, qr/\{|UPDATE/, 'no key value and no statement in the lines');
	$bf->quit;
	$lock->quit;
	ok($node->log_contains(qr/LOG:  backfill of public\.t: 10 of 100 rows \(10\.0%\), batch 1 of this run, 10 rows updated/),
		'progress_level = log: the line is in the server log');
	ok($node->log_contains(qr/DETAIL:  \d+ rows\/s, about \d+ s left\./),
		'the line\'s detail: rate and time left');
}

# 3. --wait, and a job that fails
{
	my ($out, $err) = ('', '');
	my $h = start_cli(\$out, \$err, 0, '-d', $db, '--wait');
	wait_for_output($h, \$err, qr/waiting for a backfill or an index build to start/, '--wait: waits');
	my $lock = hold_row(15);
	my $bf = start_backfill('b = 100 / (a - 50)');
	wait_for_output($h, \$out, qr/^backfill of public\.t \(job 2\): batch 2, 10 of 100 rows/m,
		'--wait: watches what started');
	$lock->query_safe('COMMIT');
	$h->finish;
	is($? >> 8, 1, 'a job that failed: exit 1');
	like($out, qr/^backfill of public\.t \(job 2\): failed, 40 of 100 rows \(40\.0%\)$/m,
		'the failed job: its status and how far it got');
	$bf->quit;
	$lock->quit;
}

# 4. on a terminal: a bar, redrawn in place
{
	my $lock = hold_row(15);
	my $bf = start_backfill('b = a * 3');
	my ($out, $err) = ('', '');
	my $h = start_cli(\$out, \$err, 1, '-d', $db);
	wait_for_output($h, \$out, qr/\[==>\s+\]\s+10\.0% backfill of public\.t \(job 3\): batch 2, 10 of/,
		'terminal: a bar with the percentage');
	wait_for_output($h, \$out, qr/\e\[1A\e\[J/, 'terminal: the bar is redrawn in place');
	$lock->query_safe('COMMIT');
	$h->finish;
	is($? >> 8, 0, 'terminal: exit 0');
	like($out, qr/backfill of public\.t \(job 3\): done, 100 of 100 rows/, 'terminal: the end line');
	$bf->quit;
	$lock->quit;
}

# 5. an index build waiting for a writer's transaction
{
	my $writer = $node->background_psql('postgres');
	$writer->query_safe('BEGIN; INSERT INTO t2 VALUES (1000, 1000);');
	my $ix = $node->background_psql('postgres', on_error_stop => 0);
	$ix->query_safe("SET schemashift.progress_level = log; SET schemashift.progress_interval = 0;");
	$ix->query_until(qr/started/, "\\echo started\nCALL schemashift.create_index('CREATE INDEX t2_a_idx ON t2 (a)');\n");
	$node->poll_query_until('postgres', q{
		SELECT EXISTS (SELECT 1 FROM schemashift.progress
		                WHERE kind = 'index build' AND phase = 'waiting for writers before build')})
	  or die "the index build did not wait for the writer";
	my ($out, $err) = ('', '');
	my $h = start_cli(\$out, \$err, 0, '-d', $db);
	wait_for_output($h, \$out,
		qr/^index build of t2 \(t2_a_idx, pid \d+\): waiting for writers before build/m,
		'index build: its phase');
	# the build's own session logs the phase when it next looks at it:
	# wait for that while the writer still holds the phase in place
	my $logged = 0;
	for (1 .. 600)
	{
		last if ($logged = $node->log_contains(
			qr/LOG:  index public\.t2_a_idx: waiting for writers before build/));
		usleep(100_000);
	}
	ok($logged, 'index build: the phase line in the server log');
	$writer->query_safe('COMMIT');
	$h->finish;
	is($? >> 8, 0, 'index build: exit 0');
	like($out, qr/^index build of t2 \(t2_a_idx, pid \d+\): ended$/m, 'index build: its end');
	$ix->quit;
	$writer->quit;
	is($node->safe_psql('postgres', q{SELECT indisvalid FROM pg_index WHERE indexrelid = 't2_a_idx'::regclass}),
		't', 'the index was built');
}

$node->stop;
done_testing();
