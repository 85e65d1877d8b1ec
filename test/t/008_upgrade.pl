# ALTER EXTENSION schemashift UPDATE from 0.1.0 gives exactly what a fresh
# install of the current version has (every member object, with its
# definition, privileges and comment), keeps every row 0.1.0 wrote (audit
# log, ledger, jobs, changes), and between installing the new library and
# the update (the upgrade window) lint and the guard keep working while the
# procedures refuse with a hint to update.  The same from 0.2.0, whose
# ledger rows then take the new ledger moves (mark_reverted, a second run),
# and from 0.3.0, whose progress view changed (a job's last key hidden).
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('upgrade');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'schemashift'
schemashift.mode = 'enforce'
});
$node->start;

my $current = $node->safe_psql('postgres',
	q{SELECT default_version FROM pg_available_extensions WHERE name = 'schemashift'});
isnt($current, '0.1.0', "the current version ($current) is newer than 0.1.0");

# Every member of the extension, with what defines it, one line each.
my $members = q{
WITH m AS (
    SELECT d.classid, d.objid, d.objsubid
    FROM pg_depend d JOIN pg_extension e ON d.refobjid = e.oid
    WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
      AND e.extname = 'schemashift')
SELECT pg_describe_object(classid, objid, objsubid) || ' | ' || coalesce(
    CASE classid
    WHEN 'pg_proc'::regclass THEN
        pg_get_functiondef(objid) || ' acl=' || coalesce((SELECT proacl::text FROM pg_proc WHERE oid = objid), '')
    WHEN 'pg_class'::regclass THEN
        (SELECT relkind::text || ' acl=' || coalesce(relacl::text, '') || ' '
                || coalesce(pg_get_viewdef(c.oid), '')
                || coalesce((SELECT string_agg(a.attnum || ':' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
                                     || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
                                     || coalesce(' default ' || pg_get_expr(ad.adbin, ad.adrelid), '')
                                     || coalesce(' acl=' || a.attacl::text, ''),
                                     ', ' ORDER BY a.attnum)
                             FROM pg_attribute a LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
                             WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '')
                || coalesce((SELECT ' constraints: ' || string_agg(conname || ' ' || pg_get_constraintdef(oid), '; ' ORDER BY conname)
                             FROM pg_constraint WHERE conrelid = c.oid), '')
                || coalesce((SELECT ' indexes: ' || string_agg(pg_get_indexdef(indexrelid), '; ' ORDER BY 1)
                             FROM pg_index WHERE indrelid = c.oid), '')
                || coalesce((SELECT ' triggers: ' || string_agg(pg_get_triggerdef(oid), '; ' ORDER BY 1)
                             FROM pg_trigger WHERE tgrelid = c.oid AND NOT tgisinternal), '')
         FROM pg_class c WHERE c.oid = objid)
    WHEN 'pg_event_trigger'::regclass THEN
        (SELECT evtevent || ' ' || evtfoid::regprocedure::text || ' ' || evtenabled::text || ' ' || coalesce(evttags::text, '')
         FROM pg_event_trigger WHERE oid = objid)
    WHEN 'pg_type'::regclass THEN
        (SELECT typtype::text || ' ' || coalesce((SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod), ', ' ORDER BY attnum)
                                            FROM pg_attribute WHERE attrelid = typrelid AND attnum > 0), '')
         FROM pg_type WHERE oid = objid)
    ELSE '' END, '')
    || ' | comment=' || coalesce(obj_description(objid, classid::regclass::name), '')
FROM m ORDER BY 1;
};
# what pg_dump keeps of the extension's tables
my $config = q{SELECT (SELECT string_agg(c::regclass::text, ',' ORDER BY c::regclass::text) FROM unnest(extconfig) c),
	array_length(extcondition, 1) FROM pg_extension WHERE extname = 'schemashift'};

$node->safe_psql('postgres', 'CREATE DATABASE fresh');
$node->safe_psql('postgres', 'CREATE DATABASE updated');
$node->safe_psql('fresh', 'CREATE EXTENSION schemashift');
$node->safe_psql('updated', q{CREATE EXTENSION schemashift VERSION '0.1.0'});

