/*-------------------------------------------------------------------------
 *
 * retry.c
 *		The step runner: every recipe's statement runs here, with a
 *		lock_timeout, retried on a schedule while something else holds the
 *		lock, each attempt in its own transaction and recorded in
 *		schemashift.lock_attempts.
 *
 * A DDL statement waiting for ACCESS EXCLUSIVE blocks every query that
 * arrives after it.  Giving up after a short lock_timeout and trying again
 * later bounds that stall; the timeouts may grow between attempts so a table
 * that is never quiet for 100 ms still gets its change eventually, and the
 * sleeps grow so the retries do not hammer a busy table.  Nothing is held
 * while sleeping: the attempt's transaction has ended.
 *
 *-------------------------------------------------------------------------
 */
#include "ledger.h"
#include "retry.h"
#include "procs.h"
#include "worker.h"
#include "schemashift.h"

#include <math.h>

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/timestamp.h"

/* the schedule's defaults, as documented in docs/apply.md */
#define SS_RETRY_ATTEMPTS		40
#define SS_RETRY_MIN_TIMEOUT	100
#define SS_RETRY_MAX_TIMEOUT	10000
#define SS_RETRY_MIN_SLEEP		50
#define SS_RETRY_MAX_SLEEP		60000

/* the schedule of a "retries" argument: sleeps doubling from 1 s to 60 s */
#define SS_BACKOFF_FIRST_MS		1000
#define SS_BACKOFF_MAX_MS		60000

void
ss_retry_schedule_default(SSRetrySchedule *s)
{
	s->attempts = SS_RETRY_ATTEMPTS;
	s->min_timeout_ms = SS_RETRY_MIN_TIMEOUT;
	s->max_timeout_ms = SS_RETRY_MAX_TIMEOUT;

	/*
	 * An attempt waiting for its lock stalls every query queued behind it:
	 * no longer than the bound the DBA set for DDL.
	 */
	if (schemashift_lock_timeout > 0 && s->max_timeout_ms > schemashift_lock_timeout)
		s->max_timeout_ms = Max(schemashift_lock_timeout, s->min_timeout_ms);
	s->timeout_growth = 0;
	s->min_sleep_ms = SS_RETRY_MIN_SLEEP;
	s->max_sleep_ms = SS_RETRY_MAX_SLEEP;
	s->sleep_growth = 0;
	s->final_without_timeout = false;
}

void
ss_retry_schedule_retries(SSRetrySchedule *s, int retries, int timeout_ms)
{
	s->attempts = retries < INT_MAX ? retries + 1 : INT_MAX;
	s->min_timeout_ms = s->max_timeout_ms = timeout_ms;
	s->timeout_growth = 1;
	s->min_sleep_ms = SS_BACKOFF_FIRST_MS;
	s->max_sleep_ms = SS_BACKOFF_MAX_MS;
	s->sleep_growth = 2;
	s->final_without_timeout = false;
}

/*
 * The n-th value (from 1) of lo, lo * growth, lo * growth^2..., at most hi;
 * growth 0: the factor that reaches hi at the count-th value.
 */
static int
grow(int lo, int hi, double growth, int n, int count)
{
	if (lo <= 0 || hi <= lo)
		return lo;
	if (growth <= 0)
		growth = count > 1 ? pow((double) hi / lo, 1.0 / (count - 1)) : 1;
	return (int) rint(Min(lo * pow(growth, Max(n, 1) - 1), (double) hi));
}

int
ss_retry_timeout_ms(const SSRetrySchedule *s, int attempt)
{
	if (s->final_without_timeout && attempt >= s->attempts)
		return 0;
	return grow(s->min_timeout_ms, s->max_timeout_ms, s->timeout_growth, attempt,
				s->attempts);
}

int
ss_retry_sleep_ms(const SSRetrySchedule *s, int attempt)
{
	/* the sleep after attempt n, before attempt n + 1 */
	return grow(s->min_sleep_ms, s->max_sleep_ms, s->sleep_growth, attempt,
				s->attempts - 1);
}

int
ss_retry_backoff_ms(int retries, int attempt)
{
	SSRetrySchedule s;

	ss_retry_schedule_retries(&s, retries, 0);
	return ss_retry_sleep_ms(&s, attempt);
}

bool
ss_sqlstate_retryable(int sqlerrcode)
{
	switch (sqlerrcode)
	{
		case ERRCODE_T_R_DEADLOCK_DETECTED:
		case ERRCODE_T_R_SERIALIZATION_FAILURE:
		case ERRCODE_LOCK_NOT_AVAILABLE:
			return true;
		default:
			return false;
	}
}

typedef struct Attempt
{
	const SSRetryRun *run;
	int			timeout_ms;
} Attempt;

