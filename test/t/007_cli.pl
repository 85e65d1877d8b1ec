# The schemashift command line, driven as CI drives it: the real binary,
# against a TAP node (-h socket directory -p port) and with the throw-away
# server it starts itself when no connection option is given.
#
#   - every output format on the fixture set of test/cli/fixtures against the
#     golden files of test/cli/golden (only versions and the working
#     directory are normalised), from the node and from the throw-away
#     server alike; SARIF validated against the SARIF 2.1.0 JSON schema
#     (fetched from the npm registry at run time, never committed); GitHub
#     annotations checked against the workflow-command escaping rules, and
#     the step summary appended; JSON and GitLab parsed
#   - exit statuses 0, 1, 2 and 3, and what each message says
#   - which files, in what order: directories, version order, globs, -,
#     --exclude, --changed-since in a git repository made here, --rules,
#     --in-transaction, .schemashift.conf, --replay
#   - the throw-away server: started, used and gone afterwards, also after
#     SIGINT and SIGKILL of the command line; two runs at once with one
#     template build; ambient PG* variables ignored; root refused
#   - apply: the ledger, a second run, a failing file, --dry-run, --approve,
#     --expand-type-changes, Ctrl-C in a long step
#   - rules, --help, --version
#
# SCHEMASHIFT_UPDATE_GOLDEN=1 rewrites the golden files from this run
# instead of comparing (test/cli/golden must be writable by the user the
# test runs as; review the diff before committing it).
# SCHEMASHIFT_SARIF_SCHEMA=PATH uses that copy of sarif-2.1.0-rtm.5.json
# instead of fetching it with npm.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;
use JSON::PP;
use Cwd qw(realpath);
use File::Basename qw(dirname basename);
use File::Path qw(make_path);
use File::Temp ();
use POSIX qw(SIGINT SIGKILL);
use Time::HiRes qw(time sleep);

my $src = $ENV{SCHEMASHIFT_SRC} // realpath(dirname(__FILE__) . '/../..');
my $fixtures = "$src/test/cli/fixtures";
my $golden = "$src/test/cli/golden";
my $update_golden = $ENV{SCHEMASHIFT_UPDATE_GOLDEN};

# the installed program (next to psql), else the one just built
my $bindir = `pg_config --bindir`;
chomp $bindir;
my ($pg_major) = `pg_config --version` =~ /PostgreSQL (\d+)/;
my $bin = -x "$bindir/schemashift" ? "$bindir/schemashift" : "$src/src/cli/schemashift";
die "schemashift is not built or installed (looked in $bindir and $src/src/cli)\n" unless -x $bin;
note("testing $bin");

my $t0 = time;
my $timeout = $PostgreSQL::Test::Utils::timeout_default;
my $json = JSON::PP->new->canonical->pretty;

# ---------------------------------------------------------------------------
# Private directories: the template cache, the HOME and the TMPDIR of the
# throw-away runs are this test's own, so they can be inspected and nothing
# of the user's is touched.  TMPDIR must stay short (a unix socket path).

my $tmp = PostgreSQL::Test::Utils::tempdir('cli');
$tmp = PostgreSQL::Test::Utils::tempdir_short() if length($tmp) > 60;
$tmp = realpath($tmp);
my $home = "$tmp/home";
my $cache = "$tmp/cache";
my $work = "$tmp/work";
make_path($home, $work);
# the run directories: in memory where there is /dev/shm (as the program
# does without a TMPDIR), in a directory of this test's own either way
my $run_tmp = (-d '/dev/shm' && -w '/dev/shm')
  ? File::Temp::tempdir('schemashift-007.XXXXXX', DIR => '/dev/shm', CLEANUP => !defined $ENV{PG_TEST_NOCLEAN})
  : "$tmp/run";
make_path($run_tmp);
# kept (as the harness keeps its temporary directories) only when a test
# failed and left something in it
END { rmdir $run_tmp if $run_tmp && $run_tmp =~ m{^/dev/shm/}; }

# what every run gets, whatever the harness left in the environment
my %cli_env = (
	HOME => $home,
	SCHEMASHIFT_CACHE_DIR => $cache,
	TMPDIR => $run_tmp,
	XDG_CACHE_HOME => undef,
	NO_COLOR => undef,
	GITHUB_STEP_SUMMARY => undef,
	SCHEMASHIFT_PG_BINDIR => undef,
	LC_ALL => 'C',
);

# set_env(NAME => VALUE, ...) after a "local %ENV = %ENV": %cli_env, then
# these; undef removes a variable
sub set_env
{
	my %env = (%cli_env, @_);
	while (my ($k, $v) = each %env)
	{
		if (defined $v) { $ENV{$k} = $v; }
		else { delete $ENV{$k}; }
	}
}

