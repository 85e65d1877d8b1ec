# schemashift.apply() interrupted by a server crash in the middle of a
# batched backfill step: after the restart the ledger says where the
# migration stands, and the same apply() resumes there and completes;
# every row updated exactly once in effect, the ledger consistent.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('apply');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'schemashift'");
$node->append_conf('postgresql.conf', "schemashift.mode = 'enforce'");
$node->start;
$node->safe_psql('postgres', q{
	CREATE EXTENSION schemashift;
	CREATE TABLE big (id bigint PRIMARY KEY, a bigint NOT NULL, b bigint);
	INSERT INTO big SELECT g, g, NULL FROM generate_series(1, 300000) g;
	ANALYZE big;
});

my $script = q{
CREATE TABLE side (id bigint PRIMARY KEY);
UPDATE big SET b = a * 2;
CREATE INDEX big_b ON big (b);
};
(my $literal = $script) =~ s/'/''/g;
my $call = "CALL schemashift.apply('$literal', '0001_big')";

my $plan = $node->safe_psql('postgres',
	"SELECT string_agg(recipe, ',' ORDER BY step) FROM schemashift.plan('$literal')");
is($plan, 'as is,backfill,online index', 'the plan batches the UPDATE and builds the index online');

# crash as soon as the first batch has committed
my $s = $node->background_psql('postgres', on_error_stop => 0);
$s->query_until(qr/started/, "\\echo started\nSET statement_timeout = 0;\n$call;\n");
$node->poll_query_until('postgres',
	"SELECT count(*) = 1 FROM schemashift.jobs WHERE rows_updated > 0")
  or die "the backfill did not start";
$node->stop('immediate');
eval { $s->quit; };
$node->start;

my $status = $node->safe_psql('postgres',
	"SELECT status, current_step, next LIKE 'interrupted%' FROM schemashift.migration_status('0001_big')");
like($status, qr/^running\|2\|t$/, 'after the crash the migration shows as interrupted at step 2');
my ($done, $updated) = split /\|/, $node->safe_psql('postgres',
	"SELECT (SELECT count(*) FROM big WHERE b = a * 2), (SELECT rows_updated FROM schemashift.jobs)");
is($done, $updated, 'committed batches and the job row agree after the crash');
cmp_ok($done, '<', 300000, 'the crash came before the end of the backfill');

my ($rc, $out, $err) = $node->psql('postgres', $call);
is($rc, 0, 'the same apply() runs again');
like($err, qr/resuming migration 0001_big at step 2 of 3/, 'it resumes at the interrupted step');
unlike($err, qr/step 1 of 3/, 'the finished step is not run again');

is($node->safe_psql('postgres', "SELECT count(*) FROM big WHERE b IS DISTINCT FROM a * 2"),
	'0', 'every row is updated');
is($node->safe_psql('postgres', "SELECT sum(rows_updated) FROM schemashift.jobs"),
	'300000', 'each row was updated once in effect');
is($node->safe_psql('postgres',
	"SELECT status || '/' || runs FROM schemashift.migrations WHERE id = '0001_big'"),
	'done/2', 'the migration is done, in two runs');
is($node->safe_psql('postgres',
	"SELECT string_agg(status, ',' ORDER BY step) FROM schemashift.migration_steps WHERE migration_id = '0001_big'"),
	'done,done,done', 'every step is stamped done');
is($node->safe_psql('postgres',
	"SELECT indisvalid FROM pg_index WHERE indexrelid = 'big_b'::regclass"), 't', 'the index is valid');

($rc, $out, $err) = $node->psql('postgres', $call);
like($err, qr/already applied, skipping/, 'a third run skips the applied migration');

$node->stop;
done_testing();
