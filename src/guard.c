/*-------------------------------------------------------------------------
 *
 * guard.c
 *		The live guard's decisions: the rule engine applied to each DDL
 *		statement as it runs, reached through the event triggers
 *		(event_triggers.c) and the ProcessUtility hook (hooks.c) when
 *		preloaded.
 *
 * Before a statement takes its locks, findings at level error raise an
 * ERROR in enforce mode unless approved (approvals.c) or answered by the
 * recipe step that generated the statement (exemptions.c); the others
 * become WARNINGs/NOTICEs; a statement that would take a lock stronger than
 * SHARE UPDATE EXCLUSIVE on an existing table runs under
 * schemashift.lock_timeout, restored when it ends, when its audit row is
 * written (audit.c).  Rewrites no finding predicted, and what a DROP removed
 * by cascade, are judged the same way.
 *
 * State: a stack of frames, one per DDL statement in progress (DDL can
 * nest: a function called by DDL may run DDL), in TopTransactionContext,
 * forgotten at transaction end; frames of an aborted subtransaction are
 * popped by the subtransaction callback.  The approvals of the current
 * transaction, and the matcher that decides what they cover, are in
 * approvals.c.
 *
 *-------------------------------------------------------------------------
 */
#include "schemashift.h"
#include "approvals.h"
#include "audit.h"
#include "restore.h"
#include "lock_report.h"
#include "errcodes.h"
#include "exemptions.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/relscan.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/heap.h"
#include "catalog/namespace.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_am.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_class.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "commands/dbcommands.h"
#include "commands/event_trigger.h"
#include "commands/extension.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "storage/lmgr.h"
#include "storage/lock.h"
#include "storage/proc.h"
#include "tcop/tcopprot.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/varlena.h"
#include "utils/xid8.h"


typedef struct GuardFrame
{
	int			nest_level;		/* transaction nest level it belongs to */
	bool		from_hook;
	bool		expect_rewrite; /* a reported finding predicted a rewrite */
	SSExemption exempt;			/* rules a recipe step answers, for this
								 * statement alone */
	bool		lock_timeout_changed;
	char	   *saved_lock_timeout;
	TimestampTz start;
	StringInfoData findings;	/* JSON array for the audit log */
	StringInfoData approvals;	/* JSON array of approvals used */
} GuardFrame;

static List *frames = NIL;		/* of GuardFrame, innermost first */

TimestampTz schemashift_hook_start_time = 0;

/* ---------- transaction bookkeeping ---------- */

bool
ss_top_xact_ends(int event)
{
	switch ((XactEvent) event)
	{
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_PARALLEL_ABORT:
		case XACT_EVENT_PREPARE:
			return true;
		default:
			return false;
	}
}

static void
guard_xact_callback(XactEvent event, void *arg)
{
	/* the memory goes with TopTransactionContext */
	if (ss_top_xact_ends(event))
		frames = NIL;
}

static void
guard_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					   SubTransactionId parentSubid, void *arg)
{
	int			level = GetCurrentTransactionNestLevel();

	if (event == SUBXACT_EVENT_ABORT_SUB)
	{
		while (frames != NIL &&
			   ((GuardFrame *) linitial(frames))->nest_level >= level)
			frames = list_delete_first(frames);
	}
}

void
schemashift_guard_init(void)
{
	RegisterXactCallback(guard_xact_callback, NULL);
	RegisterSubXactCallback(guard_subxact_callback, NULL);
	schemashift_approvals_init();
}

/* ---------- when to stand aside ---------- */

/*
 * The guard applies unless: it is off; an extension script is running
 * (CREATE/ALTER EXTENSION, ours included); binary upgrade; no usable
 * transaction; or the extension is not installed in this database.
 */
bool
schemashift_guard_applies(void)
{
	if (schemashift_mode == SS_MODE_OFF)
		return false;
	if (creating_extension || IsBinaryUpgrade)
	{
		/* CREATE/DROP EXTENSION: look again afterwards */
		ss_audit_log_forget();
		return false;
	}
	if (!IsTransactionState() || IsAbortedTransactionBlockState())
		return false;
	return OidIsValid(ss_audit_log_relid());
}

/* ---------- reporting ---------- */

