/*-------------------------------------------------------------------------
 *
 * hooks.c
 *		The ProcessUtility hook, installed only when schemashift is in
 *		shared_preload_libraries.
 *
 * Event triggers see DDL; they do not fire for VACUUM FULL, CLUSTER,
 * REINDEX, LOCK or TRUNCATE.  The hook guards those with the same engine,
 * and stamps the start of every statement so the audit log can record how
 * long DDL took.  Everything else passes straight through: transaction
 * control, SET and the like take the fast path first.
 *
 *-------------------------------------------------------------------------
 */
#include "schemashift.h"
#include "lock_report.h"

#include "storage/proc.h"
#include "tcop/cmdtag.h"
#include "tcop/utility.h"
#include "utils/timestamp.h"

bool		schemashift_preloaded = false;

static ProcessUtility_hook_type prev_ProcessUtility = NULL;

/* Utility statements no rule is about and that event triggers ignore. */
static bool
fast_path(Node *stmt)
{
	switch (nodeTag(stmt))
	{
		case T_TransactionStmt:
		case T_VariableSetStmt:
		case T_VariableShowStmt:
		case T_PrepareStmt:
		case T_ExecuteStmt:
		case T_DeallocateStmt:
		case T_ExplainStmt:
		case T_CopyStmt:
		case T_DeclareCursorStmt:
		case T_FetchStmt:
		case T_ClosePortalStmt:
		case T_CallStmt:
		case T_DoStmt:
		case T_ListenStmt:
		case T_NotifyStmt:
		case T_UnlistenStmt:
		case T_DiscardStmt:
		case T_CheckPointStmt:
		case T_ConstraintsSetStmt:
		case T_LoadStmt:
			return true;
		default:
			return false;
	}
}

/* The hook installed before ours, or the server's own. */
static void
next_ProcessUtility(SCHEMASHIFT_PROCESS_UTILITY_PARAMS)
{
	if (prev_ProcessUtility)
		prev_ProcessUtility(SCHEMASHIFT_PROCESS_UTILITY_ARGS);
	else
		standard_ProcessUtility(SCHEMASHIFT_PROCESS_UTILITY_ARGS);
}

static void
schemashift_ProcessUtility(SCHEMASHIFT_PROCESS_UTILITY_PARAMS)
{
	Node	   *stmt = pstmt->utilityStmt;
	bool		timeout_forced = false;
	int			saved_lock_timeout = LockTimeout;
	TimestampTz saved_start = schemashift_hook_start_time;
	SSGuardRecord *rec = NULL;

	/* transaction control, SET and sub-commands: nothing to do here */
	if (fast_path(stmt) || context == PROCESS_UTILITY_SUBCOMMAND)
	{
		next_ProcessUtility(SCHEMASHIFT_PROCESS_UTILITY_ARGS);
		return;
	}

	if (command_tag_event_trigger_ok(CreateCommandTag(stmt)))
		schemashift_hook_start_time = GetCurrentTimestamp();
	else if (schemashift_guard_applies())
	{
		int			before = LockTimeout;
		int			chosen;

		schemashift_guard_statement(stmt, true);
		chosen = LockTimeout;

		/*
		 * VACUUM FULL and friends commit internally: neither the guard's
		 * frame nor a transaction-local setting outlives their first
		 * commit.  So the frame is closed now, and the lock timeout the
		 * guard chose is kept in the variable itself for the statement
		 * and put back below whatever happens.
		 */
		rec = schemashift_guard_statement_done(true);
		if (chosen != before)
		{
			LockTimeout = chosen;
			timeout_forced = true;
		}
	}

	if (timeout_forced)
		ss_lock_report_resume();
	PG_TRY();
	{
		next_ProcessUtility(SCHEMASHIFT_PROCESS_UTILITY_ARGS);
	}
	PG_FINALLY();
	{
		/* only undo what the guard did: a user's own SET lock_timeout stays */
		if (timeout_forced)
			LockTimeout = saved_lock_timeout;
		schemashift_hook_start_time = saved_start;
	}
	PG_END_TRY();
	/* an error keeps it for the error's report (lock_report.c) */
	ss_lock_report_disarm();

	if (rec)
		schemashift_guard_log(GetCommandTagName(CreateCommandTag(stmt)),
							  queryString, rec);
}

void
schemashift_hooks_init(void)
{
	prev_ProcessUtility = ProcessUtility_hook;
	ProcessUtility_hook = schemashift_ProcessUtility;
}
