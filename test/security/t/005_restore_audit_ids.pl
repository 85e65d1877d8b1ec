# A dump of a database with schemashift, restored into another cluster,
# must keep working: the audit log's rows come along, and DDL on the new
# cluster (the restore's own, and every later statement) writes audit rows
# without colliding with them.  Audit ids used to be built from
# transaction ids, which start again in a new cluster ("duplicate key value
# violates unique constraint ddl_log_pkey").  The ledger tables (jobs,
# changes, migrations) come along too, and take new rows afterwards.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $one = PostgreSQL::Test::Cluster->new('one');
$one->init;
$one->append_conf('postgresql.conf', "schemashift.mode = 'enforce'");
$one->start;
$one->safe_psql('postgres', q{
	CREATE EXTENSION schemashift;
	CREATE TABLE accounts (id bigint PRIMARY KEY, email text, flag int);
	INSERT INTO accounts SELECT g, 'u' || g, 0 FROM generate_series(1, 100) g;
});
# audit rows in many transactions (their transaction ids cover the range a
# new cluster's restore and first statements run in), and many in one
$one->safe_psql('postgres', join('', map { "CREATE TABLE scratch_$_ (id int);\n" } 1 .. 150));
$one->safe_psql('postgres', 'BEGIN; ' . join('', map { "CREATE TABLE batch_$_ (id int);\n" } 1 .. 50) . 'COMMIT;');
# ledger rows: a migration, a backfill job, an expand/contract change
$one->safe_psql('postgres', q{
	CALL schemashift.apply('CREATE INDEX accounts_email ON accounts (email);', 'm1');
	CALL schemashift.backfill('accounts', 'flag = 1', batch_size => 30);
	CALL schemashift.expand_add_column('accounts', 'note', 'text');
});
my $rows_one = $one->safe_psql('postgres', 'SELECT count(*) FROM schemashift.ddl_log');
cmp_ok($rows_one, '>=', 200, 'node one has its audit rows');

my $two = PostgreSQL::Test::Cluster->new('two');
$two->init;
$two->append_conf('postgresql.conf', "schemashift.mode = 'enforce'");
$two->start;

my ($dump, $stderr);
IPC::Run::run([ 'pg_dump', '-d', $one->connstr('postgres') ], '>', \$dump, '2>', \$stderr)
  or die "pg_dump failed: $stderr";
# a restore builds indexes and constraints the plain way: the superuser
# restoring lowers the guard to warn for that session (its DDL is still
# audited, which is what makes ids collide)
my ($ret, $out, $err);
{
	local $ENV{PGOPTIONS} = '-c schemashift.mode=warn';
	($ret, $out, $err) = $two->psql('postgres', $dump,
		extra_params => [ '-v', 'ON_ERROR_STOP=1' ]);
}
is($ret, 0, 'the dump restores without an error') or diag($err);
is($err =~ /duplicate key/ ? $err : '', '', 'no duplicate audit id during the restore');

is($two->safe_psql('postgres', q{SELECT count(*) FROM schemashift.ddl_log
	WHERE statement LIKE 'CREATE TABLE batch\_%' OR statement LIKE 'CREATE TABLE scratch\_%'}),
	'200', "node one's rows are there: one per table created");
cmp_ok($two->safe_psql('postgres', 'SELECT count(*) FROM schemashift.ddl_log'), '>=', $rows_one,
	"node one's audit rows came along");

# DDL on node two, in many transactions and many in one: no collision
my $before = $two->safe_psql('postgres', 'SELECT max(id) FROM schemashift.ddl_log');
($ret, $out, $err) = $two->psql('postgres',
	join('', map { "CREATE TABLE later_$_ (id int);\n" } 1 .. 200),
	extra_params => [ '-v', 'ON_ERROR_STOP=1' ]);
is($ret, 0, 'DDL after the restore writes its audit rows');
unlike($err, qr/duplicate key/, '... without a duplicate id');
($ret, $out, $err) = $two->psql('postgres',
	'BEGIN; ' . join('', map { "CREATE TABLE later_batch_$_ (id int);\n" } 1 .. 50) . 'COMMIT;',
	extra_params => [ '-v', 'ON_ERROR_STOP=1' ]);
is($ret, 0, 'many audit rows in one transaction after the restore');
is($two->safe_psql('postgres', "SELECT count(*) FROM schemashift.ddl_log WHERE id > $before"),
	'250', 'each new row has an id above every restored one');
is($two->safe_psql('postgres', 'SELECT count(*) = count(DISTINCT id) FROM schemashift.ddl_log'),
	't', 'ids are unique');

# lastval() stays the session's own
is($two->safe_psql('postgres', q{CREATE TABLE s (id bigserial, v int);
	INSERT INTO s (v) VALUES (1), (2);
	CREATE TABLE s2 (id int);
	SELECT lastval();}), '2', 'DDL does not change the session\'s lastval()');

# the ledger came along and takes new rows
is($two->safe_psql('postgres', "SELECT status FROM schemashift.migrations WHERE id = 'm1'"),
	'done', 'the migration ledger came along');
($ret, $out, $err) = $two->psql('postgres',
	q{CALL schemashift.apply('CREATE INDEX accounts_email ON accounts (email);', 'm1')},
	extra_params => [ '-v', 'ON_ERROR_STOP=1' ]);
is($ret, 0, 'apply() of a migration applied before the dump does nothing');
($ret, $out, $err) = $two->psql('postgres', q{
	CALL schemashift.apply('CREATE INDEX accounts_flag ON accounts (flag);', 'm2');
	CALL schemashift.backfill('accounts', 'flag = 2', batch_size => 30);
	CALL schemashift.expand_add_column('accounts', 'note2', 'text');},
	extra_params => [ '-v', 'ON_ERROR_STOP=1' ]);
is($ret, 0, 'new migrations, backfills and changes after the restore')
  or diag($err);
is($two->safe_psql('postgres', q{SELECT (SELECT count(*) FROM schemashift.migrations) || ' ' ||
	(SELECT count(DISTINCT id) FROM schemashift.jobs) || ' ' ||
	(SELECT count(DISTINCT id) FROM schemashift.changes)}),
	'2 2 2', 'the ledger has the old rows and the new ones');

$one->stop;
$two->stop;
done_testing();
