/*-------------------------------------------------------------------------
 *
 * options.c
 *	  The command line and .schemashift.conf of the schemashift program:
 *	  the help text, each option's value checked, and the Options a
 *	  command runs with.
 *
 *-------------------------------------------------------------------------
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---------- the options ---------- */

enum
{
	OPT_FAIL_ON = 256,
	OPT_CHANGED_SINCE,
	OPT_IN_TRANSACTION,
	OPT_REPLAY,
	OPT_CONFIG,
	OPT_NO_CONFIG,
	OPT_COLOR,
	OPT_TMP,
	OPT_PG_BINDIR,
	OPT_PG_CONFIG,
	OPT_STDIN_FILENAME,
	OPT_DRY_RUN,
	OPT_APPROVE,
	OPT_EXPAND_TYPE_CHANGES,
	OPT_WAIT,
	OPT_INTERVAL,
	OPT_PROFILE
};

#define SHORT_OPTIONS "f:r:x:qvd:h:p:U:V"

static const struct option long_options[] = {
	{"format", required_argument, NULL, 'f'},
	{"fail-on", required_argument, NULL, OPT_FAIL_ON},
	{"rules", required_argument, NULL, 'r'},
	{"profile", required_argument, NULL, OPT_PROFILE},
	{"exclude", required_argument, NULL, 'x'},
	{"changed-since", required_argument, NULL, OPT_CHANGED_SINCE},
	{"in-transaction", no_argument, NULL, OPT_IN_TRANSACTION},
	{"replay", required_argument, NULL, OPT_REPLAY},
	{"config", required_argument, NULL, OPT_CONFIG},
	{"no-config", no_argument, NULL, OPT_NO_CONFIG},
	{"color", optional_argument, NULL, OPT_COLOR},
	{"colour", optional_argument, NULL, OPT_COLOR},
	{"quiet", no_argument, NULL, 'q'},
	{"verbose", no_argument, NULL, 'v'},
	{"stdin-filename", required_argument, NULL, OPT_STDIN_FILENAME},
	{"dry-run", no_argument, NULL, OPT_DRY_RUN},
	{"approve", required_argument, NULL, OPT_APPROVE},
	{"expand-type-changes", no_argument, NULL, OPT_EXPAND_TYPE_CHANGES},
	{"wait", no_argument, NULL, OPT_WAIT},
	{"interval", required_argument, NULL, OPT_INTERVAL},
	{"dbname", required_argument, NULL, 'd'},
	{"host", required_argument, NULL, 'h'},
	{"port", required_argument, NULL, 'p'},
	{"username", required_argument, NULL, 'U'},
	{"tmp", no_argument, NULL, OPT_TMP},
	{"pg-bindir", required_argument, NULL, OPT_PG_BINDIR},
	{"pg-config", required_argument, NULL, OPT_PG_CONFIG},
	{"version", no_argument, NULL, 'V'},
	{"help", no_argument, NULL, 'H'},
	{NULL, 0, NULL, 0}
};

void
try_help(void)
{
	fprintf(stderr, "Try \"%s --help\" for more information.\n", progname);
}

/* ---------- help ---------- */

