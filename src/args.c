/*-------------------------------------------------------------------------
 *
 * args.c
 *		The procedures' arguments: required ones, intervals, and the one
 *		parse of SQL holding the user's text (ss_try_parse), whose error the
 *		callers raise again at its place in what the user wrote, or report
 *		as lint's finding.
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

	/* in double: a huge interval ('100000000 years') overflows int64 */
	double		ms = (iv->time + iv->day * (double) USECS_PER_DAY +
		iv->month * (double) DAYS_PER_MONTH * USECS_PER_DAY) / 1000.0;

	if (ms < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not be negative", name)));
	return (int) Min(ms, (double) INT_MAX);
}

/* a retries argument: default_retries when null, never negative */
int
ss_retries_arg(FunctionCallInfo fcinfo, int argno, int default_retries)
{
	int			retries = PG_ARGISNULL(argno) ? default_retries : PG_GETARG_INT32(argno);

	if (retries < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("retries must not be negative")));
	return retries;
}

bool
ss_error_is_fatal(int sqlerrcode)
{
	int			cls = ERRCODE_TO_CATEGORY(sqlerrcode);

	return cls == ERRCODE_INSUFFICIENT_RESOURCES ||
		cls == ERRCODE_OPERATOR_INTERVENTION ||
		cls == ERRCODE_SYSTEM_ERROR ||
		cls == ERRCODE_INTERNAL_ERROR;
}

List *
ss_try_parse(const char *sql, ErrorData **error)
{
	MemoryContext cxt = CurrentMemoryContext;
	List	   *raw = NIL;

	*error = NULL;
	PG_TRY();
	{
		raw = schemashift_raw_parser(sql);
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(cxt);
		*error = CopyErrorData();
		if (ss_error_is_fatal((*error)->sqlerrcode))
			PG_RE_THROW();
		FlushErrorState();
	}
	PG_END_TRY();
	return raw;
}

List *
ss_parse_argument(const char *sql, const char *what)
{
	ErrorData  *edata;
	List	   *raw = ss_try_parse(sql, &edata);
	const char *noun = strrchr(what, ' ');

	if (edata == NULL)
		return raw;
	if (edata->sqlerrcode != ERRCODE_SYNTAX_ERROR)
		ReThrowError(edata);
	ereport(ERROR,
			(errcode(edata->sqlerrcode),
			 errmsg("invalid %s: %s", what, edata->message),
			 edata->cursorpos > 0 ?
			 errdetail("At character %d of the %s.", edata->cursorpos,
					   noun ? noun + 1 : what) : 0));
	return NIL;					/* not reached */
}
