/*-------------------------------------------------------------------------
 *
 * lock_retries.c
 *		CALL schemashift.with_lock_retries(statement, ...): run one statement
 *		with a short lock_timeout, backing off and retrying while something
 *		else holds the lock, each attempt in its own transaction.
 *
 * A DDL statement waiting for ACCESS EXCLUSIVE blocks every query that
 * arrives after it.  Giving up after a short lock_timeout and trying again
 * later bounds that stall; the timeouts grow between attempts so a table
 * that is never quiet for 100 ms still gets its change eventually, and the
 * sleeps grow with them so the retries do not hammer a busy table.  Nothing
 * is held while sleeping: the attempt's transaction has ended.
 *
 *-------------------------------------------------------------------------
 */
#include "ledger.h"
#include "procs.h"
#include "worker.h"
#include "schemashift.h"

#include <math.h>

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "parser/parser.h"
#include "tcop/utility.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/timeout.h"
#include "utils/timestamp.h"

PG_FUNCTION_INFO_V1(schemashift_with_lock_retries);

/* the schedule's defaults, as documented in docs/apply.md */
#define SS_RETRY_ATTEMPTS		40
#define SS_RETRY_MIN_TIMEOUT	100
#define SS_RETRY_MAX_TIMEOUT	10000
#define SS_RETRY_MIN_SLEEP		50
#define SS_RETRY_MAX_SLEEP		60000

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
	s->min_sleep_ms = SS_RETRY_MIN_SLEEP;
	s->max_sleep_ms = SS_RETRY_MAX_SLEEP;
	s->final_without_timeout = false;
}

/* from lo at the first attempt to hi at the last, geometrically */
static int
interpolate(int lo, int hi, int attempt, int attempts)
{
	double		f;

	if (attempts <= 1 || lo <= 0 || hi <= lo)
		return lo;
	f = (double) (Max(attempt, 1) - 1) / (attempts - 1);
	return (int) rint(lo * pow((double) hi / lo, Min(f, 1.0)));
}

int
ss_retry_timeout_ms(const SSRetrySchedule *s, int attempt)
{
	if (s->final_without_timeout && attempt >= s->attempts)
		return 0;
	return interpolate(s->min_timeout_ms, s->max_timeout_ms, attempt, s->attempts);
}

int
ss_retry_sleep_ms(const SSRetrySchedule *s, int attempt)
{
	/* the sleep after attempt n, before attempt n + 1 */
	return interpolate(s->min_sleep_ms, s->max_sleep_ms, attempt, s->attempts - 1);
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

int
ss_with_lock_retries(const SSRetryRun *run, ErrorData **error)
{
	const SSRetrySchedule *s = &run->schedule;
	int			attempt;

	for (attempt = 1;; attempt++)
	{
		Attempt		a = {run, ss_retry_timeout_ms(s, attempt)};
		TimestampTz started = GetCurrentTimestamp();
		ErrorData  *edata = ss_try(attempt_step, &a, true);

		record_attempt(run, attempt, a.timeout_ms, started, edata);
		if (edata == NULL)
		{
			SPI_commit();
			if (attempt > 1)
				ereport(NOTICE,
						(errmsg("%s: succeeded at attempt %d of %d", run->label, attempt,
								s->attempts)));
			return attempt;
		}
		SPI_commit();			/* keep the record of the failed attempt */
		if (!ss_sqlstate_retryable(edata->sqlerrcode))
		{
			if (error)
			{
				*error = edata;
				return attempt;
			}
			ReThrowError(edata);
		}
		if (attempt >= s->attempts)
			ereport(ERROR,
					(errcode(edata->sqlerrcode),
					 errmsg("%s: gave up after %d attempts: %s", run->label, attempt,
							edata->message),
					 errdetail("The last attempt waited %d ms for its locks; every attempt is in schemashift.lock_attempts.",
							   a.timeout_ms),
					 errhint("Find what holds the lock (pg_locks, pg_stat_activity), or try at a quieter time; more attempts or a longer max_lock_timeout wait longer.")));
		ereport(NOTICE,
				(errmsg("%s: attempt %d of %d failed: %s", run->label, attempt,
						s->attempts, edata->message),
				 errhint("Retrying in %d ms with a %d ms lock_timeout.",
						 ss_retry_sleep_ms(s, attempt), ss_retry_timeout_ms(s, attempt + 1))));
		schemashift_exec_sleep(ss_retry_sleep_ms(s, attempt));
	}
}

/* Statements that must not run inside a transaction, with their recipe. */
static void
refuse_statement(Node *stmt)
{
	const char *hint = NULL;

	if (IsA(stmt, TransactionStmt))
		hint = "Each attempt is its own transaction: pass the statement alone.";
	else if (IsA(stmt, IndexStmt) && ((IndexStmt *) stmt)->concurrent)
		hint = "Use CALL schemashift.create_index(...): it builds concurrently, with retries.";
	else if (IsA(stmt, DropStmt) && ((DropStmt *) stmt)->concurrent)
		hint = "Use CALL schemashift.drop_index(...).";
	else if (IsA(stmt, ReindexStmt))
		hint = "Use CALL schemashift.reindex(...).";
	else if (IsA(stmt, VacuumStmt))
		hint = "VACUUM takes no lock that needs retries: run it on its own.";
	if (hint)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("with_lock_retries cannot run %s", CreateCommandName(stmt)),
				 errhint("%s", hint)));
}

