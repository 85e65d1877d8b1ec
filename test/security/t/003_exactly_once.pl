# Attack class: crash windows (exactly-once), issue 15 items 6 and 12.
# A non-idempotent backfill (n = n + 1) must change every row exactly once
# whatever stops it, and however often it is called:
#  a. apply('UPDATE big SET n = n + 1;') stopped by an immediate server stop
#     after its backfill job is done but before apply() stamps the step
#     (a trigger on the ledger holds the stamp: the window made wide and
#     deterministic), then the same apply() call, as migration_status
#     advises: the step finds its finished job and is only stamped; every
#     row is n + 1, one job;
#  b. the same backfill called twice: the second is a no-op that says so;
#     rerun => true runs it once more (n + 2);
#  c. a backfill killed mid-run (its batch held on a row by a trigger, then
#     the backend terminated), then the same CALL: it resumes after the last
#     committed batch; every row is n + 1.
# Each runs with and without schemashift in shared_preload_libraries.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $ROWS = 20000;

# rows of $table grouped by how many times they were updated
sub updates
{
	my ($node, $table) = @_;
	return $node->safe_psql('postgres',
		"SELECT string_agg(u || ':' || c, ',' ORDER BY u) FROM "
		  . "(SELECT n - id AS u, count(*) AS c FROM $table GROUP BY 1) s");
}

sub make_table
{
	my ($node, $table) = @_;
	$node->safe_psql('postgres', qq{
		CREATE TABLE $table (id int PRIMARY KEY, n int NOT NULL);
		INSERT INTO $table SELECT g, g FROM generate_series(1, $ROWS) g;
		ANALYZE $table;
	});
}

