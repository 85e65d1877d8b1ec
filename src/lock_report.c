/*-------------------------------------------------------------------------
 *
 * lock_report.c
 *		The error of a statement that the guard's lock_timeout ended:
 *		"canceling statement due to lock timeout" alone does not say that
 *		schemashift set the limit, nor who held the lock, nor what to do.
 *
 * The guard arms this module when it lowers lock_timeout for a statement,
 * with what it can only learn then, from the catalog: the relation, the
 * lock, the limit, and whether this role may see other roles' activity.
 * The error itself is rewritten in emit_log_hook, before it reaches the
 * client and the server log: that is the one place both the event trigger
 * and the ProcessUtility paths pass.  The hook does no catalog access (the
 * transaction is failing); it reads the lock manager and the activity
 * snapshot only.  Roles see the state, transaction age and query of their
 * own backends, and of all with pg_read_all_stats, as in pg_stat_activity.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_authid.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "storage/lock.h"
#include "storage/proc.h"
#include "storage/sinvaladt.h"
#include "utils/acl.h"
#include "utils/backend_status.h"
#include "utils/builtins.h"
#include "utils/elog.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"

#include "compat.h"
#include "lock_report.h"
#include "schemashift.h"

#define SS_REPORT_MAX_BLOCKERS	5
#define SS_REPORT_QUERY_BYTES	60

static struct
{
	bool		armed;
	bool		active;
	bool		forced;			/* the hook set LockTimeout itself */
	Oid			relid;
	LOCKMODE	mode;
	int			timeout_ms;
	bool		see_all;		/* pg_read_all_stats */
	Oid			userid;
	char		relname[2 * NAMEDATALEN + 8];
} wait_info;

static emit_log_hook_type prev_emit_log_hook = NULL;

void
ss_lock_report_arm(Oid relid, LOCKMODE mode, int timeout_ms)
{
	char	   *nsp = get_namespace_name(get_rel_namespace(relid));
	char	   *rel = get_rel_name(relid);

	if (nsp == NULL || rel == NULL)
	{
		wait_info.armed = wait_info.active = false;
		return;
	}
	wait_info.relid = relid;
	wait_info.mode = mode;
	wait_info.timeout_ms = timeout_ms;
	wait_info.userid = GetUserId();
	wait_info.see_all = has_privs_of_role(GetUserId(), ROLE_PG_READ_ALL_STATS);
	strlcpy(wait_info.relname, quote_qualified_identifier(nsp, rel), sizeof(wait_info.relname));
	wait_info.armed = wait_info.active = true;
	wait_info.forced = false;
}

void
ss_lock_report_resume(void)
{
	wait_info.active = wait_info.armed;
	wait_info.forced = true;
}

void
ss_lock_report_disarm(void)
{
	wait_info.active = false;
}

static const char *
state_name(BackendState state)
{
	switch (state)
	{
		case STATE_IDLE:
			return "idle";
		case STATE_RUNNING:
			return "active";
		case STATE_IDLEINTRANSACTION:
			return "idle in transaction";
		case STATE_FASTPATH:
			return "fastpath function call";
		case STATE_IDLEINTRANSACTION_ABORTED:
			return "idle in transaction (aborted)";
		case STATE_DISABLED:
			return "disabled";
		default:
			return "unknown";
	}
}

/* one blocking backend, as this role may see it */
static void
describe_backend(StringInfo buf, int pid, TimestampTz now)
{
	int			n = pgstat_fetch_stat_numbackends();
	int			i;

	appendStringInfo(buf, "pid %d", pid);
	for (i = 1; i <= n; i++)
	{
		LocalPgBackendStatus *local = schemashift_local_beentry(i);
		PgBackendStatus *be = local ? &local->backendStatus : NULL;

		if (be == NULL || be->st_procpid != pid)
			continue;
		if (be->st_appname && be->st_appname[0])
			appendStringInfo(buf, " (%s)", be->st_appname);
		if (wait_info.see_all || be->st_userid == wait_info.userid)
		{
			appendStringInfo(buf, ", %s", state_name(be->st_state));
			if (be->st_xact_start_timestamp != 0)
			{
				long		secs;
				int			usecs;

				TimestampDifference(be->st_xact_start_timestamp, now, &secs, &usecs);
				appendStringInfo(buf, ", transaction open for %ld s", secs);
			}
			if (be->st_activity_raw && be->st_activity_raw[0])
			{
				char	   *query = pgstat_clip_activity(be->st_activity_raw);
				char	   *c;
				int			len = strlen(query);
				int			cut = pg_mbcliplen(query, len, SS_REPORT_QUERY_BYTES);

				/* one line: the report is read in logs */
				for (c = query; *c; c++)
					if (*c == '\n' || *c == '\r' || *c == '\t')
						*c = ' ';

				appendStringInfo(buf, ", query \"%.*s%s\"", cut, query, cut < len ? "..." : "");
			}
		}
		break;
	}
}