void
usage(void)
{
	printf("%s lints PostgreSQL migration files with the schemashift extension\n"
		   "(the server's own parser and catalog), and applies them safely.\n\n", progname);
	printf("Usage:\n"
		   "  %s lint [OPTION]... [FILE|DIR|GLOB|-]...\n"
		   "  %s apply [OPTION]... FILE|DIR|GLOB...\n"
		   "  %s rules [--format=text|json] [CONNECTION OPTION]...\n"
		   "  %s progress [--wait] [--interval=SECONDS] CONNECTION OPTION...\n\n",
		   progname, progname, progname, progname);
	printf("Commands:\n"
		   "  lint                   lint each file (nothing is run; a transaction that is rolled back)\n"
		   "  apply                  lint, then run each file through schemashift.apply()\n"
		   "  rules                  list the rules the extension knows, with their levels\n"
		   "  progress               watch the backfills and index builds running in a database\n\n");
	printf("Lint options:\n"
		   "  -f, --format=FMT[:PATH]  text, compact, json, sarif, github or gitlab, to\n"
		   "                           PATH or standard output; repeatable (default: text)\n"
		   "      --fail-on=LEVEL      exit 1 on findings at or above LEVEL: error (default),\n"
		   "                           warning or info\n"
		   "  -r, --rules=SPEC         rule levels, e.g. \"prefer-text-field=off,ban-drop-column=warning\"\n"
		   "      --profile=PROFILE    whose policy places the timeout findings: schemashift\n"
		   "                           (default) or squawk (before any DDL, as squawk does)\n"
		   "  -x, --exclude=GLOB       skip files whose path or name matches GLOB; repeatable\n"
		   "      --changed-since=REF  only files added or changed since the git commit REF\n"
		   "      --in-transaction     the files run inside a transaction block\n"
		   "      --replay=DIR         run the migrations in DIR into the throw-away database\n"
		   "                           first, so the catalog is the one the files will meet\n"
		   "      --stdin-filename=NAME  the name to report for standard input (-)\n"
		   "      --color[=WHEN]       colour the text output: auto (default), always, never\n"
		   "  -q, --quiet              no summary on standard error\n"
		   "  -v, --verbose            say how long the throw-away server took to start\n\n");
	printf("Apply options:\n"
		   "      --dry-run            print the plan of each file, run nothing; exit 4\n"
		   "                           when apply() would refuse one of its statements\n"
		   "      --approve=RULE[:OBJECT]  let a reviewed dangerous statement through; repeatable\n"
		   "      --expand-type-changes  run column type changes as expand/contract\n\n");
	printf("Progress options (a database is needed):\n"
		   "      --wait               wait for an operation to start, then watch it to its end\n"
		   "      --interval=SECONDS   how often to look (default: 1)\n\n");
	printf("Connection options (none given: a throw-away server is started):\n"
		   "  -d, --dbname=CONNINFO    database name or connection string to use\n"
		   "  -h, --host=HOSTNAME      database server host or socket directory\n"
		   "  -p, --port=PORT          database server port\n"
		   "  -U, --username=USERNAME  database user name\n"
		   "      --tmp                use a throw-away server even if the above are given\n"
		   "      --pg-bindir=DIR      where initdb and postgres are (default: %s)\n"
		   "      --pg-config=PATH     the throw-away server is the one PATH names\n\n",
		   SCHEMASHIFT_PG_BINDIR);
	printf("General options:\n"
		   "      --config=FILE        read settings from FILE (default: .schemashift.conf\n"
		   "                           in the current directory or a parent)\n"
		   "      --no-config          read no configuration file\n"
		   "  -V, --version            output version information, then exit\n"
		   "  -?, --help               show this help, then exit\n\n");
	printf("Exit status: 0 no finding at or above --fail-on, 1 findings, 2 usage or\n"
		   "input error, 3 database or server error; apply --dry-run: 4 when apply()\n"
		   "would refuse a statement of the plan; progress: 1 when a job it watched\n"
		   "failed, was canceled or was interrupted.\n");
}

/* ---------- option values ---------- */

static bool
parse_bool(const char *v, bool *out)
{
	if (strcasecmp(v, "true") == 0 || strcasecmp(v, "on") == 0 ||
		strcasecmp(v, "yes") == 0 || strcmp(v, "1") == 0)
		*out = true;
	else if (strcasecmp(v, "false") == 0 || strcasecmp(v, "off") == 0 ||
			 strcasecmp(v, "no") == 0 || strcmp(v, "0") == 0)
		*out = false;
	else
		return false;
	return true;
}

static bool
set_color(Options *o, const char *v)
{
	if (v == NULL || strcmp(v, "auto") == 0)
		o->color = -1;
	else if (strcmp(v, "always") == 0)
		o->color = 1;
	else if (strcmp(v, "never") == 0)
		o->color = 0;
	else
	{
		cli_error("invalid --color value \"%s\"", v);
		cli_hint("Valid values are auto, always and never.");
		return false;
	}
	return true;
}

static bool
set_fail_on(Options *o, const char *v)
{
	Level		level;

	if (!level_from_name(v, &level) || level == LEVEL_OFF)
	{
		cli_error("invalid --fail-on level \"%s\"", v);
		cli_hint("Valid levels are error, warning and info.");
		return false;
	}
	o->fail_on = level;
	return true;
}

/* the values of schemashift.lint_profile */
static bool
set_profile(Options *o, const char *v)
{
	if (strcmp(v, "schemashift") != 0 && strcmp(v, "squawk") != 0)
	{
		cli_error("invalid --profile \"%s\"", v);
		cli_hint("Valid profiles are schemashift and squawk.");
		return false;
	}
	o->profile = pg_strdup_or_die(v);
	return true;
}