for my $preload (1, 0)
{
	my $label = $preload ? 'preloaded' : 'not preloaded';
	my $node = PostgreSQL::Test::Cluster->new($preload ? 'once_preload' : 'once_nopreload');
	$node->init;
	$node->append_conf('postgresql.conf', "shared_preload_libraries = 'schemashift'")
	  if $preload;
	$node->append_conf('postgresql.conf', "autovacuum = off");
	$node->start;
	$node->safe_psql('postgres', 'CREATE EXTENSION schemashift');

	# a. the window between a finished job and its step's stamp
	{
		make_table($node, 'big');
		# holds any stamp of a backfill step as done until lock 4242 is free;
		# polls, so no lock_timeout of the session can end the wait
		$node->safe_psql('postgres', q{
			CREATE FUNCTION hold_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN
				WHILE NOT pg_try_advisory_xact_lock(4242) LOOP
					PERFORM pg_sleep(0.05);
				END LOOP;
				RETURN NEW;
			END $$;
			CREATE TRIGGER hold_stamp BEFORE UPDATE ON schemashift.migration_steps
				FOR EACH ROW WHEN (NEW.status = 'done' AND NEW.recipe = 'backfill')
				EXECUTE FUNCTION hold_stamp();
		});
		my $holder = $node->background_psql('postgres');
		$holder->query_safe('SELECT pg_advisory_lock(4242)');

		my $call = "CALL schemashift.apply('UPDATE big SET n = n + 1;', 'm1')";
		my $s = $node->background_psql('postgres', on_error_stop => 0);
		$s->query_until(qr/started/, "\\echo started\n$call;\n");
		$node->poll_query_until('postgres',
			"SELECT count(*) = 1 FROM schemashift.jobs WHERE status = 'done'")
		  or die "the backfill of big did not finish";
		is( $node->safe_psql('postgres',
				"SELECT status FROM schemashift.migration_steps WHERE migration_id = 'm1'"),
			'running',
			"$label, a: the job is done and the step is not stamped (the window)");
		is(updates($node, 'big'), "1:$ROWS", "$label, a: the backfill updated every row once");

		$node->stop('immediate');
		eval { $s->quit; };
		eval { $holder->quit; };
		$node->start;
		$node->safe_psql('postgres', 'DROP TRIGGER hold_stamp ON schemashift.migration_steps');

		like( $node->safe_psql('postgres',
				"SELECT status || '|' || current_step || '|' || next FROM schemashift.migration_status('m1')"),
			qr/^running\|1\|interrupted: run apply\(\) again/,
			"$label, a: migration_status says interrupted at step 1, run apply() again");
		my ($rc, $out, $err) = $node->psql('postgres', $call);
		is($rc, 0, "$label, a: the same apply() runs again");
		like($err, qr/resuming migration m1 at step 1 of 1/, "$label, a: it resumes step 1");
		like($err, qr/backfill of public\.big is already done, nothing to do/,
			"$label, a: the step finds its finished job");
		is(updates($node, 'big'), "1:$ROWS", "$label, a: every row is n + 1, exactly");
		is( $node->safe_psql('postgres',
				"SELECT count(*) || '/' || sum(rows_updated) FROM schemashift.jobs"),
			"1/$ROWS", "$label, a: one job, $ROWS rows updated");
		is( $node->safe_psql('postgres',
				"SELECT s.status || '/' || m.status FROM schemashift.migration_steps s "
				  . "JOIN schemashift.migrations m ON m.id = s.migration_id WHERE m.id = 'm1'"),
			'done/done', "$label, a: the step and the migration are stamped done");
	}

	# b. the same backfill twice, then rerun => true
	{
		make_table($node, 'twice');
		my $call = "CALL schemashift.backfill('twice', 'n = n + 1', batch_size => 3000)";
		$node->safe_psql('postgres', $call);
		my ($rc, $out, $err) = $node->psql('postgres', $call);
		is($rc, 0, "$label, b: the second CALL succeeds");
		like($err, qr/NOTICE:  backfill of public\.twice is already done, nothing to do/,
			"$label, b: the second CALL says the job is already done");
		like($err, qr/HINT:  To run it again anyway, pass rerun => true\./,
			"$label, b: and how to run it again");
		is(updates($node, 'twice'), "1:$ROWS", "$label, b: every row is n + 1");

		($rc, $out, $err) = $node->psql('postgres',
			"CALL schemashift.backfill('twice', 'n = n + 1', batch_size => 3000, rerun => true)");
		is($rc, 0, "$label, b: rerun => true runs");
		like($err, qr/done, $ROWS rows updated/, "$label, b: rerun => true updates every row");
		is(updates($node, 'twice'), "2:$ROWS", "$label, b: every row is n + 2 after the asked-for rerun");
		is( $node->safe_psql('postgres',
				"SELECT string_agg(status, ',' ORDER BY id) FROM schemashift.jobs "
				  . "WHERE relid = 'twice'::regclass"),
			'done,done', "$label, b: two jobs, both done");
	}

	# c. killed mid-run, then the same CALL
	{
		make_table($node, 'killed');
		# the batch that reaches row 12001 waits until lock 4243 is free
		$node->safe_psql('postgres', q{
			CREATE FUNCTION hold_row() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN
				WHILE NOT pg_try_advisory_xact_lock(4243) LOOP
					PERFORM pg_sleep(0.05);
				END LOOP;
				RETURN NEW;
			END $$;
			CREATE TRIGGER hold_row BEFORE UPDATE ON killed
				FOR EACH ROW WHEN (NEW.id = 12001) EXECUTE FUNCTION hold_row();
		});
		my $holder = $node->background_psql('postgres');
		$holder->query_safe('SELECT pg_advisory_lock(4243)');

		my $call = "CALL schemashift.backfill('killed', 'n = n + 1', batch_size => 1000)";
		my $s = $node->background_psql('postgres', on_error_stop => 0);
		my $pid = $s->query_safe('SELECT pg_backend_pid()');
		$s->query_until(qr/started/, "\\echo started\n$call;\n");
		$node->poll_query_until('postgres',
			"SELECT wait_event = 'PgSleep' FROM pg_stat_activity WHERE pid = $pid")
		  or die "the backfill of killed did not reach row 12001";
		$node->safe_psql('postgres', "SELECT pg_terminate_backend($pid)");
		$node->poll_query_until('postgres',
			"SELECT count(*) = 0 FROM pg_stat_activity WHERE pid = $pid")
		  or die "backend $pid did not exit";
		eval { $s->quit; };
		$holder->quit;

		is( $node->safe_psql('postgres',
				"SELECT status || '/' || rows_updated || '/' || last_key[1] FROM schemashift.jobs "
				  . "WHERE relid = 'killed'::regclass"),
			'running/12000/12000',
			"$label, c: the job stopped after its twelfth batch");
		is(updates($node, 'killed'), "0:8000,1:12000",
			"$label, c: the committed batches and only they are done");

		my ($rc, $out, $err) = $node->psql('postgres', $call);
		is($rc, 0, "$label, c: the same CALL runs again");
		like($err, qr/resuming job \d+ \(running\) after key \(id\)/, "$label, c: it resumes the job");
		like($err, qr/done, 8000 rows updated/, "$label, c: it updates only the 8000 rows left");
		is(updates($node, 'killed'), "1:$ROWS", "$label, c: every row is n + 1, exactly");
		is( $node->safe_psql('postgres',
				"SELECT count(*) || '/' || max(status) || '/' || max(rows_updated) "
				  . "FROM schemashift.jobs WHERE relid = 'killed'::regclass"),
			"1/done/$ROWS", "$label, c: one job, done, $ROWS rows updated");
	}

	my $log = slurp_file($node->logfile);
	unlike($log, qr/terminated by signal|PANIC|TRAP:/, "$label: no backend crashed");
	$node->stop;
}

done_testing();
