/*-------------------------------------------------------------------------
 *
 * txn.h
 *		Transactions of the procedures that commit between their steps: a
 *		step run in a subtransaction, recovering from an error no
 *		subtransaction could contain, and one statement through SPI.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMASHIFT_TXN_H
#define SCHEMASHIFT_TXN_H

#include "postgres.h"

/*
 * Run fn(arg) in a subtransaction of the current transaction.  NULL when
 * it succeeded; otherwise the error (the subtransaction rolled back and the
 * transaction still usable).  Cancels and out-of-memory are re-thrown.
 */
typedef void (*SSStepFn) (void *arg);
extern ErrorData *ss_try(SSStepFn fn, void *arg, bool rethrow_cancel);

/*
 * In the PG_CATCH block of a non-atomic procedure (a CALL that commits), for
 * an error no subtransaction could contain: copy the error into cxt, abort
 * the failed transaction the way the main loop would and start a new one,
 * without leaving the CALL.  Every SPI connection, the caller's included, is
 * gone afterwards: connect again (SPI_OPT_NONATOMIC) to run SQL, then
 * re-throw the error.  Returns NULL, the error and the transaction left as
 * they are, when the state cannot be recovered here (inside a subtransaction
 * or a transaction block): the caller re-throws at once.
 */
extern ErrorData *ss_abort_failed_transaction(MemoryContext cxt);

/* A single SQL statement through SPI, with an error if it fails. */
extern void ss_spi_exec(const char *sql, int expected);

#endif							/* SCHEMASHIFT_TXN_H */
