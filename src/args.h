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
extern int	ss_retries_arg(FunctionCallInfo fcinfo, int argno, int default_retries);

/*
 * The one way to parse SQL that holds the user's text: raw_parser(sql), or
 * NIL with the parser's error in *error (the error state cleared), for the
 * caller to raise again in the user's terms or to report.  Errors that are
 * the server's and not the text's (ss_error_is_fatal) are raised at once.
 */
extern List *ss_try_parse(const char *sql, ErrorData **error);

/* Errors never to swallow: cancel, out of memory, crashes. */
extern bool ss_error_is_fatal(int sqlerrcode);

/*
 * Parse SQL passed as an argument; a syntax error names the argument
 * ("invalid <what>: ...") and the character where it is ("At character N
 * of the <what's last word>."): the caller's query would point elsewhere.
 */
extern List *ss_parse_argument(const char *sql, const char *what);

#endif							/* SCHEMASHIFT_ARGS_H */