static void
json_finding(StringInfo buf, const SSFinding *f, const char *outcome)
{
	if (buf->len > 1)
		appendStringInfoChar(buf, ',');
	appendStringInfoString(buf, "{\"rule\":");
	escape_json(buf, schemashift_rules[f->rule].id);
	appendStringInfoString(buf, ",\"level\":");
	escape_json(buf, schemashift_level_name(f->level));
	appendStringInfoString(buf, ",\"object\":");
	if (f->object)
		escape_json(buf, f->object);
	else
		appendStringInfoString(buf, "null");
	appendStringInfoString(buf, ",\"outcome\":");
	escape_json(buf, outcome);
	appendStringInfoString(buf, ",\"message\":");
	escape_json(buf, f->message);
	appendStringInfoChar(buf, '}');
}

typedef struct GuardRun
{
	GuardFrame *frame;
	List	   *blocked;		/* SSFinding copies at level error, enforce */
	Oid			dropped_relid;	/* sql_drop: the relation the finding is about */
	AttrNumber	dropped_attnum; /* ... and its column, or 0 */
	bool		reached;		/* emitting what an approved finding reaches */
} GuardRun;

static void guard_emit(SSContext *cxt, const SSFinding *f);

/* A guard context whose findings go to run, for the statement of frame. */
static void
guard_run_start(SSContext *cxt, GuardRun *run, GuardFrame *frame)
{
	run->frame = frame;
	run->blocked = NIL;
	run->dropped_relid = InvalidOid;
	run->dropped_attnum = InvalidAttrNumber;
	run->reached = false;
	schemashift_context_init(cxt, false, true);
	/* the families that matter while DDL runs (docs/guard.md) */
	schemashift_guard_levels(&cxt->levels);
	cxt->emit = guard_emit;
	cxt->emit_arg = run;
}

/*
 * A finding of an event trigger (table_rewrite, sql_drop) rather than of
 * the engine: the rule's level and hint, ACCESS EXCLUSIVE on object.
 */
static void
emit_event_finding(SSContext *cxt, SSRuleId rule, const char *object,
				   const char *message)
{
	SSFinding	f;

	memset(&f, 0, sizeof(f));
	f.rule = rule;
	f.level = cxt->levels.level[rule];
	f.object = object;
	f.lock = AccessExclusiveLock;
	f.rewrites = false;
	f.message = message;
	f.hint = schemashift_rules[rule].hint;
	ss_judge_table_size(cxt, &f);
	if (f.level != SS_LEVEL_OFF)
		guard_emit(cxt, &f);
}

/*
 * The existing relations a statement on relid also acts on: inheritance
 * children and partitions at any depth, and for TRUNCATE ... CASCADE the
 * tables whose foreign keys reach it, transitively.
 */
List *
ss_reached_relations(Oid relid, SSRuleId rule)
{
	List	   *reached = NIL;

	if (has_subclass(relid))
		reached = list_delete_first(find_all_inheritors(relid, NoLock, NULL));
	if (rule == SS_BAN_TRUNCATE_CASCADE)
	{
		List	   *closure = list_make1_oid(relid);
		int			i;

		/* heap_truncate_find_FKs() answers for a set: grow it to a fixpoint */
		for (i = 0; i < list_length(closure); i++)
		{
			List	   *refs = heap_truncate_find_FKs(list_make1_oid(list_nth_oid(closure, i)));
			ListCell   *lc;

			CHECK_FOR_INTERRUPTS();
			foreach(lc, refs)
				closure = list_append_unique_oid(closure, lfirst_oid(lc));
		}
		reached = list_concat_unique_oid(reached, list_delete_first(closure));
	}
	return reached;
}

/*
 * An approval names one relation.  When the approved statement also acts on
 * existing relations below it (or, for TRUNCATE CASCADE, referencing it),
 * each of them is a finding of the same rule that needs its own approval:
 * approving a table created in this transaction must not let a statement
 * on it change a table attached under it.
 */
static void
emit_reached(SSContext *cxt, GuardRun *run, const SSFinding *f)
{
	char	   *column;
	Oid			relid;
	List	   *reached;
	ListCell   *lc;

	if (run->reached || f->object == NULL)
		return;
	relid = ss_approval_object_target(f->object, &column);
	if (!OidIsValid(relid))
		return;
	reached = ss_reached_relations(relid, f->rule);
	run->reached = true;
	foreach(lc, reached)
	{
		Oid			kid = lfirst_oid(lc);
		SSFinding	g = *f;
		char	   *name;

		CHECK_FOR_INTERRUPTS();
		if (ss_relid_is_new_ext(kid, false))
			continue;
		name = quote_qualified_identifier(get_namespace_name(get_rel_namespace(kid)),
										  get_rel_name(kid));
		g.object = column ? psprintf("%s.%s", name, quote_identifier(column)) : name;
		g.message = psprintf("%s (this statement also acts on %s, which the approval of %s does not name)",
							 f->message, name, f->object);
		guard_emit(cxt, &g);
	}
	run->reached = false;
}