# --- the upgrade window: the new library, the 0.1.0 SQL objects ---
$node->safe_psql('updated', q{
	CREATE TABLE accounts (id bigint PRIMARY KEY, email text, flag int);
	INSERT INTO accounts SELECT g, 'u' || g, 0 FROM generate_series(1, 100) g;
});
is($node->safe_psql('updated', q{SELECT count(*) FROM
	schemashift.lint('ALTER TABLE accounts ALTER COLUMN flag SET NOT NULL')
	WHERE rule = 'adding-not-nullable-field'}),
	'1', 'lint works in the window');
my ($ret, $out, $err) = $node->psql('updated', 'ALTER TABLE accounts ALTER COLUMN flag SET NOT NULL');
like($err, qr/adding-not-nullable-field/, 'the guard still blocks in the window');
$node->safe_psql('updated', 'CREATE INDEX CONCURRENTLY accounts_email ON accounts (email)');
is($node->safe_psql('updated', q{SELECT count(*) FROM schemashift.ddl_log WHERE command_tag = 'CREATE TABLE'}),
	'1', 'the guard writes the 0.1.0 audit log in the window');
($ret, $out, $err) = $node->psql('updated', q{CALL schemashift.backfill('accounts', 'flag = 1')});
like($err, qr/schemashift\.backfill\(\) needs schemashift \Q$current\E in this database, which has 0\.1\.0/,
	'a procedure refuses in the window');
like($err, qr/ALTER EXTENSION schemashift UPDATE/, '... with the hint to update');
is($node->safe_psql('updated', 'SELECT count(*) FROM accounts WHERE flag = 1'), '0',
	'... and changed nothing');

# rows 0.1.0 wrote, in the 0.1.0 columns (its library is gone here, so
# they are written as it wrote them)
$node->safe_psql('updated', q{
	INSERT INTO schemashift.ddl_log (id, role_name, session_role, command_tag, statement)
	VALUES (4294967296 * 1024, 'alice', 'alice', 'CREATE INDEX', 'CREATE INDEX i ON accounts (flag)');
	INSERT INTO schemashift.jobs (id, kind, relid, target, set_clause, key_columns, units, batch_size, status, run_by)
	VALUES (1, 'backfill', 'accounts'::regclass, 'public.accounts', 'flag = 2', 'id', 'rows', 1000, 'done', 'alice');
	INSERT INTO schemashift.changes (id, kind, relid, target, column_name, new_column, new_type, state, created_by)
	VALUES (1, 'alter_column_type', 'accounts'::regclass, 'public.accounts', 'flag', 'flag_new', 'bigint', 'aborted', 'alice');
	INSERT INTO schemashift.change_steps (change_id, step, phase, action, statement)
	VALUES (1, 1, 'expand', 'add column', 'ALTER TABLE public.accounts ADD COLUMN flag_new bigint');
	-- a change 0.1.0 left open, with its sync function
	CREATE FUNCTION public.ss2_sync_accounts() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
	INSERT INTO schemashift.changes (id, kind, relid, target, column_name, new_column, new_type, state,
	                                 sync_function, sync_trigger, created_by)
	VALUES (2, 'alter_column_type', 'accounts'::regclass, 'public.accounts', 'id', 'id_new', 'numeric',
	        'backfilling', 'public.ss2_sync_accounts', 'zz_schemashift_2_sync', 'alice');
	INSERT INTO schemashift.migrations (id, checksum, status, steps, run_by)
	VALUES ('m-010', 'abc', 'done', 1, 'alice');
	INSERT INTO schemashift.migration_steps (migration_id, step, line, col, statement, recipe, run, status)
	VALUES ('m-010', 1, 1, 1, 'CREATE TABLE x (id bigint);', 'as is', 'CREATE TABLE x (id bigint);', 'done');
});
my $rows = q{SELECT md5(string_agg(r, '/' ORDER BY r)) FROM (
	SELECT (id, role_name, command_tag, statement)::text r FROM schemashift.ddl_log
		WHERE command_tag <> 'ALTER EXTENSION'
	UNION ALL SELECT (id, relid, set_clause, status)::text FROM schemashift.jobs
	UNION ALL SELECT (id, column_name, state)::text FROM schemashift.changes
	UNION ALL SELECT (change_id, step, action)::text FROM schemashift.change_steps
	UNION ALL SELECT (id, checksum, status)::text FROM schemashift.migrations
	UNION ALL SELECT (migration_id, step, recipe, status)::text FROM schemashift.migration_steps) s};
