# Attack class: settings.  Without preloading, the library loads after the
# session started, and a placeholder an ordinary role set before that
# (PGOPTIONS, SET, set_config()) is refused when the library defines the
# setting.  The server then falls back to the built-in default; for every
# setting that enforces policy (schemashift.mode, schemashift.rules,
# schemashift.lock_timeout, schemashift.min_table_size) the administrator's configured value must hold
# instead: a statement blocked at the administrator's level is still
# blocked, and DDL still waits no longer than the configured lock_timeout.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('nopreload');
$node->init;
$node->start;
$node->safe_psql('postgres', q{
	CREATE EXTENSION schemashift;
	CREATE ROLE app LOGIN;
	CREATE TABLE t (id int PRIMARY KEY, v text NOT NULL, w text);
	INSERT INTO t SELECT g, 'v' FROM generate_series(1, 10) g;
	ALTER TABLE t OWNER TO app;
	-- the administrator: enforce, a stricter level, a shorter lock_timeout
	ALTER DATABASE postgres SET schemashift.mode = enforce;
	ALTER DATABASE postgres SET schemashift.rules = 'ban-drop-not-null=error';
	ALTER SYSTEM SET schemashift.lock_timeout = '1500ms';
	SELECT pg_reload_conf();
});

# Run $sql as app with PGOPTIONS set to $options; return (exit code, stdout, stderr).
sub as_app
{
	my ($options, $sql) = @_;
	local $ENV{PGOPTIONS} = $options;
	my ($ret, $out, $err) = $node->psql('postgres', $sql,
		extra_params => [ '-U', 'app', '-v', 'VERBOSITY=verbose' ],
		timeout => 60);
	return ($ret, $out, $err);
}

my $drop_not_null = 'ALTER TABLE t ALTER COLUMN v DROP NOT NULL;';
my $show = q{SELECT count(*) > 0 FROM schemashift.rules();
	SELECT current_setting('schemashift.mode'), current_setting('schemashift.rules'),
	       current_setting('schemashift.lock_timeout');};

# the administrator's settings hold without any attempt
my ($ret, $out, $err) = as_app('', $drop_not_null);
like($err, qr/SS001/, 'DROP NOT NULL is blocked at the administrator\'s level error');
($ret, $out, $err) = as_app('', $show);
is($out, "t\nenforce|ban-drop-not-null=error|1500ms", 'the configured values, once loaded');

# 1. PGOPTIONS empties schemashift.rules: ban-drop-not-null would fall back
# to its built-in level warning.  It must stay at error.
for my $value ('', 'ban-drop-not-null=off', 'ban-drop-not-null=warning')
{
	($ret, $out, $err) = as_app("-c schemashift.rules=$value", $drop_not_null);
	like($err, qr/SS001/, "PGOPTIONS schemashift.rules='$value': DROP NOT NULL is still blocked");
	like($err, qr/schemashift\.rules = "\Q$value\E" was refused; this session keeps the configured value "ban-drop-not-null=error"/,
		"PGOPTIONS schemashift.rules='$value': the refusal is reported");
}
($ret, $out, $err) = as_app('-c schemashift.rules=', $show);
is($out, "t\nenforce|ban-drop-not-null=error|1500ms",
	'PGOPTIONS schemashift.rules: the session has the configured value');

# 2. PGOPTIONS schemashift.mode=off: the configured enforce holds.
($ret, $out, $err) = as_app('-c schemashift.mode=off', 'ALTER TABLE t DROP COLUMN w;');
like($err, qr/SS001/, 'PGOPTIONS schemashift.mode=off: DROP COLUMN is still blocked');
($ret, $out, $err) = as_app('-c schemashift.mode=off', $show);
is($out, "t\nenforce|ban-drop-not-null=error|1500ms",
	'PGOPTIONS schemashift.mode=off: the session has the configured mode');

# 3. PGOPTIONS schemashift.lock_timeout=0 would let DDL queue behind a long
# transaction for ever.  The configured 1500ms must hold: with a reader
# holding its lock, app's DDL gives up instead of waiting.
($ret, $out, $err) = as_app('-c schemashift.lock_timeout=0', $show);
is($out, "t\nenforce|ban-drop-not-null=error|1500ms",
	'PGOPTIONS schemashift.lock_timeout=0: the session has the configured lock_timeout');
