# knex (npm: knex and pg, installed by test/runners/install-deps with npm
# ci): test/runners/knex
# through RunnerScenario.pm: in the runner's transaction (refused), up,
# down, up, broken, fixed (refused), reset, up.
use strict;
use warnings;
use RunnerScenario qw(run_scenario);
use Test::More;

my ($m1, $m2) = ('0001_orders_customer_fk', '0002_order_items_order_fk');
run_scenario(
	name => 'knex',
	dir => 'knex',
	command => [ '/usr/bin/node', 'node_modules/knex/bin/cli.js' ],
	up1 => [ 'migrate:up', "$m1.js" ],
	down => [ 'migrate:rollback', '--all' ],
	up => ['migrate:latest'],
	ids => [ $m1, $m2 ],
	applied => q{SELECT regexp_replace(name, '\.js$', '') FROM knex_migrations},
	broken => "migrations/$m2.js",
	in_transaction => [ "migrations/$m1.js", qr/^exports\.config = \{ transaction: false \};\n/m, '' ]);
done_testing();
