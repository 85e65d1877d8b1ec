/*-------------------------------------------------------------------------
 *
 * procedure.c
 *		The start every CALL procedure shares (procedure.h).
 *
 *-------------------------------------------------------------------------
 */
#include "procedure.h"
#include "procs.h"
#include "preconditions.h"
#include "worker.h"

#include "executor/spi.h"
#include "nodes/parsenodes.h"
#include "utils/timeout.h"

/*
 * Fail unless called by a CALL that may commit (outside BEGIN, not nested),
 * on a primary whose SQL objects are the library's version.
 */
static void
require_nonatomic(FunctionCallInfo fcinfo, const char *procname)
{
	CallContext *cc = (CallContext *) fcinfo->context;

	if (cc == NULL || !IsA(cc, CallContext) || cc->atomic)
		ereport(ERROR,
				(errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
				 errmsg("schemashift.%s() cannot run inside a transaction block", procname),
				 errdetail("It commits between its steps, which a CALL inside BEGIN, a function, or a procedure with SET or SECURITY DEFINER cannot do."),
				 errhint("Run CALL schemashift.%s(...) on its own, in autocommit mode (for migration tools: the step that runs outside the migration's transaction).",
						 procname)));
	ss_require_writable_server(psprintf("schemashift.%s()", procname));
}

void
ss_procedure_begin(FunctionCallInfo fcinfo, const char *name, int nrequired,
				   const char *const *required)
{
	int			i;

	require_nonatomic(fcinfo, name);
	for (i = 0; i < nrequired; i++)
		if (required[i])
			ss_require_arg(fcinfo, i, required[i]);
}

void
ss_procedure_connect(void)
{
	if (SPI_connect_ext(SPI_OPT_NONATOMIC) != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	disable_timeout(STATEMENT_TIMEOUT, false);
}
