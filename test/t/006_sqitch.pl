# schemashift.apply() from a real Sqitch deployment (docs/apply.md, "From
# migration tools"): a throw-away Sqitch project whose deploy scripts run a
# dangerous migration through CALL schemashift.apply(), deployed, reverted
# and deployed again with sqitch against a node in enforce mode; a deploy
# script that keeps the template's BEGIN/COMMIT is refused; a migration that
# fails (orphan rows for a foreign key) fails the deployment, leaves no
# constraint behind, refuses a changed script under the same migration id
# and resumes once the data is fixed; and what happens with a fixed
# migration id after a revert (apply() skips it: the objects stay missing).
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;

my $sqitch = `sh -c 'command -v sqitch'`;
chomp $sqitch;
die "sqitch is not installed: run scripts/setup (Debian packages sqitch, libdbd-pg-perl)\n"
  unless $sqitch;
die "DBD::Pg is not installed: run scripts/setup (Debian package libdbd-pg-perl)\n"
  unless eval { require DBD::Pg; 1 };

my $node = PostgreSQL::Test::Cluster->new('sqitch');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'schemashift'");
$node->append_conf('postgresql.conf', "schemashift.mode = 'enforce'");
$node->start;
$node->safe_psql('postgres', q{
	CREATE EXTENSION schemashift;
	CREATE TABLE customers (id bigint PRIMARY KEY);
	CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint, placed_at timestamptz);
	CREATE TABLE order_items (id bigint PRIMARY KEY, order_id bigint);
	INSERT INTO customers SELECT g FROM generate_series(1, 100) g;
	INSERT INTO orders SELECT g, g % 100 + 1, now() FROM generate_series(1, 5000) g;
	-- two orphans: order_items_order_fk cannot be validated until they go
	INSERT INTO order_items SELECT g, CASE WHEN g IN (7, 8) THEN 999999 ELSE g END
	  FROM generate_series(1, 5000) g;
	ANALYZE;
});

# Sqitch, run as the postgres OS user whose HOME may not be writable: its
# user and system configuration in a temporary directory, its user name and
# e-mail from the environment, never a prompt, never the network.
my $tmp = PostgreSQL::Test::Utils::tempdir;
my $proj = "$tmp/shop";
mkdir "$tmp/home" or die;
mkdir $proj or die;
$ENV{HOME} = "$tmp/home";
$ENV{SQITCH_USER_CONFIG} = "$tmp/home/sqitch.conf";
$ENV{SQITCH_SYSTEM_CONFIG} = "$tmp/system-sqitch.conf";
$ENV{SQITCH_FULLNAME} = 'Schemashift Test';
$ENV{SQITCH_EMAIL} = 'test@schemashift.invalid';
$ENV{SQITCH_PAGER} = 'cat';
$ENV{EDITOR} = $ENV{SQITCH_EDITOR} = 'false';    # sqitch add must not open one
delete $ENV{$_} for qw(SQITCH_TARGET SQITCH_CONFIG SQITCH_USERNAME SQITCH_PASSWORD);

# the node by its unix socket directory and port
my $target = sprintf('db:pg:///postgres?host=%s&port=%d', $node->host, $node->port);

sub sqitch
{
	my ($out, $err) = ('', '');
	my $ok = IPC::Run::run([ $sqitch, '--chdir', $proj, @_ ], '<', \undef, '>', \$out, '2>', \$err);
	return ($ok ? 0 : $? >> 8, $out, $err);
}

sub sqitch_ok
{
	my ($name, @args) = @_;
	my ($rc, $out, $err) = sqitch(@args);
	is($rc, 0, $name) or diag("sqitch @args\nstdout:\n$out\nstderr:\n$err");
	return ($out, $err);
}

sub write_file
{
	my ($path, $text) = @_;
	open my $fh, '>', $path or die "$path: $!";
	print $fh $text;
	close $fh or die "$path: $!";
}

sub q1 { $node->safe_psql('postgres', shift) }

