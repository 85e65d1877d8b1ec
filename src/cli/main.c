/*-------------------------------------------------------------------------
 *
 * main.c
 *	  schemashift: lint migration files in CI, apply them safely.
 *
 *	  Every rule lives in the extension: this program sends each file to
 *	  schemashift.lint() as a query parameter (never spliced into SQL) and
 *	  prints what comes back.  With no database given it starts a throw-away
 *	  server of its own (tmpserver.c).  The progress command is progress.c.
 *
 *-------------------------------------------------------------------------
 */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libpq-fe.h"

/* set by the signal handlers; the server is stopped from there at once */
static volatile sig_atomic_t got_signal = 0;
static TmpServer *tmp_server = NULL;
static PGcancel *volatile cancel_handle = NULL;

static void
cleanup(void)
{
	if (tmp_server != NULL)
	{
		tmpserver_stop(tmp_server);
		tmp_server = NULL;
	}
}

static void
die(int status)
{
	cleanup();
	exit(status);
}

static void
signal_handler(int signo)
{
	PGcancel   *cancel = cancel_handle;
	char		errbuf[256];

	got_signal = signo;

	/*
	 * The query in progress then fails, and the main flow cleans up: our
	 * own server is stopped at once, a real one is asked to cancel the
	 * statement (PQcancel is safe in a signal handler), as psql does.
	 */
	tmpserver_signal_stop();
	if (cancel != NULL)
		(void) PQcancel(cancel, errbuf, sizeof(errbuf));
}

/* After a signal: remove the server, then die of the same signal. */
void
check_signal(void)
{
	int			signo = got_signal;

	if (signo == 0)
		return;
	cleanup();
	signal(signo, SIG_DFL);
	raise(signo);
	exit(128 + signo);
}

/* ---------- the connection ---------- */

static void
notice_to_stderr(void *arg, const char *message)
{
	const char *prefix = arg;

	/* the server's goodbye after our own Ctrl-C is noise */
	if (got_signal)
		return;
	if (prefix == NULL || prefix[0] == '\0')
	{
		fputs(message, stderr);
		return;
	}
	/* every line of it, DETAIL and HINT too, names the file */
	while (*message)
	{
		const char *nl = strchr(message, '\n');
		int			len = nl ? (int) (nl - message) : (int) strlen(message);

		fprintf(stderr, "%s: %.*s\n", prefix, len, message);
		message += len + (nl != NULL);
	}
}

bool
connection_given(const Options *o)
{
	return o->dbname || o->host || o->port || o->username;
}

/* The keywords and values of PQconnectdbParams, NULL-terminated. */
typedef struct ConnParams
{
	const char *keywords[8];
	const char *values[8];
	int			n;
} ConnParams;

/* Add keyword = value, unless value is NULL (not given). */
static void
conn_param(ConnParams *p, const char *keyword, const char *value)
{
	if (value == NULL)
		return;
	p->keywords[p->n] = keyword;
	p->values[p->n] = value;
	p->n++;
	p->keywords[p->n] = NULL;
	p->values[p->n] = NULL;
}

/* Start the throw-away server; its connection string. */
static const char *
start_tmp_server(Options *o)
{
	char	   *err;

	if (o->command == CMD_APPLY && !o->tmp)
	{
		/* an apply into a throw-away database must be asked for */
		cli_error("apply needs a database");
		cli_hint("Give one with -d CONNINFO, or --tmp to try the migration on a throw-away server.");
		die(EXIT_USAGE);
	}
	if (geteuid() == 0)
	{
		/* initdb and postgres would refuse, less clearly */
		cli_error("cannot start a throw-away server as root");
		cli_hint("Run %s as an ordinary user, or give it a database with -d CONNINFO.", progname);
		die(EXIT_USAGE);
	}
	tmpserver_clear_pg_environment();
	tmp_server = tmpserver_start(o->pg_bindir, o->pg_config, &err);
	check_signal();
	if (tmp_server == NULL)
	{
		cli_error("%s", err);
		die(EXIT_SERVER);
	}
	if (o->verbose)
		fprintf(stderr, "%s: throw-away server ready in %.3f s%s\n", progname,
				tmpserver_startup_seconds(tmp_server),
				tmpserver_built_template(tmp_server) ? " (its template was made first: later runs copy it)" : "");
	return tmpserver_conninfo(tmp_server);
}

