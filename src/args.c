/*-------------------------------------------------------------------------
 *
 * args.c
 *		The procedures' arguments: required ones, intervals, and the one
 *		helper that parses the user's SQL and re-raises a parser error at
 *		its place in what the user wrote.
 *
 *-------------------------------------------------------------------------
 */
#include "args.h"
#include "schemashift.h"

#include <limits.h>

#include "datatype/timestamp.h"
#include "parser/parser.h"
#include "utils/timestamp.h"

void
ss_require_arg(FunctionCallInfo fcinfo, int argno, const char *name)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", name)));
}

int
ss_interval_ms(Datum d, const char *name)
{
	Interval   *iv = DatumGetIntervalP(d);
	int64		us = iv->time + (int64) iv->day * USECS_PER_DAY +
		(int64) iv->month * DAYS_PER_MONTH * USECS_PER_DAY;

	if (us < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not be negative", name)));
	return (int) Min(us / 1000, (int64) INT_MAX);
}

List *
ss_parse_user_sql(const char *sql, SSParseErrorFn reraise, void *arg)
{
	MemoryContext cxt = CurrentMemoryContext;
	List	   *raw = NIL;

	PG_TRY();
	{
		raw = schemashift_raw_parser(sql);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		reraise(edata, arg);
		ReThrowError(edata);
	}
	PG_END_TRY();
	return raw;
}

/* a syntax error in the argument named *arg; any other error as it is */
static void
argument_error(ErrorData *edata, void *arg)
{
	const char *what = (const char *) arg;
	const char *noun = strrchr(what, ' ');

	if (edata->sqlerrcode != ERRCODE_SYNTAX_ERROR)
		return;
	ereport(ERROR,
			(errcode(edata->sqlerrcode),
			 errmsg("invalid %s: %s", what, edata->message),
			 edata->cursorpos > 0 ?
			 errdetail("At character %d of the %s.", edata->cursorpos,
					   noun ? noun + 1 : what) : 0));
}

List *
ss_parse_argument(const char *sql, const char *what)
{
	return ss_parse_user_sql(sql, argument_error, (void *) what);
}