static void
attempt_step(void *arg)
{
	Attempt    *a = (Attempt *) arg;
	char		buf[32];
	SSArmedExemption *previous;

	snprintf(buf, sizeof(buf), "%dms", a->timeout_ms);
	(void) set_config_option("lock_timeout", buf, PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_LOCAL, true, 0, false);
	previous = ss_exemption_arm(&a->run->exempt, a->run->sql);
	PG_TRY();
	{
		ss_execute_as(a->run->run_as, a->run->sql);
	}
	PG_FINALLY();
	{
		ss_exemption_restore(previous);
	}
	PG_END_TRY();
	if (a->run->then)
		a->run->then(a->run->then_arg);
}

static const char *
outcome_of(ErrorData *edata)
{
	if (edata == NULL)
		return ss_ledger_word(&ss_ledger_attempt_outcomes, SS_ATTEMPT_OK);
	switch (edata->sqlerrcode)
	{
		case ERRCODE_LOCK_NOT_AVAILABLE:
			return ss_ledger_word(&ss_ledger_attempt_outcomes, SS_ATTEMPT_LOCK_TIMEOUT);
		case ERRCODE_T_R_DEADLOCK_DETECTED:
			return ss_ledger_word(&ss_ledger_attempt_outcomes, SS_ATTEMPT_DEADLOCK);
		case ERRCODE_T_R_SERIALIZATION_FAILURE:
			return ss_ledger_word(&ss_ledger_attempt_outcomes, SS_ATTEMPT_SERIALIZATION_FAILURE);
		default:
			return ss_ledger_word(&ss_ledger_attempt_outcomes, SS_ATTEMPT_ERROR);
	}
}

const char *ss_current_migration_id = NULL;
int			ss_current_migration_step = 0;

static void
record_attempt(const SSRetryRun *run, int attempt, int timeout_ms,
			   TimestampTz started, ErrorData *edata)
{
	Oid			types[8] = {TEXTOID, INT4OID, TEXTOID, INT4OID, INT4OID, TEXTOID,
	TEXTOID, TIMESTAMPTZOID};
	Datum		values[8];
	char		nulls[8];

	memset(nulls, ' ', sizeof(nulls));
	if (run->migration_id)
	{
		values[0] = CStringGetTextDatum(run->migration_id);
		values[1] = Int32GetDatum(run->step);
	}
	else if (ss_current_migration_id)
	{
		/* a recipe apply() called */
		values[0] = CStringGetTextDatum(ss_current_migration_id);
		values[1] = Int32GetDatum(ss_current_migration_step);
	}
	else
		nulls[0] = nulls[1] = 'n';
	values[2] = CStringGetTextDatum(run->statement ? run->statement : run->sql);
	values[3] = Int32GetDatum(attempt);
	values[4] = Int32GetDatum(timeout_ms);
	values[5] = CStringGetTextDatum(outcome_of(edata));
	if (edata)
		values[6] = CStringGetTextDatum(edata->message);
	else
		nulls[6] = 'n';
	values[7] = TimestampTzGetDatum(started);
	ss_state_exec("INSERT INTO schemashift.lock_attempts (migration_id, step, statement, "
				  "attempt, lock_timeout_ms, outcome, error, started_at, duration, run_by, pid) "
				  "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, pg_catalog.clock_timestamp() "
				  "OPERATOR(pg_catalog.-) $8, pg_catalog.session_user(), pg_catalog.pg_backend_pid())",
				  8, types, values, nulls);
}

/*
 * One attempt in a subtransaction of the procedure's transaction, committed
 * with its record (a failed one rolled back, its record kept).
 */
static ErrorData *
attempt_here(const SSRetryRun *run, int attempt, int timeout_ms)
{
	Attempt		a = {run, timeout_ms};
	TimestampTz started = GetCurrentTimestamp();
	ErrorData  *edata = ss_try(attempt_step, &a, true);

	record_attempt(run, attempt, timeout_ms, started, edata);
	SPI_commit();
	return edata;
}

/* Worker failures worth another attempt: lock waits, and being stopped. */
static bool
worker_retryable(const SSExecResult *res)
{
	if (res->canceled_by_caller || res->error == NULL)
		return false;
	return ss_sqlstate_retryable(res->error->sqlerrcode) ||
		res->error->sqlerrcode == ERRCODE_QUERY_CANCELED ||
		res->error->sqlerrcode == ERRCODE_ADMIN_SHUTDOWN;
}

/*
 * One attempt at top level in the worker.  After a failure the clean-up
 * runs first and the attempt is recorded, even after the caller's own
 * cancel (held off meanwhile), which is then raised.
 */