PGconn *
connect_db(Options *o)
{
	ConnParams	p = {{NULL}, {NULL}, 0};
	PGconn	   *conn;

	if (o->tmp || !connection_given(o))
		conn_param(&p, "dbname", start_tmp_server(o));
	else
	{
		conn_param(&p, "dbname", o->dbname);
		conn_param(&p, "host", o->host);
		conn_param(&p, "port", o->port);
		conn_param(&p, "user", o->username);
	}
	conn_param(&p, "fallback_application_name", "schemashift");
	conn_param(&p, "client_encoding", "UTF8");

	conn = PQconnectdbParams(p.keywords, p.values, 1);
	check_signal();
	PQsetNoticeProcessor(conn, notice_to_stderr, NULL);
	if (PQstatus(conn) != CONNECTION_OK)
	{
		cli_error("could not connect to the database: %s", PQerrorMessage(conn));
		PQfinish(conn);
		die(EXIT_SERVER);
	}
	cancel_handle = PQgetCancel(conn);
	return conn;
}

/* Report a server error, with its detail and hint, and end with status 3. */
void
server_error(PGconn *conn, PGresult *res, const char *what)
{
	const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *detail = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : NULL;
	const char *hint = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_HINT) : NULL;
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	check_signal();
	if (state && (strcmp(state, "3F000") == 0 || strcmp(state, "42883") == 0) &&
		msg && strstr(msg, "schemashift"))
	{
		cli_error("the schemashift extension is not installed in this database");
		cli_hint("Run CREATE EXTENSION schemashift as a superuser, or give no connection option to use a throw-away server.");
		PQclear(res);
		PQfinish(conn);
		die(EXIT_SERVER);
	}
	if (msg)
		cli_error("%s: %s", what, msg);
	else
		cli_error("%s: %s", what, PQerrorMessage(conn));
	if (detail)
		fprintf(stderr, "%s: detail: %s\n", progname, detail);
	if (hint)
		cli_hint("%s", hint);
	if (res)
		PQclear(res);
	PQfinish(conn);
	die(EXIT_SERVER);
}

bool
result_ok(PGresult *res)
{
	ExecStatusType s = PQresultStatus(res);

	return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
}

static void
exec_or_die(PGconn *conn, const char *sql, const char *what)
{
	PGresult   *res = PQexec(conn, sql);

	if (!result_ok(res))
		server_error(conn, res, what);
	PQclear(res);
}

static char *
value_or_null(PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : pg_strdup_or_die(PQgetvalue(res, row, col));
}

static int
bool_value(PGresult *res, int row, int col)
{
	if (PQgetisnull(res, row, col))
		return -1;
	return PQgetvalue(res, row, col)[0] == 't';
}

static Level
level_value(PGresult *res, int row, int col)
{
	Level		level = LEVEL_ERROR;

	if (!PQgetisnull(res, row, col))
		(void) level_from_name(PQgetvalue(res, row, col), &level);
	return level;
}

/* The rules, and a check that the extension is there at all. */
static RuleInfo *
fetch_rules(PGconn *conn, int *nrules)
{
	PGresult   *res;
	RuleInfo   *rules;
	int			i;

	res = PQexec(conn,
				 "SELECT id, level, default_level, lock, rewrites, summary, message, hint, why, "
				 "bad_example, good_example FROM schemashift.rules() ORDER BY id");
	if (!result_ok(res))
		server_error(conn, res, "could not read the rules");
	*nrules = PQntuples(res);
	rules = pg_malloc_or_die(sizeof(RuleInfo) * (*nrules + 1));
	for (i = 0; i < *nrules; i++)
	{
		RuleInfo   *r = &rules[i];

		r->id = value_or_null(res, i, 0);
		r->level = level_value(res, i, 1);
		r->default_level = level_value(res, i, 2);
		r->lock = value_or_null(res, i, 3);
		r->rewrites = bool_value(res, i, 4);
		r->summary = value_or_null(res, i, 5);
		r->message = value_or_null(res, i, 6);
		r->hint = value_or_null(res, i, 7);
		r->why = value_or_null(res, i, 8);
		r->bad_example = value_or_null(res, i, 9);
		r->good_example = value_or_null(res, i, 10);
	}
	PQclear(res);
	return rules;
}

/* ---------- files ---------- */

typedef struct Input
{
	char	   *path;			/* as reported */
	char	   *text;
} Input;