static bool
add_format(Options *o, const char *spec)
{
	const char *colon = strchr(spec, ':');
	char		name[32];
	size_t		len = colon ? (size_t) (colon - spec) : strlen(spec);
	OutputFormat fmt;

	if (len >= sizeof(name))
		len = sizeof(name) - 1;
	memcpy(name, spec, len);
	name[len] = '\0';
	if (!output_format_from_name(name, &fmt))
	{
		const char *const *names = output_format_names();
		const char *s = suggest(name, names);
		char		list[256];
		size_t		used = 0;

		/* "text, compact, ... and gitlab" */
		list[0] = '\0';
		for (int i = 0; names[i] && used < sizeof(list); i++)
			used += snprintf(list + used, sizeof(list) - used, "%s%s",
							 i == 0 ? "" : names[i + 1] ? ", " : " and ", names[i]);
		cli_error("unknown output format \"%s\"", name);
		if (s)
			cli_hint("Did you mean \"%s\"? The formats are %s.", s, list);
		else
			cli_hint("The formats are %s.", list);
		return false;
	}
	if (o->nformats >= MAX_FORMATS)
	{
		cli_error("too many --format options (at most %d)", MAX_FORMATS);
		return false;
	}
	if (colon && colon[1] == '\0')
	{
		cli_error("--format %s: the path after the colon is empty", spec);
		return false;
	}
	o->formats[o->nformats].fmt = fmt;
	o->formats[o->nformats].path = colon ? pg_strdup_or_die(colon + 1) : NULL;
	o->nformats++;
	return true;
}

/* --interval: seconds, fractions allowed, between 0.1 and an hour */
static bool
set_interval(Options *o, const char *v)
{
	char	   *end;
	double		secs;

	errno = 0;
	secs = strtod(v, &end);
	if (errno != 0 || end == v || *end != '\0' || !(secs >= 0.1 && secs <= 3600))
	{
		cli_error("invalid --interval \"%s\"", v);
		cli_hint("Give seconds between 0.1 and 3600, such as 1 or 0.5.");
		return false;
	}
	o->interval_ms = (int) (secs * 1000 + 0.5);
	return true;
}

static void
push(char ***array, int *n, const char *value)
{
	char	  **a = pg_malloc_or_die(sizeof(char *) * (*n + 1));

	if (*n)
		memcpy(a, *array, sizeof(char *) * *n);
	free(*array);
	a[(*n)++] = pg_strdup_or_die(value);
	*array = a;
}

/* ---------- .schemashift.conf ---------- */

static const char *const config_keys[] = {
	"rules", "profile", "fail-on", "exclude", "format", "in-transaction",
	"replay", "color", "dbname", "interval", NULL
};

static char *
trim(char *s)
{
	char	   *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' || end[-1] == '\n'))
		*--end = '\0';
	if ((s[0] == '"' || s[0] == '\'') && end - s >= 2 && end[-1] == s[0])
	{
		end[-1] = '\0';
		s++;
	}
	return s;
}

/*
 * One setting of the file; false after reporting an invalid one.  An
 * unknown key is an error, not something to skip: a misspelt "fail-on"
 * silently ignored would pass a CI job.
 */
static bool
config_setting(Options *o, const char *key, const char *value,
			   const char *path, int lineno)
{
	bool		ok = true;
	bool		b;

	if (strcmp(key, "rules") == 0)
		o->rules = pg_strdup_or_die(value);
	else if (strcmp(key, "profile") == 0)
		ok = set_profile(o, value);
	else if (strcmp(key, "fail-on") == 0)
		ok = set_fail_on(o, value);
	else if (strcmp(key, "exclude") == 0)
		push(&o->excludes, &o->nexcludes, value);
	else if (strcmp(key, "format") == 0)
		ok = add_format(o, value);
	else if (strcmp(key, "in-transaction") == 0)
	{
		if (!parse_bool(value, &b))
		{
			cli_error("%s:%d: invalid boolean \"%s\" for in-transaction", path, lineno, value);
			return false;
		}
		o->in_transaction = b;
	}
	else if (strcmp(key, "replay") == 0)
		o->replay = pg_strdup_or_die(value);
	else if (strcmp(key, "color") == 0)
		ok = set_color(o, value);
	else if (strcmp(key, "dbname") == 0)
		o->dbname = pg_strdup_or_die(value);
	else if (strcmp(key, "interval") == 0)
		ok = set_interval(o, value);
	else
	{
		const char *s = suggest(key, config_keys);

		cli_error("%s:%d: unknown key \"%s\"", path, lineno, key);
		if (s)
			cli_hint("Did you mean \"%s\"?", s);
		else
			cli_hint("The keys are rules, profile, fail-on, exclude, format, in-transaction, replay, color, dbname and interval.");
		return false;
	}
	if (!ok)
		fprintf(stderr, "%s: detail: In %s, line %d.\n", progname, path, lineno);
	return ok;
}