# deploy/revert script bodies as docs/apply.md shows them: no BEGIN/COMMIT,
# a migration id that counts the change's earlier deploys and reverts in
# Sqitch's registry (the :"registry" variable Sqitch sets), then the CALL.
sub apply_script
{
	my ($change, $what, $body) = @_;
	return <<"EOS";
-- \u$what shop:$change (pg): no BEGIN/COMMIT, apply() commits between its steps
SELECT 'sqitch:$change:$what:' || count(*) AS migration_id
  FROM :"registry".events
 WHERE project = 'shop' AND change = '$change' AND event IN ('deploy', 'revert') \\gset
CALL schemashift.apply(\$\$
$body\$\$, :'migration_id');
EOS
}

sqitch_ok('sqitch init', 'init', 'shop', '--engine', 'pg');
ok(-f "$proj/sqitch.plan", 'the project has a plan');

# ---- a dangerous migration through apply(), deployed with --verify ----
my $fk = 'orders_customer_fk';
sqitch_ok("sqitch add $fk", 'add', $fk, '-n', 'index and foreign key for orders.customer_id');
like(slurp_file("$proj/deploy/$fk.sql"), qr/^BEGIN;.*^COMMIT;/ms,
	'the pg deploy template wraps the change in BEGIN/COMMIT (which apply() cannot run in)');
write_file("$proj/deploy/$fk.sql", apply_script($fk, 'deploy', <<'EOS'));
CREATE INDEX orders_customer_id_idx ON orders (customer_id);
ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers;
EOS
write_file("$proj/revert/$fk.sql", apply_script($fk, 'revert', <<'EOS'));
ALTER TABLE orders DROP CONSTRAINT IF EXISTS orders_customer_fk;
DROP INDEX IF EXISTS orders_customer_id_idx;
EOS
write_file("$proj/verify/$fk.sql", <<'EOS');
-- Verify shop:orders_customer_fk (pg): fails unless the index is valid and the constraint validated
SELECT 1 / count(*) FROM pg_index WHERE indexrelid = 'orders_customer_id_idx'::regclass AND indisvalid;
SELECT 1 / count(*) FROM pg_constraint WHERE conname = 'orders_customer_fk' AND convalidated;
EOS

my $valid_idx = "SELECT indisvalid FROM pg_index WHERE indexrelid = 'orders_customer_id_idx'::regclass";
my $fk_state = "SELECT coalesce((SELECT convalidated::text FROM pg_constraint WHERE conname = 'orders_customer_fk'), 'absent')";
my $registry = "SELECT coalesce(string_agg(change, ',' ORDER BY committed_at), '') FROM sqitch.changes WHERE project = 'shop'";

my ($out, $err) = sqitch_ok('sqitch deploy --verify runs apply() from the deploy script',
	'deploy', '--verify', $target);
like($out, qr/^\s*\+ $fk \.+ ok$/m, 'sqitch reports the change deployed');
like($err, qr/migration sqitch:$fk:deploy:0: 2 steps/, "apply's notices reach sqitch's output");
is(q1($valid_idx), 't', 'the index exists and is valid');
is(q1($fk_state), 'true', 'the foreign key is validated');
is(q1("SELECT status || '/' || runs FROM schemashift.migrations WHERE id = 'sqitch:$fk:deploy:0'"),
	'done/1', 'the ledger has the migration done');
is(q1("SELECT string_agg(recipe || ':' || status, ',' ORDER BY step) FROM schemashift.migration_steps WHERE migration_id = 'sqitch:$fk:deploy:0'"),
	'online index:done,add constraint:done', 'through the online index and safe constraint recipes');
is(q1($registry), $fk, "sqitch's registry has the change deployed");

($out, $err) = sqitch_ok('a second sqitch deploy succeeds', 'deploy', '--verify', $target);
like($out, qr/Nothing to deploy \(up-to-date\)/, 'and is a no-op');
is(q1("SELECT count(*) || '/' || sum(runs) FROM schemashift.migrations"), '1/1',
	'apply() was not called again');

# ---- revert, then deploy again ----
($out, $err) = sqitch_ok('sqitch revert runs the revert script through apply()', 'revert', '-y', $target);
like($out, qr/^\s*- $fk \.+ ok$/m, 'sqitch reports the change reverted');
is(q1("SELECT to_regclass('orders_customer_id_idx') IS NULL AND ($fk_state) = 'absent'"), 't',
	'the index and the constraint are gone');
