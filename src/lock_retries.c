/*-------------------------------------------------------------------------
 *
 * lock_retries.c
 *		CALL schemashift.with_lock_retries(statement, ...): run one statement
 *		with a short lock_timeout, backing off and retrying while something
 *		else holds the lock, each attempt in its own transaction.
 *
 * The attempts are the step runner's (retry.c), on the schedule the
 * arguments give; this file checks the statement and the arguments.
 *
 *-------------------------------------------------------------------------
 */
#include "procedure.h"
#include "procs.h"
#include "worker.h"
#include "schemashift.h"

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
	static const char *const required[] = {"statement"};
	SSRetryRun	run;
	char	   *sql;
	List	   *raw;

	ss_procedure_begin(fcinfo, "with_lock_retries", lengthof(required), required);
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
	/* NULL: the default, which schemashift.lock_timeout caps (retry.c) */
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
				 errmsg("max_lock_timeout must not be less than min_lock_timeout"),
				 PG_ARGISNULL(3) ?
				 errdetail("Without max_lock_timeout, no attempt waits longer than schemashift.lock_timeout (%d ms).",
						   run.schedule.max_timeout_ms) : 0,
				 PG_ARGISNULL(3) ?
				 errhint("Pass max_lock_timeout to let attempts wait longer.") : 0));
	if (run.schedule.max_sleep_ms < run.schedule.min_sleep_ms)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_sleep must not be less than min_sleep")));

	run.label = CreateCommandName(linitial_node(RawStmt, raw)->stmt);
	run.sql = sql;
	ss_procedure_connect();
	(void) ss_with_lock_retries(&run, NULL);
	SPI_finish();
	PG_RETURN_VOID();
}