my $rows_before = $node->safe_psql('updated', $rows);

# --- the update ---
$node->safe_psql('updated', 'ALTER EXTENSION schemashift UPDATE');
is($node->safe_psql('updated', q{SELECT extversion FROM pg_extension WHERE extname = 'schemashift'}),
	$current, 'updated to the current version');
is($node->safe_psql('updated', $rows), $rows_before, "0.1.0's rows are all there");

my $fresh = $node->safe_psql('fresh', $members);
cmp_ok(scalar(split /\n/, $fresh), '>', 40, 'the comparison sees the members');

# the database updated from "from" has exactly the members of a fresh one
sub same_as_fresh
{
	my ($db, $from) = @_;
	my $updated = $node->safe_psql($db, $members);
	my %in_fresh = map { $_ => 1 } split /\n/, $fresh;
	my %in_updated = map { $_ => 1 } split /\n/, $updated;
	my @only_fresh = grep { !$in_updated{$_} } sort keys %in_fresh;
	my @only_updated = grep { !$in_fresh{$_} } sort keys %in_updated;
	is(scalar(@only_fresh) + scalar(@only_updated), 0,
		"an installation updated from $from has exactly the objects of a fresh one")
	  or diag(join("\n", (map { "fresh only: $_" } @only_fresh), (map { "updated only: $_" } @only_updated)));
	is($node->safe_psql($db, $config), $node->safe_psql('fresh', $config),
		"pg_dump keeps the same tables of both ($from)");
}
same_as_fresh('updated', '0.1.0');
is($node->safe_psql('updated', q{SELECT string_agg(id || ':' || coalesce(next_call, '-'), ',' ORDER BY id) FROM schemashift.changes}),
	q{1:-,2:CALL schemashift.expand_alter_column_type('public.accounts', 'id', 'numeric')},
	'the change 0.1.0 left open gets the call to run next, the ended one none');
is($node->safe_psql('updated', q{SELECT deptype FROM pg_depend
	WHERE objid = 'public.ss2_sync_accounts()'::regprocedure AND refclassid = 'pg_extension'::regclass}),
	'x', "the sync function of a change 0.1.0 left open now depends on the extension (DROP EXTENSION refuses)");
is($node->safe_psql('updated', 'SELECT count(*) > 0 FROM schemashift.ledger_check()'), 't',
	"the updated state columns' CHECKs match the library's state machines");

# the updated installation works: the procedures, and the audit log's ids
# go on above 0.1.0's
$node->safe_psql('updated', q{CALL schemashift.backfill('accounts', 'flag = 1')});
is($node->safe_psql('updated', 'SELECT count(*) FROM accounts WHERE flag = 1'), '100',
	'a procedure runs after the update');
$node->safe_psql('updated', q{CALL schemashift.apply('CREATE INDEX accounts_flag ON accounts (flag);', 'm-020')});
is($node->safe_psql('updated', q{SELECT status FROM schemashift.migrations WHERE id = 'm-020'}),
	'done', 'apply() runs after the update');
is($node->safe_psql('updated', q{SELECT count(*) FROM schemashift.ddl_log
	WHERE id <= 4294967296 * 1024 AND command_tag <> 'CREATE INDEX'
	  AND logged_at > (SELECT logged_at FROM schemashift.ddl_log WHERE command_tag = 'ALTER EXTENSION')}),
	'0', 'new audit ids go above every 0.1.0 id')
  or diag($node->safe_psql('updated', 'SELECT id, command_tag, statement FROM schemashift.ddl_log ORDER BY id'));