is(q1("SELECT string_agg(recipe, ',' ORDER BY step) FROM schemashift.migration_steps WHERE migration_id = 'sqitch:$fk:revert:1'"),
	'as is,online drop index', 'the revert is migration sqitch:...:revert:1 in the ledger');
is(q1($registry), '', "sqitch's registry has nothing deployed");

($out, $err) = sqitch_ok('sqitch deploy after the revert', 'deploy', '--verify', $target);
like($err, qr/migration sqitch:$fk:deploy:2: 2 steps/,
	'the new deployment is a new migration (its id counts the earlier deploy and revert)');
unlike($err, qr/already applied/, 'so apply() does not skip it');
is(q1($valid_idx), 't', 'the index is back and valid');
is(q1($fk_state), 'true', 'the foreign key is back and validated');
is(q1("SELECT string_agg(id || '=' || status, ',' ORDER BY started_at) FROM schemashift.migrations"),
	"sqitch:$fk:deploy:0=done,sqitch:$fk:revert:1=done,sqitch:$fk:deploy:2=done",
	'the ledger has each deployment and the revert');
is(q1($registry), $fk, "sqitch's registry has the change deployed again");

# ---- the gap: a fixed migration id is skipped after a revert ----
my $naive = 'orders_placed_at_idx';
sqitch_ok("sqitch add $naive", 'add', $naive, '-n', 'index on orders.placed_at, fixed migration id');
write_file("$proj/deploy/$naive.sql", <<"EOS");
CALL schemashift.apply(\$\$ CREATE INDEX orders_placed_at_idx ON orders (placed_at); \$\$, 'sqitch:$naive');
EOS
write_file("$proj/revert/$naive.sql", "CALL schemashift.drop_index('orders_placed_at_idx');\n");
write_file("$proj/verify/$naive.sql", "SELECT 'orders_placed_at_idx'::regclass;\n");
sqitch_ok("deploy $naive", 'deploy', $target);
sqitch_ok("revert $naive", 'revert', '-y', '--to', $fk, $target);
is(q1("SELECT to_regclass('orders_placed_at_idx') IS NULL"), 't', 'the revert dropped the index');
($out, $err) = sqitch_ok('deploying it again (without --verify) "succeeds"', 'deploy', $target);
like($err, qr/migration sqitch:$naive is already applied, skipping/,
	'apply() skips a migration id it has done, although the revert undid it');
like($out, qr/^\s*\+ $naive \.+ ok$/m, 'sqitch reports the change deployed');
is(q1("SELECT to_regclass('orders_placed_at_idx') IS NULL"), 't', 'but the index is missing');
is(q1($registry), "$fk,$naive", "while sqitch's registry says it is deployed");
sqitch_ok("revert $naive again", 'revert', '-y', '--to', $fk, $target);
my ($rc);
($rc, $out, $err) = sqitch('deploy', '--verify', $target);
isnt($rc, 0, 'with --verify the same deployment fails');
like($err, qr/relation "orders_placed_at_idx" does not exist/, 'the verify script catches the missing index');
is(q1($registry), $fk, "and sqitch's registry does not record the change");
# take it out of the plan again: sqitch rework/remove would prompt
my $plan = slurp_file("$proj/sqitch.plan");
$plan =~ s/^\Q$naive\E .*\n//m or die "no $naive in the plan";
write_file("$proj/sqitch.plan", $plan);

# ---- a failing migration ----
my $items = 'order_items_order_fk';
sqitch_ok("sqitch add $items", 'add', $items, '-n', 'foreign key for order_items.order_id');
my $items_body = <<'EOS';
CREATE INDEX order_items_order_id_idx ON order_items (order_id);
ALTER TABLE order_items ADD CONSTRAINT order_items_order_fk FOREIGN KEY (order_id) REFERENCES orders;
EOS
my $items_state = "SELECT coalesce((SELECT convalidated::text FROM pg_constraint WHERE conname = '$items'), 'absent')";