static Input *
read_inputs(Options *o, int nargs, char **args, int *ninputs, bool allow_stdin)
{
	FileList	list = {0};
	bool		used_stdin = false;
	Input	   *inputs;
	int			i;
	bool		failed = false;

	for (i = 0; i < nargs; i++)
	{
		if (strcmp(args[i], "-") == 0 && !allow_stdin)
		{
			cli_error("apply does not read standard input: name the migration files");
			die(EXIT_USAGE);
		}
		if (files_collect(&list, args[i], &used_stdin) < 0)
			failed = true;
	}
	if (failed)
		die(EXIT_USAGE);
	files_sort_versions(&list);
	if (o->nexcludes)
		files_exclude(&list, o->excludes, o->nexcludes);
	if (o->changed_since && files_changed_since(&list, o->changed_since) != 0)
		die(EXIT_USAGE);

	inputs = pg_malloc_or_die(sizeof(Input) * (list.npaths + 1));
	for (i = 0; i < list.npaths; i++)
	{
		size_t		len;
		char	   *err;
		bool		is_stdin = strcmp(list.paths[i], "-") == 0;
		const char *shown = is_stdin ? (o->stdin_filename ? o->stdin_filename : "<stdin>") : list.paths[i];

		inputs[i].path = pg_strdup_or_die(shown);
		inputs[i].text = read_file(list.paths[i], &len, &err);
		if (inputs[i].text == NULL)
		{
			if (isdigit((unsigned char) err[0]))
				fprintf(stderr, "%s:%s\n", shown, err);	/* "line:col: error: ..." */
			else
				cli_error("%s", err);
			die(EXIT_USAGE);
		}
		free(list.paths[i]);
	}
	*ninputs = list.npaths;
	free(list.paths);
	return inputs;
}

/*
 * Run each migration of dir, statement by statement (the server splits
 * them), into the throw-away database, so catalog-aware rules see the
 * schema the new migration will meet.
 */
static void
replay(PGconn *conn, Options *o)
{
	char	   *args[1];
	Input	   *inputs;
	int			n;
	int			i;
	char	   *saved_since = o->changed_since;
	int			saved_nexcludes = o->nexcludes;

	o->changed_since = NULL;	/* the earlier migrations all count */
	o->nexcludes = 0;
	args[0] = o->replay;
	inputs = read_inputs(o, 1, args, &n, false);
	o->changed_since = saved_since;
	o->nexcludes = saved_nexcludes;

	/* what the guard says about migrations already applied is not news */
	exec_or_die(conn, "SET client_min_messages = error", "replay");

	for (i = 0; i < n; i++)
	{
		const char *params[1] = {inputs[i].text};
		PGresult   *res = PQexecParams(conn,
									   "SELECT line, col, sql FROM schemashift.statements($1)",
									   1, NULL, params, NULL, NULL, 0);
		int			j;

		if (!result_ok(res))
			server_error(conn, res, inputs[i].path);
		for (j = 0; j < PQntuples(res); j++)
		{
			PGresult   *r = PQexec(conn, PQgetvalue(res, j, 2));

			check_signal();
			if (!result_ok(r))
			{
				fprintf(stderr, "%s:%s:%s: error: %s", inputs[i].path,
						PQgetvalue(res, j, 0), PQgetvalue(res, j, 1),
						PQresultErrorMessage(r));
				cli_error("could not replay \"%s\" into the throw-away database", inputs[i].path);
				PQclear(r);
				PQclear(res);
				PQfinish(conn);
				die(EXIT_SERVER);
			}
			PQclear(r);
		}
		PQclear(res);
		free(inputs[i].text);
		free(inputs[i].path);
	}
	free(inputs);
	exec_or_die(conn, "RESET client_min_messages", "replay");
}

/* ---------- lint ---------- */

static void
check_rules_spec(PGconn *conn, const char *spec)
{
	const char *params[1] = {spec};
	PGresult   *res;

	if (spec == NULL)
		return;
	res = PQexecParams(conn, "SELECT count(*) FROM schemashift.lint('', false, $1)",
					   1, NULL, params, NULL, NULL, 0);
	if (!result_ok(res))
	{
		const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

		/* a bad rule name or level is the user's input, not the server failing */
		if (state && strcmp(state, "22023") == 0)
		{
			const char *hint = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT);

			cli_error("--rules: %s", PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY));
			if (hint)
				cli_hint("%s", hint);
			PQclear(res);
			PQfinish(conn);
			die(EXIT_USAGE);
		}
		server_error(conn, res, "--rules");
	}
	PQclear(res);
}