# --- from 0.2.0 (its SQL objects only: rows written as 0.2.0 wrote them) ---
$node->safe_psql('postgres', 'CREATE DATABASE from020');
$node->safe_psql('from020', q{
	CREATE EXTENSION schemashift VERSION '0.2.0';
	CREATE TABLE orders (id bigint PRIMARY KEY, qty int);
	INSERT INTO schemashift.migrations (id, checksum, status, steps, run_by)
	VALUES ('m-100', 'abc', 'done', 1, current_user), ('m-101', 'def', 'failed', 1, current_user);
	INSERT INTO schemashift.migration_steps (migration_id, step, line, col, statement, recipe, run, status)
	VALUES ('m-100', 1, 1, 1, 'CREATE TABLE y (id bigint)', 'as is', 'CREATE TABLE y (id bigint)', 'done'),
	       ('m-101', 1, 1, 1, 'CREATE TABLE z (id bigint)', 'as is', 'CREATE TABLE z (id bigint)', 'failed');
});
my $ledger = q{SELECT string_agg(id || ':' || status || ':' || checksum, ',' ORDER BY id) FROM schemashift.migrations};
my $ledger_before = $node->safe_psql('from020', $ledger);
$node->safe_psql('from020', 'ALTER EXTENSION schemashift UPDATE');
is($node->safe_psql('from020', q{SELECT extversion FROM pg_extension WHERE extname = 'schemashift'}),
	$current, 'updated from 0.2.0 to the current version');
is($node->safe_psql('from020', $ledger), $ledger_before, "0.2.0's ledger rows are all there");
same_as_fresh('from020', '0.2.0');
is($node->safe_psql('from020', 'SELECT count(*) FROM schemashift.ledger_check()'), '6',
	"the state columns' CHECKs updated from 0.2.0 match the library's state machines");
# a migration 0.2.0 applied is reverted and runs again; a failed one is reset
$node->safe_psql('from020', q{SELECT schemashift.mark_reverted('m-100', 'after the update')});
$node->safe_psql('from020', q{SELECT schemashift.reset('m-101', 'after the update')});
$node->safe_psql('from020', q{CALL schemashift.apply('CREATE INDEX orders_qty ON orders (qty);', 'm-100')});
$node->safe_psql('from020', q{CALL schemashift.apply('CREATE TABLE z (id bigint);', 'm-101')});
is($node->safe_psql('from020', q{SELECT string_agg(id || ':' || run || ':' || status, ',' ORDER BY id) FROM schemashift.migrations}),
	'm-100:2:done,m-101:2:done', "0.2.0's migrations run again under their ids");
is($node->safe_psql('from020', q{SELECT string_agg(id || ':' || run || ':' || status || ':' || end_reason, ',' ORDER BY id)
	FROM schemashift.migration_history}),
	'm-100:1:reverted:after the update,m-101:1:reset:after the update', "their 0.2.0 runs are history");

# --- from 0.3.0: the progress view shows a job's last key to its role only ---
$node->safe_psql('postgres', 'CREATE DATABASE from030');
$node->safe_psql('from030', q{
	CREATE EXTENSION schemashift VERSION '0.3.0';
	INSERT INTO schemashift.migrations (id, checksum, status, steps, run_by)
	VALUES ('m-300', 'abc', 'done', 1, current_user);
});
my $ledger030 = $node->safe_psql('from030', $ledger);
$node->safe_psql('from030', 'ALTER EXTENSION schemashift UPDATE');
is($node->safe_psql('from030', q{SELECT extversion FROM pg_extension WHERE extname = 'schemashift'}),
	$current, 'updated from 0.3.0 to the current version');
is($node->safe_psql('from030', $ledger), $ledger030, "0.3.0's ledger rows are all there");
same_as_fresh('from030', '0.3.0');

done_testing();
