# DROP EXTENSION schemashift: refused in enforce mode unless approved,
# warned in warn mode with what it deletes (rows of the audit log, the
# ledger, jobs and changes); an open expand/contract change blocks the drop,
# and DROP ... CASCADE takes its sync function and trigger along, leaving
# nothing on the application's table; self_check() reports sync triggers
# an earlier installation left behind.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('drop_extension');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'schemashift'
schemashift.mode = 'enforce'
});
$node->start;
$node->safe_psql('postgres', q{
	CREATE EXTENSION schemashift;
	BEGIN;
	CREATE TABLE accounts (id bigint PRIMARY KEY, flag int);
	INSERT INTO accounts SELECT g, 0 FROM generate_series(1, 100) g;
	COMMIT;
	CALL schemashift.expand_alter_column_type('accounts', 'flag', 'bigint');
});
my $objects_of_change = q{SELECT
	(SELECT count(*) FROM pg_trigger WHERE tgrelid = 'accounts'::regclass AND tgname LIKE 'zz\_schemashift\_%'),
	(SELECT count(*) FROM pg_proc WHERE proname LIKE 'ss%\_sync\_accounts')};
is($node->safe_psql('postgres', $objects_of_change), '1|1', 'the open change has its sync trigger and function');

# enforce: refused, naming what would be lost
my ($ret, $out, $err) = $node->psql('postgres', 'DROP EXTENSION schemashift');
like($err, qr/ERROR:  dropping extension schemashift deletes the rows of its tables: schemashift\.ddl_log \(\d+ rows\), .*schemashift\.changes \(1 row\).*1 open expand\/contract change keeps its sync trigger on an application table/,
	'enforce: DROP EXTENSION is refused with what it deletes');
like($err, qr/ban-drop-extension/, '... by the rule ban-drop-extension');

# warn: a warning, and the open change still blocks the plain drop
($ret, $out, $err) = $node->psql('postgres', q{SET schemashift.mode = warn; DROP EXTENSION schemashift});
like($err, qr/WARNING:  dropping extension schemashift deletes the rows/, 'warn: a warning with what it deletes');
like($err, qr/ERROR:  cannot drop extension schemashift because other objects depend on it/,
	'an open change blocks the drop');
like($err, qr/trigger zz_schemashift_1_sync on table accounts depends on function/, '... naming its sync trigger');
is($node->safe_psql('postgres', q{SELECT count(*) FROM pg_extension WHERE extname = 'schemashift'}), '1',
	'the extension is still there');

# approved, with CASCADE: the change's function and trigger go with it
($ret, $out, $err) = $node->psql('postgres', q{
	BEGIN;
	SELECT schemashift.approve('ban-drop-extension', 'schemashift', reason => 'test: removing it');
	DROP EXTENSION schemashift CASCADE;
	COMMIT;
});
is($ret, 0, 'approved: DROP EXTENSION ... CASCADE runs') or diag($err);
is($node->safe_psql('postgres', $objects_of_change), '0|0', 'no sync trigger or function is left on the table');
is($node->safe_psql('postgres', 'SELECT count(*), sum(flag) FROM accounts'), '100|0',
	"the table keeps its rows");
is($node->safe_psql('postgres', q{SELECT to_regclass('schemashift.ddl_log') IS NULL AND to_regclass('schemashift.changes') IS NULL}),
	't', "the extension's tables are gone with it");

# an earlier installation's leftovers: a sync trigger without its change
$node->safe_psql('postgres', q{
	SET schemashift.mode = off;
	CREATE FUNCTION ss9_sync_accounts() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
	CREATE TRIGGER zz_schemashift_9_sync BEFORE INSERT OR UPDATE ON accounts
	  FOR EACH ROW EXECUTE FUNCTION ss9_sync_accounts();
	CREATE EXTENSION schemashift;
});
is($node->safe_psql('postgres', q{SELECT ok, detail FROM schemashift.self_check() WHERE check_name = 'sync triggers'}),
	'f|left behind by an earlier installation (drop them): trigger zz_schemashift_9_sync on public.accounts, function public.ss9_sync_accounts',
	'self_check() reports a sync trigger an earlier installation left behind');

# an extension without data of its own is no finding; lint sees the same
$node->safe_psql('postgres', 'SET schemashift.mode = off; CREATE EXTENSION pg_trgm');
is($node->safe_psql('postgres', q{SELECT count(*) FROM schemashift.lint('DROP EXTENSION pg_trgm') WHERE rule = 'ban-drop-extension'}),
	'0', 'lint: an extension whose tables hold no data is no finding');
is($node->safe_psql('postgres', q{SELECT count(*) FROM schemashift.lint('DROP EXTENSION IF EXISTS never_installed') WHERE rule = 'ban-drop-extension'}),
	'0', 'lint: an extension that is not there is no finding');
like($node->safe_psql('postgres', q{SELECT message FROM schemashift.lint('DROP EXTENSION schemashift') WHERE rule = 'ban-drop-extension'}),
	qr/^dropping extension schemashift deletes the rows of its tables: schemashift\.ddl_log \(\d+ rows?\)/,
	'lint: DROP EXTENSION schemashift is a finding');

done_testing();
