# On a hot standby: every read-only function answers, every procedure
# refuses at once with a message that says why and where to run it, and the
# guard stands aside (the standby runs no DDL of its own).
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $primary = PostgreSQL::Test::Cluster->new('primary');
$primary->init(allows_streaming => 1);
$primary->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'schemashift'
schemashift.mode = 'enforce'
});
$primary->start;
$primary->safe_psql('postgres', q{
	CREATE EXTENSION schemashift;
	BEGIN;
	CREATE TABLE accounts (id bigint PRIMARY KEY, email text, flag int);
	INSERT INTO accounts SELECT g, 'u' || g, 0 FROM generate_series(1, 100) g;
	COMMIT;
	CALL schemashift.apply('CREATE INDEX accounts_email ON accounts (email);', 'm1');
});
$primary->backup('backup');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'backup', has_streaming => 1);
$standby->start;
$primary->wait_for_catchup($standby);
is($standby->safe_psql('postgres', 'SELECT pg_is_in_recovery()'), 't', 'the standby is in recovery');

# read-only functions answer as on the primary
for my $q (
	[ q{SELECT count(*) > 0 FROM schemashift.lint('ALTER TABLE accounts ALTER COLUMN flag SET NOT NULL')}, 't', 'lint()' ],
	[ q{SELECT count(*) FROM schemashift.statements('SELECT 1; SELECT 2')}, '2', 'statements()' ],
	[ q{SELECT count(*) > 40 FROM schemashift.rules()}, 't', 'rules()' ],
	[ q{SELECT schemashift.preloaded()}, 't', 'preloaded()' ],
	[ q{SELECT count(*) > 0 FROM schemashift.self_check()}, 't', 'self_check()' ],
	[ q{SELECT count(*) FROM schemashift.plan('CREATE INDEX accounts_flag ON accounts (flag);')}, '1', 'plan()' ],
	[ q{SELECT status FROM schemashift.migration_status('m1')}, 'done', 'migration_status()' ],
	[ q{SELECT count(*) FROM schemashift.progress}, '0', 'the progress view' ],
	[ q{SELECT count(*) FROM schemashift.check_constraint_data('ALTER TABLE accounts ADD CONSTRAINT f CHECK (flag = 0)')}, '1', 'check_constraint_data()' ],
	[ q{SELECT count(*) > 0 FROM schemashift.ddl_log}, 't', 'the audit log' ])
{
	my ($ret, $out, $err) = $standby->psql('postgres', $q->[0]);
	is($out, $q->[1], "standby: $q->[2] answers") or diag($err);
}

# procedures refuse at once, naming the standby
for my $call (
	q{CALL schemashift.apply('CREATE INDEX accounts_flag ON accounts (flag);', 'm2')},
	q{CALL schemashift.create_index('CREATE INDEX accounts_flag ON accounts (flag)')},
	q{CALL schemashift.drop_index('accounts_email')},
	q{CALL schemashift.reindex('accounts_email')},
	q{CALL schemashift.backfill('accounts', 'flag = 1')},
	q{CALL schemashift.expand_add_column('accounts', 'note', 'text')},
	q{CALL schemashift.expand_alter_column_type('accounts', 'flag', 'bigint')},
	q{CALL schemashift.expand_rename_column('accounts', 'flag', 'flags')},
	q{CALL schemashift.contract(1)},
	q{CALL schemashift.abort(1)},
	q{CALL schemashift.add_constraint('ALTER TABLE accounts ADD CONSTRAINT f CHECK (flag = 0)')},
	q{CALL schemashift.with_lock_retries('ALTER TABLE accounts ADD COLUMN note text')},
	q{SELECT schemashift.approve('ban-drop-table', 'accounts', 'on a standby')})
{
	my ($name) = $call =~ /schemashift\.(\w+)/;
	my ($ret, $out, $err) = $standby->psql('postgres', $call);
	like($err, qr/ERROR:  schemashift\.\Q$name\E\(\) cannot run on a standby/, "standby: $name refuses")
	  or diag($err);
	like($err, qr/HINT:  Run it on the primary/, "standby: $name says where to run it");
}

# the guard stands aside: nothing a standby can run is DDL, and a read-only
# transaction's refused DDL is PostgreSQL's own error, not the guard's
my ($ret, $out, $err) = $standby->psql('postgres', 'CREATE TABLE t (id bigint)');
like($err, qr/cannot execute CREATE TABLE in a read-only transaction/, 'standby: DDL fails as PostgreSQL says');
unlike($err, qr/schemashift/, 'standby: the guard adds nothing');

done_testing();