/*
 * --profile: for the session, before any transaction (a SET inside one
 * that is rolled back would not last); lint() reads it, apply() never.
 */
static void
set_lint_profile(PGconn *conn, const char *profile)
{
	const char *params[1] = {profile};
	PGresult   *res;

	if (profile == NULL)
		return;
	res = PQexecParams(conn, "SELECT pg_catalog.set_config('schemashift.lint_profile', $1, false)",
					   1, NULL, params, NULL, NULL, 0);
	if (!result_ok(res))
		server_error(conn, res, "--profile");
	PQclear(res);
}

static void
store_finding(Finding *f, PGresult *res, int row, int col0)
{
	f->statement = atoi(PQgetvalue(res, row, col0 + 0));
	f->line = atoi(PQgetvalue(res, row, col0 + 1));
	f->col = atoi(PQgetvalue(res, row, col0 + 2));
	f->rule = value_or_null(res, row, col0 + 3);
	f->level = level_value(res, row, col0 + 4);
	f->object = value_or_null(res, row, col0 + 5);
	f->lock = value_or_null(res, row, col0 + 6);
	f->rewrites = bool_value(res, row, col0 + 7);
	f->message = value_or_null(res, row, col0 + 8);
	f->hint = value_or_null(res, row, col0 + 9);
	if (f->rule == NULL)
		f->rule = pg_strdup_or_die("");
	if (f->message == NULL)
		f->message = pg_strdup_or_die("");
}

#define LINT_COLUMNS "statement, line, col, rule, level, object, lock, rewrites, message, hint"

/* One file, one query: says which file a server error is about. */
static void
lint_one(PGconn *conn, Options *o, Input *input, LintedFile *file)
{
	const char *params[3];
	PGresult   *res;
	int			j;

	params[0] = input->text;
	params[1] = o->in_transaction ? "true" : "false";
	params[2] = o->rules;
	res = PQexecParams(conn,
					   "SELECT " LINT_COLUMNS " FROM schemashift.lint($1, $2, $3)",
					   3, NULL, params, NULL, NULL, 0);
	check_signal();
	if (!result_ok(res))
	{
		char		what[PATH_MAX + 32];

		snprintf(what, sizeof(what), "could not lint \"%s\"", input->path);
		server_error(conn, res, what);
	}
	file->path = input->path;
	file->nfindings = PQntuples(res);
	file->findings = pg_malloc_or_die(sizeof(Finding) * (file->nfindings + 1));
	for (j = 0; j < file->nfindings; j++)
		store_finding(&file->findings[j], res, j, 0);
	PQclear(res);
}

/* a text[] literal of the scripts: quoted, backslash and quote escaped */
static char *
scripts_array(Input *inputs, int n)
{
	size_t		len = 3;
	char	   *out;
	char	   *p;
	int			i;

	for (i = 0; i < n; i++)
		len += strlen(inputs[i].text) * 2 + 3;
	p = out = pg_malloc_or_die(len);
	*p++ = '{';
	for (i = 0; i < n; i++)
	{
		const char *c;

		if (i)
			*p++ = ',';
		*p++ = '"';
		for (c = inputs[i].text; *c; c++)
		{
			if (*c == '"' || *c == '\\')
				*p++ = '\\';
			*p++ = *c;
		}
		*p++ = '"';
	}
	*p++ = '}';
	*p = '\0';
	return out;
}

/*
 * Many files, one query: a round trip per file would cost more than the
 * linting of a small migration.  false when the server raised an error
 * (the transaction is then aborted): lint_one() tells which file it was.
 */
static bool
lint_batch(PGconn *conn, Options *o, Input *inputs, int n, LintedFile *files)
{
	const char *params[3];
	char	   *array = scripts_array(inputs, n);
	PGresult   *res;
	int		   *counts;
	int			i;
	int			row;

	params[0] = array;
	params[1] = o->in_transaction ? "true" : "false";
	params[2] = o->rules;
	res = PQexecParams(conn,
					   "SELECT f.ord, l." LINT_COLUMNS " FROM pg_catalog.unnest($1::pg_catalog.text[]) "
					   "WITH ORDINALITY AS f(script, ord), "
					   "LATERAL schemashift.lint(f.script, $2, $3) WITH ORDINALITY AS l "
					   "ORDER BY f.ord, l.ordinality",
					   3, NULL, params, NULL, NULL, 0);
	free(array);
	check_signal();
	if (!result_ok(res))
	{
		PQclear(res);
		return false;
	}

	counts = pg_malloc_or_die(sizeof(int) * n);
	memset(counts, 0, sizeof(int) * n);
	for (row = 0; row < PQntuples(res); row++)
		counts[atoi(PQgetvalue(res, row, 0)) - 1]++;
	for (i = 0; i < n; i++)
	{
		files[i].path = inputs[i].path;
		files[i].nfindings = 0;
		files[i].findings = pg_malloc_or_die(sizeof(Finding) * (counts[i] + 1));
	}
	for (row = 0; row < PQntuples(res); row++)
	{
		LintedFile *f = &files[atoi(PQgetvalue(res, row, 0)) - 1];

		store_finding(&f->findings[f->nfindings++], res, row, 1);
	}
	free(counts);
	PQclear(res);
	return true;
}