/* Read key = value lines. */
static bool
read_config(Options *o, const char *path)
{
	FILE	   *f = fopen(path, "r");
	char		line[8192];
	int			lineno = 0;
	bool		ok = true;

	if (f == NULL)
	{
		cli_error("could not open configuration file \"%s\": %s", path, strerror(errno));
		return false;
	}
	while (ok && fgets(line, sizeof(line), f) != NULL)
	{
		char	   *key;
		char	   *eq;

		lineno++;
		key = trim(line);
		if (key[0] == '\0' || key[0] == '#')
			continue;
		eq = strchr(key, '=');
		if (eq == NULL)
		{
			cli_error("%s:%d: expected \"key = value\"", path, lineno);
			ok = false;
			break;
		}
		*eq = '\0';
		ok = config_setting(o, trim(key), trim(eq + 1), path, lineno);
	}
	fclose(f);
	return ok;
}

/* .schemashift.conf in the current directory or the nearest parent, up to a git root. */
static char *
find_config(void)
{
	char		dir[PATH_MAX];

	if (getcwd(dir, sizeof(dir)) == NULL)
		return NULL;
	for (;;)
	{
		char		path[PATH_MAX + 32];
		char	   *slash;
		struct stat st;

		snprintf(path, sizeof(path), "%s/.schemashift.conf", dir);
		if (stat(path, &st) == 0)
			return pg_strdup_or_die(path);
		snprintf(path, sizeof(path), "%s/.git", dir);
		if (stat(path, &st) == 0)
			return NULL;
		slash = strrchr(dir, '/');
		if (slash == NULL || slash == dir)
			return NULL;
		*slash = '\0';
	}
}

/* What the second reading of the command line saw. */
typedef struct OptionsSeen
{
	bool		lint;			/* an option only lint takes */
	bool		apply;			/* an option only apply takes */
	bool		progress;		/* an option only progress takes */
} OptionsSeen;

static void
print_version(void)
{
	printf("schemashift %s (PostgreSQL %s)\n", SCHEMASHIFT_VERSION, SCHEMASHIFT_PG_MAJOR);
}

/* argv[1]: the command; -1 when known, else the exit status. */
static int
parse_command(int argc, char **argv, Options *o)
{
	static const char *const commands[] = {"lint", "apply", "rules", "progress", NULL};
	const char *cmd;

	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-?") == 0))
	{
		usage();
		return EXIT_CLEAN;
	}
	if (argc > 1 && (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0))
	{
		print_version();
		return EXIT_CLEAN;
	}
	if (argc < 2)
	{
		cli_error("no command given");
		try_help();
		return EXIT_USAGE;
	}
	cmd = argv[1];
	if (strcmp(cmd, "lint") == 0)
		o->command = CMD_LINT;
	else if (strcmp(cmd, "apply") == 0)
		o->command = CMD_APPLY;
	else if (strcmp(cmd, "rules") == 0)
		o->command = CMD_RULES;
	else if (strcmp(cmd, "progress") == 0)
		o->command = CMD_PROGRESS;
	else
	{
		const char *s = suggest(cmd, commands);

		cli_error("unknown command \"%s\"", cmd);
		if (s)
			cli_hint("Did you mean \"%s\"?", s);
		try_help();
		return EXIT_USAGE;
	}
	return -1;
}

/*
 * The first reading of the command line: --config and --no-config only,
 * then the file, so that the command line overrides the file's settings.
 */
static int
read_config_options(int argc, char **argv, Options *o)
{
	int			c;
	int			optindex;

	for (c = 2; c < argc && strcmp(argv[c], "--") != 0; c++)
	{
		if (strcmp(argv[c], "-?") == 0)
		{
			usage();
			return EXIT_CLEAN;
		}
	}
	/* getopt names argv[0] in its messages: the program, not the command */
	argv[1] = (char *) progname;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc - 1, argv + 1, SHORT_OPTIONS, long_options, &optindex)) != -1)
	{
		if (c == OPT_CONFIG)
			o->config = optarg;
		else if (c == OPT_NO_CONFIG)
			o->no_config = true;
	}
	if (!o->no_config)
	{
		char	   *path = o->config ? o->config : find_config();

		if (path && !read_config(o, path))
			return EXIT_USAGE;
	}
	return -1;
}

