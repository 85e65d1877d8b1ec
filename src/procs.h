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
#include "nodes/parsenodes.h"

#include "exemptions.h"

/* lock_timeout of the short catalog-only steps */
#define SS_SHORT_LOCK_TIMEOUT_MS 5000

/*
 * Session-level advisory locks of long jobs: the fourth key (objsubid in
 * pg_locks) tells them from the SQL functions' locks, which use 1 and 2.
 */
#define SS_ADVISORY_JOB		11	/* relid, hash of the backfill */
#define SS_ADVISORY_CHANGE	12	/* 0, change id */
#define SS_ADVISORY_MIGRATION 13	/* 0, hash of the migration id */

extern char *ss_qualified_relname(Oid relid);
extern char *ss_qualified_operator(Oid op);
extern bool ss_bare_select(SelectStmt *sel);
extern char *ss_differs_sql(Oid type, const char *a, const char *b);
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

/*
 * Run SQL (one or more statements, one transaction) with a short
 * lock_timeout, retrying lock timeouts and deadlocks with backoff; commits.
 * Errors other than those are raised.  exempt: the rules the recipe
 * handles, exempt for exactly these statements (exemptions.h).  then(then_arg),
 * if given, runs in the same transaction after the statements (to record
 * the step).
 */
extern void ss_run_locked(const char *label, const char *sql, int retries,
						  const SSExemption *exempt, SSStepFn then, void *then_arg);
/* the same, the statements run as run_as (owner.c) unless InvalidOid */
extern void ss_run_locked_as(Oid run_as, const char *label, const char *sql,
							 int retries, const SSExemption *exempt, SSStepFn then,
							 void *then_arg);

/*
 * Lock retries (lock_retries.c): each attempt in its own transaction with a
 * lock_timeout that grows from the first to the last attempt, and a sleep
 * between attempts that grows the same way (geometrically).  Every attempt
 * is recorded in schemashift.lock_attempts.
 */
typedef struct SSRetrySchedule
{
	int			attempts;
	int			min_timeout_ms;
	int			max_timeout_ms;
	int			min_sleep_ms;
	int			max_sleep_ms;
	bool		final_without_timeout;	/* last attempt waits as long as it takes */
} SSRetrySchedule;

extern void ss_retry_schedule_default(SSRetrySchedule *s);
extern int	ss_retry_timeout_ms(const SSRetrySchedule *s, int attempt);
extern int	ss_retry_sleep_ms(const SSRetrySchedule *s, int attempt);

typedef struct SSRetryRun
{
	const char *label;			/* names the work in messages */
	const char *sql;			/* statements of one transaction */
	const char *statement;		/* recorded; NULL: sql */
	SSRetrySchedule schedule;
	SSExemption exempt;			/* see ss_run_locked() */
	Oid			run_as;			/* InvalidOid: the caller; else this role (the
								 * table's owner), as ss_run_as_owner() runs */
	SSStepFn	then;			/* runs in the attempt's transaction */
	void	   *then_arg;
	const char *migration_id;	/* NULL outside apply() */
	int			step;
} SSRetryRun;

/*
 * Run it; commits; returns the attempts it took.  An error other than a
 * lock timeout or deadlock is raised, or returned in *error when error is
 * not NULL (the attempt rolled back, its record committed).
 */
extern int	ss_with_lock_retries(const SSRetryRun *run, ErrorData **error);

/*
 * The apply() step whose recipe is running, so that lock attempts of the
 * procedures it calls are recorded under it; NULL when none.
 */
extern const char *ss_current_migration_id;
extern int	ss_current_migration_step;

/* CREATE INDEX ... built concurrently, idempotently (index_procs.c). */
extern void schemashift_build_index(const char *definition, int retries);

/* A single SQL statement through SPI, with an error if it fails. */
extern void ss_spi_exec(const char *sql, int expected);

/*
 * The tokens of a statement the server's scanner sees, with their byte
 * offsets and parenthesis depth: to cut a clause's text out of a statement
 * the parser accepted (raw parse trees do not say where expressions begin).
 */
typedef struct SSToken
{
	int			tok;			/* token code, or the character */
	int			start;			/* byte offset */
	int			depth;			/* ( and [ nesting before the token */
	const char *keyword;		/* lower-case keyword, or NULL */
} SSToken;

extern int	ss_scan_tokens(const char *sql, SSToken **tokens);

/*
 * Parse SQL passed as an argument; a syntax error names the argument and
 * the character where it is (the caller's query would point elsewhere).
 */
extern List *ss_parse_argument(const char *sql, const char *what);

/* index of the first keyword kw at depth 0 from token i on, or -1 */
extern int	ss_find_keyword(SSToken *t, int n, int from, const char *kw);

/*
 * A table owner's code, run as the owner (owner.c): fn(arg) with the
 * owner's identity in a security-restricted operation, search_path
 * pg_catalog, pg_temp, every setting restored afterwards.  The caller must
 * have checked, as itself, that it may act for the owner.
 */
extern Oid	ss_table_owner(Oid relid);
extern void ss_run_as(Oid role, int extra_sec, SSStepFn fn, void *arg);
extern void ss_run_as_owner(Oid owner, SSStepFn fn, void *arg);
/* SPI_execute(sql) as run_as that way, or as the caller if InvalidOid */
extern void ss_execute_as(Oid run_as, const char *sql);

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

	/*
	 * What the job serves, part of its identity with relid, set_clause and
	 * where_clause: a call finds the latest job of the same backfill and
	 * resumes it, or, when it is done, does nothing (unless rerun).
	 */
	int64		change_id;		/* the expand/contract change, or 0 */
	const char *migration_id;	/* the apply() step, or NULL */
	int			migration_step;
	bool		rerun;			/* a done job: run it again, as a new job */
} SSBackfillSpec;

/*
 * Run (or resume) a backfill job to its end; returns the job's id.  A job
 * already done is not run again (a NOTICE says so) unless spec->rerun.
 */
extern int64 schemashift_backfill_run(const SSBackfillSpec *spec);

#endif							/* SCHEMASHIFT_PROCS_H */