/* files per query at most, and script bytes: the parameter stays well below 1 GB */
#define LINT_BATCH_FILES	1000
#define LINT_BATCH_BYTES	(64 * 1024 * 1024)

static void
lint_inputs(PGconn *conn, Options *o, Input *inputs, int n, LintedFile *files)
{
	int			first = 0;

	exec_or_die(conn, "BEGIN", "could not begin a transaction");
	while (first < n)
	{
		int			count = 0;
		size_t		bytes = 0;

		while (first + count < n && count < LINT_BATCH_FILES &&
			   (count == 0 || bytes + strlen(inputs[first + count].text) <= LINT_BATCH_BYTES))
			bytes += strlen(inputs[first + count++].text);
		if (count == 1)
			lint_one(conn, o, &inputs[first], &files[first]);
		else if (!lint_batch(conn, o, inputs + first, count, files + first))
		{
			int			i;

			exec_or_die(conn, "ROLLBACK", "could not roll back");
			exec_or_die(conn, "BEGIN", "could not begin a transaction");
			for (i = 0; i < count; i++)
				lint_one(conn, o, &inputs[first + i], &files[first + i]);
		}
		first += count;
	}
	exec_or_die(conn, "ROLLBACK", "could not roll back");
}

static bool
use_color(const Options *o, FILE *out)
{
	const char *term = getenv("TERM");
	const char *no_color = getenv("NO_COLOR");

	if (o->color >= 0)
		return o->color == 1;
	if (no_color && no_color[0])
		return false;
	if (term && strcmp(term, "dumb") == 0)
		return false;
	return isatty(fileno(out));
}

static void
write_outputs(Options *o, const Report *report)
{
	int			i;

	for (i = 0; i < o->nformats; i++)
	{
		FormatSpec *spec = &o->formats[i];
		FILE	   *out = stdout;

		if (spec->path && strcmp(spec->path, "-") != 0)
		{
			out = fopen(spec->path, "w");
			if (out == NULL)
			{
				cli_error("could not open \"%s\" for writing: %s", spec->path, strerror(errno));
				die(EXIT_USAGE);
			}
		}
		output_report(out, spec->fmt,
					  report, spec->fmt == FORMAT_TEXT && use_color(o, out));
		if (spec->fmt == FORMAT_GITHUB)
		{
			const char *summary = getenv("GITHUB_STEP_SUMMARY");

			if (summary && summary[0])
			{
				FILE	   *s = fopen(summary, "a");

				if (s == NULL)
					cli_error("could not open GITHUB_STEP_SUMMARY \"%s\": %s", summary, strerror(errno));
				else
				{
					output_github_summary(s, report);
					fclose(s);
				}
			}
		}
		if (out != stdout)
		{
			if (fclose(out) != 0)
			{
				cli_error("could not write \"%s\": %s", spec->path, strerror(errno));
				die(EXIT_USAGE);
			}
		}
		else
			fflush(stdout);
	}
}

static int
count_level(const Report *r, Level level)
{
	int			i;
	int			j;
	int			n = 0;

	for (i = 0; i < r->nfiles; i++)
		for (j = 0; j < r->files[i].nfindings; j++)
			n += r->files[i].findings[j].level == level;
	return n;
}

static bool
fails(const Report *r)
{
	int			i;
	int			j;

	for (i = 0; i < r->nfiles; i++)
		for (j = 0; j < r->files[i].nfindings; j++)
			if (r->files[i].findings[j].level >= r->fail_on)
				return true;
	return false;
}