static void
guard_emit(SSContext *cxt, const SSFinding *f)
{
	GuardRun   *run = (GuardRun *) cxt->emit_arg;
	const SSRule *r = &schemashift_rules[f->rule];
	SSApproval *a = OidIsValid(run->dropped_relid) ?
		schemashift_approval_for_dropped(f->rule, f->object, run->dropped_relid,
										 run->dropped_attnum) :
		schemashift_approval_for(f->rule, f->object);
	MemoryContext old;

	if (f->rewrites)
		run->frame->expect_rewrite = true;

	old = MemoryContextSwitchTo(TopTransactionContext);
	if (ss_exemption_covers(&run->frame->exempt, f->rule))
	{
		/* the recipe generated this statement to handle exactly this */
		json_finding(&run->frame->findings, f, "recipe");
		MemoryContextSwitchTo(old);
		return;
	}
	if (schemashift_mode == SS_MODE_RESTORE)
	{
		json_finding(&run->frame->findings, f, "restore");
		MemoryContextSwitchTo(old);
		return;
	}
	if (a)
	{
		json_finding(&run->frame->findings, f, "approved");
		if (run->frame->approvals.len > 1)
			appendStringInfoChar(&run->frame->approvals, ',');
		appendStringInfoString(&run->frame->approvals, "{\"rule\":");
		escape_json(&run->frame->approvals, r->id);
		appendStringInfoString(&run->frame->approvals, ",\"object\":");
		if (f->object)
			escape_json(&run->frame->approvals, f->object);
		else
			appendStringInfoString(&run->frame->approvals, "null");
		appendStringInfoString(&run->frame->approvals, ",\"reason\":");
		escape_json(&run->frame->approvals, a->reason);
		appendStringInfoChar(&run->frame->approvals, '}');
		MemoryContextSwitchTo(old);
		ereport(NOTICE,
				(errmsg("%s", f->message),
				 errdetail("schemashift rule \"%s\" on %s was approved for this transaction: %s",
						   r->id, f->object ? f->object : "this statement", a->reason)));
		emit_reached(cxt, run, f);
		return;
	}
	if (schemashift_mode == SS_MODE_ENFORCE && f->level == SS_LEVEL_ERROR)
	{
		SSFinding  *copy = palloc(sizeof(SSFinding));

		*copy = *f;
		copy->object = f->object ? pstrdup(f->object) : NULL;
		copy->message = pstrdup(f->message);
		run->blocked = lappend(run->blocked, copy);
		MemoryContextSwitchTo(old);
		return;
	}
	json_finding(&run->frame->findings, f,
				 f->level == SS_LEVEL_INFO ? "notice" : "warning");
	MemoryContextSwitchTo(old);

	ereport(f->level == SS_LEVEL_INFO ? NOTICE : WARNING,
			(errmsg("%s", f->message),
			 errdetail("schemashift rule \"%s\"%s%s%s%s.", r->id,
					   f->object ? " on " : "", f->object ? f->object : "",
					   ss_lock_name(f->lock) ? ", lock " : "",
					   ss_lock_name(f->lock) ? ss_lock_name(f->lock) : ""),
			 f->hint ? errhint("%s", f->hint) : 0));
}

/*
 * Statements that refuse to run in a transaction block cannot follow an
 * approve() call in their transaction, so the hint must not offer one.
 */
static bool
refuses_transaction_block(Node *stmt)
{
	if (stmt == NULL)
		return false;
	switch (nodeTag(stmt))
	{
		case T_VacuumStmt:
			return ((VacuumStmt *) stmt)->is_vacuumcmd;
		case T_CreatedbStmt:
		case T_DropdbStmt:
		case T_CreateTableSpaceStmt:
		case T_DropTableSpaceStmt:
		case T_AlterSystemStmt:
			return true;
		case T_IndexStmt:
			return ((IndexStmt *) stmt)->concurrent;
		case T_DropStmt:
			return ((DropStmt *) stmt)->concurrent;
		case T_ReindexStmt:
			{
				ReindexStmt *r = (ReindexStmt *) stmt;
				ListCell   *lc;

				if (r->kind == REINDEX_OBJECT_SYSTEM || r->kind == REINDEX_OBJECT_DATABASE)
					return true;
				foreach(lc, r->params)
				{
					if (strcmp(lfirst_node(DefElem, lc)->defname, "concurrently") == 0)
						return true;
				}
				return false;
			}
		case T_ClusterStmt:
			return ((ClusterStmt *) stmt)->relation == NULL;
		default:
			return false;
	}
}

