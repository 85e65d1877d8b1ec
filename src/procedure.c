/*-------------------------------------------------------------------------
 *
 * procedure.c
 *		The start every CALL procedure shares (procedure.h).
 *
 *-------------------------------------------------------------------------
 */
#include "procedure.h"
#include "procs.h"
#include "worker.h"

#include "executor/spi.h"
#include "utils/timeout.h"

void
ss_procedure_begin(FunctionCallInfo fcinfo, const char *name, int nrequired,
				   const char *const *required)
{
	int			i;

	schemashift_require_nonatomic(fcinfo, name);
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