my $reader = $node->background_psql('postgres');
$reader->query_safe('BEGIN');
$reader->query_safe('SELECT count(*) FROM t');
($ret, $out, $err) = as_app('-c schemashift.lock_timeout=0', 'ALTER TABLE t ADD COLUMN x int;');
like($err, qr/55P03|lock timeout/, 'PGOPTIONS schemashift.lock_timeout=0: DDL still gives up on a held lock');
$reader->query_safe('COMMIT');
$reader->quit;

# 4. All of them at once.
($ret, $out, $err) = as_app('-c schemashift.mode=off -c schemashift.rules= -c schemashift.lock_timeout=0',
	$drop_not_null);
like($err, qr/SS001/, 'all three in PGOPTIONS: DROP NOT NULL is still blocked');

# 5. SET and set_config() before the library loads: refused at load, the
# configured values stay underneath.
for my $set ("SET schemashift.rules = '';", "SELECT set_config('schemashift.rules', '', false);",
	"SET schemashift.mode = off; SET schemashift.rules = 'ban-drop-not-null=off';")
{
	($ret, $out, $err) = as_app('', "$set $drop_not_null");
	like($err, qr/SS001/, "$set before the library loads: DROP NOT NULL is still blocked");
}
($ret, $out, $err) = as_app('', "SET schemashift.lock_timeout = 0; $show");
is($out, "t\nenforce|ban-drop-not-null=error|1500ms",
	'SET schemashift.lock_timeout = 0 before the library loads: the configured value holds');

# 6. A role set on the parameter by the administrator wins over the
# database's, as the server's precedence says.
$node->safe_psql('postgres', "ALTER ROLE app IN DATABASE postgres SET schemashift.rules = 'ban-drop-not-null=error, prefer-text-field=error'");
($ret, $out, $err) = as_app('-c schemashift.rules=', $show);
is($out, "t\nenforce|ban-drop-not-null=error, prefer-text-field=error|1500ms",
	'PGOPTIONS schemashift.rules: the role-and-database value comes back');
$node->safe_psql('postgres', 'ALTER ROLE app IN DATABASE postgres RESET schemashift.rules');

# 7. schemashift.min_table_size (issue 18): a placeholder app sets before the
# library loads is refused, and the session keeps the strict 0, so that
# DROP TABLE of t (which has rows) and, below, an index build on an empty
# table stay blocked.
$node->safe_psql('postgres', 'CREATE TABLE e (id int); ALTER TABLE e OWNER TO app;');
for my $try (['-c schemashift.min_table_size=1GB', ''],
	['', "SET schemashift.min_table_size = '1GB';"],
	['', "SELECT set_config('schemashift.min_table_size', '1GB', false);"])
{
	my ($options, $set) = @$try;
	($ret, $out, $err) = as_app($options,
		"$set SELECT count(*) > 0 FROM schemashift.rules(); SELECT current_setting('schemashift.min_table_size'); CREATE INDEX e_id ON e (id);");
	like($err, qr/SS001/, "min_table_size '$options$set': an index build on an empty table is still blocked");
	like($out, qr/^0$/m, "min_table_size '$options$set': the session keeps 0");
}
like($err, qr/schemashift\.min_table_size = "1GB" was refused/, 'the refusal is reported');

# 8. What must still work: a superuser may set them with PGOPTIONS.
{
	local $ENV{PGOPTIONS} = '-c schemashift.rules=ban-drop-not-null=warning';
	($ret, $out, $err) = $node->psql('postgres', $drop_not_null);
	is($ret, 0, 'a superuser\'s PGOPTIONS is accepted');
	unlike($err, qr/was refused/, '... and not reported as refused');
}

is($node->safe_psql('postgres', "SELECT count(*) FROM information_schema.columns WHERE table_name = 't' AND column_name IN ('w', 'x')"),
	'1', 'after all attempts, w is still there and x was never added');

$node->stop;
done_testing();