/* Raise the error for the first blocked finding, after logging them all. */
static void
raise_blocked(List *blocked, Node *stmt)
{
	SSFinding  *first = linitial(blocked);
	const SSRule *r = &schemashift_rules[first->rule];
	ListCell   *lc;
	StringInfoData others;
	char	   *escape;

	initStringInfo(&others);
	foreach(lc, blocked)
	{
		SSFinding  *f = lfirst(lc);

		/* the server log keeps blocked attempts: the audit table rolls back */
		ereport(LOG,
				(errmsg("schemashift blocked a statement of role \"%s\": rule \"%s\" on %s",
						GetUserNameFromId(GetUserId(), false),
						schemashift_rules[f->rule].id,
						f->object ? f->object : "(statement)"),
				 errhidestmt(false)));
		/* each object needs its own approval: name them all */
		if (f != first)
			appendStringInfo(&others, " Also: %s (rule \"%s\"%s%s).", f->message,
							 schemashift_rules[f->rule].id,
							 f->object ? " on " : "", f->object ? f->object : "");
	}

	/*
	 * The way out, after the rule's own hint: an approval, unless the
	 * statement cannot follow one in its transaction, or would fail anyway.
	 */
	if (first->rule == SS_BAN_CONCURRENT_INDEX_CREATION_IN_TRANSACTION ||
		first->rule == SS_BAN_CONCURRENT_INDEX_ON_PARTITIONED_TABLE)
		escape = "";
	else if (refuses_transaction_block(stmt))
		escape = psprintf(" This command cannot run in a transaction block, so it cannot be approved; a superuser can let it through in one session with SET schemashift.rules = '%s=warning'.",
						  r->id);
	else
		escape = psprintf(" To let this change through once, a member of schemashift_approver can run SELECT schemashift.approve('%s', %s, reason => '...') earlier in the same transaction.",
						  r->id,
						  first->object ? quote_literal_cstr(first->object) : "NULL");

	ereport(ERROR,
			(errcode(ERRCODE_SCHEMASHIFT_BLOCKED),
			 errmsg("%s", first->message),
			 errdetail("Blocked by schemashift rule \"%s\"%s%s.%s", r->id,
					   first->object ? " on " : "",
					   first->object ? first->object : "", others.data),
			 errhint("%s%s", first->hint ? first->hint : "", escape)));
}

/* ---------- lock_timeout ---------- */

static void
apply_lock_timeout(GuardFrame *frame, LOCKMODE lock, const char *object)
{
	char	   *column;
	Oid			relid;

	char		buf[32];

	if (schemashift_lock_timeout <= 0 || lock <= ShareUpdateExclusiveLock ||
		schemashift_mode == SS_MODE_RESTORE)
		return;
	if (LockTimeout > 0 && LockTimeout <= schemashift_lock_timeout)
		return;

	/*
	 * A LOCAL setting: whatever happens (error, rollback, commit), the
	 * session's own value is back at transaction end; ddl_command_end puts it
	 * back sooner for the statements that follow in the same transaction.
	 */
	frame->saved_lock_timeout = MemoryContextStrdup(TopTransactionContext,
													GetConfigOption("lock_timeout", false, false));
	snprintf(buf, sizeof(buf), "%dms", schemashift_lock_timeout);
	(void) set_config_option("lock_timeout", buf, PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_LOCAL, true, 0, false);
	frame->lock_timeout_changed = true;
	relid = object ? ss_approval_object_target(object, &column) : InvalidOid;
	if (OidIsValid(relid))
		ss_lock_report_arm(relid, lock, schemashift_lock_timeout);
}

static void
restore_lock_timeout(GuardFrame *frame)
{
	if (!frame->lock_timeout_changed)
		return;
	ss_lock_report_disarm();
	(void) set_config_option("lock_timeout", frame->saved_lock_timeout,
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_LOCAL,
							 true, 0, false);
	frame->lock_timeout_changed = false;
}

/* ---------- the statement ---------- */

