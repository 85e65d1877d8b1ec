# Attack class: another role's text on the watcher's terminal.
#
# `schemashift progress` prints what every role's jobs are doing, with the
# names of their tables.  A role names its table with an escape sequence
# (here: clear the screen, set the terminal's title) and a newline followed
# by a forged line, then backfills it; a DBA watches.  Before the fix the
# bytes reached the DBA's terminal as they were.  Must hold: no control
# character from the name in the command's output (each is shown as '?'),
# and no line that the name forged.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;
use Cwd qw(realpath);
use File::Basename qw(dirname);

my $src = $ENV{SCHEMASHIFT_SRC} // realpath(dirname(__FILE__) . '/../../..');
my $bindir = `pg_config --bindir`;
chomp $bindir;
my $bin = -x "$bindir/schemashift" ? "$bindir/schemashift" : "$src/src/cli/schemashift";
die "schemashift is not built or installed\n" unless -x $bin;
my $timeout = $PostgreSQL::Test::Utils::timeout_default;

my $node = PostgreSQL::Test::Cluster->new('progress_names');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'schemashift'\nautovacuum = off\n");
$node->start;
# the name: ESC [2J (clear), ESC ]0;...BEL (title), a C1 CSI (U+009B), a
# newline; built by the server and used by OID, so that the test's own
# log does not carry it to the terminal of whoever runs the suite
my $name_sql = q{'t' || chr(27) || '[2J' || chr(27) || ']0;owned' || chr(7) || chr(155) || '1m'
	|| chr(10) || 'backfill of public.payroll (job 9): done'};
$node->safe_psql('postgres', qq{
	CREATE EXTENSION schemashift;
	CREATE ROLE regress_app LOGIN;
	GRANT CREATE ON SCHEMA public TO regress_app;
	SET ROLE regress_app;
	DO \$\$ BEGIN
		EXECUTE format('CREATE TABLE public.%I (id int PRIMARY KEY, a int)', $name_sql);
	END \$\$;
});
my $oid = $node->safe_psql('postgres', qq{SELECT oid FROM pg_class WHERE relname = $name_sql});
$node->safe_psql('postgres', qq{
	SET ROLE regress_app;
	DO \$\$ BEGIN
		EXECUTE format('INSERT INTO %s SELECT g, g FROM generate_series(1, 100) g', ${oid}::regclass);
		EXECUTE format('ANALYZE %s', ${oid}::regclass);
	END \$\$;
});

# the role's backfill, held after its first batch by a row lock
my $lock = $node->background_psql('postgres');
$lock->query_safe(qq{BEGIN; DO \$\$ BEGIN
	EXECUTE format('SELECT 1 FROM %s WHERE id = 15 FOR UPDATE', ${oid}::regclass); END \$\$;});
my $bf = $node->background_psql('postgres', on_error_stop => 0);
$bf->query_safe('SET ROLE regress_app');
$bf->query_until(qr/started/,
	"\\echo started\nCALL schemashift.backfill(${oid}::pg_catalog.regclass, 'a = a + 1', batch_size => 10);\n");
$node->poll_query_until('postgres', q{
	SELECT EXISTS (SELECT 1 FROM schemashift.jobs j JOIN pg_stat_activity a ON a.pid = j.pid
	                WHERE j.status = 'running' AND j.done = 10 AND a.wait_event_type = 'Lock')})
  or die "the backfill did not stop at the held row";

# the DBA watches, into a file and on a terminal
foreach my $pty (0, 1)
{
	my ($out, $err) = ('', '');
	my $h = IPC::Run::start([ $bin, 'progress', '--no-config', '--interval=0.1', '-d', $node->connstr('postgres') ],
		'<', \'', ($pty ? '>pty>' : '>'), \$out, '2>', \$err, IPC::Run::timeout($timeout));
	# (a terminal's line is cut at its width: the name's start is enough)
	$h->pump until $out =~ ($pty ? qr/0;owned/ : qr/batch 2, 10 of 100 rows/);
	$h->kill_kill;
	# the command's own redrawing of its bars on a terminal
	$out =~ s/\r?\e\[\d+A\e\[J//g;
	my $where = $pty ? 'terminal' : 'file';
	my $names = join "\n", grep { /backfill of/ } split /\r?\n/, $out;
	like($names, $pty ? qr/backfill of public\."t\?\[2J\?\]0;owned\?\?\?1m/ :
		qr/backfill of public\."t\?\[2J\?\]0;owned\?\?\?1m\?backfill of public\.payroll \(job 9\): done" \(job \d+\): batch 2/,
		"$where: the name is shown with each control character as '?'");
	unlike($names, qr/[\x00-\x08\x0b-\x1f\x7f]|\x{c2}[\x{80}-\x{9f}]/, "$where: no control character from the name");
	unlike($out, qr/^backfill of public\.payroll/m, "$where: no line forged by the name");
}

$lock->query_safe('COMMIT');
$lock->quit;
$bf->quit;
$node->stop;
done_testing();