static void
summary(const Report *r)
{
	int			errors = count_level(r, LEVEL_ERROR);
	int			warnings = count_level(r, LEVEL_WARNING);
	int			infos = count_level(r, LEVEL_INFO);
	char		infos_text[32];

	snprintf(infos_text, sizeof(infos_text), ", %d info%s", infos, infos == 1 ? "" : "s");

	if (errors + warnings + infos == 0)
		fprintf(stderr, "%s: %d file%s linted, no findings\n", progname,
				r->nfiles, r->nfiles == 1 ? "" : "s");
	else
		fprintf(stderr, "%s: %d file%s linted: %d error%s, %d warning%s%s\n", progname,
				r->nfiles, r->nfiles == 1 ? "" : "s",
				errors, errors == 1 ? "" : "s",
				warnings, warnings == 1 ? "" : "s",
				infos ? infos_text : "");
}

static char *
server_version(PGconn *conn)
{
	const char *v = PQparameterStatus(conn, "server_version");

	return pg_strdup_or_die(v ? v : "");
}

/* Lint the inputs into a report; the connection stays open. */
static Report *
build_report(PGconn *conn, Options *o, Input *inputs, int n)
{
	Report	   *report = pg_malloc_or_die(sizeof(Report));
	int			i;

	memset(report, 0, sizeof(Report));
	/* only SARIF carries the rules' documentation: 27 kB not worth fetching else */
	for (i = 0; i < o->nformats; i++)
	{
		if (o->formats[i].fmt == FORMAT_SARIF)
		{
			report->rules = fetch_rules(conn, &report->nrules);
			break;
		}
	}
	check_rules_spec(conn, o->rules);
	set_lint_profile(conn, o->profile);
	report->tool_version = SCHEMASHIFT_VERSION;
	report->server_version = server_version(conn);
	report->fail_on = o->fail_on;
	report->files = pg_malloc_or_die(sizeof(LintedFile) * (n + 1));
	report->nfiles = n;
	if (o->replay)
		replay(conn, o);
	lint_inputs(conn, o, inputs, n, report->files);
	return report;
}

static int
cmd_lint(Options *o, int nargs, char **args)
{
	Input	   *inputs;
	int			n;
	PGconn	   *conn;
	Report	   *report;
	bool		failed;

	if (nargs == 0)
	{
		cli_error("no input files");
		cli_hint("Name migration files, directories or globs, or - to read standard input.");
		return EXIT_USAGE;
	}
	inputs = read_inputs(o, nargs, args, &n, true);
	if (n == 0)
	{
		/*
		 * Only --changed-since or --exclude can leave nothing.  The reports
		 * are written all the same: CI uploads them whatever happened.
		 */
		Report		empty;

		memset(&empty, 0, sizeof(empty));
		empty.tool_version = SCHEMASHIFT_VERSION;
		empty.fail_on = o->fail_on;
		write_outputs(o, &empty);
		if (!o->quiet)
			fprintf(stderr, "%s: no migration file to lint%s\n", progname,
					o->changed_since ? " (none changed since that commit)" : " (all excluded)");
		return EXIT_CLEAN;
	}
	if (o->replay && connection_given(o) && !o->tmp)
	{
		cli_error("--replay runs migrations into the database: it needs the throw-away server");
		cli_hint("Drop the connection options, or add --tmp.");
		return EXIT_USAGE;
	}

	conn = connect_db(o);
	report = build_report(conn, o, inputs, n);
	PQfinish(conn);
	cleanup();

	write_outputs(o, report);
	if (!o->quiet)
		summary(report);
	failed = fails(report);
	return failed ? EXIT_FINDINGS : EXIT_CLEAN;
}

/* ---------- apply ---------- */

/* The migration id of a file: its name without directory and .sql. */
static char *
migration_id(const char *path)
{
	const char *base = strrchr(path, '/');
	char	   *id;
	size_t		len;

	base = base ? base + 1 : path;
	id = pg_strdup_or_die(base);
	len = strlen(id);
	if (len > 4 && strcmp(id + len - 4, ".sql") == 0)
		id[len - 4] = '\0';
	return id;
}

/* "{a,b}" for text[], each element quoted. */
static char *
text_array(char **items, int n)
{
	size_t		len = 3;
	char	   *out;
	char	   *p;
	int			i;

	if (n == 0)
		return NULL;
	for (i = 0; i < n; i++)
		len += strlen(items[i]) * 2 + 3;
	out = pg_malloc_or_die(len);
	p = out;
	*p++ = '{';
	for (i = 0; i < n; i++)
	{
		const char *s;

		if (i)
			*p++ = ',';
		*p++ = '"';
		for (s = items[i]; *s; s++)
		{
			if (*s == '"' || *s == '\\')
				*p++ = '\\';
			*p++ = *s;
		}
		*p++ = '"';
	}
	*p++ = '}';
	*p = '\0';
	return out;
}