static GuardFrame *
push_frame(bool from_hook)
{
	MemoryContext old = MemoryContextSwitchTo(TopTransactionContext);
	GuardFrame *frame = palloc0(sizeof(GuardFrame));

	frame->nest_level = GetCurrentTransactionNestLevel();
	frame->from_hook = from_hook;
	frame->start = (from_hook || schemashift_hook_start_time == 0) ?
		GetCurrentTimestamp() : schemashift_hook_start_time;
	initStringInfo(&frame->findings);
	appendStringInfoChar(&frame->findings, '[');
	initStringInfo(&frame->approvals);
	appendStringInfoChar(&frame->approvals, '[');
	frames = lcons(frame, frames);
	MemoryContextSwitchTo(old);
	return frame;
}

/*
 * Analyse a statement about to run.  Pushes a frame that
 * schemashift_guard_statement_done() pops.
 */
void
schemashift_guard_statement(Node *stmt, bool from_hook)
{
	SSContext	cxt;
	GuardRun	run;
	SSExemption exempt;
	MemoryContext work;
	MemoryContext old;

	work = AllocSetContextCreate(CurrentMemoryContext, "schemashift guard",
								 ALLOCSET_SMALL_SIZES);
	old = MemoryContextSwitchTo(work);

	ss_refuse_unsafe_restore();
	exempt = ss_exemption_claim(stmt, list_length(frames));
	guard_run_start(&cxt, &run, push_frame(from_hook));
	run.frame->exempt = exempt;
	cxt.in_transaction = IsTransactionBlock();
	schemashift_analyze_statement(&cxt, stmt, 1, 0);

	if (run.blocked != NIL)
		raise_blocked(run.blocked, stmt);

	apply_lock_timeout(run.frame, cxt.stmt_lock, cxt.stmt_lock_object);

	MemoryContextSwitchTo(old);
	MemoryContextDelete(work);
}

int
schemashift_guard_depth(void)
{
	return list_length(frames);
}

/*
 * Pop the frame of a statement the hook guarded.  Returns, in the caller's
 * memory context (statements such as VACUUM FULL commit internally, and the
 * frame's memory goes with the first commit), what the audit log needs when
 * the statement had findings; NULL otherwise.
 */
SSGuardRecord *
schemashift_guard_statement_done(bool from_hook)
{
	GuardFrame *frame;
	SSGuardRecord *rec = NULL;

	if (frames == NIL)
		return NULL;
	frame = linitial(frames);
	if (frame->from_hook != from_hook)
		return NULL;
	frames = list_delete_first(frames);
	restore_lock_timeout(frame);
	if (frame->findings.len > 1)
	{
		rec = palloc(sizeof(SSGuardRecord));
		rec->findings = psprintf("%s]", frame->findings.data);
		rec->approvals = psprintf("%s]", frame->approvals.data);
		rec->start = frame->start;
	}
	return rec;
}

/* The audit row of a statement the hook guarded, once it has succeeded. */
void
schemashift_guard_log(const char *tag, const char *statement, SSGuardRecord *rec)
{
	if (rec == NULL || !schemashift_guard_applies())
		return;
	ss_audit_write(tag, statement, rec->findings, rec->approvals, rec->start,
					false, NULL);
}

/* ---------- what the event triggers report (event_triggers.c) ---------- */

/*
 * ddl_command_end: the statement the event trigger guarded has succeeded;
 * pop its frame and write its audit row.
 */
void
schemashift_guard_statement_end(const char *tag)
{
	GuardFrame *frame;

	if (frames == NIL || !schemashift_guard_applies())
		return;
	frame = linitial(frames);
	if (frame->from_hook)
		return;
	frames = list_delete_first(frames);
	restore_lock_timeout(frame);

	appendStringInfoChar(&frame->findings, ']');
	appendStringInfoChar(&frame->approvals, ']');
	ss_audit_write(tag, debug_query_string,
				   frame->findings.data, frame->approvals.data, frame->start,
				   true, NULL);
}

/*
 * table_rewrite: the statement is about to rewrite relid for the given
 * reason (pg_event_trigger_table_rewrite_reason()); report it unless a
 * finding predicted it or the table is new.
 */