# run(ARGS, env => {...}, stdin => TEXT, cwd => DIR): the status, signal,
# stdout and stderr of one run
sub run
{
	my ($args, %o) = @_;
	my ($out, $err) = ('', '');
	my $stdin = $o{stdin} // '';
	my $cwd = $o{cwd} // $work;
	local %ENV = %ENV;
	set_env(%{ $o{env} // {} });
	my $started = time;
	IPC::Run::run([ $bin, @$args ], '<', \$stdin, '>', \$out, '2>', \$err,
		init => sub { chdir $cwd or die "chdir $cwd: $!" },
		IPC::Run::timeout($timeout));
	return {
		rc => $? >> 8,
		sig => $? & 127,
		out => $out,
		err => $err,
		secs => time - $started,
	};
}

# run and check the exit status; the result for more checks
sub run_rc
{
	my ($name, $want, $args, %o) = @_;
	my $r = run($args, %o);
	is($r->{rc}, $want, "$name: exit status $want")
	  or diag("schemashift @$args\nstdout:\n$r->{out}\nstderr:\n$r->{err}");
	return $r;
}

sub slurp
{
	my ($path) = @_;
	open my $fh, '<:raw', $path or die "$path: $!";
	local $/;
	my $text = <$fh>;
	close $fh;
	return $text;
}

sub spew
{
	my ($path, $text) = @_;
	make_path(dirname($path));
	open my $fh, '>:raw', $path or die "$path: $!";
	print $fh $text;
	close $fh or die "$path: $!";
}

# the files a JSON report lists, in its order
sub json_paths
{
	my ($text) = @_;
	my $doc = eval { decode_json($text) } or return ['not JSON: ' . substr($text, 0, 200)];
	return [ map { $_->{path} } @{ $doc->{files} } ];
}

sub json_rules
{
	my ($text) = @_;
	my $doc = eval { decode_json($text) } or return ['not JSON: ' . substr($text, 0, 200)];
	return [ map { my $f = $_; map { "$f->{path}:$_->{line}:$_->{rule}" } @{ $f->{findings} } }
		  @{ $doc->{files} } ];
}

# run directories the throw-away server left in our TMPDIR
sub run_dirs
{
	return [ sort glob("$run_tmp/schemashift-run.*") ];
}

# processes whose command line names our TMPDIR (the postmaster's -D does)
sub our_processes
{
	my @pids;
	for my $proc (glob('/proc/[0-9]*'))
	{
		open my $fh, '<', "$proc/cmdline" or next;
		my $cmd = do { local $/; <$fh> } // '';
		close $fh;
		push @pids, basename($proc) if index($cmd, $run_tmp) >= 0;
	}
	return \@pids;
}

sub pid_alive
{
	my ($pid) = @_;
	return 0 unless $pid && kill(0, $pid);
	# a zombie waits for its parent only; it is no server any more
	open my $fh, '<', "/proc/$pid/stat" or return 0;
	my $stat = <$fh> // '';
	close $fh;
	return $stat !~ /^\d+ \(.*\) Z/;
}

sub wait_until
{
	my ($secs, $cond) = @_;
	my $deadline = time + $secs;
	while (time < $deadline)
	{
		return 1 if $cond->();
		sleep 0.05;
	}
	return $cond->();
}

# the throw-away server is gone: no run directory, no process
sub gone_ok
{
	my ($name) = @_;
	ok(wait_until(10, sub { !@{ our_processes() } }),
		"$name: no process of the throw-away server is left")
	  or diag('left: ' . join(' ', @{ our_processes() }));
	is_deeply(run_dirs(), [], "$name: no run directory is left in TMPDIR");
}

# the golden file NAME: compared, or written with SCHEMASHIFT_UPDATE_GOLDEN
sub golden_ok
{
	my ($name, $actual, $what) = @_;
	my $path = "$golden/$name";
	if ($update_golden)
	{
		spew($path, $actual);
		pass("$what: golden file $name written");
		return;
	}
	my $want = -e $path ? slurp($path) : '';
	if ($actual eq $want)
	{
		pass("$what matches $name");
		return;
	}
	my $got = "$tmp/actual/$name";
	spew($got, $actual);
	my $diff = `diff -u '$path' '$got' 2>&1 | head -60`;
	fail("$what matches $name");
	diag("golden file $path differs from this run ($got):\n$diff");
}

# ---------------------------------------------------------------------------
# The fixture set: test/cli/fixtures/migrations, and one file made here whose
# name and text hold what GitHub escapes (%, comma, colon; CR and LF in a
# quoted identifier the syntax error quotes).

system('cp', '-R', "$fixtures/migrations", "$work/migrations") == 0 or die "copy fixtures";
my $odd_name = 'V4__odd,name:50%.sql';
spew("$work/migrations/$odd_name",
	"-- schemashift:ignore no,such:rule%\n" . "CREATE \"odd,na:me%\r\nx\" TABLE;\n"
	  . "CREATE \"esc\e[31mred\" TABLE;\n");
# an empty configuration at the top: no .schemashift.conf above the test's
# directories can change what it sees
spew("$tmp/.schemashift.conf", "# schemashift 007_cli: no settings\n");

# the fixture run: prefer-text-field as info, so that every level shows
my @lint_args = ('--rules=prefer-text-field=info', 'migrations');
my @order = map { "migrations/$_" }
  ('V1__create_accounts.sql', 'V2__index_and_default.sql', $odd_name,
	'V10__drop_column.sql', 'sub/V11__nested.sql');

# ---------------------------------------------------------------------------
# The TAP node, with the extension; a database without it.

my $node = PostgreSQL::Test::Cluster->new('cli');
$node->init;
$node->append_conf('postgresql.conf', "max_connections = 30");
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION schemashift');
$node->safe_psql('postgres', 'CREATE DATABASE noext');
$node->safe_psql('postgres', 'CREATE DATABASE applydb');
$node->safe_psql('postgres', 'CREATE DATABASE drydb');
$node->safe_psql($_, 'CREATE EXTENSION schemashift') for qw(applydb drydb);
my @node = ('-h', $node->host, '-p', $node->port, '-d', 'postgres');
my $nrules = $node->safe_psql('postgres', 'SELECT count(*) FROM schemashift.rules()');

# ---------------------------------------------------------------------------
# --help, -?, --version, -V

{
	my $help = run_rc('--help', 0, ['--help']);
	like($help->{out}, qr/^Usage:\n  schemashift lint .*\n  schemashift apply .*\n  schemashift rules /m,
		'--help shows the three commands');
	for my $group ('Commands:', 'Lint options:', 'Apply options:',
		'Connection options (none given: a throw-away server is started):', 'General options:')
	{
		like($help->{out}, qr/^\Q$group\E$/m, "--help has the group \"$group\"");
	}
	for my $opt (qw(--format --fail-on --rules --profile --exclude --changed-since --in-transaction
		--replay --stdin-filename --color --quiet --verbose --dry-run --approve
		--expand-type-changes --dbname --host --port --username --tmp --pg-bindir --pg-config
		--config --no-config --version --help))
	{
		like($help->{out}, qr/^\s+(?:-\S, )?\Q$opt\E\b/m, "--help lists $opt");
	}
	like($help->{out}, qr/Exit status: 0 .* 1 findings, 2 usage or\ninput error, 3 database or server error; apply --dry-run: 4 when apply\(\)\nwould refuse a statement/s,
		'--help gives the exit statuses');
	is(run(['-?'])->{out}, $help->{out}, '-? is --help');
	is(run([ 'lint', '--help' ])->{out}, $help->{out}, 'lint --help is --help');
	is(run([ 'lint', '-?' ])->{out}, $help->{out}, 'lint -? is --help');

	my $v = run_rc('--version', 0, ['--version']);
	like($v->{out}, qr/^schemashift \d+\.\d+\.\d+ \(PostgreSQL $pg_major\)\n\z/, '--version names the version');
	is(run(['-V'])->{out}, $v->{out}, '-V is --version');
	is(run([ 'rules', '-V' ])->{out}, $v->{out}, 'rules -V is --version');
}

# ---------------------------------------------------------------------------
# Usage and input errors: status 2

{
	my $r = run_rc('no command', 2, []);
	like($r->{err}, qr/no command given/, 'no command: says so');
	$r = run_rc('unknown command', 2, ['lnt']);
	like($r->{err}, qr/unknown command "lnt".*\n.*Did you mean "lint"\?/, 'unknown command: did you mean');

	$r = run_rc('bad option', 2, [ 'lint', '--bogus', 'migrations' ]);
	like($r->{err}, qr/--bogus/, 'bad option: names it');
	like($r->{err}, qr/^Try "schemashift --help" for more information\.$/m, 'bad option: points at --help');
	# getopt's own message must name the program, not the command word
	like($r->{err}, qr/^schemashift(?: lint)?: .*--bogus/m, 'bad option: the message names schemashift');

	$r = run_rc('unknown format', 2, [ 'lint', '--format=sarf', 'migrations' ]);
	like($r->{err}, qr/unknown output format "sarf"/, 'unknown format: names it');
	like($r->{err}, qr/Did you mean "sarif"\?/, 'unknown format: did you mean');
	$r = run_rc('unknown format with a path', 2, [ 'lint', '-f', 'jsn:out.json', 'migrations' ]);
	like($r->{err}, qr/Did you mean "json"\?/, 'unknown format with a path: did you mean');
	ok(!-e "$work/out.json", 'unknown format: nothing written');

	$r = run_rc('bad --fail-on', 2, [ 'lint', '--fail-on=fatal', 'migrations' ]);
	like($r->{err}, qr/invalid --fail-on level "fatal"/, 'bad --fail-on: names it');
	$r = run_rc('bad --color', 2, [ 'lint', '--color=sometimes', 'migrations' ]);
	like($r->{err}, qr/invalid --color value "sometimes"/, 'bad --color: names it');

	$r = run_rc('unknown rule in --rules', 2, [ 'lint', @node, '--rules=prefer-text-feld=off', 'migrations' ]);
	like($r->{err}, qr/unknown schemashift rule "prefer-text-feld"/, 'unknown rule: names it');
	like($r->{err}, qr/Did you mean "prefer-text-field"\?/, 'unknown rule: did you mean');
	$r = run_rc('bad level in --rules', 2, [ 'lint', @node, '--rules=prefer-text-field=loud', 'migrations' ]);
	like($r->{err}, qr/--rules: .*loud/, 'bad level in --rules: names it');

	$r = run_rc('no input files', 2, [ 'lint', @node ]);
	like($r->{err}, qr/no input files/, 'no input files: says so');
	$r = run_rc('glob matches nothing', 2, [ 'lint', @node, 'migrations/X*.sql' ]);
	like($r->{err}, qr/no file matches "migrations\/X\*\.sql"/, 'glob matches nothing: names it');
	$r = run_rc('missing file', 2, [ 'lint', @node, 'migrations/V1__create_accounts.sql', 'nosuch.sql' ]);
	like($r->{err}, qr/could not open "nosuch\.sql": No such file or directory/, 'missing file: names it');
	is($r->{out}, '', 'missing file: nothing is linted');
	make_path("$work/empty");
	$r = run_rc('directory without *.sql', 2, [ 'lint', @node, 'empty' ]);
	like($r->{err}, qr/directory "empty" holds no \*\.sql file/, 'directory without *.sql: says so');
	$r = run_rc('standard input twice', 2, [ 'lint', @node, '-', '-' ]);
	like($r->{err}, qr/standard input \(-\) can be named only once/, 'standard input twice: says so');

	# bytes the server could not take, with their position
	spew("$work/bad/nul.sql", "SELECT 1;\nSELECT\0 2;\n");
	$r = run_rc('NUL byte', 2, [ 'lint', @node, 'bad/nul.sql' ]);
	like($r->{err}, qr/^bad\/nul\.sql:2:7: .*NUL byte/m, 'NUL byte: file:line:col');
	spew("$work/bad/latin1.sql", "SELECT 1;\n-- caf\xe9\nSELECT 2;\n");
	$r = run_rc('invalid UTF-8', 2, [ 'lint', @node, 'bad/latin1.sql' ]);
	like($r->{err}, qr/^bad\/latin1\.sql:2:7: error: invalid UTF-8 byte 0xe9/m, 'invalid UTF-8: file:line:col and the byte');

	$r = run_rc('lint options to rules', 2, [ 'rules', @node, '--fail-on=warning' ]);
	like($r->{err}, qr/rules takes no files and no lint options/, 'rules with lint options: says so');
	$r = run_rc('apply options to lint', 2, [ 'lint', @node, '--dry-run', 'migrations' ]);
	like($r->{err}, qr/--dry-run, --approve and --expand-type-changes belong to apply/,
		'apply options to lint: says so');
	$r = run_rc('rules --format=sarif', 2, [ 'rules', @node, '--format=sarif' ]);
	like($r->{err}, qr/rules prints text or json/, 'rules --format=sarif: says so');
	is_deeply(run_dirs(), [], 'no usage error started a throw-away server');
}

# ---------------------------------------------------------------------------
# Output formats against the golden files, from the node and from the
# throw-away server: every format in one run each (--format FMT:PATH is
# repeatable), plus each one alone on standard output.

my %golden_name = (text => 'lint.text.txt', compact => 'lint.compact.txt', json => 'lint.json',
	sarif => 'lint.sarif', github => 'lint.github.txt', gitlab => 'lint.gitlab.json');
my @formats = qw(text compact json sarif github gitlab);
my $cwd_uri = 'file://' . join('/', map { s/([^A-Za-z0-9\-._~])/sprintf('%%%02X', ord $1)/ger } split m{/}, $work) . '/';
my $version = (run(['--version'])->{out} =~ /^schemashift (\S+)/)[0];

# what must vary from run to run and machine to machine, and only that
sub normalise
{
	my ($fmt, $text, $label) = @_;
	return $text unless $fmt eq 'json' || $fmt eq 'sarif' || $fmt eq 'gitlab';
	my $doc = eval { decode_json($text) };
	if (!$doc)
	{
		fail("$label: $fmt output parses as JSON");
		diag($@);
		return $text;
	}
	if ($fmt eq 'json')
	{
		is($doc->{tool}{version}, $version, "$label: json names the tool's version");
		like($doc->{server_version}, qr/^$pg_major\.\d+/, "$label: json names the server's version");
		$doc->{tool}{version} = '@VERSION@';
		$doc->{server_version} = '@SERVER_VERSION@';
	}
	elsif ($fmt eq 'sarif')
	{
		my $run = $doc->{runs}[0];
		is($run->{tool}{driver}{version}, $version, "$label: sarif names the tool's version");
		is($run->{originalUriBaseIds}{'%SRCROOT%'}{uri}, $cwd_uri,
			"$label: sarif's %SRCROOT% is the working directory");
		$run->{tool}{driver}{$_} = '@VERSION@' for qw(version semanticVersion);
		$run->{originalUriBaseIds}{'%SRCROOT%'}{uri} = 'file:///@CWD@/';
	}
	return $json->encode($doc);
}

my %outputs;    # label => format => the raw output
my $summary_file = "$tmp/step-summary.md";
spew($summary_file, "# an earlier step\n\n");
for my $where ([ 'node', @node ], ['throw-away'])
{
	my ($label, @conn) = @$where;
	my $dir = "$tmp/out-$label";
	make_path($dir);
	my @args = ('lint', @conn, '-v', map({ "--format=$_:$dir/$_.out" } @formats), @lint_args);
	my $r = run_rc("all formats at once ($label)", 1, \@args, env => { GITHUB_STEP_SUMMARY => $summary_file });
	is($r->{out}, '', "all formats at once ($label): nothing on standard output");
	like($r->{err}, qr/^schemashift: 5 files linted: 6 errors, 7 warnings, 1 info$/m,
		"all formats at once ($label): the summary on standard error");
	if ($label eq 'node') { unlike($r->{err}, qr/throw-away/, 'the node run starts no server'); }
	else { like($r->{err}, qr/throw-away server ready in/, 'the throw-away run starts one'); }
	for my $fmt (@formats)
	{
		my $text = -e "$dir/$fmt.out" ? slurp("$dir/$fmt.out") : '';
		$outputs{$label}{$fmt} = $text;
		golden_ok($golden_name{$fmt}, normalise($fmt, $text, "$fmt ($label)"), "$fmt ($label)");
	}
}
gone_ok('after the formats');

# each format alone, to standard output, is the same as to a file
for my $fmt (@formats)
{
	my $r = run([ 'lint', @node, "--format=$fmt", @lint_args ]);
	is($r->{rc}, 1, "--format=$fmt: exit status 1");
	is($r->{out}, $outputs{node}{$fmt}, "--format=$fmt on standard output is what it wrote to a file");
}
{
	my $r = run([ 'lint', @node, @lint_args ]);
	is($r->{out}, $outputs{node}{text}, 'text is the default format');
	unlike($r->{out}, qr/\e\[/, 'no colour when standard output is not a terminal');
	for my $fmt (qw(text compact))
	{
		unlike($outputs{node}{$fmt}, qr/[\x00-\x08\x0b-\x1f\x7f]/,
			"$fmt: no control character from a message reaches the terminal");
	}
	like($outputs{node}{text}, qr/syntax error at or near ""esc\\x1B\[31mred"" \[syntax-error\]/,
		'text: ESC in a message is shown as \\x1B');
	$r = run([ 'lint', @node, '--color=always', @lint_args ]);
	like($r->{out}, qr/\e\[1;31merror:\e\[0m/, '--color=always colours the levels');
	(my $plain = $r->{out}) =~ s/\e\[[0-9;]*m//g;
	is($plain, $outputs{node}{text}, '--color=always adds only SGR sequences');
	$r = run([ 'lint', @node, '-q', '-f', 'compact', @lint_args ]);
	is($r->{err}, '', '-q: no summary');
	$r = run([ 'lint', @node, '-f', 'compact', '-f', 'gitlab', @lint_args ]);
	is($r->{out}, $outputs{node}{compact} . $outputs{node}{gitlab}, 'two formats on standard output, one after the other');

	# on a terminal: colour by default, none with NO_COLOR or TERM=dumb
	for my $case ([ 'a terminal', {}, 1 ], [ 'NO_COLOR', { NO_COLOR => 1 }, 0 ],
		[ 'TERM=dumb', { TERM => 'dumb' }, 0 ], [ 'NO_COLOR and --color=always', { NO_COLOR => 1 }, 1, '--color=always' ])
	{
		my ($name, $env, $want, @extra) = @$case;
		my $out = '';
		local %ENV = %ENV;
		set_env(TERM => 'xterm', %$env);
		IPC::Run::run([ $bin, 'lint', @node, '-q', @extra, 'migrations/V10__drop_column.sql' ],
			'<', \'', '>pty>', \$out, init => sub { chdir $work }, IPC::Run::timeout($timeout));
		is($out =~ /\e\[/ ? 1 : 0, $want, "colour on $name: " . ($want ? 'yes' : 'no'));
	}
}

# GitHub's step summary: appended once per run, after what was there
{
	my $one = slurp($summary_file);
	ok($one =~ s/\A# an earlier step\n\n//, 'GITHUB_STEP_SUMMARY: what an earlier step wrote is kept');
	my $half = substr($one, 0, length($one) / 2);
	is($one, $half . $half, 'GITHUB_STEP_SUMMARY: each run appended the same summary');
	golden_ok('lint.github-summary.md', $half, 'the step summary');
	like($half, qr/^\| File \| Line \| Level \| Rule \| Message \|$/m, 'the step summary is a table');
	my @rows = grep { /^\| migrations/ } split /\n/, $half;
	is(scalar(@rows), 14, 'the step summary has a row per finding');
	like($half, qr/^\| migrations\/V4\\_\\_odd,name:50%\.sql \| 2 \| error \| syntax-error \| syntax error at or near ""odd,na:me%<br>x""<br>Hint: /m,
		'the step summary: a newline in a message does not end the row');
}

# The documents parse, and say what they should
my $report = decode_json($outputs{node}{json});
{
	is($report->{schema}, 'schemashift-lint', 'json: the envelope names its schema');
	is($report->{version}, 1, 'json: the envelope is versioned');
	is($report->{fail_on}, 'error', 'json: fail_on');
	is_deeply([ map { $_->{path} } @{ $report->{files} } ], \@order,
		'json: files in version order (V2 before V4 before V10), directories recursed');
	my @all = map { @{ $_->{findings} } } @{ $report->{files} };
	is(scalar(@all), 14, 'json: 14 findings');
	is_deeply([ sort keys %{ $all[0] } ],
		[ sort qw(statement line col rule level object lock rewrites message hint) ],
		'json: every column of lint()');
	is_deeply($report->{summary}, { files => 5, findings => 14, errors => 6, warnings => 7, infos => 1 },
		'json: the summary counts');
	my ($default) = grep { $_->{rule} eq 'adding-field-with-default' } @all;
	is($default->{rewrites}, JSON::PP::true, 'json: rewrites is a boolean');
	is($default->{lock}, 'AccessExclusiveLock', 'json: the lock');
	my ($syntax) = grep { $_->{rule} eq 'syntax-error' && $_->{line} == 2 && $_->{col} == 8 } @all;
	is($syntax->{message}, "syntax error at or near \"\"odd,na:me%\r\nx\"\"", 'json: CR and LF in a message survive');
	is_deeply(decode_json($outputs{'throw-away'}{json})->{files}, $report->{files},
		'json: the throw-away server finds exactly what the node finds');

	my $gl = decode_json($outputs{node}{gitlab});
	is(ref $gl, 'ARRAY', 'gitlab: an array of issues');
	is(scalar(@$gl), 14, 'gitlab: an issue per finding');
	my %fp = map { $_->{fingerprint} => 1 } @$gl;
	is(scalar(keys %fp), 14, 'gitlab: the fingerprints are unique');
	my @bad = grep {
		!($_->{description} && $_->{check_name} && $_->{fingerprint} =~ /^[0-9a-f]{32}$/
			&& $_->{severity} =~ /^(?:info|minor|major|critical|blocker)$/
			&& $_->{location}{path} && $_->{location}{lines}{begin} >= 1)
	} @$gl;
	is(scalar(@bad), 0, 'gitlab: every issue has the Code Quality fields') or diag($json->encode(\@bad));
	is_deeply([ map { "$_->{location}{path}:$_->{location}{lines}{begin}:$_->{check_name}:$_->{severity}" } @$gl ],
		[ map { my $f = $_; map { "$f->{path}:$_->{line}:$_->{rule}:" . { error => 'major', warning => 'minor', info => 'info' }->{ $_->{level} } } @{ $f->{findings} } } @{ $report->{files} } ],
		'gitlab: the same findings as json, with severities major/minor/info');
}

# GitHub annotations: the workflow-command escaping rules of @actions/core
# (data: % CR LF; properties also : and ,), and nothing else
{
	my @lines = split /\n/, $outputs{node}{github}, -1;
	is(pop(@lines), '', 'github: ends with a newline');
	my @findings = map { my $f = $_; map { [ $f->{path}, $_ ] } @{ $f->{findings} } } @{ $report->{files} };
	is(scalar(@lines), scalar(@findings), 'github: one line per finding');
	my $data_re = qr/(?:[^%\r\n]|%(?:25|0D|0A))*/;
	my $prop_re = qr/(?:[^%\r\n:,]|%(?:25|0D|0A|3A|2C))*/;
	my %unescape = ('%25' => '%', '%0D' => "\r", '%0A' => "\n", '%3A' => ':', '%2C' => ',');
	my $ok = 1;
	for my $i (0 .. $#lines)
	{
		my ($path, $f) = @{ $findings[$i] };
		my $cmd = { error => 'error', warning => 'warning', info => 'notice' }->{ $f->{level} };
		my ($name, $props, $data) = $lines[$i] =~ /^::(\w+) (.*?)::(.*)\z/s;
		my %p = map { my ($k, $v) = split /=/, $_, 2; ($k => $v) } split /,/, $props // '';
		my $want_data = $f->{message} . ($f->{hint} ? "\nHint: $f->{hint}" : '');
		my @problems;
		push @problems, "command $name, not $cmd" unless ($name // '') eq $cmd;
		push @problems, 'a property is not escaped' if grep { !defined || !/^$prop_re\z/ } values %p;
		push @problems, 'the message is not escaped' unless ($data // '') =~ /^$data_re\z/;
		my %u = map { $_ => ($p{$_} // '') =~ s/(%(?:25|0D|0A|3A|2C))/$unescape{$1}/gr } keys %p;
		push @problems, "file=$u{file}" unless ($u{file} // '') eq $path;
		push @problems, "line=$u{line}" unless ($u{line} // '') eq $f->{line};
		push @problems, "col=$u{col}" unless ($u{col} // '') eq $f->{col};
		push @problems, "title=$u{title}" unless ($u{title} // '') eq $f->{rule};
		push @problems, 'message' unless (($data // '') =~ s/(%(?:25|0D|0A))/$unescape{$1}/gr) eq $want_data;
		if (@problems)
		{
			$ok = 0;
			diag("github line $i: @problems\n$lines[$i]");
		}
	}
	ok($ok, 'github: every annotation is escaped and unescapes to its finding');
	like($outputs{node}{github}, qr/^::error file=migrations\/V4__odd%2Cname%3A50%25\.sql,line=2,col=8,title=syntax-error::syntax error at or near ""odd,na:me%25%0D%0Ax""%0AHint: /m,
		'github: % , : in a file name and % CR LF in a message are escaped (and : , in the message are not)');
	like($outputs{node}{github}, qr/^::notice file=migrations\/V1__create_accounts\.sql,line=4,col=11,title=prefer-text-field::/m,
		'github: info is a notice');
}

# SARIF 2.1.0: the JSON schema (from the npm package @microsoft/jest-sarif,
# fetched here: it is not committed), with its formats checked
my $sarif_schema = $ENV{SCHEMASHIFT_SARIF_SCHEMA};
if (!$sarif_schema)
{
	my $npmdir = "$tmp/npm";
	make_path("$npmdir/cache");
	my ($out, $err) = ('', '');
	my $ok = eval {
		local %ENV = (%ENV, HOME => $npmdir, npm_config_cache => "$npmdir/cache",
			npm_config_update_notifier => 'false', npm_config_fund => 'false',
			npm_config_audit => 'false', npm_config_loglevel => 'error');
		IPC::Run::run([ 'npm', 'pack', '--silent', '@microsoft/jest-sarif@1.0.0-beta.0' ],
			'<', \'', '>', \$out, '2>', \$err, init => sub { chdir $npmdir },
			IPC::Run::timeout(120));
	};
	$err = $@ . $err unless $ok;
	my ($tgz) = glob("$npmdir/microsoft-jest-sarif-*.tgz");
	if ($ok && $tgz
		&& system('tar', '-xzf', $tgz, '-C', $npmdir, 'package/lib/schemas/sarif-2.1.0-rtm.5.json') == 0)
	{
		$sarif_schema = "$npmdir/package/lib/schemas/sarif-2.1.0-rtm.5.json";
	}
	ok($sarif_schema, 'the SARIF 2.1.0 schema is fetched with npm pack @microsoft/jest-sarif@1.0.0-beta.0')
	  or diag("npm (run scripts/setup; the npm registry must be reachable, or set SCHEMASHIFT_SARIF_SCHEMA):\n$out$err");
}
if ($sarif_schema)
{
	my $validator = <<'PY';
import json, sys
try:
    import jsonschema
    import rfc3987  # jsonschema checks "uri" and "uri-reference" only with it
except ImportError as e:
    print("run scripts/setup (python3-jsonschema, python3-rfc3987): %s" % e)
    sys.exit(2)
schema = json.load(open(sys.argv[1]))
v = jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())
bad = 0
for path in sys.argv[2:]:
    for e in sorted(v.iter_errors(json.load(open(path))), key=lambda e: list(e.absolute_path)):
        print("%s: %s: %s" % (path, "/".join(map(str, e.absolute_path)), e.message))
        bad += 1
sys.exit(1 if bad else 0)
PY
	my $validate = sub {
		my ($out, $err) = ('', '');
		IPC::Run::run([ '/usr/bin/python3', '-c', $validator, $sarif_schema, @_ ],
			'<', \'', '>', \$out, '2>', \$err, IPC::Run::timeout($timeout));
		return ($? >> 8, $out . $err);
	};
	my ($rc, $msg) = $validate->("$tmp/out-node/sarif.out", "$tmp/out-throw-away/sarif.out");
	is($rc, 0, 'sarif: valid against the SARIF 2.1.0 schema (node and throw-away)') or diag($msg);

	# the validator has teeth: a 0-based line and a bad URI are refused
	my $doc = decode_json($outputs{node}{sarif});
	$doc->{runs}[0]{results}[0]{locations}[0]{physicalLocation}{region}{startLine} = 0;
	$doc->{runs}[0]{results}[1]{locations}[0]{physicalLocation}{artifactLocation}{uri} = 'a b\\c';
	spew("$tmp/broken.sarif", encode_json($doc));
	($rc, $msg) = $validate->("$tmp/broken.sarif");
	is($rc, 1, 'sarif: the validator refuses a 0-based line and a malformed URI');
	like($msg, qr/startLine: 0 is less than the minimum of 1/, 'sarif: ... the line') or diag($msg);
	like($msg, qr/uri: 'a b\\\\c' is not a 'uri-reference'/, 'sarif: ... the URI') or diag($msg);
}
{
	my $doc = decode_json($outputs{node}{sarif});
	my $run = $doc->{runs}[0];
	my $rules = $run->{tool}{driver}{rules};
	is(scalar(@$rules), $nrules, 'sarif: every rule of schemashift.rules() is described');
	my @bad = grep {
		my $r = $_;
		!defined $r->{ruleIndex} || $rules->[ $r->{ruleIndex} ]{id} ne $r->{ruleId}
	} @{ $run->{results} };
	is(scalar(@bad), 0, 'sarif: every ruleIndex points at its rule');
	my $r0 = $run->{results}[0];
	is_deeply($r0->{locations}[0]{physicalLocation},
		{ artifactLocation => { uri => 'migrations/V1__create_accounts.sql', uriBaseId => '%SRCROOT%' },
		  region => { startLine => 2, startColumn => 1 } },
		'sarif: a relative URI against %SRCROOT%, 1-based line and column');
	my ($odd) = grep { $_->{ruleId} eq 'syntax-error' && $_->{locations}[0]{physicalLocation}{region}{startLine} == 2 } @{ $run->{results} };
	is($odd->{locations}[0]{physicalLocation}{artifactLocation}{uri}, 'migrations/V4__odd%2Cname%3A50%25.sql',
		'sarif: the file name is percent-encoded in the URI');
	my %rule = map { $_->{id} => $_ } @$rules;
	is($rule{'ban-drop-column'}{defaultConfiguration}{level}, 'error', 'sarif: rule metadata, default level');
	ok($rule{'ban-drop-column'}{shortDescription}{text} && $rule{'ban-drop-column'}{help}{markdown},
		'sarif: rule metadata, description and help');
	is($rule{'prefer-text-field'}{defaultConfiguration}{level}, 'warning', 'sarif: the default level, not the run\'s');
	my ($info) = grep { $_->{ruleId} eq 'prefer-text-field' } @{ $run->{results} };
	is($info->{level}, 'note', 'sarif: info is a note');
	my %fp = map { $_->{partialFingerprints}{'schemashiftFinding/v1'} => 1 } @{ $run->{results} };
	is(scalar(keys %fp), 14, 'sarif: partialFingerprints are unique');
}

# Fingerprints leave the line out (an alert keeps its identity when lines
# above it move); columns are code points, as SARIF's columnKind says
{
	my $f = "$work/fp/V1__fp.sql";
	my $sql = "ALTER TABLE accounts DROP COLUMN IF EXISTS x;\nCREATE TABLE IF NOT EXISTS \"\xc3\xa9t\xc3\xa9\" (id int);\n";
	spew($f, $sql);
	my $prints = sub {
		my $s = decode_json(run([ 'lint', @node, '-q', '-f', 'sarif', 'fp' ])->{out})->{runs}[0];
		my $g = decode_json(run([ 'lint', @node, '-q', '-f', 'gitlab', 'fp' ])->{out});
		return ([ map { $_->{partialFingerprints}{'schemashiftFinding/v1'} } @{ $s->{results} } ],
			[ map { $_->{fingerprint} } @$g ],
			[ map { $_->{locations}[0]{physicalLocation}{region} } @{ $s->{results} } ]);
	};
	my ($s1, $g1, $r1) = $prints->();
	spew($f, "-- moved down by an unrelated edit\n\n" . $sql);
	my ($s2, $g2, $r2) = $prints->();
	is_deeply($s2, $s1, 'sarif: partialFingerprints do not change when the finding moves');
	is_deeply($g2, $g1, 'gitlab: fingerprints do not change when the finding moves');
	is_deeply([ map { $_->{startLine} } @$r2 ], [ map { $_->{startLine} + 2 } @$r1 ], '... while the lines do');
	is($r1->[-1]{startColumn}, 38, 'sarif: the column counts code points (unicodeCodePoints)');
	like(run([ 'lint', @node, '-q', '-f', 'github', 'fp' ])->{out}, qr/,line=4,col=38,title=prefer-bigint-over-int::/,
		'github: the same column');
}

# ---------------------------------------------------------------------------
# Exit statuses 0 and 1: --fail-on

{
	spew("$work/levels/V1__warn.sql", "CREATE TABLE IF NOT EXISTS w (id bigint, at timestamp);\n");
	my $r = run_rc('warnings only, default --fail-on=error', 0, [ 'lint', @node, 'levels' ]);
	like($r->{out}, qr/warning: .*\[prefer-timestamp-tz\]/, 'warnings only: the warning is shown');
	like($r->{err}, qr/1 file linted: 0 errors, 1 warning$/m, 'warnings only: the summary');
	run_rc('warnings only, --fail-on=warning', 1, [ 'lint', @node, '--fail-on=warning', 'levels' ]);
	run_rc('info only, --fail-on=warning', 0,
		[ 'lint', @node, '--fail-on=warning', '--rules=prefer-timestamp-tz=info', 'levels' ]);
	run_rc('info only, --fail-on=info', 1,
		[ 'lint', @node, '--fail-on=info', '--rules=prefer-timestamp-tz=info', 'levels' ]);
	$r = run_rc('a clean file', 0, [ 'lint', @node, '--rules=prefer-timestamp-tz=off', 'levels' ]);
	is($r->{out}, '', 'a clean file: nothing on standard output');
	like($r->{err}, qr/^schemashift: 1 file linted, no findings$/m, 'a clean file: the summary');
	$r = run_rc('a clean file, json', 0, [ 'lint', @node, '-f', 'json', '--rules=prefer-timestamp-tz=off', 'levels' ]);
	is_deeply(decode_json($r->{out})->{files}, [ { path => 'levels/V1__warn.sql', findings => [] } ],
		'a clean file, json: listed with no findings');
	$r = run_rc('errors, --fail-on=error', 1, [ 'lint', @node, 'migrations/V10__drop_column.sql' ]);
}

# ---------------------------------------------------------------------------
# Which files, in what order

{
	my $paths = sub {
		my $r = run([ 'lint', @node, '-q', '-f', 'json', @_ ]);
		diag("schemashift lint @_: exit status $r->{rc}\n$r->{err}") if $r->{rc} > 1;
		return json_paths($r->{out});
	};
	is_deeply($paths->('migrations'), \@order, 'a directory: recursed, in version order');
	is_deeply($paths->(reverse @order), \@order, 'files named in any order are linted in version order');
	is_deeply($paths->('migrations/V1__create_accounts.sql', 'migrations', 'migrations/V1__create_accounts.sql'),
		\@order, 'a file named twice is linted once');
	is_deeply($paths->('migrations/V*.sql'),
		[ grep { !m{/sub/} } @order ], 'a quoted glob is expanded by schemashift, in version order');
	is_deeply($paths->('migrations/*/V*.sql'), ['migrations/sub/V11__nested.sql'], 'a glob with a directory part');
	# by file name first, as Flyway orders versions across locations
	spew("$work/nested/V10__top.sql", "SELECT 1;\n");
	spew("$work/nested/sub/V3__deeper.sql", "SELECT 1;\n");
	is_deeply($paths->('nested'), [ 'nested/sub/V3__deeper.sql', 'nested/V10__top.sql' ],
		'nested directories: ordered by the version in the file name, not by the whole path');
	is_deeply($paths->('migrations/su?'), ['migrations/sub/V11__nested.sql'], 'a glob that matches a directory recurses');
	is_deeply($paths->('-x', 'V10__*', '-x', 'migrations/sub/*', 'migrations'),
		[ @order[ 0 .. 2 ] ], '--exclude: by file name and by path, repeatable');
	is_deeply($paths->('--exclude=*odd*', './migrations'),
		[ map { "./$_" } @order[ 0, 1, 3, 4 ] ], '--exclude matches a path given with ./');
	my $r = run_rc('--exclude everything', 0, [ 'lint', @node, '-x', '*.sql', 'migrations' ]);
	like($r->{err}, qr/no migration file to lint \(all excluded\)/, '--exclude everything: says so');

	# standard input only when it is named
	$r = run([ 'lint', @node, '-f', 'json', 'migrations/V10__drop_column.sql' ], stdin => "DROP TABLE t;\n");
	is_deeply(json_paths($r->{out}), ['migrations/V10__drop_column.sql'], 'standard input is not read unless - is named');
	$r = run([ 'lint', @node, '-f', 'compact', '-' ], stdin => "DROP TABLE t;\n");
	like($r->{out}, qr/^<stdin>:1:1: error \[ban-drop-table\]/m, '- reads standard input, shown as <stdin>');
	$r = run([ 'lint', @node, '-f', 'compact', '--stdin-filename=db/V9__drop.sql', '-', 'migrations/V10__drop_column.sql' ],
		stdin => "DROP TABLE t;\n");
	like($r->{out}, qr/^db\/V9__drop\.sql:1:1: error \[ban-drop-table\]/m, '--stdin-filename names standard input');
	like($r->{out}, qr/^migrations\/V10__drop_column\.sql:4:1: error \[ban-drop-column\]/m, '... and files go with it');

	# --rules is passed through to lint()
	my $v10 = 'migrations/V10__drop_column.sql';
	is_deeply(json_rules(run([ 'lint', @node, '-f', 'json', $v10 ])->{out}), ["$v10:4:ban-drop-column"],
		'--rules: without it, the rule fires');
	$r = run_rc('--rules=ban-drop-column=off', 0, [ 'lint', @node, '-f', 'json', '--rules=ban-drop-column=off', $v10 ]);
	is_deeply(json_rules($r->{out}), [], '--rules=RULE=off turns it off');
	$r = run_rc('--rules=ban-drop-column=warning', 0, [ 'lint', @node, '-f', 'compact', '-r', 'ban-drop-column=warning', $v10 ]);
	like($r->{out}, qr/:4:1: warning \[ban-drop-column\]/, '--rules=RULE=warning lowers the level');
	$r = run_rc('--rules turns a rule on', 1, [ 'lint', @node, '-f', 'compact', '-r', 'require-table-schema=error', $v10 ]);
	like($r->{out}, qr/error \[require-table-schema\]/, '--rules: an off rule turned on');

	# --in-transaction: what the files will run in
	spew("$work/tx/V1__concurrently.sql",
		"SET lock_timeout = '1s';\nSET statement_timeout = '5s';\nCREATE INDEX CONCURRENTLY accounts_email ON accounts (email);\n");
	$r = run([ 'lint', @node, '-f', 'json', 'tx' ]);
	is_deeply(json_rules($r->{out}), ['tx/V1__concurrently.sql:3:prefer-robust-stmts'],
		'without --in-transaction: CONCURRENTLY is fine, not re-runnable');
	$r = run_rc('--in-transaction', 1, [ 'lint', @node, '-f', 'json', '--in-transaction', 'tx' ]);
	is_deeply(json_rules($r->{out}), ['tx/V1__concurrently.sql:3:ban-concurrent-index-creation-in-transaction',
		'tx/V1__concurrently.sql:3:prefer-robust-stmts'],
		'--in-transaction: CONCURRENTLY in a transaction block will fail');

	# --profile squawk: the timeouts before any DDL, as squawk places them,
	# and a lone CONCURRENTLY statement allowed under --in-transaction
	spew("$work/profile/V1__comment.sql", "COMMENT ON TABLE accounts IS 'accounts';\n");
	spew("$work/profile/V2__lone.sql", "CREATE INDEX CONCURRENTLY IF NOT EXISTS accounts_email ON accounts (email);\n");
	$r = run_rc('without --profile', 1, [ 'lint', @node, '-f', 'json', '--in-transaction', 'profile' ]);
	is_deeply(json_rules($r->{out}), ['profile/V2__lone.sql:1:ban-concurrent-index-creation-in-transaction'],
		'without --profile: no timeout before COMMENT ON, the lone CONCURRENTLY fails in the transaction');
	$r = run_rc('--profile=squawk', 0, [ 'lint', @node, '-f', 'json', '--in-transaction', '--profile=squawk', 'profile' ]);
	is_deeply(json_rules($r->{out}), [ 'profile/V1__comment.sql:1:require-lock-timeout',
		'profile/V1__comment.sql:1:require-statement-timeout', 'profile/V2__lone.sql:1:require-lock-timeout',
		'profile/V2__lone.sql:1:require-statement-timeout' ],
		'--profile=squawk: both timeouts at the first DDL of each file, the lone CONCURRENTLY runs alone');
	$r = run_rc('bad --profile', 2, [ 'lint', @node, '--profile=flyway', 'profile' ]);
	like($r->{err}, qr/invalid --profile "flyway".*\n.*schemashift and squawk/, 'bad --profile: names the valid ones');
}

# --changed-since: a git repository made here; one file changed, one added
{
	my $repo = "$tmp/repo";
	my %git_env = (HOME => $home, GIT_CONFIG_NOSYSTEM => 1, GIT_AUTHOR_NAME => 't', GIT_AUTHOR_EMAIL => 't@t.invalid',
		GIT_COMMITTER_NAME => 't', GIT_COMMITTER_EMAIL => 't@t.invalid');
	my $git = sub {
		local %ENV = (%ENV, %git_env);
		my ($out, $err) = ('', '');
		IPC::Run::run([ 'git', '-C', $repo, @_ ], '<', \'', '>', \$out, '2>', \$err) or die "git @_: $err";
		return $out;
	};
	make_path($repo);
	system('cp', '-R', "$fixtures/migrations", "$repo/") == 0 or die;
	spew("$repo/README", "not a migration\n");
	$git->('init', '-q', '-b', 'main');
	$git->('add', '.');
	$git->('commit', '-q', '-m', 'migrations');
	my $base = $git->('rev-parse', 'HEAD');
	chomp $base;
	spew("$repo/migrations/V2__index_and_default.sql",
		slurp("$repo/migrations/V2__index_and_default.sql") . "DROP TABLE old_accounts;\n");
	spew("$repo/migrations/sub/V12__new.sql", "DROP TABLE older_accounts;\n");
	spew("$repo/migrations/V13__ignored.sql", "DROP TABLE oldest_accounts;\n");
	spew("$repo/.gitignore", "V13__ignored.sql\n");

	my $r = run_rc('--changed-since', 1, [ 'lint', @node, '-f', 'json', '--changed-since', 'HEAD', 'migrations' ],
		cwd => $repo, env => \%git_env);
	is_deeply(json_paths($r->{out}), [ 'migrations/V2__index_and_default.sql', 'migrations/sub/V12__new.sql' ],
		'--changed-since HEAD: only the changed file and the untracked one (not an ignored one)');
	$r = run([ 'lint', @node, '-f', 'json', "--changed-since=$base", '.' ], cwd => "$repo/migrations", env => \%git_env);
	is_deeply(json_paths($r->{out}), [ './V2__index_and_default.sql', './sub/V12__new.sql' ],
		'--changed-since=SHA from a subdirectory of the repository');
	$git->('add', '-A');
	$git->('commit', '-q', '-m', 'more');
	$r = run_rc('--changed-since, committed since', 1,
		[ 'lint', @node, '-f', 'json', "--changed-since=$base", 'migrations' ], cwd => $repo, env => \%git_env);
	is_deeply(json_paths($r->{out}), [ 'migrations/V2__index_and_default.sql', 'migrations/sub/V12__new.sql' ],
		'--changed-since=SHA: the files committed since it');
	$r = run_rc('--changed-since, nothing changed', 0,
		[ 'lint', @node, '--changed-since=HEAD', 'migrations' ], cwd => $repo, env => \%git_env);
	like($r->{err}, qr/no migration file to lint \(none changed since that commit\)/, '--changed-since, nothing changed: says so');
	# CI uploads the report whatever happened: with nothing to lint there
	# must still be one, with no results (upload-sarif fails on a missing file)
	unlink("$tmp/nothing.sarif");
	$r = run_rc('--changed-since, nothing changed, reports', 0,
		[ 'lint', @node, '-f', 'json', "--format=sarif:$tmp/nothing.sarif", '--changed-since=HEAD', 'migrations' ],
		cwd => $repo, env => \%git_env);
	my $doc = eval { decode_json($r->{out}) };
	is_deeply($doc && $doc->{files}, [], 'nothing changed: --format=json still prints a report, with no files');
	$doc = -e "$tmp/nothing.sarif" && eval { decode_json(slurp("$tmp/nothing.sarif")) };
	is_deeply($doc && $doc->{runs}[0]{results}, [], 'nothing changed: --format=sarif:PATH still writes PATH, with no results');
	$r = run_rc('--changed-since a bad ref', 2,
		[ 'lint', @node, '--changed-since=no-such-branch', 'migrations' ], cwd => $repo, env => \%git_env);
	like($r->{err}, qr/--changed-since: "no-such-branch" is not a commit git knows here/, 'a bad ref: says so');
	$r = run_rc('--changed-since an option-like ref', 2,
		[ 'lint', @node, '--changed-since=--output=x', 'migrations' ], cwd => $repo, env => \%git_env);
	like($r->{err}, qr/invalid git ref "--output=x"/, 'an option-like ref: refused');
	$r = run_rc('--changed-since outside a git repository', 2,
		[ 'lint', @node, '--changed-since=HEAD', 'migrations' ], env => \%git_env);
	like($r->{err}, qr/is not a commit git knows here/, 'outside a git repository: says so');
}

# .schemashift.conf: found in the current directory or a parent, the command
# line overrides it, an unknown key is an error with its file:line
{
	my $c = "$tmp/conf";
	spew("$c/.schemashift.conf", <<'EOF');
# settings for this directory
fail-on = warning
rules = "prefer-robust-stmts=off"
format = compact
exclude = *_seed.sql
EOF
	spew("$c/m/V1__warn.sql", "CREATE TABLE w (id bigint, at timestamp);\n");
	spew("$c/m/V2__data_seed.sql", "DROP TABLE w;\n");
	my $r = run_rc('.schemashift.conf', 1, [ 'lint', @node, 'm' ], cwd => $c);
	is($r->{out}, "m/V1__warn.sql:1:31: warning [prefer-timestamp-tz] timestamp without time zone loses the time zone; comparisons across zones and DST go wrong\n",
		'.schemashift.conf: its format, rules and exclude apply; fail-on=warning fails on a warning');
	$r = run_rc('.schemashift.conf from a subdirectory', 1, [ 'lint', @node, '.' ], cwd => "$c/m");
	like($r->{out}, qr/^\.\/V1__warn\.sql:1:31: warning \[prefer-timestamp-tz\]/m, '.schemashift.conf is found in a parent directory');
	$r = run_rc('--fail-on overrides the file', 0, [ 'lint', @node, '--fail-on=error', 'm' ], cwd => $c);
	$r = run_rc('--format overrides the file', 1, [ 'lint', @node, '-f', 'json', 'm' ], cwd => $c);
	is_deeply(json_rules($r->{out}), ['m/V1__warn.sql:1:prefer-timestamp-tz'], '--format overrides the file\'s format');
	$r = run([ 'lint', @node, '-f', 'json', '--rules=prefer-timestamp-tz=off', 'm' ], cwd => $c);
	is_deeply(json_rules($r->{out}), ['m/V1__warn.sql:1:prefer-robust-stmts'], '--rules replaces the file\'s rules');
	$r = run_rc('-x adds to the file\'s exclude', 0, [ 'lint', @node, '-x', 'V1*', 'm' ], cwd => $c);
	like($r->{err}, qr/no migration file to lint \(all excluded\)/, '-x adds to the file\'s exclude: both apply');
	$r = run_rc('--no-config', 1, [ 'lint', @node, '--no-config', 'm' ], cwd => $c);
	like($r->{out}, qr/^m\/V2__data_seed\.sql:1:1: error: .*\[ban-drop-table\]$/m, '--no-config: the file is not read');
	spew("$c/other.conf", "fail-on = info\nformat = json\nin-transaction = yes\ncolor = never\n");
	$r = run_rc('--config=FILE', 1, [ 'lint', @node, '--config=other.conf', '--rules=prefer-timestamp-tz=info', 'm/V1__warn.sql' ], cwd => $c);
	is_deeply(json_rules($r->{out}), ['m/V1__warn.sql:1:prefer-timestamp-tz'],
		'--config=FILE instead of .schemashift.conf (in-transaction = yes: no prefer-robust-stmts)');

	spew("$c/sq/.schemashift.conf", "profile = squawk\nformat = json\n");
	spew("$c/sq/V1__comment.sql", "COMMENT ON TABLE w IS 'w';\n");
	$r = run_rc('profile = squawk', 0, [ 'lint', @node, 'V1__comment.sql' ], cwd => "$c/sq");
	is_deeply(json_rules($r->{out}), [ 'V1__comment.sql:1:require-lock-timeout', 'V1__comment.sql:1:require-statement-timeout' ],
		'profile = squawk in the file: the timeouts before any DDL');

	spew("$c/bad/.schemashift.conf", "# a typo must not pass CI\nfail-on = warning\nfial-on = error\n");
	$r = run_rc('an unknown key', 2, [ 'lint', @node, '.' ], cwd => "$c/bad");
	like($r->{err}, qr/^schemashift: error: \Q$c\E\/bad\/\.schemashift\.conf:3: unknown key "fial-on"$/m,
		'an unknown key: file:line and the key');
	like($r->{err}, qr/Did you mean "fail-on"\?/, 'an unknown key: did you mean');
	spew("$c/bad2/.schemashift.conf", "fail-on = fatal\n");
	$r = run_rc('a bad value', 2, [ 'lint', @node, '.' ], cwd => "$c/bad2");
	like($r->{err}, qr/invalid --fail-on level "fatal".*\n.*\n.*line 1/, 'a bad value: where it is');
	spew("$c/bad3/.schemashift.conf", "fail-on\n");
	$r = run_rc('a line without =', 2, [ 'lint', @node, '.' ], cwd => "$c/bad3");
	like($r->{err}, qr/\.schemashift\.conf:1: expected "key = value"/, 'a line without =: file:line');
}

# --replay DIR: the earlier migrations run into the throw-away database first
{
	my $rp = "$fixtures/replay";
	my $new = "$rp/V11__widen.sql";
	my $r = run_rc('without --replay', 1, [ 'lint', '-f', 'json', $new ]);
	my ($without) = map { $_->{findings} } @{ decode_json($r->{out})->{files} };
	my @types = grep { $_->{rule} eq 'changing-column-type' } @$without;
	is(scalar(@types), 2, 'without --replay: both type changes are flagged (the table is unknown)');
	like($types[0]{message}, qr/not in the catalog/, 'without --replay: ... as unknown tables');
	$r = run_rc('with --replay', 1, [ 'lint', '-f', 'json', "--replay=$rp/earlier", $new ]);
	my ($with) = map { $_->{findings} } @{ decode_json($r->{out})->{files} };
	@types = grep { $_->{rule} eq 'changing-column-type' } @$with;
	is(scalar(@types), 1, 'with --replay: varchar(10) to varchar(20) is free for the replayed table');
	is($types[0]{line}, 5, 'with --replay: int to bigint still rewrites it');
	unlike($types[0]{message}, qr/not in the catalog/, 'with --replay: the table is known');
	# the guard of the throw-away server must not talk about the replayed
	# migrations as if they were findings, and never without a file name
	unlike($r->{err}, qr/^(?:WARNING|NOTICE):/m, 'with --replay: no unattributed server messages');
	$r = run_rc('--replay needs the throw-away server', 2, [ 'lint', @node, "--replay=$rp/earlier", $new ]);
	like($r->{err}, qr/--replay runs migrations into the database: it needs the throw-away server/, '--replay with a database: refused');
	$r = run_rc('--replay with --tmp', 1, [ 'lint', '--tmp', '-h', '/nonexistent', '-f', 'json', "--replay=$rp/earlier", $new ]);
	is(scalar(grep { $_->{rule} eq 'changing-column-type' } map { @{ $_->{findings} } } @{ decode_json($r->{out})->{files} }),
		1, '--tmp: the throw-away server even with connection options');
	spew("$work/replay-bad/V1__fails.sql", "CREATE TABLE a (id bigint);\nALTER TABLE nosuch ADD COLUMN b int;\n");
	$r = run_rc('a replay that fails', 3, [ 'lint', "--replay=$work/replay-bad", $new ]);
	like($r->{err}, qr/replay-bad\/V1__fails\.sql:2:1: error: .*relation "nosuch" does not exist/, 'a replay that fails: file:line:col');
	gone_ok('after --replay');

	# --pg-config PATH: the throw-away server is the installation PATH names
	$r = run_rc('--replay with --pg-config', 1,
		[ 'lint', '-f', 'json', "--pg-config=$bindir/pg_config", "--replay=$rp/earlier", $new ]);
	is(scalar(grep { $_->{rule} eq 'changing-column-type' } map { @{ $_->{findings} } } @{ decode_json($r->{out})->{files} }),
		1, '--pg-config: the replayed table is known to that server');
	$r = run_rc('--pg-config that does not run', 3, [ 'lint', '--pg-config=/nonexistent/pg_config', $new ]);
	like($r->{err}, qr{could not run "/nonexistent/pg_config --bindir"}, '--pg-config that does not run: said');
	gone_ok('after --pg-config');
}

# ---------------------------------------------------------------------------
# The throw-away server

# started, used, gone; its start-up time
{
	my $r = run_rc('throw-away server', 1, [ 'lint', '-v', '-f', 'compact', 'migrations' ]);
	is($r->{out}, $outputs{node}{compact} =~ s/:4:11: info /:4:11: warning /r,
		'throw-away server: the same findings as the node');
	my ($secs) = $r->{err} =~ /throw-away server ready in ([0-9.]+) s/;
	ok(defined $secs && $secs < 60, 'throw-away server: -v gives its start-up time') or diag($r->{err});
	note(sprintf('throw-away start-up (-v): %s s; whole run %.3f s', $secs // '?', $r->{secs}));
	gone_ok('throw-away server');
	# (one, unless the extension was reinstalled while this test ran: the
	# key covers the installed files, so that makes a second one)
	my @templates = grep { -d } glob("$cache/template-*");
	ok(@templates >= 1, 'a template in SCHEMASHIFT_CACHE_DIR');
	is(scalar(grep { basename($_) !~ /^template-pg$pg_major-\Q$version\E-[0-9a-f]{16}$/ } @templates), 0,
		'the template is named by PostgreSQL major, extension version and build');
	my $r2 = run([ 'lint', '-v', '-q', 'migrations' ]);
	unlike($r2->{err}, qr/template was made/, 'a second run copies the template');
}

# Ctrl-C in the middle of a long lint: the CLI dies of SIGINT, the server
# and its directory go with it
my $big = "$tmp/big.sql";
{
	open my $fh, '>', $big or die;
	print $fh "ALTER TABLE t$_ ADD COLUMN c$_ bigint DEFAULT random();\n" for 1 .. 100_000;
	close $fh;
}
sub start_long_lint
{
	my ($out, $err) = ('', '');
	local %ENV = %ENV;
	set_env();
	my $started = time;
	my $h = IPC::Run::start([ $bin, 'lint', '-v', '-q', '-f', 'compact', $big ],
		'<', \'', '>', \$out, '2>', \$err, init => sub { chdir $work }, IPC::Run::timeout($timeout));
	$h->pump until $err =~ /throw-away server ready/ || !$h->pumpable;
	my @dirs = @{ run_dirs() };
	my $pid = 0;
	if (@dirs == 1 && open my $pf, '<', "$dirs[0]/data/postmaster.pid")
	{
		$pid = <$pf>;
		chomp $pid;
		close $pf;
	}
	return ($h, \$out, \$err, $dirs[0], $pid, $started);
}
for my $signal ([ 'INT', SIGINT ], [ 'KILL', SIGKILL ])
{
	my ($name, $signo) = @$signal;
	my ($h, $out, $err, $dir, $pid, $started) = start_long_lint();
	ok($dir && -S "$dir/.s.PGSQL.5432", "SIG$name: the server listens on a socket in its run directory");
	ok(pid_alive($pid), "SIG$name: the postmaster runs");
	sleep 0.5;    # into the lint of 100,000 statements (a few seconds)
	ok($h->pumpable, "SIG$name: the lint is still running half a second in") or diag($$err);
	$h->signal($name);
	eval { $h->finish };
	my $status = $h->full_result;
	note(sprintf("SIG$name after %.2f s", time - $started));
	is($status & 127, $signo, "SIG$name: the command line died of it") or diag("status $status\n$$err");
	is($$out, '', "SIG$name: no report");
	ok(wait_until(30, sub { !pid_alive($pid) }), "SIG$name: the postmaster exited by itself");
	if ($name eq 'INT')
	{
		unlike($$err, qr/terminating connection|server closed/, 'SIGINT: no noise from the dying server');
		gone_ok('SIGINT');
	}
	else
	{
		ok(-d $dir, 'SIGKILL: the run directory is left behind (nobody could remove it)');
		ok(wait_until(10, sub { !@{ our_processes() } }), 'SIGKILL: no process of the server is left');
		my $r = run_rc('the run after a SIGKILL', 0, [ 'lint', '-q', '--rules=prefer-robust-stmts=off', 'levels' ]);
		ok(!-d $dir, 'the next run removes the stale run directory');
		gone_ok('the run after a SIGKILL');
	}
}

# two runs at once, with a cold cache: both succeed, one builds the template
# (the default cache, $HOME/.cache/schemashift)
{
	my $home2 = "$tmp/home2";
	make_path($home2);
	my @h;
	my @res;
	{
		local %ENV = %ENV;
		set_env(HOME => $home2, SCHEMASHIFT_CACHE_DIR => undef);
		for my $i (0, 1)
		{
			$res[$i] = { out => '', err => '' };
			push @h, IPC::Run::start([ $bin, 'lint', '-v', '-f', 'compact', 'migrations' ],
				'<', \'', '>', \$res[$i]{out}, '2>', \$res[$i]{err}, init => sub { chdir $work },
				IPC::Run::timeout($timeout));
		}
	}
	for my $i (0, 1)
	{
		eval { $h[$i]->finish };
		is($h[$i]->full_result >> 8, 1, "parallel run $i: exit status 1") or diag($res[$i]{err});
		is($res[$i]{out}, $outputs{node}{compact} =~ s/:4:11: info /:4:11: warning /r, "parallel run $i: the findings");
	}
	my $built = grep { $_->{err} =~ /its template was made first/ } @res;
	is($built, 1, 'parallel runs: the template was built once');
	my @entries;
	if (opendir my $d, "$home2/.cache/schemashift")
	{
		@entries = sort grep { !/^\.\.?$/ } readdir $d;
		closedir $d;
	}
	is(scalar(grep { -d "$home2/.cache/schemashift/$_" } @entries), 1,
		'parallel runs: one template directory in $HOME/.cache/schemashift');
	is(scalar(grep { /\.building\./ } @entries), 0, 'parallel runs: no build directory left');
	note("cache: @entries");
	gone_ok('parallel runs');
}

# ambient PG* variables are for the user's own servers, not ours
{
	my %pg = (PGOPTIONS => '-c schemashift.mode=bogus', PGDATABASE => 'nope', PGHOST => '/nonexistent',
		PGPORT => '1', PGUSER => 'nobody', PGSERVICE => 'nosuch', PGDATA => '/nonexistent',
		PGPASSFILE => '/nonexistent', PGCONNECT_TIMEOUT => 'x', PGTZ => 'Mars/Olympus');
	my $r = run_rc('PG* variables', 1, [ 'lint', '-f', 'compact', 'migrations' ], env => \%pg);
	is($r->{out}, $outputs{node}{compact} =~ s/:4:11: info /:4:11: warning /r,
		'PG* variables do not reach the throw-away server or its connection');
	gone_ok('PG* variables');
}

# root: refused with a clear message (only when this test runs as root)
SKIP:
{
	skip 'not running as root', 2 if $> != 0;
	my $r = run_rc('as root', 2, [ 'lint', 'migrations' ]);
	like($r->{err}, qr/cannot start a throw-away server as root/, 'as root: refused, and why');
}

# ---------------------------------------------------------------------------
# Exit status 3: the database

{
	my $r = run_rc('a socket directory with no server', 3, [ 'lint', '-h', "$tmp/no-such-dir", 'migrations' ]);
	like($r->{err}, qr/could not connect to the database: .*\Q$tmp\E\/no-such-dir\/\.s\.PGSQL\.5432/,
		'no server: says where it looked');
	$r = run_rc('no extension', 3, [ 'lint', '-h', $node->host, '-p', $node->port, '-d', 'noext', 'migrations' ]);
	like($r->{err}, qr/the schemashift extension is not installed in this database/, 'no extension: says so');
	$r = run_rc('rules, no extension', 3, [ 'rules', '-h', $node->host, '-p', $node->port, '-d', 'noext' ]);
	$r = run_rc('-U a user that does not exist', 3, [ 'lint', @node, '-U', 'nosuchuser', 'migrations' ]);
	like($r->{err}, qr/nosuchuser/, 'a bad user: named');
	$r = run_rc('-d a connection string', 1, [ 'lint', '-d', sprintf('host=%s port=%d dbname=postgres', $node->host, $node->port), 'migrations' ]);
}

# ---------------------------------------------------------------------------
# apply

{
	my $a = "$tmp/apply";
	spew("$a/V1__accounts.sql", "CREATE TABLE accounts (id bigint PRIMARY KEY, email text);\n");
	spew("$a/V2__index.sql", "CREATE INDEX accounts_email ON accounts (email);\n");
	spew("$a/V3__bad.sql", "ALTER TABLE accounts ADD COLUMN note text;\nALTER TABLE nosuch ADD COLUMN y bigint;\n");
	spew("$a/V4__later.sql", "CREATE TABLE later (id bigint PRIMARY KEY);\n");
	spew("$tmp/apply-syntax/V5__typo.sql", "CREATE TABLE typo (id bigint);\nSELEC 1;\n");
	my $conn = sprintf('host=%s port=%d dbname=applydb', $node->host, $node->port);
	my $ledger = sub {
		$node->safe_psql('applydb', "SELECT string_agg(id || ':' || status || ':' || runs, ',' ORDER BY id) FROM schemashift.migrations");
	};

	my $r = run_rc('apply --dry-run', 0, [ 'apply', '-d', sprintf('host=%s port=%d dbname=drydb', $node->host, $node->port),
		'--dry-run', "$a/V1__accounts.sql", "$a/V2__index.sql" ]);
	like($r->{out}, qr/^\Q$a\E\/V2__index\.sql: plan, 1 step\n\Q$a\E\/V2__index\.sql:1:1: step 1: CREATE INDEX accounts_email ON accounts \(email\)\n    recipe: online index /m,
		'apply --dry-run: prints the plan of each file');
	is($node->safe_psql('drydb', "SELECT count(*) FROM schemashift.migrations") . '/'
		  . $node->safe_psql('drydb', "SELECT count(*) FROM pg_class WHERE relname = 'accounts'"),
		'0/0', 'apply --dry-run: runs nothing');

	$r = run_rc('apply', 0, [ 'apply', '-d', $conn, "$a/V2__index.sql", "$a/V1__accounts.sql" ]);
	like($r->{out}, qr/^\Q$a\E\/V2__index\.sql:1:1: error \[require-concurrent-index-creation\]/m, 'apply: lints first, and shows the findings');
	like($r->{err}, qr/V1__accounts\.sql: applied\n(?:.*\n)*.*V2__index\.sql: applied/, 'apply: in version order');
	like($r->{err}, qr/^\Q$a\E\/V2__index\.sql: NOTICE:  migration V2__index, step 1 of 1 \(line 1\): online index$/m,
		'apply: the server\'s notices name the file');
	is($ledger->(), 'V1__accounts:done:1,V2__index:done:1', 'apply: the ledger has each file, by its name without .sql, done');
	is($node->safe_psql('applydb', "SELECT indisvalid FROM pg_index WHERE indexrelid = 'accounts_email'::regclass"),
		't', 'apply: the index was built (online)');

	$r = run_rc('apply again', 0, [ 'apply', '-d', $conn, $a . '/V[12]__*.sql' ]);
	like($r->{err}, qr/migration V1__accounts is already applied, skipping/, 'apply again: skips V1');
	like($r->{err}, qr/migration V2__index is already applied, skipping/, 'apply again: skips V2');
	is($ledger->(), 'V1__accounts:done:1,V2__index:done:1', 'apply again: the ledger is unchanged');

	$r = run_rc('apply a failing file', 3, [ 'apply', '-d', $conn, $a ]);
	like($r->{err}, qr/^\Q$a\E\/V3__bad\.sql:2:1: error: relation "nosuch" does not exist \[42P01\]$/m,
		'apply a failing file: file:line:col: error: message');
	like($r->{err}, qr/migration "V3__bad" failed; the files after it were not applied/, 'apply a failing file: says so');
	unlike($r->{err}, qr/V4__later/, 'apply a failing file: the next file is not run');
	like($ledger->(), qr/^V1__accounts:done:1,V2__index:done:1,V3__bad:(?:failed|running):1$/,
		'apply a failing file: the ledger has it not done, and nothing after it');
	is($node->safe_psql('applydb', "SELECT to_regclass('later') IS NULL"), 't', 'apply a failing file: V4 did not run');

	# a statement with no safe recipe: refused, where it is, unless approved
	spew("$a/approve/V6__drop_note.sql", "SET lock_timeout = '1s';\nALTER TABLE accounts DROP COLUMN note;\n");
	$r = run_rc('apply a refused statement', 3, [ 'apply', '-d', $conn, "$a/approve/V6__drop_note.sql" ]);
	like($r->{err}, qr/no safe recipe/, 'apply a refused statement: says why');
	like($r->{err}, qr/approve => array\['ban-drop-column'\]/, 'apply a refused statement: says how to approve it');
	like($r->{err}, qr/^\Q$a\E\/approve\/V6__drop_note\.sql:2:1: error: /m,
		'apply a refused statement: reported as file:line:col');
	# --dry-run of a plan with a step apply() would refuse: printed with its
	# rules and ways through, every file planned, exit status 4 (not 0)
	my $before = $ledger->();
	$r = run_rc('apply --dry-run, a refused statement', 4, [ 'apply', '-d', $conn, '--dry-run',
		"$a/approve/V6__drop_note.sql", "$a/V4__later.sql" ]);
	like($r->{out}, qr/^\Q$a\E\/approve\/V6__drop_note\.sql:2:1: step 2: ALTER TABLE accounts DROP COLUMN note\n    recipe: refused \(.*\n(?:    .*\n)*    refused: ban-drop-column\n    way through: .*ban-drop-column/m,
		'apply --dry-run, a refused statement: the step says it is refused, by which rule, and the way through');
	like($r->{out}, qr/^\Q$a\E\/V4__later\.sql: plan, 1 step$/m,
		'apply --dry-run, a refused statement: the files after it are planned too');
	like($r->{err}, qr/^schemashift: error: dry run: apply\(\) would refuse 1 statement$/m,
		'apply --dry-run, a refused statement: says so');
	is($ledger->(), $before, 'apply --dry-run, a refused statement: runs nothing');
	$r = run_rc('apply --dry-run --approve', 0, [ 'apply', '-d', $conn, '--dry-run',
		'--approve=ban-drop-column:accounts.note', "$a/approve/V6__drop_note.sql" ]);
	unlike($r->{out}, qr/^    refused:/m, 'apply --dry-run --approve: nothing refused, status 0');

	$r = run_rc('apply --approve', 0, [ 'apply', '-d', $conn, '--approve=ban-drop-column:accounts.note',
		"$a/approve/V6__drop_note.sql" ]);
	is($node->safe_psql('applydb', "SELECT count(*) FROM pg_attribute WHERE attrelid = 'accounts'::regclass AND attname = 'note'"),
		'0', 'apply --approve: the approved statement ran');
	like($ledger->(), qr/V6__drop_note:done:1/, 'apply --approve: in the ledger');

	# --expand-type-changes: a rewriting type change through expand/contract
	spew("$a/expand/V7__visits.sql", "ALTER TABLE accounts ADD COLUMN visits integer;\n");
	spew("$a/expand/V8__visits_bigint.sql", "ALTER TABLE accounts ALTER COLUMN visits TYPE bigint;\n");
	run_rc('apply V7', 0, [ 'apply', '-d', $conn, "$a/expand/V7__visits.sql" ]);
	$r = run_rc('apply --dry-run --expand-type-changes', 0,
		[ 'apply', '-d', $conn, '--dry-run', '--expand-type-changes', "$a/expand/V8__visits_bigint.sql" ]);
	like($r->{out}, qr/^    recipe: expand column type /m, 'apply --dry-run --expand-type-changes: the plan expands');
	$r = run_rc('apply --expand-type-changes', 0,
		[ 'apply', '-d', $conn, '--expand-type-changes', "$a/expand/V8__visits_bigint.sql" ]);
	like($r->{err}, qr/V8__visits_bigint\.sql: NOTICE:  .*expand column type/, 'apply --expand-type-changes: expanded');
	is($node->safe_psql('applydb', "SELECT atttypid::regtype FROM pg_attribute WHERE attrelid = 'accounts'::regclass AND attname = 'visits'"),
		'bigint', 'apply --expand-type-changes: the column is bigint');

	# Ctrl-C in a long step, with a real database: like psql, the program
	# must cancel the statement on the server, not wait for it to finish
	spew("$a/slow/V9__slow.sql", "SELECT pg_sleep(8);\n");
	{
		my ($out, $err) = ('', '');
		my $h = IPC::Run::start([ $bin, 'apply', '-d', $conn, "$a/slow/V9__slow.sql" ],
			'<', \'', '>', \$out, '2>', \$err, IPC::Run::timeout($timeout));
		$h->pump until $err =~ /V9__slow, step 1 of 1/ || !$h->pumpable;
		sleep 0.5;
		my $sent = time;
		$h->signal('INT');
		eval { $h->finish };
		my $took = time - $sent;
		note(sprintf('apply ended %.2f s after SIGINT', $took));
		is($h->full_result & 127, SIGINT, 'SIGINT during apply: the command line dies of it');
		cmp_ok($took, '<', 5, 'SIGINT during apply: the running statement is canceled, not waited for');
		isnt($node->safe_psql('applydb', "SELECT status FROM schemashift.migrations WHERE id = 'V9__slow'"),
			'done', 'SIGINT during apply: the interrupted migration is not done');
	}

	$r = run_rc('apply with a syntax error', 1, [ 'apply', '-d', $conn, "$tmp/apply-syntax", "$a/V4__later.sql" ]);
	like($r->{err}, qr/1 syntax error: nothing was applied/, 'apply with a syntax error: nothing applied');
	is($node->safe_psql('applydb', "SELECT to_regclass('later') IS NULL AND to_regclass('typo') IS NULL"), 't',
		'apply with a syntax error: nothing ran');

	$r = run_rc('apply without a database', 2, [ 'apply', "$a/V4__later.sql" ]);
	like($r->{err}, qr/apply needs a database/, 'apply without a database: refused');
	$r = run_rc('apply from standard input', 2, [ 'apply', '-d', $conn, '-' ], stdin => "SELECT 1;\n");
	like($r->{err}, qr/apply does not read standard input/, 'apply from standard input: refused');
	$r = run_rc('apply --tmp', 0, [ 'apply', '--tmp', "$a/V1__accounts.sql", "$a/V4__later.sql" ]);
	like($r->{err}, qr/V4__later\.sql: applied/, 'apply --tmp: tried on a throw-away server');
	gone_ok('apply --tmp');
}

# ---------------------------------------------------------------------------
# rules

{
	my $r = run_rc('rules', 0, [ 'rules', @node ]);
	my @lines = split /\n/, $r->{out};
	like(shift(@lines), qr/^RULE\s+LEVEL\s+SUMMARY$/, 'rules: a header');
	is(scalar(@lines), $nrules, 'rules: one line per rule of schemashift.rules()');
	like($r->{out}, qr/^ban-drop-column\s+error\s+DROP COLUMN$/m, 'rules: id, level, summary');
	$r = run_rc('rules --format=json', 0, [ 'rules', @node, '--format=json' ]);
	my $doc = decode_json($r->{out});
	is($doc->{schema}, 'schemashift-rules', 'rules --format=json: the envelope');
	is(scalar(@{ $doc->{rules} }), $nrules, 'rules --format=json: as many rules as schemashift.rules()');
	is(join(',', map { $_->{id} } @{ $doc->{rules} }),
		$node->safe_psql('postgres', "SELECT string_agg(id, ',' ORDER BY id) FROM schemashift.rules()"),
		'rules --format=json: the ids of schemashift.rules()');
	$node->safe_psql('postgres', "ALTER DATABASE postgres SET schemashift.rules = 'ban-drop-column=warning'");
	like(run([ 'rules', @node ])->{out}, qr/^ban-drop-column\s+warning\s/m,
		'rules: the level the server has now (read from the extension, not built in)');
	$node->safe_psql('postgres', "ALTER DATABASE postgres RESET schemashift.rules");
	$r = run_rc('rules, throw-away server', 0, [ 'rules', '-f', 'json' ]);
	is(scalar(@{ decode_json($r->{out})->{rules} }), $nrules, 'rules from the throw-away server');
	gone_ok('rules');
}

$node->stop;
note(sprintf('007_cli took %.1f s', time - $t0));
done_testing();
