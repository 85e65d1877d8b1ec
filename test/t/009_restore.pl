# Backup and restore with schemashift.mode = enforce server-wide: every form
# of restore (plain dump through psql, custom format with pg_restore -j 2,
# pg_restore --single-transaction, pg_dumpall through psql) either restores
# every object and the extension's own rows, or is refused at its first
# statement with the documented way in the hint.  Never a restore that ends
# with data and no keys.  schemashift.mode = restore is for superusers only.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $conf = qq{
shared_preload_libraries = 'schemashift'
schemashift.mode = 'enforce'
};
my $src = PostgreSQL::Test::Cluster->new('source');
$src->init;
$src->append_conf('postgresql.conf', $conf);
$src->start;
$src->safe_psql('postgres', q{
	CREATE EXTENSION schemashift;
	BEGIN;
	CREATE TABLE parent (id bigint PRIMARY KEY, name text UNIQUE);
	CREATE TABLE child (id bigint PRIMARY KEY, parent_id bigint REFERENCES parent, note text);
	CREATE INDEX child_parent ON child (parent_id);
	CREATE INDEX child_note ON child (lower(note));
	INSERT INTO parent SELECT g, 'p' || g FROM generate_series(1, 200) g;
	INSERT INTO child SELECT g, 1 + g % 200, 'n' || g FROM generate_series(1, 2000) g;
	COMMIT;
	CALL schemashift.apply('CREATE INDEX child_note2 ON child (note);', 'm1');
	CREATE ROLE regress_app LOGIN;
	CREATE DATABASE appdb;
});
$src->safe_psql('appdb', 'CREATE EXTENSION schemashift; CREATE TABLE t (id bigint PRIMARY KEY); INSERT INTO t VALUES (1)');

# what a restore must bring: the schema, the rows, the extension's rows
my $schema_q = q{SELECT string_agg(x, E'\n' ORDER BY x) FROM (
	SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid) x
	FROM pg_constraint WHERE connamespace = 'public'::regnamespace
	UNION ALL SELECT pg_get_indexdef(indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
	WHERE c.relnamespace = 'public'::regnamespace
	UNION ALL SELECT 'rows ' || (SELECT count(*) FROM parent) || ' ' || (SELECT count(*) FROM child)
	UNION ALL SELECT 'migration ' || id || ' ' || status FROM schemashift.migrations) s};
my $expected = $src->safe_psql('postgres', $schema_q);
my $audit_rows = $src->safe_psql('postgres', 'SELECT count(*) FROM schemashift.ddl_log');
like($expected, qr/child_parent_id_fkey/, 'the source has its keys');

my $dir = PostgreSQL::Test::Utils::tempdir;
$src->command_ok([ 'pg_dump', '-f', "$dir/plain.sql", '-d', $src->connstr('postgres') ], 'plain dump');
$src->command_ok([ 'pg_dump', '-Fc', '-f', "$dir/custom.dump", '-d', $src->connstr('postgres') ], 'custom dump');
$src->command_ok([ 'pg_dumpall', '-f', "$dir/all.sql", '-d', $src->connstr('postgres') ], 'pg_dumpall');

my $dst = PostgreSQL::Test::Cluster->new('target');
$dst->init;
$dst->append_conf('postgresql.conf', $conf);
$dst->start;
my $n = 0;

# run a command; (exit status, stdout, stderr)
sub run_status
{
	my ($cmd) = @_;
	my ($out, $err) = ('', '');
	IPC::Run::run($cmd, '>', \$out, '2>', \$err);
	return ($? >> 8, $out, $err);
}

# a fresh database to restore into; returns its name
sub target_db
{
	my $db = 'restore_' . ++$n;
	$dst->safe_psql('postgres', "CREATE DATABASE $db");
	return $db;
}