/*
 * Where in the file a failed step was: apply's error context names it as
 * "migration step N (line L, column C)".
 */
static bool
error_position(PGresult *res, int *line, int *col)
{
	const char *context = PQresultErrorField(res, PG_DIAG_CONTEXT);
	const char *p;
	int			n;

	const char *detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);

	if (context && (p = strstr(context, "migration step ")) != NULL &&
		sscanf(p, "migration step %d (line %d, column %d)", &n, line, col) == 3)
		return true;
	/* a statement refused before anything ran: its finding is in the detail */
	if (detail && strncmp(detail, "line ", 5) == 0 &&
		sscanf(detail, "line %d, column %d", line, col) == 2)
		return true;
	return false;
}

/* Print a file's plan; how many of its steps apply() would refuse. */
static int
print_plan(PGresult *res, const char *path)
{
	int			i;
	int			refused = 0;

	printf("%s: plan, %d step%s\n", path, PQntuples(res), PQntuples(res) == 1 ? "" : "s");
	for (i = 0; i < PQntuples(res); i++)
	{
		printf("%s:%s:%s: step %s: %s\n", path, PQgetvalue(res, i, 1), PQgetvalue(res, i, 2),
			   PQgetvalue(res, i, 0), PQgetvalue(res, i, 3));
		printf("    recipe: %s (%s)\n", PQgetvalue(res, i, 4), PQgetvalue(res, i, 5));
		if (!PQgetisnull(res, i, 6) && PQgetvalue(res, i, 6)[0])
			printf("    locks: %s\n", PQgetvalue(res, i, 6));
		if (!PQgetisnull(res, i, 7))
			printf("    estimate: %s\n", PQgetvalue(res, i, 7));
		if (!PQgetisnull(res, i, 8) && PQgetvalue(res, i, 8)[0])
			printf("    notes: %s\n", PQgetvalue(res, i, 8));
		if (!PQgetisnull(res, i, 9))
		{
			refused++;
			printf("    refused: %s\n", PQgetvalue(res, i, 9));
			if (!PQgetisnull(res, i, 10))
				printf("    way through: %s\n", PQgetvalue(res, i, 10));
		}
	}
	return refused;
}

/* Lint the files first, one compact line a finding; how many syntax errors. */
static int
apply_lint_first(PGconn *conn, Options *o, Input *inputs, int n)
{
	bool		saved_in_tx = o->in_transaction;
	Report	   *report;
	int			syntax_errors = 0;
	int			i;

	/* findings are shown; apply() decides what they mean */
	o->in_transaction = false;
	report = build_report(conn, o, inputs, n);
	o->in_transaction = saved_in_tx;
	/* one line each: apply's own notices say what it does about them */
	o->nformats = 1;
	o->formats[0].fmt = FORMAT_COMPACT;
	o->formats[0].path = NULL;
	write_outputs(o, report);
	for (i = 0; i < report->nfiles; i++)
	{
		int			j;

		for (j = 0; j < report->files[i].nfindings; j++)
			syntax_errors += strcmp(report->files[i].findings[j].rule, "syntax-error") == 0;
	}
	return syntax_errors;
}

/* A failed apply() or plan(): the server's error at its place in the file. */
static void
report_apply_error(PGconn *conn, PGresult *res, const char *path)
{
	int			line;
	int			col;
	const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	const char *detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
	const char *hint = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT);
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

	if (msg == NULL)
		server_error(conn, res, path);
	if (error_position(res, &line, &col))
		fprintf(stderr, "%s:%d:%d: error: %s [%s]\n", path, line, col, msg,
				state ? state : "");
	else
		fprintf(stderr, "%s: error: %s [%s]\n", path, msg, state ? state : "");
	if (detail)
		fprintf(stderr, "    detail: %s\n", detail);
	if (hint)
		fprintf(stderr, "    hint: %s\n", hint);
}