static ErrorData *
attempt_in_worker(const SSRetryRun *run, int attempt, int timeout_ms,
				  bool *retryable)
{
	SSExecOptions o = {0};
	SSExecResult res;
	TimestampTz started = GetCurrentTimestamp();

	o.lock_timeout_ms = timeout_ms;
	o.statement_timeout_ms = run->statement_timeout_ms;
	o.exempt = run->exempt;
	o.progress_label = run->progress_label;
	schemashift_exec_step(run->sql, &o, &res);
	if (res.canceled_by_caller)
		HOLD_CANCEL_INTERRUPTS();
	if (!res.ok && run->cleanup)
		run->cleanup(run->cleanup_arg);
	record_attempt(run, attempt, timeout_ms, started, res.ok ? NULL : res.error);
	SPI_commit();
	if (res.canceled_by_caller)
	{
		RESUME_CANCEL_INTERRUPTS();
		if (!res.ok)
			CHECK_FOR_INTERRUPTS();
	}
	*retryable = worker_retryable(&res);
	return res.ok ? NULL : res.error;
}

/* an attempt's error, raised as it was */
static void
raise_error(const SSRetryRun *run, ErrorData *edata)
{
	/* the worker's error comes as data, not as an error thrown here */
	if (run->in_worker)
		ThrowErrorData(edata);
	ReThrowError(edata);
}

static void
report_failed_attempt(const SSRetryRun *run, int attempt, int timeout_ms,
					  ErrorData *edata)
{
	const SSRetrySchedule *s = &run->schedule;
	int			sleep_ms = ss_retry_sleep_ms(s, attempt);
	int			next_timeout_ms = ss_retry_timeout_ms(s, attempt + 1);

	/* the lock_timeout is named when it changes between attempts */
	ereport(NOTICE,
			(errmsg("%s: attempt %d of %d failed: %s", run->label, attempt,
					s->attempts, edata->message),
			 run->show_statement ? errdetail("Statement: %s", run->sql) : 0,
			 next_timeout_ms != timeout_ms ?
			 errhint("Retrying in %d ms with a %d ms lock_timeout.", sleep_ms, next_timeout_ms) :
			 errhint("Retrying in %d ms.", sleep_ms)));
}

int
ss_with_lock_retries(const SSRetryRun *run, ErrorData **error)
{
	const SSRetrySchedule *s = &run->schedule;
	int			attempt;

	for (attempt = 1;; attempt++)
	{
		int			timeout_ms = ss_retry_timeout_ms(s, attempt);
		bool		retryable;
		ErrorData  *edata;

		if (run->in_worker)
			edata = attempt_in_worker(run, attempt, timeout_ms, &retryable);
		else
		{
			edata = attempt_here(run, attempt, timeout_ms);
			retryable = edata && ss_sqlstate_retryable(edata->sqlerrcode);
		}
		if (edata == NULL)
		{
			if (attempt > 1 && !run->raise_last_error)
				ereport(NOTICE,
						(errmsg("%s: succeeded at attempt %d of %d", run->label, attempt,
								s->attempts)));
			return attempt;
		}
		if (!retryable || (attempt >= s->attempts && run->raise_last_error))
		{
			if (error)
			{
				*error = edata;
				return attempt;
			}
			raise_error(run, edata);
		}
		if (attempt >= s->attempts)
			ereport(ERROR,
					(errcode(edata->sqlerrcode),
					 errmsg("%s: gave up after %d attempts: %s", run->label, attempt,
							edata->message),
					 errdetail("The last attempt waited %d ms for its locks; every attempt is in schemashift.lock_attempts.",
							   timeout_ms),
					 errhint("Find what holds the lock (pg_locks, pg_stat_activity), or try at a quieter time; more attempts or a longer max_lock_timeout wait longer.")));
		report_failed_attempt(run, attempt, timeout_ms, edata);
		schemashift_exec_sleep(ss_retry_sleep_ms(s, attempt));
	}
}

void
ss_run_locked(const char *label, const char *sql, int retries,
			  const SSExemption *exempt, SSStepFn then, void *then_arg)
{
	ss_run_locked_as(InvalidOid, label, sql, retries, exempt, then, then_arg);
}

void
ss_run_locked_as(Oid run_as, const char *label, const char *sql, int retries,
				 const SSExemption *exempt, SSStepFn then, void *then_arg)
{
	SSRetryRun	run;

	memset(&run, 0, sizeof(run));
	run.label = label;
	run.sql = sql;
	run.exempt = exempt ? *exempt : ss_no_exemption;
	run.run_as = run_as;
	run.then = then;
	run.then_arg = then_arg;
	ss_retry_schedule_retries(&run.schedule, retries,
							  schemashift_lock_timeout > 0 ?
							  schemashift_lock_timeout : SS_SHORT_LOCK_TIMEOUT_MS);
	run.raise_last_error = true;
	(void) ss_with_lock_retries(&run, NULL);
}