# first as Sqitch's template has it: inside BEGIN/COMMIT
write_file("$proj/deploy/$items.sql", "BEGIN;\n" . apply_script($items, 'deploy', $items_body) . "COMMIT;\n");
write_file("$proj/revert/$items.sql", apply_script($items, 'revert', <<'EOS'));
ALTER TABLE order_items DROP CONSTRAINT IF EXISTS order_items_order_fk;
DROP INDEX IF EXISTS order_items_order_id_idx;
EOS
write_file("$proj/verify/$items.sql",
	"SELECT 1 / count(*) FROM pg_constraint WHERE conname = '$items' AND convalidated;\n");
($rc, $out, $err) = sqitch('deploy', '--verify', $target);
isnt($rc, 0, "a deploy script with the template's BEGIN/COMMIT fails");
like($err, qr/schemashift\.apply\(\) cannot run inside a transaction block/,
	'with apply() saying it cannot run in a transaction block');
like($out, qr/^\s*\+ $items \.+ not ok$/m, 'sqitch reports the change not ok');
is(q1("SELECT count(*) FROM schemashift.migrations WHERE id LIKE 'sqitch:$items:%'"), '0',
	'nothing ran: the ledger has no such migration');

# without them: apply() runs, the foreign key finds the orphans
write_file("$proj/deploy/$items.sql", apply_script($items, 'deploy', $items_body));
($rc, $out, $err) = sqitch('deploy', '--verify', $target);
isnt($rc, 0, 'a deployment whose migration fails fails');
like($out, qr/^\s*\+ $items \.+ not ok$/m, 'sqitch reports the change not ok');
like($err, qr/ERROR:  2 existing rows of public\.order_items violate foreign key constraint "order_items_order_fk"/,
	"apply()'s error, with the number of violating rows, is in sqitch's output");
like($err, qr/"order_id": 999999/, 'and examples of them');
is(q1($items_state), 'absent', 'the foreign key is not there, not even NOT VALID');
is(q1("SELECT indisvalid FROM pg_index WHERE indexrelid = 'order_items_order_id_idx'::regclass"), 't',
	'the index of the finished step 1 stays, valid');
is(q1("SELECT status || '/' || current_step || '/' || steps_done FROM schemashift.migration_status('sqitch:$items:deploy:0')"),
	'failed/2/1', 'the ledger has the migration failed at step 2');
like(q1("SELECT error FROM schemashift.migration_status('sqitch:$items:deploy:0')"),
	qr/2 existing rows of public\.order_items violate/, 'with the error of the step');
is(q1($registry), $fk, "sqitch's registry does not record the change");
is(q1("SELECT count(*) FROM sqitch.events WHERE change = '$items' AND event = 'fail'"), '2',
	"sqitch's registry has the two failed attempts");

# changing the script after the failure, under the same id, is refused
(my $changed = $items_body) =~ s/REFERENCES orders;/REFERENCES orders ON DELETE CASCADE;/ or die;
write_file("$proj/deploy/$items.sql", apply_script($items, 'deploy', $changed));
($rc, $out, $err) = sqitch('deploy', '--verify', $target);
isnt($rc, 0, 'a deploy script changed after a failed deployment fails');
like($err, qr/ERROR:  migration "sqitch:$items:deploy:0" was started with a different script/,
	'apply() refuses another script under an id it has started (SQLSTATE 22000)');
is(q1($items_state), 'absent', 'and runs nothing');
write_file("$proj/deploy/$items.sql", apply_script($items, 'deploy', $items_body));

# fix the data, deploy again: same id (failures do not count), apply() resumes
q1('DELETE FROM order_items WHERE order_id = 999999');
($out, $err) = sqitch_ok('after the orphans are gone, the deployment succeeds', 'deploy', '--verify', $target);
like($err, qr/resuming migration sqitch:$items:deploy:0 at step 2 of 2/, 'apply() resumes at the failed step');
is(q1($items_state), 'true', 'the foreign key is validated');
is(q1("SELECT status || '/' || runs FROM schemashift.migrations WHERE id = 'sqitch:$items:deploy:0'"),
	'done/2', 'the migration is done, in two runs');
is(q1($registry), "$fk,$items", "sqitch's registry has both changes deployed");

$node->stop;
done_testing();
