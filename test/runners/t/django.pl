# Django (Debian's python3-django, python3-psycopg2): test/runners/django
# through RunnerScenario.pm: in the runner's transaction (refused), up,
# down, up, broken, fixed (refused), reset, up.
use strict;
use warnings;
use RunnerScenario qw(run_scenario);
use Test::More;

run_scenario(
	name => 'django',
	dir => 'django',
	command => [ '/usr/bin/python3', 'manage.py', 'migrate', 'shop' ],
	up1 => ['0001'],
	down => ['zero'],
	up => [],
	ids => [ 'shop.0001_orders_customer_fk', 'shop.0002_order_items_order_fk' ],
	applied => "SELECT app || '.' || name FROM django_migrations WHERE app = 'shop'",
	broken => 'shop/migrations/0002_order_items_order_fk.py',
	in_transaction => [ 'shop/migrations/0001_orders_customer_fk.py', qr/^    atomic = False\n/m, '' ]);
done_testing();