void
schemashift_guard_rewrite(Oid relid, int reason)
{
	SSContext	cxt;
	GuardRun	run;
	char	   *relname;
	const char *why;

	if (!schemashift_guard_applies())
		return;

	/* predicted (and so reported or approved) by the statement's findings */
	if (frames != NIL && ((GuardFrame *) linitial(frames))->expect_rewrite)
		return;

	/* a table created in this transaction is nobody else's business */
	if (ss_relid_is_new(relid))
		return;

	relname = quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
										 get_rel_name(relid));
	why = (reason & 4) ? "a column type change" :
		(reason & 2) ? "a column default" :
		(reason & 1) ? "a persistence change" :
		(reason & 8) ? "an access method change" : "the statement";

	guard_run_start(&cxt, &run, frames != NIL ? linitial(frames) : push_frame(false));
	/* already rewriting: not marked as a rewrite expected */
	emit_event_finding(&cxt, SS_BAN_TABLE_REWRITE, relname,
					   psprintf("this statement rewrites table %s because of %s, while blocking reads and writes",
								relname, why));
	if (run.blocked != NIL)
		raise_blocked(run.blocked, NULL);
	MemoryContextDelete(cxt.state_cxt);
}

/* The columns of pg_event_trigger_dropped_objects() sql_drop reads. */
typedef struct DroppedColumns
{
	int			original;
	int			temporary;
	int			type;
	int			identity;
	int			objid;
	int			objsubid;
	int			normal;
} DroppedColumns;

/* One row of pg_event_trigger_dropped_objects(): its finding, if any. */
static void
guard_dropped_row(SSContext *cxt, GuardRun *run, TupleTableSlot *slot,
				  const DroppedColumns *col)
{
	bool		null;
	char	   *type;
	char	   *ident;
	bool		is_table;

	if (DatumGetBool(slot_getattr(slot, col->original, &null)) ||
		DatumGetBool(slot_getattr(slot, col->temporary, &null)))
		return;
	type = TextDatumGetCString(slot_getattr(slot, col->type, &null));
	is_table = strcmp(type, "table") == 0;
	ident = TextDatumGetCString(slot_getattr(slot, col->identity, &null));
	/* gone from the catalog: approvals match it by OID */
	run->dropped_relid = DatumGetObjectId(slot_getattr(slot, col->objid, &null));

	/*
	 * An index that depended on the dropped object itself (a function or
	 * collation its expression used), not only on its table: a plain DROP
	 * INDEX, under ACCESS EXCLUSIVE on the table.
	 */
	if (strcmp(type, "index") == 0 &&
		DatumGetBool(slot_getattr(slot, col->normal, &null)))
	{
		run->dropped_attnum = InvalidAttrNumber;
		emit_event_finding(cxt, SS_REQUIRE_CONCURRENT_INDEX_DELETION, ident,
						   psprintf("this DROP also drops index %s by cascade, blocking reads and writes of its table",
									ident));
		return;
	}
	if (!is_table && strcmp(type, "table column") != 0)
		return;

	run->dropped_attnum = (AttrNumber) DatumGetInt32(slot_getattr(slot, col->objsubid, &null));
	emit_event_finding(cxt, is_table ? SS_BAN_DROP_TABLE : SS_BAN_DROP_COLUMN, ident,
					   psprintf("this DROP also removes %s %s by cascade, with its data",
								type, ident));
}

/* sql_drop: tables and columns the statement dropped by cascade */
void
schemashift_guard_dropped(void)
{
	SSContext	cxt;
	GuardRun	run;
	Tuplestorestate *store;
	TupleDesc	desc;
	ExprContext *econtext;
	TupleTableSlot *slot;
	DroppedColumns col;

	if (!schemashift_guard_applies() || frames == NIL)
		return;

	ss_event_trigger_rows(F_PG_EVENT_TRIGGER_DROPPED_OBJECTS, &store, &desc, &econtext);
	if (store == NULL || desc == NULL)
	{
		FreeExprContext(econtext, true);
		return;
	}
	col.original = ss_event_trigger_column(desc, "original");
	col.temporary = ss_event_trigger_column(desc, "is_temporary");
	col.type = ss_event_trigger_column(desc, "object_type");
	col.identity = ss_event_trigger_column(desc, "object_identity");
	col.objid = ss_event_trigger_column(desc, "objid");
	col.objsubid = ss_event_trigger_column(desc, "objsubid");
	col.normal = ss_event_trigger_column(desc, "normal");

	guard_run_start(&cxt, &run, linitial(frames));

	/* tables and columns a DROP removed by cascade, beyond what it named */
	slot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
	while (tuplestore_gettupleslot(store, true, false, slot))
		guard_dropped_row(&cxt, &run, slot, &col);
	ExecDropSingleTupleTableSlot(slot);
	tuplestore_end(store);
	FreeExprContext(econtext, true);
	if (run.blocked != NIL)
		raise_blocked(run.blocked, NULL);
	MemoryContextDelete(cxt.state_cxt);
}
