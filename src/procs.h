/*-------------------------------------------------------------------------
 *
 * procs.h
 *		What the CALL procedures share: argument helpers, retry policy, the
 *		state tables they write (schemashift.jobs, changes, change_steps) and
 *		running a step in a subtransaction so a lock timeout can be retried.
 *
 * The procedures run as their caller and commit between steps, so they
 * cannot be SECURITY DEFINER; the state tables are written here as their
 * owner, in a security-restricted operation, with fixed SQL and parameters.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMASHIFT_PROCS_H
#define SCHEMASHIFT_PROCS_H

#include "postgres.h"

#include "executor/spi.h"
#include "fmgr.h"

/* lock_timeout of the short catalog-only steps */
#define SS_SHORT_LOCK_TIMEOUT_MS 5000

/*
 * Session-level advisory locks of long jobs: the fourth key (objsubid in
 * pg_locks) tells them from the SQL functions' locks, which use 1 and 2.
 */
#define SS_ADVISORY_JOB		11	/* relid, hash of the backfill */
#define SS_ADVISORY_CHANGE	12	/* 0, change id */

extern char *ss_qualified_relname(Oid relid);
extern int	ss_interval_ms(Datum interval, const char *name);
extern int	ss_backoff_ms(int attempt);
extern bool ss_sqlstate_retryable(int sqlerrcode);
extern void ss_require_arg(FunctionCallInfo fcinfo, int argno, const char *name);

/*
 * Run SQL against schemashift's own tables as their owner.  Returns
 * SPI_processed; rows (if any) are in SPI_tuptable.
 */
extern uint64 ss_state_exec(const char *sql, int nargs, Oid *argtypes,
							Datum *values, const char *nulls);

/* Session-level advisory lock, or an error naming who holds it. */
extern void ss_lock_session(uint16 lockclass, uint32 key1, uint32 key2,
							const char *what);
extern void ss_unlock_session(uint16 lockclass, uint32 key1, uint32 key2);

/*
 * Run fn(arg) in a subtransaction of the current transaction.  NULL when
 * it succeeded; otherwise the error (the subtransaction rolled back and the
 * transaction still usable).  Cancels and out-of-memory are re-thrown.
 */
typedef void (*SSStepFn) (void *arg);
extern ErrorData *ss_try(SSStepFn fn, void *arg, bool rethrow_cancel);

/*
 * Run SQL (one or more statements, one transaction) with a short
 * lock_timeout, retrying lock timeouts and deadlocks with backoff; commits.
 * Errors other than those are raised.  bypass_guard: the statements are a
 * recipe step the guard would block for want of context.  then(then_arg),
 * if given, runs in the same transaction after the statements (to record
 * the step).
 */
extern void ss_run_locked(const char *label, const char *sql, int retries,
						  bool bypass_guard, SSStepFn then, void *then_arg);

/* CREATE INDEX ... built concurrently, idempotently (index_procs.c). */
extern void schemashift_build_index(const char *definition, int retries);

/* A single SQL statement through SPI, with an error if it fails. */
extern void ss_spi_exec(const char *sql, int expected);

/* ---------- batched backfill (backfill.c) ---------- */

typedef struct SSBackfillSpec
{
	Oid			relid;
	const char *set_clause;
	const char *where_clause;	/* NULL: every row */
	int			batch_size;
	int			pause_ms;
	int			max_lag_ms;		/* -1: replicas are not watched */
	int			target_ms;		/* 0: the batch size stays as given */
	int			lock_timeout_ms;
	int			batch_timeout_ms;	/* 0: none */
	int			retries;
	int64		change_id;		/* the expand/contract change it serves, or 0 */
} SSBackfillSpec;

/* Run (or resume) a backfill job to its end; returns the job's id. */
extern int64 schemashift_backfill_run(const SSBackfillSpec *spec);

#endif							/* SCHEMASHIFT_PROCS_H */
