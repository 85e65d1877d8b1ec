/*-------------------------------------------------------------------------
 *
 * cli.h
 *	  The schemashift command-line program: what its parts offer each other.
 *
 *	  main.c      the lint/apply/rules commands, the connection, signals
 *	  progress.c  the progress command: schemashift.progress, watched
 *	  options.c   the command line and .schemashift.conf, into Options
 *	  util.c      memory, messages, "did you mean"
 *	  files.c     which files to lint and in what order
 *	  output.c    findings as text, compact, json, sarif, github, gitlab
 *	  tmpserver.c the throw-away PostgreSQL started when no database is given
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMASHIFT_CLI_H
#define SCHEMASHIFT_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "libpq-fe.h"

/* exit statuses: CI must tell "dangerous migration" from "the tool broke" */
#define EXIT_CLEAN		0		/* no finding at or above --fail-on */
#define EXIT_FINDINGS	1
#define EXIT_USAGE		2		/* bad option, bad input, no file matched */
#define EXIT_SERVER		3		/* cannot connect, server error */
#define EXIT_REFUSED	4		/* apply --dry-run: apply() would refuse a statement */

/* lint levels, ordered so that a higher one is more severe */
typedef enum
{
	LEVEL_OFF = 0,
	LEVEL_INFO,
	LEVEL_WARNING,
	LEVEL_ERROR
} Level;

/* one row of schemashift.lint() */
typedef struct Finding
{
	int			statement;
	int			line;			/* 1-based, as lint() gives them */
	int			col;
	char	   *rule;
	Level		level;
	char	   *object;			/* NULL when lint() gave none */
	char	   *lock;			/* NULL when none */
	int			rewrites;		/* 1, 0, or -1 when unknown */
	char	   *message;
	char	   *hint;			/* NULL when none */
} Finding;

/* one input file and what lint() found in it */
typedef struct LintedFile
{
	char	   *path;			/* as the user named it, or as found in a directory */
	Finding    *findings;
	int			nfindings;
} LintedFile;

/* one row of schemashift.rules() */
typedef struct RuleInfo
{
	char	   *id;
	Level		level;			/* current level on the server */
	Level		default_level;
	char	   *lock;
	int			rewrites;
	char	   *summary;
	char	   *message;
	char	   *hint;
	char	   *why;
	char	   *bad_example;
	char	   *good_example;
} RuleInfo;

typedef struct Report
{
	LintedFile *files;
	int			nfiles;
	RuleInfo   *rules;			/* every rule the server knows, for metadata */
	int			nrules;
	const char *tool_version;	/* SCHEMASHIFT_VERSION */
	const char *server_version; /* server_version of the database used */
	Level		fail_on;
} Report;

typedef enum
{
	FORMAT_TEXT,
	FORMAT_COMPACT,
	FORMAT_JSON,
	FORMAT_SARIF,
	FORMAT_GITHUB,
	FORMAT_GITLAB
} OutputFormat;

typedef enum
{
	CMD_LINT,
	CMD_APPLY,
	CMD_RULES,
	CMD_PROGRESS
} Command;

#define MAX_FORMATS 16

typedef struct FormatSpec
{
	OutputFormat fmt;
	char	   *path;			/* NULL: standard output */
} FormatSpec;

typedef struct Options
{
	Command		command;

	/* connection */
	char	   *dbname;
	char	   *host;
	char	   *port;
	char	   *username;
	bool		tmp;
	char	   *pg_bindir;
	char	   *pg_config;		/* NULL, or the server's pg_config */

	/* lint */
	FormatSpec	formats[MAX_FORMATS];
	int			nformats;
	bool		formats_from_cli;
	Level		fail_on;
	char	   *rules;
	char	   *profile;		/* schemashift.lint_profile, or NULL */
	char	  **excludes;
	int			nexcludes;
	char	   *changed_since;
	bool		in_transaction;
	char	   *replay;
	char	   *config;
	bool		no_config;
	int			color;			/* -1 auto, 0 never, 1 always */
	bool		quiet;
	bool		verbose;
	char	   *stdin_filename;

	/* apply */
	bool		dry_run;
	char	  **approves;
	int			napproves;
	bool		expand_type_changes;

	/* progress */
	bool		wait;			/* until something starts, then until it ends */
	int			interval_ms;	/* between two looks at schemashift.progress */
} Options;

/* main.c: the connection, shared by the commands */
extern bool connection_given(const Options *o);
extern PGconn *connect_db(Options *o);
extern bool result_ok(PGresult *res);
/* report a server error, with its detail and hint, and exit with status 3 */
extern void server_error(PGconn *conn, PGresult *res, const char *what);
/* after SIGINT, SIGTERM or SIGHUP: clean up and die of the same signal */
extern void check_signal(void);

/* progress.c */
extern int	cmd_progress(Options *o);

/* options.c */
extern void usage(void);
extern void try_help(void);

/*
 * Options from .schemashift.conf and the command line (which wins);
 * *first_arg: the index in argv of the first file argument.  -1 when the
 * command is to run, else the exit status (after --help, --version or an
 * error, already reported).
 */
extern int	options_parse(int argc, char **argv, Options *o, int *first_arg);

/* output.c */
extern bool output_format_from_name(const char *name, OutputFormat *fmt);
extern const char *const *output_format_names(void);
extern void output_report(FILE *out, OutputFormat fmt, const Report *report, bool color);
extern void output_github_summary(FILE *out, const Report *report);
extern void output_rules(FILE *out, bool json, const RuleInfo *rules, int nrules);
extern const char *level_name(Level level);
extern bool level_from_name(const char *name, Level *level);

/* files.c */
typedef struct FileList
{
	char	  **paths;
	int			npaths;
	int			cap;
} FileList;

extern void files_add(FileList *list, const char *path);
extern int	files_collect(FileList *list, const char *arg, bool *used_stdin);
extern void files_sort_versions(FileList *list);
extern int	version_compare(const char *a, const char *b);
extern void files_exclude(FileList *list, char **globs, int nglobs);
extern int	files_changed_since(FileList *list, const char *ref);
extern char *read_file(const char *path, size_t *len, char **errmsg);

/* tmpserver.c */
typedef struct TmpServer TmpServer;

extern TmpServer *tmpserver_start(const char *bindir, const char *pg_config,
								  char **errmsg);
extern const char *tmpserver_conninfo(TmpServer *server);
extern void tmpserver_stop(TmpServer *server);
extern double tmpserver_startup_seconds(TmpServer *server);
extern bool tmpserver_built_template(TmpServer *server);
extern void tmpserver_clear_pg_environment(void);
extern void tmpserver_signal_stop(void);

/* util.c: messages in the style of PostgreSQL's client programs */
extern const char *progname;
extern void *pg_malloc_or_die(size_t size);
extern char *pg_strdup_or_die(const char *s);
extern void cli_error(const char *fmt,...) __attribute__((format(printf, 1, 2)));
extern void cli_hint(const char *fmt,...) __attribute__((format(printf, 1, 2)));
/* the candidate closest to word (at most two edits), or NULL */
extern const char *suggest(const char *word, const char *const *candidates);

#endif							/* SCHEMASHIFT_CLI_H */
