# An ordinary role cannot switch the guard off: not with SET before or
# after the library is loaded, set_config(), ALTER ROLE ... SET, PGOPTIONS,
# nor session_replication_role (even when granted SET on it); with and
# without shared_preload_libraries.  Shared objects and single-user mode are
# documented limits: event triggers do not fire there.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

sub setup_node
{
	my ($name, $preload) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name);
	$node->init;
	$node->append_conf('postgresql.conf', "shared_preload_libraries = 'schemashift'")
	  if $preload;
	$node->append_conf('postgresql.conf', "schemashift.mode = 'enforce'");
	$node->start;
	$node->safe_psql('postgres', q{
		CREATE EXTENSION schemashift;
		CREATE ROLE app LOGIN;
		CREATE TABLE t (id bigint PRIMARY KEY, v text, w text);
		ALTER TABLE t OWNER TO app;
	});
	return $node;
}

# Try to drop a column as app after running $prefix; return psql's stderr.
sub drop_as_app
{
	my ($node, $prefix, %opts) = @_;
	my ($ret, $out, $err) = $node->psql('postgres',
		"$prefix ALTER TABLE t DROP COLUMN v;",
		extra_params => [ '-U', 'app', '-v', 'VERBOSITY=verbose' ], %opts);
	return ($ret, $err);
}

for my $preload (0, 1)
{
	my $label = $preload ? 'preloaded' : 'event triggers only';
	my $node = setup_node($preload ? 'pre' : 'plain', $preload);

	my ($ret, $err) = drop_as_app($node, '');
	like($err, qr/SS001/, "$label: DROP COLUMN is blocked in enforce mode");

	($ret, $err) = drop_as_app($node, 'SET schemashift.mode = off;');
	like($err, qr/SS001|permission denied to set parameter/,
		"$label: SET schemashift.mode = off by an ordinary role does not help");
	unlike($err, qr/^ALTER TABLE/m, "$label: ... the column is still there");

	($ret, $err) = drop_as_app($node, "SELECT set_config('schemashift.mode', 'off', false);");
	like($err, qr/SS001|permission denied to set parameter/,
		"$label: set_config() by an ordinary role does not help");

	($ret, my $out, $err) = $node->psql('postgres',
		'ALTER ROLE app SET schemashift.mode = off;',
		extra_params => [ '-U', 'app' ]);
	like($err, qr/permission denied/, "$label: ALTER ROLE app SET by app is refused");

	($ret, $out, $err) = $node->psql('postgres',
		'ALTER DATABASE postgres SET schemashift.mode = off;',
		extra_params => [ '-U', 'app' ]);
	like($err, qr/must be owner|permission denied/,
		"$label: ALTER DATABASE SET by app is refused");

	{
		local $ENV{PGOPTIONS} = '-c schemashift.mode=off';
		($ret, $err) = drop_as_app($node, '');
		like($err, qr/SS001|permission denied to set parameter/,
			"$label: PGOPTIONS=-c schemashift.mode=off does not help");
	}

	# replica mode silences ordinary event triggers, not ENABLE ALWAYS ones
	$node->safe_psql('postgres', 'GRANT SET ON PARAMETER session_replication_role TO app');
	($ret, $err) = drop_as_app($node, 'SET session_replication_role = replica;');
	like($err, qr/SS001/, "$label: session_replication_role = replica does not silence the guard");
	my $check = $node->safe_psql('postgres',
		"SELECT ok, detail FROM schemashift.self_check() WHERE check_name = 'parameter grants'");
	like($check, qr/^f\|app granted SET on session_replication_role/,
		"$label: self_check() reports the parameter grant");
	is($node->safe_psql('postgres',
		"SELECT ok FROM schemashift.self_check() WHERE check_name = 'preloaded'"),
		$preload ? 't' : 'f', "$label: self_check() knows whether it is preloaded");

	is($node->safe_psql('postgres', "SELECT count(*) FROM information_schema.columns WHERE table_name = 't' AND column_name = 'v'"),
		'1', "$label: after all attempts the column is still there");

	# documented limit: shared objects fire no event triggers
	($ret, $out, $err) = $node->psql('postgres', 'CREATE ROLE someone; DROP ROLE someone;');
	is($ret, 0, "$label: roles (shared objects) are not guarded, as documented");

	$node->stop;
}

done_testing();
