# Attack class: approvals.  An approval names the relation that had the
# name when it was given.  Another session that drops the approved table
# and creates a new one of the same name (with other data) before the
# approved DROP runs must not get its new table dropped under the old
# approval: the DROP is blocked.  Both with and without preloading.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

for my $preload (0, 1)
{
	my $label = $preload ? 'preloaded' : 'event triggers only';
	my $node = PostgreSQL::Test::Cluster->new($preload ? 'pre' : 'plain');
	$node->init;
	$node->append_conf('postgresql.conf', "shared_preload_libraries = 'schemashift'")
	  if $preload;
	$node->append_conf('postgresql.conf', "schemashift.mode = 'enforce'");
	$node->start;
	$node->safe_psql('postgres', q{
		CREATE EXTENSION schemashift;
		CREATE ROLE approver;
		GRANT schemashift_approver TO approver;
		SET schemashift.mode = off;
		CREATE TABLE staging (id int);
		INSERT INTO staging VALUES (1);
	});

	# the approver's transaction: approve dropping staging (the old one)
	my $tx = $node->background_psql('postgres', on_error_stop => 0);
	$tx->query_safe('BEGIN');
	$tx->query_safe("SET ROLE approver");
	$tx->query_safe("SELECT schemashift.approve('ban-drop-table', 'staging', reason => 'the old staging table')");
	$tx->query_safe('RESET ROLE');

	# meanwhile another session replaces it with a table holding real data
	$node->safe_psql('postgres', q{
		SET schemashift.mode = off;
		DROP TABLE staging;
		CREATE TABLE staging (id int);
		INSERT INTO staging SELECT generate_series(1, 100);
	});

	$tx->query('DROP TABLE staging');
	like($tx->{stderr}, qr/Blocked by schemashift rule "ban-drop-table"/,
		"$label: the DROP of the new table is blocked");
	$tx->query('COMMIT');
	$tx->quit;
	is($node->safe_psql('postgres', 'SELECT count(*) FROM staging'), '100',
		"$label: the new table and its rows are still there");

	# what must still work: the approval covers the table it named
	my ($ret, $o, $e) = $node->psql('postgres', q{
		BEGIN;
		SELECT schemashift.approve('ban-drop-table', 'staging', reason => 'retired');
		DROP TABLE staging;
		COMMIT;});
	is($ret, 0, "$label: an approval of the table as it is lets its DROP through");
	$node->stop;
}

done_testing();
