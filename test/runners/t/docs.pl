# docs/runners.md shows the runner projects as they are: each block after a
# "<!-- test/runners/<path> -->" marker is that file, byte for byte, and
# every file of the projects has one (but package-lock.json, and the empty
# __init__.py files of the Python packages). No server.
use strict;
use warnings;
use File::Find;
use PostgreSQL::Test::Utils;
use Test::More;

my $src = $ENV{SCHEMASHIFT_SRC};
my $doc = slurp_file("$src/docs/runners.md");

my %shown;
while ($doc =~ /^<!-- (test\/runners\/\S+) -->\n```[a-z]*\n(.*?)^```$/gms)
{
	my ($path, $block) = ($1, $2);
	ok(!$shown{$path}++, "$path is shown once");
	ok(-f "$src/$path", "$path exists") or next;
	is($block, slurp_file("$src/$path"), "docs/runners.md shows $path as it is");
}

my @files;
find(
	{
		no_chdir => 1,
		preprocess => sub { grep { $_ ne 'node_modules' } @_ },
		wanted => sub {
			return unless -f $_;
			return if /package-lock\.json$/ || (/__init__\.py$/ && -z $_);
			push @files, $_ =~ s/^\Q$src\E\///r;
		}
	},
	map { "$src/test/runners/$_" } qw(alembic django rails knex));
cmp_ok(scalar @files, '>=', 19, 'the four projects have their files');
ok($shown{$_}, "docs/runners.md shows $_") for sort @files;
done_testing();
