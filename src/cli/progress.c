/*-------------------------------------------------------------------------
 *
 * progress.c
 *	  schemashift progress: watch schemashift.progress from another
 *	  terminal while a migration runs (a runner may not show the
 *	  procedures' NOTICEs).
 *
 *	  On a terminal each running operation is a bar, redrawn in place; into
 *	  a file or a pipe (a CI log) an operation gets a line each time its
 *	  phase or counts change.  The command ends when nothing runs any more;
 *	  with --wait it first waits for something to start.  What it watched
 *	  ends with one line each, and the exit status says whether every job
 *	  it watched got done.
 *
 *-------------------------------------------------------------------------
 */
#include "cli.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

/* the running operations, and the jobs this run watched, whatever became of them */
#define PROGRESS_QUERY \
	"SELECT kind, job, pid, target, index, status, phase, units, done, total, percent, " \
	"rate, pg_catalog.round(pg_catalog.date_part('epoch', eta)) " \
	"FROM schemashift.progress " \
	"WHERE status OPERATOR(pg_catalog.=) 'running' " \
	"OR job OPERATOR(pg_catalog.=) ANY ($1::pg_catalog.int8[]) " \
	"ORDER BY started, job, pid"

enum
{
	COL_KIND, COL_JOB, COL_PID, COL_TARGET, COL_INDEX, COL_STATUS, COL_PHASE,
	COL_UNITS, COL_DONE, COL_TOTAL, COL_PERCENT, COL_RATE, COL_ETA
};

/* an operation seen running */
typedef struct Watched
{
	char	   *key;			/* "job 3", "pid 1234 index i" */
	char	   *job;			/* NULL for an index build */
	char	   *name;			/* "backfill of public.t (job 3)" */
	char	   *state;			/* phase and counts as last printed */
	int			row;			/* in the last look's result; -1: not there */
	bool		running;		/* in the last look */
	bool		ended;			/* and reported */
} Watched;

typedef struct Watch
{
	Watched    *items;
	int			n;
	int			cap;
	bool		tty;
	int			drawn;			/* bar lines on the screen, to redraw */
	int			not_done;		/* jobs that ended failed, canceled... */
} Watch;

static const char *
col(PGresult *res, int row, int c)
{
	return PQgetisnull(res, row, c) ? NULL : PQgetvalue(res, row, c);
}

static char *
format(const char *fmt,...) __attribute__((format(printf, 1, 2)));

static char *
format(const char *fmt,...)
{
	va_list		ap;
	int			len;
	char	   *s;

	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	s = pg_malloc_or_die(len + 1);
	va_start(ap, fmt);
	vsnprintf(s, len + 1, fmt, ap);
	va_end(ap);
	return s;
}

/*
 * s with every control character shown as '?': table and index names are
 * any role's text, and one may carry an escape sequence for the watcher's
 * terminal or a newline that forges a line.  C1 controls too (U+0080 to
 * U+009F, 0xC2 0x80-0x9F in UTF-8: some terminals act on them).
 */
static char *
printable(char *s)
{
	unsigned char *p;

	for (p = (unsigned char *) s; *p; p++)
	{
		if (*p < 0x20 || *p == 0x7F)
			*p = '?';
		else if (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F)
		{
			p[0] = p[1] = '?';
			p++;
		}
	}
	return s;
}

/* "backfill of public.t (job 3)", "index build of public.t (i, pid 1234)" */
static char *
item_name(PGresult *res, int row)
{
	const char *job = col(res, row, COL_JOB);

	if (job)
		return printable(format("%s of %s (job %s)", col(res, row, COL_KIND),
								col(res, row, COL_TARGET), job));
	return printable(format("%s of %s (%s, pid %s)", col(res, row, COL_KIND),
							col(res, row, COL_TARGET), col(res, row, COL_INDEX) ? col(res, row, COL_INDEX) : "?",
							col(res, row, COL_PID) ? col(res, row, COL_PID) : "?"));
}

static char *
item_key(PGresult *res, int row)
{
	if (col(res, row, COL_JOB))
		return format("job %s", col(res, row, COL_JOB));
	return format("pid %s index %s", col(res, row, COL_PID) ? col(res, row, COL_PID) : "",
				  col(res, row, COL_INDEX) ? col(res, row, COL_INDEX) : "");
}

/* "batch 3, 1200 of 5000 rows (24.0%)": what changes when work is done */
static char *
item_state(PGresult *res, int row)
{
	const char *phase = col(res, row, COL_PHASE);
	const char *done = col(res, row, COL_DONE);
	const char *total = col(res, row, COL_TOTAL);
	const char *percent = col(res, row, COL_PERCENT);
	const char *units = col(res, row, COL_UNITS);
	char	   *counts;
	char	   *state;

	if (done && total && percent)
		counts = format("%s of %s %s (%s%%)", done, total, units ? units : "", percent);
	else if (done)
		counts = format("%s %s", done, units ? units : "");
	else
		counts = format("%s", "");
	state = format("%s%s%s", phase ? phase : "", phase && counts[0] ? ", " : "", counts);
	free(counts);
	return state;
}

