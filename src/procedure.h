/*-------------------------------------------------------------------------
 *
 * procedure.h
 *		How every CALL procedure of schemashift starts.
 *
 * A procedure's SQL entry point checks how it was called and its
 * arguments (ss_procedure_begin), then hands C values to the function that
 * does the work, which apply()'s runner calls directly too; that function
 * opens its own non-atomic SPI connection (ss_procedure_connect), so it
 * can commit between its steps whoever called it.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMASHIFT_PROCEDURE_H
#define SCHEMASHIFT_PROCEDURE_H

#include "postgres.h"

#include "fmgr.h"

/*
 * Refuse a CALL that cannot commit (inside a transaction block, a function
 * or an atomic procedure), and a NULL for any argument required[i] names
 * (NULL entries: optional arguments).
 */
extern void ss_procedure_begin(FunctionCallInfo fcinfo, const char *name,
							   int nrequired, const char *const *required);

/*
 * A non-atomic SPI connection for the work, without the statement_timeout
 * armed for the whole CALL (a long build or backfill must not inherit it;
 * each of its statements gets its own).
 */
extern void ss_procedure_connect(void);

#endif							/* SCHEMASHIFT_PROCEDURE_H */
