# When the lock_timeout the guard set ends a statement, the error says that
# schemashift.lock_timeout expired, for which lock on which table, names the
# backends holding a conflicting lock (what a role may see of them, as in
# pg_stat_activity), and hints at with_lock_retries and apply().  A lock
# timeout the guard did not set keeps PostgreSQL's own message.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

for my $preload (1, 0)
{
	my $what = $preload ? 'preloaded' : 'event triggers only';
	my $node = PostgreSQL::Test::Cluster->new($preload ? 'preloaded' : 'not_preloaded');
	$node->init;
	$node->append_conf('postgresql.conf', qq{
schemashift.mode = 'warn'
schemashift.lock_timeout = '300ms'
});
	$node->append_conf('postgresql.conf', "shared_preload_libraries = 'schemashift'") if $preload;
	$node->start;
	$node->safe_psql('postgres', q{
		CREATE EXTENSION schemashift;
		CREATE TABLE orders (id bigint PRIMARY KEY, email text);
		INSERT INTO orders VALUES (1, 'someone@example.com');
		CREATE ROLE regress_other LOGIN;
		GRANT SELECT ON orders TO regress_other;
	});

	# a superuser's transaction, and an ordinary role's, each holding a lock
	my $holder = $node->background_psql('postgres',
		extra_params => [ '-v', 'x=1' ], on_error_stop => 0);
	$holder->query_safe(q{SET application_name = 'report_holder'});
	$holder->query_safe(q{BEGIN; SELECT count(*) FROM orders WHERE email <> 'secret-literal-in-query'});
	my $other = $node->background_psql('postgres',
		extra_params => [ '-U', 'regress_other' ], on_error_stop => 0);
	$other->query_safe(q{SET application_name = 'other_holder'});
	$other->query_safe(q{BEGIN; SELECT count(*) FROM orders});

	my ($ret, $out, $err) = $node->psql('postgres', 'ALTER TABLE orders ADD COLUMN note text');
	like($err, qr/ERROR:  schemashift\.lock_timeout of 300 ms expired waiting for AccessExclusiveLock on public\.orders/,
		"$what: the error says the guard's lock_timeout expired, for which lock on which table");
	like($err, qr/DETAIL:  Holding a conflicting lock: .*pid \d+ \(report_holder\), idle in transaction, transaction open for \d+ s, query "SELECT count\(\*\) FROM orders WHERE email <> 'secret-lit[^"]*\.\.\."/,
		"$what: a superuser sees the holder's state, transaction age and the start of its query") or diag($err);
	like($err, qr/pid \d+ \(other_holder\), idle in transaction/, "$what: ... and the other role's backend");
	like($err, qr/HINT:  .*schemashift\.with_lock_retries.*schemashift\.apply\(\)/, "$what: the hint names the recipes");
	unlike($err, qr/canceling statement due to lock timeout/, "$what: not the bare message");

	# an ordinary role sees only pid and application_name of others' backends
	$node->safe_psql('postgres', 'GRANT CREATE ON SCHEMA public TO regress_other; CREATE TABLE theirs (id bigint); ALTER TABLE theirs OWNER TO regress_other');
	$holder->query_safe(q{SELECT count(*) FROM theirs});
	($ret, $out, $err) = $node->psql('postgres', 'ALTER TABLE theirs ADD COLUMN note text',
		extra_params => [ '-U', 'regress_other' ]);
	like($err, qr/expired waiting for AccessExclusiveLock on public\.theirs/, "$what: an ordinary role gets the report");
	like($err, qr/pid \d+ \(report_holder\)(;|\.)/, "$what: ... with the pid and application_name of another role's backend");
	unlike($err, qr/secret-literal/, "$what: ... but not its query");

	# a lock timeout the guard did not set is PostgreSQL's own
	($ret, $out, $err) = $node->psql('postgres', q{BEGIN; SET LOCAL lock_timeout = '100ms'; LOCK TABLE orders IN ACCESS EXCLUSIVE MODE; COMMIT});
	like($err, qr/canceling statement due to lock timeout/, "$what: a user's own lock_timeout keeps its message") or diag($err);
	unlike($err, qr/schemashift/, "$what: ... without schemashift's words");

	# the guard's timeout caught by a savepoint leaves nothing armed behind
	($ret, $out, $err) = $node->psql('postgres', q{
		DO $$ BEGIN ALTER TABLE orders ADD COLUMN x int; EXCEPTION WHEN lock_not_available THEN RAISE NOTICE 'caught'; END $$;
		BEGIN;
		SET LOCAL lock_timeout = '100ms';
		LOCK TABLE orders IN ACCESS EXCLUSIVE MODE;
		COMMIT;
	});
	like($err, qr/caught/, "$what: the savepoint caught the guard's timeout");
	like($err, qr/ERROR:  canceling statement due to lock timeout/, "$what: a later timeout of the user's own is not called schemashift's") or diag($err);

	$holder->quit;
	$other->quit;
	$node->stop;
}

done_testing();
