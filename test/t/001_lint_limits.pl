# lint() on big scripts: a 100,000-statement script is linted completely,
# and the backend's peak memory does not grow with the number of statements
# (each statement's parse tree is freed before the next one is parsed).
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('limits');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION schemashift');

# The backend exits with psql, so read its peak while it is alive: run the
# lint and the measurement in one session through a background psql.
sub measure
{
	my ($n) = @_;
	my $session = $node->background_psql('postgres');
	my $pid = $session->query_safe('SELECT pg_backend_pid()');
	my $count = $session->query_safe(
		"SELECT count(*) FROM schemashift.lint(
		   (SELECT string_agg(format('ALTER TABLE t%s ADD COLUMN c%s bigint DEFAULT random()::bigint;', g, g), E'\\n')
		      FROM generate_series(1, $n) g))");
	open(my $fh, '<', "/proc/$pid/status") or die "cannot read /proc/$pid/status: $!";
	my ($hwm) = map { /^VmHWM:\s+(\d+)/ ? $1 : () } <$fh>;
	close $fh;
	$session->quit;
	return ($count, $hwm);
}

my ($c1, $m1) = measure(10_000);
my ($c2, $m2) = measure(100_000);

# each statement yields prefer-robust-stmts, adding-field-with-default; the
# first one also the two timeout rules
is($c1, 2 * 10_000 + 2, 'every statement of a 10,000-statement script is linted');
is($c2, 2 * 100_000 + 2, 'every statement of a 100,000-statement script is linted');

# The script text itself (about 7 MB at 100k statements) and the findings
# tuplestore (spilled to disk past work_mem) are the only things that grow.
note("peak RSS: 10k statements ${m1} kB, 100k statements ${m2} kB");
cmp_ok($m2 - $m1, '<', 40_000,
	'peak memory grows by less than 40 MB for ten times the statements');

# A huge script that is one long syntax error does not crash the backend.
my $res = $node->safe_psql('postgres',
	"SELECT rule FROM schemashift.lint('SELECT ' || repeat('1 + ', 200000) || ';')");
is($res, 'syntax-error', 'a dangling operator in a huge expression is a syntax error');
ok($node->safe_psql('postgres', 'SELECT 1') eq '1', 'server still up');

$node->stop;
done_testing();