/* An option of lint or apply; -1 to go on, else the exit status. */
static int
command_option(Options *o, int c, char *arg, OptionsSeen *seen)
{
	switch (c)
	{
		case 'f':
			if (!o->formats_from_cli)
			{
				/* the command line's formats replace the file's */
				o->nformats = 0;
				o->formats_from_cli = true;
			}
			return add_format(o, arg) ? -1 : EXIT_USAGE;
		case OPT_FAIL_ON:
			seen->lint = true;
			return set_fail_on(o, arg) ? -1 : EXIT_USAGE;
		case 'r':
			o->rules = arg;
			break;
		case OPT_PROFILE:
			seen->lint = true;
			return set_profile(o, arg) ? -1 : EXIT_USAGE;
		case 'x':
			push(&o->excludes, &o->nexcludes, arg);
			break;
		case OPT_CHANGED_SINCE:
			o->changed_since = arg;
			break;
		case OPT_IN_TRANSACTION:
			o->in_transaction = true;
			break;
		case OPT_REPLAY:
			o->replay = arg;
			break;
		case OPT_STDIN_FILENAME:
			o->stdin_filename = arg;
			break;
		case OPT_DRY_RUN:
			o->dry_run = true;
			seen->apply = true;
			return -1;
		case OPT_APPROVE:
			push(&o->approves, &o->napproves, arg);
			seen->apply = true;
			return -1;
		case OPT_EXPAND_TYPE_CHANGES:
			o->expand_type_changes = true;
			seen->apply = true;
			return -1;
		case OPT_WAIT:
			o->wait = true;
			seen->progress = true;
			return -1;
		case OPT_INTERVAL:
			seen->progress = true;
			return set_interval(o, arg) ? -1 : EXIT_USAGE;
		default:
			try_help();
			return EXIT_USAGE;
	}
	seen->lint = true;
	return -1;
}

/* An option of every command; -1 to go on, else the exit status. */
static int
general_option(Options *o, int c, char *arg, OptionsSeen *seen)
{
	switch (c)
	{
		case OPT_CONFIG:
		case OPT_NO_CONFIG:
			break;
		case OPT_COLOR:
			return set_color(o, arg ? arg : "always") ? -1 : EXIT_USAGE;
		case 'q':
			o->quiet = true;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'd':
			o->dbname = arg;
			break;
		case 'h':
			o->host = arg;
			break;
		case 'p':
			o->port = arg;
			break;
		case 'U':
			o->username = arg;
			break;
		case OPT_TMP:
			o->tmp = true;
			break;
		case OPT_PG_BINDIR:
			o->pg_bindir = arg;
			break;
		case OPT_PG_CONFIG:
			o->pg_config = arg;
			break;
		case 'V':
			print_version();
			return EXIT_CLEAN;
		case 'H':
			usage();
			return EXIT_CLEAN;
		default:
			return command_option(o, c, arg, seen);
	}
	return -1;
}

/* Options a command does not take. */
static int
check_command_options(Options *o, int argc, const OptionsSeen *seen)
{
	if (seen->apply && o->command != CMD_APPLY)
	{
		cli_error("--dry-run, --approve and --expand-type-changes belong to apply");
		try_help();
		return EXIT_USAGE;
	}
	if (seen->progress && o->command != CMD_PROGRESS)
	{
		cli_error("--wait and --interval belong to progress");
		try_help();
		return EXIT_USAGE;
	}
	if (o->command == CMD_RULES && (seen->lint || optind < argc - 1))
	{
		cli_error("rules takes no files and no lint options");
		try_help();
		return EXIT_USAGE;
	}
	if (o->command == CMD_PROGRESS && (seen->lint || optind < argc - 1))
	{
		cli_error("progress takes no files and no lint options");
		try_help();
		return EXIT_USAGE;
	}
	return -1;
}

int
options_parse(int argc, char **argv, Options *o, int *first_arg)
{
	OptionsSeen seen = {false, false, false};
	int			status;
	int			c;
	int			optindex;

	memset(o, 0, sizeof(*o));
	o->fail_on = LEVEL_ERROR;
	o->color = -1;
	o->interval_ms = 1000;
	o->pg_bindir = getenv("SCHEMASHIFT_PG_BINDIR") ? getenv("SCHEMASHIFT_PG_BINDIR") : SCHEMASHIFT_PG_BINDIR;

	if ((status = parse_command(argc, argv, o)) >= 0 ||
		(status = read_config_options(argc, argv, o)) >= 0)
		return status;

	opterr = 1;
	optind = 1;
	while ((c = getopt_long(argc - 1, argv + 1, SHORT_OPTIONS, long_options, &optindex)) != -1)
	{
		if ((status = general_option(o, c, optarg, &seen)) >= 0)
			return status;
	}
	if ((status = check_command_options(o, argc, &seen)) >= 0)
		return status;
	if (o->nformats == 0)
	{
		o->formats[0].fmt = FORMAT_TEXT;
		o->nformats = 1;
	}
	*first_arg = 1 + optind;
	return -1;
}