/*
 * CALL schemashift.with_lock_retries(statement, attempts, min_lock_timeout,
 *		max_lock_timeout, min_sleep, max_sleep, final_attempt_without_timeout)
 */
Datum
schemashift_with_lock_retries(PG_FUNCTION_ARGS)
{
	SSRetryRun	run;
	char	   *sql;
	List	   *raw;

	schemashift_require_nonatomic(fcinfo, "with_lock_retries");
	ss_require_arg(fcinfo, 0, "statement");
	sql = text_to_cstring(PG_GETARG_TEXT_PP(0));
	raw = ss_parse_argument(sql, "statement");
	if (list_length(raw) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("with_lock_retries runs exactly one statement, not %d", list_length(raw)),
				 errhint("Call it once per statement, or use schemashift.apply() for a script.")));
	refuse_statement(linitial_node(RawStmt, raw)->stmt);

	memset(&run, 0, sizeof(run));
	ss_retry_schedule_default(&run.schedule);
	if (!PG_ARGISNULL(1))
		run.schedule.attempts = PG_GETARG_INT32(1);
	if (run.schedule.attempts < 1 || run.schedule.attempts > 1000)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("attempts must be between 1 and 1000")));
	if (!PG_ARGISNULL(2))
		run.schedule.min_timeout_ms = ss_interval_ms(PG_GETARG_DATUM(2), "min_lock_timeout");
	if (!PG_ARGISNULL(3))
		run.schedule.max_timeout_ms = ss_interval_ms(PG_GETARG_DATUM(3), "max_lock_timeout");
	if (!PG_ARGISNULL(4))
		run.schedule.min_sleep_ms = ss_interval_ms(PG_GETARG_DATUM(4), "min_sleep");
	if (!PG_ARGISNULL(5))
		run.schedule.max_sleep_ms = ss_interval_ms(PG_GETARG_DATUM(5), "max_sleep");
	if (!PG_ARGISNULL(6))
		run.schedule.final_without_timeout = PG_GETARG_BOOL(6);
	if (run.schedule.min_timeout_ms < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("min_lock_timeout must be at least 1 ms"),
				 errhint("A lock_timeout of 0 waits forever; ask for that with final_attempt_without_timeout => true.")));
	if (run.schedule.max_timeout_ms < run.schedule.min_timeout_ms)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_lock_timeout must not be less than min_lock_timeout")));
	if (run.schedule.max_sleep_ms < run.schedule.min_sleep_ms)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_sleep must not be less than min_sleep")));

	run.label = CreateCommandName(linitial_node(RawStmt, raw)->stmt);
	run.sql = sql;
	if (SPI_connect_ext(SPI_OPT_NONATOMIC) != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	disable_timeout(STATEMENT_TIMEOUT, false);
	(void) ss_with_lock_retries(&run, NULL);
	SPI_finish();
	PG_RETURN_VOID();
}