/* schemashift.apply() of one file, or with --dry-run its plan(). */
static PGresult *
apply_one(PGconn *conn, const Options *o, const Input *input, const char *id,
		  const char *approve)
{
	const char *params[4];

	params[0] = input->text;
	params[1] = id;
	params[2] = approve;
	params[3] = o->expand_type_changes ? "true" : "false";
	PQsetNoticeProcessor(conn, notice_to_stderr, input->path);
	if (o->dry_run)
	{
		const char *plan_params[3] = {params[0], params[2], params[3]};

		return PQexecParams(conn,
							"SELECT step, line, col, statement, recipe, run, locks, estimate, notes, "
							"refused, way_through "
							"FROM schemashift.plan($1, $2::text[], $3::boolean)",
							3, NULL, plan_params, NULL, NULL, 0);
	}
	return PQexecParams(conn,
						"CALL schemashift.apply($1, $2, approve => $3::text[], "
						"expand_type_changes => $4::boolean)",
						4, NULL, params, NULL, NULL, 0);
}

static int
cmd_apply(Options *o, int nargs, char **args)
{
	Input	   *inputs;
	int			n;
	PGconn	   *conn;
	int			i;
	int			syntax_errors;
	int			refused = 0;
	char	   *approve;

	if (nargs == 0)
	{
		cli_error("no migration files");
		cli_hint("Name the migration files, directories or globs to apply.");
		return EXIT_USAGE;
	}
	inputs = read_inputs(o, nargs, args, &n, false);
	if (n == 0)
	{
		if (!o->quiet)
			fprintf(stderr, "%s: no migration file to apply\n", progname);
		return EXIT_CLEAN;
	}
	conn = connect_db(o);

	syntax_errors = apply_lint_first(conn, o, inputs, n);
	if (syntax_errors)
	{
		cli_error("%d syntax error%s: nothing was applied", syntax_errors, syntax_errors == 1 ? "" : "s");
		PQfinish(conn);
		die(EXIT_FINDINGS);
	}

	approve = text_array(o->approves, o->napproves);
	for (i = 0; i < n; i++)
	{
		char	   *id = migration_id(inputs[i].path);
		PGresult   *res = apply_one(conn, o, &inputs[i], id, approve);

		check_signal();
		if (!result_ok(res))
		{
			report_apply_error(conn, res, inputs[i].path);
			cli_error("migration \"%s\" failed; the files after it were not applied", id);
			PQclear(res);
			PQfinish(conn);
			die(EXIT_SERVER);
		}
		if (o->dry_run)
			refused += print_plan(res, inputs[i].path);
		else if (!o->quiet)
			fprintf(stderr, "%s: %s: applied\n", progname, inputs[i].path);
		PQclear(res);
		free(id);
	}
	PQfinish(conn);
	cleanup();
	if (refused > 0)
	{
		/* a plan apply() would stop at must fail the CI job that dry-runs it */
		cli_error("dry run: apply() would refuse %d statement%s", refused, refused == 1 ? "" : "s");
		cli_hint("Each refused step says its way through: a recipe option, a rewrite, or --approve.");
		return EXIT_REFUSED;
	}
	return EXIT_CLEAN;
}

/* ---------- rules ---------- */

static int
cmd_rules(Options *o)
{
	PGconn	   *conn;
	RuleInfo   *rules;
	int			n;
	bool		json = false;
	int			i;

	for (i = 0; i < o->nformats; i++)
	{
		if (o->formats[i].fmt == FORMAT_JSON)
			json = true;
		else if (o->formats[i].fmt != FORMAT_TEXT || o->formats[i].path)
		{
			cli_error("rules prints text or json to standard output");
			return EXIT_USAGE;
		}
	}
	conn = connect_db(o);
	rules = fetch_rules(conn, &n);
	PQfinish(conn);
	cleanup();
	output_rules(stdout, json, rules, n);
	return EXIT_CLEAN;
}


/* ---------- main ---------- */

int
main(int argc, char **argv)
{
	Options		o;
	int			first_arg = 0;
	int			status = options_parse(argc, argv, &o, &first_arg);

	if (status >= 0)
		return status;

	signal(SIGINT, signal_handler);
	signal(SIGTERM, signal_handler);
	signal(SIGHUP, signal_handler);
	signal(SIGPIPE, SIG_IGN);

	switch (o.command)
	{
		case CMD_LINT:
			return cmd_lint(&o, argc - first_arg, argv + first_arg);
		case CMD_APPLY:
			return cmd_apply(&o, argc - first_arg, argv + first_arg);
		case CMD_RULES:
			return cmd_rules(&o);
		case CMD_PROGRESS:
			return cmd_progress(&o);
	}
	return EXIT_USAGE;
}