/* ", 1234 rows/s, about 31 s left": what varies from one look to the next */
static char *
item_speed(PGresult *res, int row)
{
	const char *rate = col(res, row, COL_RATE);
	const char *eta = col(res, row, COL_ETA);
	const char *units = col(res, row, COL_UNITS);
	char		left[64] = "";

	if (rate == NULL || atof(rate) <= 0)
		return format("%s", "");
	if (eta)
	{
		double		secs = atof(eta);

		if (secs < 90)
			snprintf(left, sizeof(left), ", about %.0f s left", secs);
		else if (secs < 90 * 60)
			snprintf(left, sizeof(left), ", about %.0f min left", secs / 60);
		else
			snprintf(left, sizeof(left), ", about %.1f h left", secs / 3600);
	}
	return format(", %.0f %s/s%s", atof(rate), units ? units : "", left);
}

static Watched *
find_item(Watch *w, const char *key)
{
	int			i;

	for (i = 0; i < w->n; i++)
		if (strcmp(w->items[i].key, key) == 0)
			return &w->items[i];
	return NULL;
}

static Watched *
add_item(Watch *w, PGresult *res, int row, char *key)
{
	Watched    *it;

	if (w->n == w->cap)
	{
		Watched    *bigger;

		w->cap = w->cap ? w->cap * 2 : 8;
		bigger = pg_malloc_or_die(sizeof(Watched) * w->cap);
		if (w->n)
			memcpy(bigger, w->items, sizeof(Watched) * w->n);
		free(w->items);
		w->items = bigger;
	}
	it = &w->items[w->n++];
	memset(it, 0, sizeof(*it));
	it->key = key;
	it->job = col(res, row, COL_JOB) ? pg_strdup_or_die(col(res, row, COL_JOB)) : NULL;
	it->name = item_name(res, row);
	return it;
}

/* the jobs watched so far, as an int8[] literal */
static char *
watched_jobs(const Watch *w)
{
	size_t		len = 3;
	char	   *out;
	int			i;

	for (i = 0; i < w->n; i++)
		len += w->items[i].job ? strlen(w->items[i].job) + 1 : 0;
	out = pg_malloc_or_die(len);
	strcpy(out, "{");
	for (i = 0; i < w->n; i++)
	{
		if (w->items[i].job == NULL || w->items[i].ended)
			continue;
		if (out[1])
			strcat(out, ",");
		strcat(out, w->items[i].job);
	}
	strcat(out, "}");
	return out;
}

static int
terminal_width(void)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40)
		return ws.ws_col;
	return 80;
}

/* Erase the bars drawn last time: the cursor goes back to the first. */
static void
erase_bars(Watch *w)
{
	if (!w->tty || w->drawn == 0)
		return;
	printf("\r\033[%dA\033[J", w->drawn);
	w->drawn = 0;
}

/* One bar: "[=====>     ]  45.0% name: state, speed", cut at the width. */
static void
draw_bar(Watch *w, const Watched *it, PGresult *res, int row)
{
	const char *percent = col(res, row, COL_PERCENT);
	double		pct = percent ? atof(percent) : -1;
	int			width = terminal_width();
	char		bar[23];
	char	   *speed = item_speed(res, row);
	char	   *line;
	int			i;
	int			filled = pct < 0 ? 0 : (int) (pct * 20 / 100 + 0.5);

	bar[0] = '[';
	for (i = 0; i < 20; i++)
		bar[i + 1] = pct < 0 ? '?' : i < filled ? '=' : i == filled ? '>' : ' ';
	bar[21] = ']';
	bar[22] = '\0';
	line = format("%s %5.1f%% %s: %s%s", bar, pct < 0 ? 0 : pct, it->name, it->state, speed);
	if ((int) strlen(line) >= width)
		line[width - 1] = '\0';
	printf("%s\n", line);
	w->drawn++;
	free(line);
	free(speed);
}

/* What became of an operation that stopped running: a line, and the count. */
static void
report_end(Watch *w, Watched *it, PGresult *res)
{
	const char *status = it->row >= 0 ? col(res, it->row, COL_STATUS) : NULL;

	it->ended = true;
	if (it->job == NULL)
	{
		/* an index build leaves the view when its statement ends */
		printf("%s: ended\n", it->name);
		return;
	}
	/* a job's row outlives it: done, failed, canceled or interrupted */
	if (status)
	{
		char	   *state = item_state(res, it->row);

		printf("%s: %s%s%s\n", it->name, status, state[0] ? ", " : "", state);
		free(state);
	}
	else
		printf("%s: gone from schemashift.progress\n", it->name);
	if (status == NULL || strcmp(status, "done") != 0)
		w->not_done++;
}