static void
report_lock_timeout(ErrorData *edata)
{
	LOCKTAG		tag;
	VirtualTransactionId *vxids;
	StringInfoData blockers;
	TimestampTz now = GetCurrentTimestamp();
	int			count = 0;
	int			shown = 0;

	SET_LOCKTAG_RELATION(tag, MyDatabaseId, wait_info.relid);
	vxids = GetLockConflicts(&tag, wait_info.mode, &count);
	initStringInfo(&blockers);
	for (; VirtualTransactionIdIsValid(*vxids); vxids++)
	{
		PGPROC	   *proc = schemashift_vxid_proc(*vxids);

		if (proc == NULL || proc->pid == MyProcPid || proc->pid == 0)
			continue;
		if (shown++ >= SS_REPORT_MAX_BLOCKERS)
			continue;
		appendStringInfoString(&blockers, shown > 1 ? "; " : "");
		describe_backend(&blockers, proc->pid, now);
	}
	if (shown > SS_REPORT_MAX_BLOCKERS)
		appendStringInfo(&blockers, "; and %d more", shown - SS_REPORT_MAX_BLOCKERS);

	edata->message = psprintf("schemashift.lock_timeout of %d ms expired waiting for %s on %s",
							  wait_info.timeout_ms, GetLockmodeName(DEFAULT_LOCKMETHOD, wait_info.mode),
							  wait_info.relname);
	if (shown > 0)
		edata->detail = psprintf("Holding a conflicting lock: %s.", blockers.data);
	else
		edata->detail = pstrdup("No backend holds a conflicting lock on it now; the statement may have waited for another lock, or the holder has just finished.");
	edata->hint = pstrdup("Run the statement with CALL schemashift.with_lock_retries(...) or in a migration through schemashift.apply(), which retry lock timeouts with backoff, or end the blocking transaction. schemashift.lock_timeout sets the limit.");
}

static void
schemashift_emit_log(ErrorData *edata)
{
	if (wait_info.active && edata->elevel >= ERROR &&
		edata->sqlerrcode == ERRCODE_LOCK_NOT_AVAILABLE &&
		edata->message_id != NULL &&
		strcmp(edata->message_id, "canceling statement due to lock timeout") == 0 &&
		(wait_info.forced || LockTimeout == wait_info.timeout_ms))
	{
		/* once: the statement it was armed for ends with this error */
		wait_info.active = wait_info.armed = false;
		report_lock_timeout(edata);
	}
	if (prev_emit_log_hook)
		prev_emit_log_hook(edata);
}

/*
 * An abort comes after the error's report; an error a savepoint caught was
 * never reported.  Either way the statement is over.  (Commits are left
 * alone: VACUUM FULL and CLUSTER commit between their tables.)
 */
static void
xact_end(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT)
		ss_lock_report_disarm();
}

static void
subxact_end(SubXactEvent event, SubTransactionId mySubid,
			SubTransactionId parentSubid, void *arg)
{
	if (event == SUBXACT_EVENT_ABORT_SUB)
		ss_lock_report_disarm();
}

void
ss_lock_report_init(void)
{
	RegisterXactCallback(xact_end, NULL);
	RegisterSubXactCallback(subxact_end, NULL);
	prev_emit_log_hook = emit_log_hook;
	emit_log_hook = schemashift_emit_log;
}
