# Alembic (Debian's python3-alembic, python3-sqlalchemy, python3-psycopg2):
# test/runners/alembic
# through RunnerScenario.pm: in the runner's transaction (refused), up,
# down, up, broken, fixed (refused), reset, up.
use strict;
use warnings;
use RunnerScenario qw(run_scenario);
use Test::More;

my ($m1, $m2) = ('0001_orders_customer_fk', '0002_order_items_order_fk');
run_scenario(
	name => 'alembic',
	dir => 'alembic',
	command => [ '/usr/bin/python3', '-m', 'alembic' ],
	up1 => [ 'upgrade', $m1 ],
	down => [ 'downgrade', 'base' ],
	up => [ 'upgrade', 'head' ],
	ids => [ $m1, $m2 ],
	# alembic_version holds the head: the applied ones are it and its ancestors
	applied => "SELECT unnest(CASE version_num WHEN '$m2' THEN ARRAY['$m1', '$m2'] ELSE ARRAY[version_num] END) FROM alembic_version",
	broken => "migrations/versions/$m2.py",
	in_transaction => [ 'schemashift_ops.py', qr/with op\.get_context\(\)\.autocommit_block\(\):/, 'if True:' ]);
done_testing();