/* A running operation: its bar, or a line when its work moved. */
static void
report_running(Watch *w, Watched *it, PGresult *res)
{
	char	   *state = item_state(res, it->row);

	if (w->tty)
	{
		free(it->state);
		it->state = state;
		draw_bar(w, it, res, it->row);
		return;
	}
	/* a CI log gets a line when the work moved, not at every look */
	if (it->state == NULL || strcmp(state, it->state) != 0)
	{
		char	   *speed = item_speed(res, it->row);

		printf("%s: %s%s\n", it->name, state, speed);
		free(speed);
		free(it->state);
		it->state = state;
	}
	else
		free(state);
}

/*
 * Find this look's rows among the watched operations; new running ones
 * are watched from now on.  The number running.
 */
static int
match_rows(Watch *w, PGresult *res)
{
	int			running = 0;
	int			row;
	int			i;

	for (i = 0; i < w->n; i++)
	{
		w->items[i].row = -1;
		w->items[i].running = false;
	}
	for (row = 0; row < PQntuples(res); row++)
	{
		char	   *key = item_key(res, row);
		Watched    *it = find_item(w, key);
		bool		is_running = strcmp(col(res, row, COL_STATUS), "running") == 0;

		if (it == NULL && is_running)
			it = add_item(w, res, row, key);
		else
			free(key);
		if (it == NULL || it->ended)
			continue;
		it->row = row;
		it->running = is_running;
		running += is_running;
	}
	return running;
}

/* One look at the view; the number of operations running. */
static int
look(PGconn *conn, Watch *w)
{
	char	   *jobs = watched_jobs(w);
	const char *params[1] = {jobs};
	PGresult   *res = PQexecParams(conn, PROGRESS_QUERY, 1, NULL, params, NULL, NULL, 0);
	int			running;
	int			i;

	free(jobs);
	check_signal();
	if (!result_ok(res))
		server_error(conn, res, "could not read schemashift.progress");
	running = match_rows(w, res);
	erase_bars(w);
	/* the lines of what ended stay above the bars of what runs */
	for (i = 0; i < w->n; i++)
		if (!w->items[i].ended && !w->items[i].running)
			report_end(w, &w->items[i], res);
	for (i = 0; i < w->n; i++)
		if (w->items[i].running)
			report_running(w, &w->items[i], res);
	PQclear(res);
	fflush(stdout);
	return running;
}

/* Sleep ms, waking for a signal. */
static void
nap(int ms)
{
	struct timespec ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long) (ms % 1000) * 1000000L;
	(void) nanosleep(&ts, NULL);
	check_signal();
}

/* The extension must be there, or nothing can be watched: say so plainly. */
static void
check_extension(PGconn *conn)
{
	PGresult   *res = PQexec(conn,
							 "SELECT pg_catalog.to_regclass('schemashift.progress') IS NOT NULL");

	if (!result_ok(res))
		server_error(conn, res, "could not look for the schemashift extension");
	if (strcmp(PQgetvalue(res, 0, 0), "t") != 0)
	{
		cli_error("the schemashift extension is not installed in database \"%s\"", PQdb(conn));
		cli_hint("Connect to the database the migration runs in, or run CREATE EXTENSION schemashift there.");
		PQclear(res);
		PQfinish(conn);
		exit(EXIT_SERVER);
	}
	PQclear(res);
}

int
cmd_progress(Options *o)
{
	Watch		w;
	PGconn	   *conn;
	bool		said_waiting = false;

	if (!connection_given(o) || o->tmp)
	{
		/* a throw-away server has nothing running to watch */
		cli_error("progress needs the database the migration runs in");
		cli_hint("Give it with -d CONNINFO (or dbname in .schemashift.conf).");
		return EXIT_USAGE;
	}
	if (o->formats_from_cli && (o->nformats != 1 || o->formats[0].fmt != FORMAT_TEXT ||
								o->formats[0].path))
	{
		cli_error("progress prints text to standard output");
		return EXIT_USAGE;
	}
	memset(&w, 0, sizeof(w));
	w.tty = isatty(STDOUT_FILENO);
	conn = connect_db(o);
	check_extension(conn);

	for (;;)
	{
		int			running = look(conn, &w);

		if (running == 0 && w.n == 0 && o->wait)
		{
			if (!said_waiting && !o->quiet)
				fprintf(stderr, "%s: waiting for a backfill or an index build to start\n", progname);
			said_waiting = true;
		}
		else if (running == 0)
			break;
		nap(o->interval_ms);
	}
	PQfinish(conn);
	if (w.n == 0 && !o->quiet)
		fprintf(stderr, "%s: nothing is running\n", progname);
	return w.not_done > 0 ? EXIT_FINDINGS : EXIT_CLEAN;
}