# no table of the restored database holds rows without its primary key
sub no_data_without_keys
{
	my ($db, $what) = @_;
	is($dst->safe_psql($db, q{SELECT count(*) FROM pg_class c
		WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
		  AND c.reltuples <> 0 AND NOT EXISTS (SELECT 1 FROM pg_index WHERE indrelid = c.oid AND indisprimary)}),
		'0', "$what: no table holds data without its key");
	my @tables = split /\n/, $dst->safe_psql($db,
		q{SELECT oid::regclass FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'});
	for my $t (@tables)
	{
		my $keyed = $dst->safe_psql($db,
			"SELECT EXISTS (SELECT 1 FROM pg_index WHERE indrelid = '$t'::regclass AND indisprimary)");
		my $rows = $dst->safe_psql($db, "SELECT count(*) FROM $t");
		ok($keyed eq 't' || $rows == 0, "$what: $t has its key or no rows");
	}
}

# --- without the documented way: refused at the first statement ---
for my $form ('plain', 'custom -j 2')
{
	my $db = target_db();
	my ($ret, $out, $err);
	if ($form eq 'plain')
	{
		($ret, $out, $err) = $dst->psql($db, undef, extra_params => [ '-f', "$dir/plain.sql" ]);
	}
	else
	{
		($ret, $out, $err) = run_status([ 'pg_restore', '-j', '2', '-d', $dst->connstr($db), "$dir/custom.dump" ]);
	}
	like($err, qr/enforce mode refuses to restore a dump statement by statement/, "$form, enforce: refused");
	like($err, qr/schemashift\.mode = restore/, "$form, enforce: the hint names the documented way");
	# the first guarded statement is refused, so nothing after it loads rows
	is($dst->safe_psql($db, q{SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'}),
		'0', "$form, enforce: no table was created");
	no_data_without_keys($db, "$form, enforce");
}

# an ordinary role cannot choose the restore mode
{
	$dst->safe_psql('postgres', 'CREATE ROLE regress_restorer LOGIN CREATEDB');
	my $db = target_db();
	$dst->safe_psql('postgres', "ALTER DATABASE $db OWNER TO regress_restorer");
	my ($ret, $out, $err);
	{
		local $ENV{PGOPTIONS} = '-c schemashift.mode=restore';
		($ret, $out, $err) = $dst->psql($db, q{SHOW schemashift.mode},
			extra_params => [ '-U', 'regress_restorer' ]);
	}
	isnt($out, 'restore', 'an ordinary role cannot choose the restore mode');
	like("$out $err", qr/enforce|permission denied to set parameter/,
		'... it stays in enforce, or is not let in');
}

# --- the documented ways: everything restored ---
sub restored_fully
{
	my ($db, $what, $ret, $err) = @_;
	is($ret, 0, "$what: exits 0") or diag($err);
	is($dst->safe_psql($db, $schema_q), $expected, "$what: every key, index and row");
	cmp_ok($dst->safe_psql($db, 'SELECT count(*) FROM schemashift.ddl_log'), '>=', $audit_rows,
		"$what: the audit log came along");
	no_data_without_keys($db, $what);
}

{
	my $db = target_db();
	local $ENV{PGOPTIONS} = '-c schemashift.mode=restore';
	my ($ret, $out, $err) = $dst->psql($db, undef,
		extra_params => [ '-v', 'ON_ERROR_STOP=1', '-f', "$dir/plain.sql" ]);
	restored_fully($db, 'plain, mode restore', $ret, $err);
	is($dst->safe_psql($db, q{SELECT count(*) FROM schemashift.ddl_log
		WHERE findings::text LIKE '%"restore"%' AND statement LIKE 'ALTER TABLE%'}) > 0 ? 'yes' : 'no',
		'yes', 'plain, mode restore: the restore\'s statements are audited with outcome restore');
}
{
	my $db = target_db();
	local $ENV{PGOPTIONS} = '-c schemashift.mode=restore';
	my ($ret, $out, $err) = run_status([ 'pg_restore', '-j', '2', '-e', '-d', $dst->connstr($db), "$dir/custom.dump" ]);
	restored_fully($db, 'custom -j 2, mode restore', $ret, $err);
}
{
	my $db = target_db();
	my ($ret, $out, $err) = run_status([ 'pg_restore', '--single-transaction', '-e', '-d', $dst->connstr($db), "$dir/custom.dump" ]);
	restored_fully($db, 'custom --single-transaction, enforce', $ret, $err);
}
{
	# pg_dumpall into a new cluster: roles, databases, everything
	my $all = PostgreSQL::Test::Cluster->new('all');
	$all->init;
	$all->append_conf('postgresql.conf', $conf);
	$all->start;
	my ($ret, $out, $err);
	($ret, $out, $err) = $all->psql('postgres', undef, on_error_stop => 0,
		extra_params => [ '-f', "$dir/all.sql" ]);
	like($err, qr/enforce mode refuses to restore a dump statement by statement/, 'pg_dumpall, enforce: refused');
	is($all->safe_psql('postgres', q{SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'}),
		'0', 'pg_dumpall, enforce: no table was created');
	$all->stop;

	# the documented way, into another new cluster
	$all = PostgreSQL::Test::Cluster->new('all_restored');
	$all->init;
	$all->append_conf('postgresql.conf', $conf);
	$all->start;
	{
		local $ENV{PGOPTIONS} = '-c schemashift.mode=restore';
		($ret, $out, $err) = $all->psql('postgres', undef, on_error_stop => 0,
			extra_params => [ '-f', "$dir/all.sql" ]);
	}
	is($all->safe_psql('postgres', $schema_q), $expected, 'pg_dumpall, mode restore: every key, index and row');
	is($all->safe_psql('appdb', 'SELECT count(*) FROM t'), '1', 'pg_dumpall, mode restore: the other database too');
	# the roles the new cluster has already are the only errors
	is(join("\n", grep { /ERROR/ && !/role "[a-z_]+" already exists/ } split /\n/, $err), '',
		'pg_dumpall, mode restore: no error but the existing roles');
}

done_testing();
