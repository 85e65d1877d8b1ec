/*-------------------------------------------------------------------------
 *
 * txn.c
 *		Transactions of the procedures that commit between their steps: a
 *		step in a subtransaction (ss_try), the recovery from an error no
 *		subtransaction could contain (ss_abort_failed_transaction), and one
 *		statement through SPI.
 *
 *-------------------------------------------------------------------------
 */
#include "txn.h"

#include "access/xact.h"
#include "executor/spi.h"
#include "jit/jit.h"
#include "miscadmin.h"
#include "tcop/pquery.h"
#include "utils/memutils.h"
#include "utils/portal.h"
#include "utils/resowner.h"
#include "utils/timeout.h"

ErrorData *
ss_try(SSStepFn fn, void *arg, bool rethrow_cancel)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	ErrorData  *edata = NULL;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(oldcxt);
	PG_TRY();
	{
		fn(arg);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(oldcxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
		if (edata->sqlerrcode == ERRCODE_OUT_OF_MEMORY ||
			(rethrow_cancel && edata->sqlerrcode == ERRCODE_QUERY_CANCELED))
			ReThrowError(edata);
	}
	PG_END_TRY();
	return edata;
}

/*
 * What PostgresMain does after an error, less what only the main loop may
 * do (report the error, reset the protocol, stop every timeout), and what
 * _SPI_rollback does, less what an aborted transaction cannot run:
 *	- no HoldPinnedPortals(): it would run the portals' queries in a failed
 *	  transaction.  A portal pinned before the procedure's last commit was
 *	  held by that commit; one pinned since is unpinned and dropped by the
 *	  abort, as at top level (whoever pinned it is unwinding).
 *	- no ForgetPortalSnapshots(): the failed code may have left snapshots of
 *	  its own on the active stack, which would not match the portals' and
 *	  make it raise.  The abort empties the stack; the CALL's portal still
 *	  points at its last snapshot (EnsurePortalSnapshotExists set it), so
 *	  that pointer is cleared here, as PreCommit_Portals does on a commit.
 *	- the SPI connections: AtEOXact_SPI() pops every entry not marked by an
 *	  SPI_commit/SPI_rollback in progress, so the failed procedure's
 *	  connections go, and the caller's with them (its entry cannot be marked
 *	  from outside spi.c).  Their memory lives under the CALL's portal (or
 *	  the transaction, for atomic ones) and is not freed here: cxt, which
 *	  must be such a context, outlives the abort.  Nothing above the caller
 *	  can catch the re-thrown error without a subtransaction, in which the
 *	  procedure could not have committed, so an outer PL's popped entry is
 *	  never used again, as after any error at top level.
 * Resource owners, locks (but session-level advisory locks), buffer pins,
 * LWLocks, GUC nesting, the user id and transaction memory are the abort's
 * business, exactly as for an error at top level.  Interrupts are held while
 * no transaction is open; a cancel arriving later interrupts the caller's
 * SQL in the new transaction, like any statement, and a terminate (or a
 * crash) ends the session as ever.
 */
ErrorData *
ss_abort_failed_transaction(MemoryContext cxt)
{
	ErrorData  *edata;

	MemoryContextSwitchTo(cxt);
	if (IsSubTransaction() || IsTransactionBlock())
		return NULL;
	edata = CopyErrorData();
	FlushErrorState();

	HOLD_INTERRUPTS();

	/*
	 * A batch's statement_timeout may still be armed, and a timeout or a
	 * second cancel that came after the error would stop the caller's
	 * bookkeeping instead of the work; the error is thrown on anyway.  Other
	 * timeouts (client_connection_check_interval) stay.
	 */
	{
		DisableTimeoutParams timeouts[2];

		timeouts[0].id = STATEMENT_TIMEOUT;
		timeouts[0].keep_indicator = false;
		timeouts[1].id = LOCK_TIMEOUT;
		timeouts[1].keep_indicator = false;
		disable_timeouts(timeouts, 2);
	}
	QueryCancelPending = false;

	AbortCurrentTransaction();
	if (ActivePortal)
		ActivePortal->portalSnapshot = NULL;
	jit_reset_after_error();
	StartTransactionCommand();
	MemoryContextSwitchTo(cxt);
	RESUME_INTERRUPTS();
	return edata;
}

void
ss_spi_exec(const char *sql, int expected)
{
	int			rc = SPI_execute(sql, false, 0);

	if (rc != expected)
		elog(ERROR, "unexpected result %s of: %s", SPI_result_code_string(rc), sql);
}
