# Rails' Active Record (Debian's ruby-activerecord, ruby-pg):
# test/runners/rails
# through RunnerScenario.pm: in the runner's transaction (refused), up,
# down, up, broken, fixed (refused), reset, up.
use strict;
use warnings;
use RunnerScenario qw(run_scenario);
use Test::More;

run_scenario(
	name => 'rails',
	dir => 'rails',
	command => [ '/usr/bin/ruby', 'bin/migrate' ],
	up1 => ['20261201000001'],
	down => [ 'down', '0' ],
	up => [],
	ids => [ '20261201000001', '20261201000002' ],
	applied => 'SELECT version FROM schema_migrations',
	broken => 'db/migrate/20261201000002_order_items_order_fk.rb',
	in_transaction => [ 'db/migrate/20261201000001_orders_customer_fk.rb', qr/^  disable_ddl_transaction!\n/m, '' ]);
done_testing();
