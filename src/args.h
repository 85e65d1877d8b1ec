/*-------------------------------------------------------------------------
 *
 * args.h
 *		The procedures' arguments: required ones, intervals in
 *		milliseconds, and SQL text the user passed, parsed with its errors
 *		shown in the user's terms.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMASHIFT_ARGS_H
#define SCHEMASHIFT_ARGS_H

#include "postgres.h"

#include "fmgr.h"
#include "nodes/pg_list.h"

extern void ss_require_arg(FunctionCallInfo fcinfo, int argno, const char *name);
extern int	ss_interval_ms(Datum interval, const char *name);

/*
 * The one way to parse SQL that holds the user's text: raw_parser(sql).  An
 * error the parser raises is handed to reraise(edata, arg), which raises it
 * again in the user's terms (pointing into what the user wrote); when it
 * returns, edata is raised as it then is.
 */
typedef void (*SSParseErrorFn) (ErrorData *edata, void *arg);
extern List *ss_parse_user_sql(const char *sql, SSParseErrorFn reraise, void *arg);

/*
 * Parse SQL passed as an argument; a syntax error names the argument
 * ("invalid <what>: ...") and the character where it is ("At character N
 * of the <what's last word>."): the caller's query would point elsewhere.
 */
extern List *ss_parse_argument(const char *sql, const char *what);

#endif							/* SCHEMASHIFT_ARGS_H */
