/*-------------------------------------------------------------------------
 *
 * retry.h
 *		The step runner: run a recipe's statement with a lock_timeout,
 *		retrying lock timeouts and deadlocks on a schedule, each attempt in
 *		its own transaction and recorded in schemashift.lock_attempts.
 *
 * Every recipe runs its steps through ss_with_lock_retries(): the
 * statements of one transaction in a subtransaction of the procedure's own
 * (committed after each attempt), or one statement at top level in the
 * background worker (worker.h) for what cannot run in a transaction block.
 * The step arms an exemption for exactly the SQL it runs (exemptions.h).
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMASHIFT_RETRY_H
#define SCHEMASHIFT_RETRY_H

#include "postgres.h"

#include "exemptions.h"
#include "txn.h"

/* lock_timeout of the short catalog-only steps */
#define SS_SHORT_LOCK_TIMEOUT_MS 5000

/*
 * When attempts are made: one policy, geometric growth with a cap.  The
 * lock_timeout of attempt n is min_timeout * timeout_growth^(n - 1), at most
 * max_timeout; the sleep after attempt n grows the same way from min_sleep
 * to max_sleep.  A growth of 0 is the factor that reaches the maximum at the
 * last attempt (or sleep).  A lock_timeout of 0 waits as long as it takes.
 */
typedef struct SSRetrySchedule
{
	int			attempts;
	int			min_timeout_ms;
	int			max_timeout_ms;
	double		timeout_growth;
	int			min_sleep_ms;
	int			max_sleep_ms;
	double		sleep_growth;
	bool		final_without_timeout;	/* last attempt waits as long as it takes */
} SSRetrySchedule;

/* with_lock_retries' schedule: 40 attempts, 100 ms to 10 s (docs/apply.md) */
extern void ss_retry_schedule_default(SSRetrySchedule *s);

/*
 * The schedule of a procedure's "retries" argument: retries + 1 attempts,
 * each with the same lock_timeout, sleeps doubling from 1 s up to 60 s.
 */
extern void ss_retry_schedule_retries(SSRetrySchedule *s, int retries,
									  int timeout_ms);
extern int	ss_retry_timeout_ms(const SSRetrySchedule *s, int attempt);
extern int	ss_retry_sleep_ms(const SSRetrySchedule *s, int attempt);
/* the sleep after attempt n of a "retries" schedule (backfill's batches) */
extern int	ss_retry_backoff_ms(int retries, int attempt);

/* a lock timeout, deadlock or serialization failure */
extern bool ss_sqlstate_retryable(int sqlerrcode);

/* what a failed attempt in the worker leaves behind, removed before the next */
typedef void (*SSCleanupFn) (void *arg);

typedef struct SSRetryRun
{
	const char *label;			/* names the work in messages */
	const char *sql;			/* statements of one transaction */
	const char *statement;		/* recorded; NULL: sql */
	SSRetrySchedule schedule;
	SSExemption exempt;			/* the rules the recipe handles, exempt for
								 * exactly these statements */
	Oid			run_as;			/* InvalidOid: the caller; else this role (the
								 * table's owner), as ss_run_as_owner() runs */
	SSStepFn	then;			/* runs in the attempt's transaction */
	void	   *then_arg;
	const char *migration_id;	/* NULL: the apply() step running, if any */
	int			step;

	/*
	 * In the background worker (one statement, at top level): its statement
	 * timeout, CREATE INDEX progress notices, and the clean-up after a
	 * failed attempt (run even after the caller's own cancel, which is then
	 * raised).  Besides lock waits, an attempt the worker's statement
	 * timeout or a shutdown stopped is retried.  run_as and then are not
	 * used: the worker acts as the caller's current role.
	 */
	bool		in_worker;
	int			statement_timeout_ms;	/* 0: none */
	const char *progress_label;
	SSCleanupFn cleanup;
	void	   *cleanup_arg;

	/*
	 * How it reports: out of attempts, raise the last attempt's error as it
	 * was (the recipes' "retries") rather than one naming the attempts, and
	 * say nothing when a retried run succeeds; show the statement with each
	 * failed attempt.
	 */
	bool		raise_last_error;
	bool		show_statement;
} SSRetryRun;

/*
 * Run it; commits; returns the attempts it took.  An error other than a
 * lock timeout or deadlock is raised, or returned in *error when error is
 * not NULL (the attempt rolled back, its record committed).
 */
extern int	ss_with_lock_retries(const SSRetryRun *run, ErrorData **error);

/*
 * The recipes' steps: SQL (one or more statements, one transaction) with
 * the short lock_timeout, retries + 1 attempts; commits.  Errors other than
 * lock timeouts and deadlocks are raised, and so is the last attempt's.
 * then(then_arg), if given, runs in the same transaction after the
 * statements (to record the step).  _as: the statements run as run_as
 * (owner.c) unless InvalidOid.
 */
extern void ss_run_locked(const char *label, const char *sql, int retries,
						  const SSExemption *exempt, SSStepFn then, void *then_arg);
extern void ss_run_locked_as(Oid run_as, const char *label, const char *sql,
							 int retries, const SSExemption *exempt, SSStepFn then,
							 void *then_arg);

/*
 * The apply() step whose recipe is running, so that lock attempts of the
 * procedures it calls are recorded under it; NULL when none.
 */
extern const char *ss_current_migration_id;
extern int	ss_current_migration_step;

#endif							/* SCHEMASHIFT_RETRY_H */
