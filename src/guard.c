/*-------------------------------------------------------------------------
 *
 * guard.c
 *		The live guard: the rule engine applied to each DDL statement as it
 *		runs, through event triggers (and the ProcessUtility hook in
 *		hooks.c when preloaded).
 *
 * ddl_command_start analyses the statement before it takes its locks:
 * findings at level error raise an ERROR in enforce mode unless approved,
 * the others become WARNINGs/NOTICEs; a statement that would take a lock
 * stronger than SHARE UPDATE EXCLUSIVE on an existing table runs under
 * schemashift.lock_timeout.  ddl_command_end restores lock_timeout and
 * writes the audit log row.  table_rewrite catches rewrites no finding
 * predicted; sql_drop sees what a DROP removed by cascade.
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
#include "errcodes.h"
#include "exemptions.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/relscan.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/namespace.h"
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

PG_FUNCTION_INFO_V1(schemashift_guard_ddl_start);
PG_FUNCTION_INFO_V1(schemashift_guard_ddl_end);
PG_FUNCTION_INFO_V1(schemashift_guard_table_rewrite);
PG_FUNCTION_INFO_V1(schemashift_guard_sql_drop);

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

static void
guard_xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_PARALLEL_ABORT:
		case XACT_EVENT_PREPARE:
			/* the memory goes with TopTransactionContext */
			frames = NIL;
			break;
		default:
			break;
	}
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

static LocalTransactionId extension_lxid = InvalidLocalTransactionId;
static Oid	audit_relid = InvalidOid;

/*
 * The audit log's OID, InvalidOid when the extension is not installed in
 * this database.  Four event triggers fire for every DDL statement: look
 * once per transaction, and then only probe the syscache for the table
 * found before (it goes away with DROP EXTENSION) instead of scanning
 * pg_extension.
 */
static Oid
audit_log_relid(void)
{
	if (extension_lxid == MyProc->lxid)
		return audit_relid;
	extension_lxid = MyProc->lxid;
	if (OidIsValid(audit_relid))
	{
		HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(audit_relid));
		bool		same = false;

		if (HeapTupleIsValid(tup))
		{
			same = strcmp(NameStr(((Form_pg_class) GETSTRUCT(tup))->relname),
						  "ddl_log") == 0;
			ReleaseSysCache(tup);
		}
		if (same)
			return audit_relid;
	}
	audit_relid = InvalidOid;
	if (OidIsValid(get_extension_oid("schemashift", true)))
	{
		Oid			nspid = get_namespace_oid("schemashift", true);

		if (OidIsValid(nspid))
			audit_relid = get_relname_relid("ddl_log", nspid);
	}
	return audit_relid;
}

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
		extension_lxid = InvalidLocalTransactionId;
		audit_relid = InvalidOid;
		return false;
	}
	if (!IsTransactionState() || IsAbortedTransactionBlockState())
		return false;
	return OidIsValid(audit_log_relid());
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
} GuardRun;

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
apply_lock_timeout(GuardFrame *frame, LOCKMODE lock)
{
	char		buf[32];

	if (schemashift_lock_timeout <= 0 || lock <= ShareUpdateExclusiveLock)
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
}

static void
restore_lock_timeout(GuardFrame *frame)
{
	if (!frame->lock_timeout_changed)
		return;
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

	exempt = ss_exemption_claim(stmt, list_length(frames));
	run.frame = push_frame(from_hook);
	run.frame->exempt = exempt;
	run.blocked = NIL;
	run.dropped_relid = InvalidOid;
	run.dropped_attnum = InvalidAttrNumber;

	schemashift_context_init(&cxt, false, true);
	cxt.in_transaction = IsTransactionBlock();
	cxt.emit = guard_emit;
	cxt.emit_arg = &run;
	schemashift_analyze_statement(&cxt, stmt, 1, 0);

	if (run.blocked != NIL)
		raise_blocked(run.blocked, stmt);

	apply_lock_timeout(run.frame, cxt.stmt_lock);

	MemoryContextSwitchTo(old);
	MemoryContextDelete(work);
}

int
schemashift_guard_depth(void)
{
	return list_length(frames);
}

/* ---------- the audit log ---------- */

/*
 * The objects a DDL command touched, from pg_event_trigger_ddl_commands()
 * (only callable in ddl_command_end), called directly rather than through
 * a query: distinct identities, sorted, as a text[]; NULL when none.
 */
static int
compare_identities(const void *a, const void *b)
{
	const char *x = *(const char *const *) a;
	const char *y = *(const char *const *) b;

	return varstr_cmp(x, strlen(x), y, strlen(y), DEFAULT_COLLATION_OID);
}

/*
 * Call one of the server's event trigger set-returning functions directly
 * rather than through a query (no parse and plan on every DDL statement).
 * The rows are left in *store, described by *desc; the caller frees them
 * with FreeExprContext(*econtext).
 */
static void
event_trigger_rows(Oid fnoid, Tuplestorestate **store, TupleDesc *desc,
				   ExprContext **econtext)
{
	FmgrInfo	flinfo;
	LOCAL_FCINFO(fcinfo, 0);
	ReturnSetInfo *rsinfo = makeNode(ReturnSetInfo);

	*econtext = CreateStandaloneExprContext();
	rsinfo->econtext = *econtext;
	rsinfo->allowedModes = (int) SFRM_Materialize;
	rsinfo->returnMode = SFRM_Materialize;
	fmgr_info(fnoid, &flinfo);
	InitFunctionCallInfoData(*fcinfo, &flinfo, 0, InvalidOid, NULL,
							 (Node *) rsinfo);
	(void) FunctionCallInvoke(fcinfo);
	*store = rsinfo->setResult;
	*desc = rsinfo->setDesc;
}

/* 1-based number of a result column by name (the functions are ours to know) */
static int
event_trigger_column(TupleDesc desc, const char *name)
{
	int			i;

	for (i = 0; i < desc->natts; i++)
	{
		if (strcmp(NameStr(TupleDescAttr(desc, i)->attname), name) == 0)
			return i + 1;
	}
	elog(ERROR, "event trigger function result has no column \"%s\"", name);
	return 0;					/* keep compiler quiet */
}

static Datum
ddl_command_objects(bool *isnull)
{
	Tuplestorestate *store;
	TupleDesc	desc;
	ExprContext *econtext;
	TupleTableSlot *slot;
	int			col;
	int			i;
	int			n = 0;
	int			kept = 0;
	int			size = 8;
	char	  **names;
	Datum	   *elems;

	*isnull = true;
	event_trigger_rows(F_PG_EVENT_TRIGGER_DDL_COMMANDS, &store, &desc, &econtext);
	if (store == NULL || desc == NULL)
	{
		FreeExprContext(econtext, true);
		return (Datum) 0;
	}
	col = event_trigger_column(desc, "object_identity");
	slot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
	names = palloc(sizeof(char *) * size);
	while (tuplestore_gettupleslot(store, true, false, slot))
	{
		bool		null;
		Datum		d = slot_getattr(slot, col, &null);

		if (null)
			continue;
		if (n == size)
		{
			size *= 2;
			names = repalloc(names, sizeof(char *) * size);
		}
		names[n++] = TextDatumGetCString(d);
	}
	ExecDropSingleTupleTableSlot(slot);
	tuplestore_end(store);
	FreeExprContext(econtext, true);

	if (n == 0)
		return (Datum) 0;
	qsort(names, n, sizeof(char *), compare_identities);
	elems = palloc(sizeof(Datum) * n);
	for (i = 0; i < n; i++)
	{
		if (kept > 0 && strcmp(names[i], names[i - 1]) == 0)
			continue;
		elems[kept++] = CStringGetTextDatum(names[i]);
	}
	*isnull = false;
	return PointerGetDatum(construct_array(elems, kept, TEXTOID, -1, false,
										   TYPALIGN_INT));
}

/* One column of the audit row: its name, its type, and where the value is. */
typedef struct AuditColumn
{
	const char *name;
	Oid			type;
	Datum		value;
	bool		isnull;
} AuditColumn;

static Datum
name_datum(const char *s)
{
	Name		n = palloc0(NAMEDATALEN);

	namestrcpy(n, s);
	return NameGetDatum(n);
}

/*
 * The largest id in the audit log's primary key, of any row, committed or
 * not: the last entry of its btree, read from the index alone.  0 when the
 * log has no rows or no such key.
 */
static int64
audit_max_id(Relation log)
{
	Oid			pk = RelationGetPrimaryKeyIndex(log);
	Relation	idx;
	IndexScanDesc scan;
	int64		max = 0;

	if (!OidIsValid(pk))
		return 0;
	idx = index_open(pk, AccessShareLock);
	if (idx->rd_rel->relam == BTREE_AM_OID &&
		TupleDescAttr(RelationGetDescr(idx), 0)->atttypid == INT8OID)
	{
		scan = index_beginscan(log, idx, SnapshotAny, 0, 0);
		scan->xs_want_itup = true;
		index_rescan(scan, NULL, 0, NULL, 0);
		if (index_getnext_tid(scan, BackwardScanDirection) != NULL && scan->xs_itup)
		{
			bool		isnull;
			Datum		d = index_getattr(scan->xs_itup, 1, scan->xs_itupdesc, &isnull);

			if (!isnull)
				max = DatumGetInt64(d);
		}
		index_endscan(scan);
	}
	index_close(idx, AccessShareLock);
	return max;
}

/*
 * The next audit row id, from the log's own sequence, which the install
 * script starts at the time of installation in microseconds, so that two
 * installations hand out disjoint ranges: rows restored from a dump of one
 * never meet the rows the restore's own DDL wrote in the other.  Each id
 * is above every id in the log, so a sequence set back by a restore, or
 * rows copied in, cannot lead to a duplicate; and no transaction can run
 * into another's ids, whatever it writes.  Not nextval(): that would make
 * the sequence the session's lastval(), and the guard must not change what
 * lastval() returns; setval() leaves it alone.  Reading and setting happen
 * one backend at a time, under a lock released at once; both are
 * non-transactional, and WAL-logged before the row commits.
 */
static int64
audit_row_id(Relation log)
{
	Oid			seqid = get_relname_relid("ddl_log_id_seq", RelationGetNamespace(log));
	LOCAL_FCINFO(fcinfo, 1);
	Datum		last;
	int64		next;
	Oid			save_userid;
	int			save_sec;

	if (!OidIsValid(seqid) || get_rel_relkind(seqid) != RELKIND_SEQUENCE)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("the schemashift audit log's sequence schemashift.ddl_log_id_seq does not exist"),
				 errhint("Restore the audit log's definition, or recreate the extension.")));

	GetUserIdAndSecContext(&save_userid, &save_sec);
	SetUserIdAndSecContext(log->rd_rel->relowner,
						   save_sec | SECURITY_LOCAL_USERID_CHANGE | SECURITY_RESTRICTED_OPERATION);
	LockDatabaseObject(RelationRelationId, seqid, 1, ExclusiveLock);
	PG_TRY();
	{
		InitFunctionCallInfoData(*fcinfo, NULL, 1, InvalidOid, NULL, NULL);
		fcinfo->args[0].value = ObjectIdGetDatum(seqid);
		fcinfo->args[0].isnull = false;
		last = pg_sequence_last_value(fcinfo);
		/* NULL: never called; its start value is then free */
		next = Max(fcinfo->isnull ? 0 : DatumGetInt64(last), audit_max_id(log)) + 1;
		(void) DirectFunctionCall2(setval_oid, ObjectIdGetDatum(seqid),
								   Int64GetDatum(next));
	}
	PG_FINALLY();
	{
		SetUserIdAndSecContext(save_userid, save_sec);
	}
	PG_END_TRY();
	UnlockDatabaseObject(RelationRelationId, seqid, 1, ExclusiveLock);
	return next;
}

/*
 * Insert one audit row.  Ordinary roles cannot write the log; the guard
 * inserts directly (no query to parse, plan and run for every DDL
 * statement), through the same executor routine logical replication uses,
 * so indexes, constraints and any trigger a superuser put on the log still
 * apply; such triggers run as the log's owner in a security-restricted
 * operation.  with_ddl_commands reads the objects from
 * pg_event_trigger_ddl_commands(), only callable in ddl_command_end.
 */
static void
write_audit_row(const char *tag, const char *statement, const char *findings,
				const char *approvals_json, TimestampTz start,
				bool with_ddl_commands, const char *object_literal)
{
	static char *database_name = NULL;
	TimestampTz now = GetCurrentTimestamp();
	FullTransactionId xid = GetTopFullTransactionId();
	AuditColumn cols[12];
	int			ncols = 0;
	Oid			relid = audit_log_relid();
	Relation	rel;
	Oid			save_userid;
	int			save_sec;
	int			i;

#define AUDIT_COLUMN(n, t, v, nul) \
	(cols[ncols].name = (n), cols[ncols].type = (t), \
	 cols[ncols].value = (v), cols[ncols].isnull = (nul), ncols++)

	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("the schemashift audit log schemashift.ddl_log does not exist")));
	if (database_name == NULL)
		database_name = MemoryContextStrdup(TopMemoryContext,
											get_database_name(MyDatabaseId));

	rel = table_open(relid, RowExclusiveLock);
	AUDIT_COLUMN("id", INT8OID, Int64GetDatum(audit_row_id(rel)), false);
	AUDIT_COLUMN("logged_at", TIMESTAMPTZOID, TimestampTzGetDatum(now), false);
	AUDIT_COLUMN("role_name", NAMEOID,
				 name_datum(GetUserNameFromId(GetUserId(), false)), false);
	AUDIT_COLUMN("session_role", NAMEOID,
				 name_datum(GetUserNameFromId(GetSessionUserId(), false)), false);
	AUDIT_COLUMN("database_name", NAMEOID, name_datum(database_name), false);
	AUDIT_COLUMN("xid", XID8OID, FullTransactionIdGetDatum(xid), false);
	AUDIT_COLUMN("command_tag", TEXTOID, CStringGetTextDatum(tag), false);
	if (with_ddl_commands)
	{
		bool		null;
		Datum		objects = ddl_command_objects(&null);

		AUDIT_COLUMN("objects", TEXTARRAYOID, objects, null);
	}
	else if (object_literal)
	{
		Datum		one = CStringGetTextDatum(object_literal);

		AUDIT_COLUMN("objects", TEXTARRAYOID,
					 PointerGetDatum(construct_array(&one, 1, TEXTOID, -1, false,
													 TYPALIGN_INT)), false);
	}
	else
		AUDIT_COLUMN("objects", TEXTARRAYOID, (Datum) 0, true);
	AUDIT_COLUMN("statement", TEXTOID,
				 statement ? CStringGetTextDatum(statement) : (Datum) 0,
				 statement == NULL);
	AUDIT_COLUMN("findings", JSONBOID,
				 DirectFunctionCall1(jsonb_in, CStringGetDatum(findings ? findings : "[]")),
				 false);
	AUDIT_COLUMN("approvals", JSONBOID,
				 DirectFunctionCall1(jsonb_in,
									 CStringGetDatum(approvals_json ? approvals_json : "[]")),
				 false);
	AUDIT_COLUMN("duration", INTERVALOID,
				 DirectFunctionCall2(timestamp_mi, TimestampTzGetDatum(now),
									 TimestampTzGetDatum(start)), false);
#undef AUDIT_COLUMN

	GetUserIdAndSecContext(&save_userid, &save_sec);
	SetUserIdAndSecContext(rel->rd_rel->relowner,
						   save_sec | SECURITY_LOCAL_USERID_CHANGE | SECURITY_RESTRICTED_OPERATION);
	PG_TRY();
	{
		EState	   *estate = CreateExecutorState();
		RangeTblEntry *rte = makeNode(RangeTblEntry);
		ResultRelInfo *rri = makeNode(ResultRelInfo);
		TupleDesc	desc = RelationGetDescr(rel);
		TupleTableSlot *slot;

		rte->rtekind = RTE_RELATION;
		rte->relid = relid;
		rte->relkind = rel->rd_rel->relkind;
		rte->rellockmode = RowExclusiveLock;
		ExecInitRangeTable(estate, list_make1(rte));
		InitResultRelInfo(rri, rel, 1, NULL, 0);
		estate->es_opened_result_relations = list_make1(rri);
		estate->es_output_cid = GetCurrentCommandId(true);
		AfterTriggerBeginQuery();
		ExecOpenIndices(rri, false);

		slot = ExecInitExtraTupleSlot(estate, desc, &TTSOpsVirtual);
		ExecClearTuple(slot);
		for (i = 0; i < desc->natts; i++)
		{
			Form_pg_attribute att = TupleDescAttr(desc, i);
			int			c;

			slot->tts_values[i] = (Datum) 0;
			slot->tts_isnull[i] = true;
			if (att->attisdropped)
				continue;
			for (c = 0; c < ncols; c++)
			{
				if (strcmp(NameStr(att->attname), cols[c].name) != 0)
					continue;
				if (att->atttypid != cols[c].type)
					ereport(ERROR,
							(errcode(ERRCODE_DATATYPE_MISMATCH),
							 errmsg("column \"%s\" of schemashift.ddl_log has type %s instead of %s",
									cols[c].name, format_type_be(att->atttypid),
									format_type_be(cols[c].type)),
							 errhint("Restore the audit log's definition, or recreate the extension.")));
				slot->tts_values[i] = cols[c].value;
				slot->tts_isnull[i] = cols[c].isnull;
				break;
			}
		}
		ExecStoreVirtualTuple(slot);
		ExecSimpleRelationInsert(rri, estate, slot);
		ExecCloseIndices(rri);
		AfterTriggerEndQuery(estate);
		ExecResetTupleTable(estate->es_tupleTable, false);
		FreeExecutorState(estate);
	}
	PG_FINALLY();
	{
		SetUserIdAndSecContext(save_userid, save_sec);
	}
	PG_END_TRY();
	table_close(rel, NoLock);
}

/* The audit row of an approval (approvals.c). */
void
schemashift_audit_row(const char *tag, const char *statement, const char *findings,
					  const char *approvals_json, TimestampTz start,
					  bool with_ddl_commands, const char *object)
{
	write_audit_row(tag, statement, findings, approvals_json, start,
					with_ddl_commands, object);
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
	write_audit_row(tag, statement, rec->findings, rec->approvals, rec->start,
					false, NULL);
}

/* ---------- event trigger functions ---------- */

#define CHECK_EVENT_TRIGGER(fcinfo) \
	do { \
		if (!CALLED_AS_EVENT_TRIGGER(fcinfo)) \
			ereport(ERROR, \
					(errcode(ERRCODE_E_R_I_E_EVENT_TRIGGER_PROTOCOL_VIOLATED), \
					 errmsg("function \"%s\" must be fired as an event trigger", \
							get_func_name(fcinfo->flinfo->fn_oid)))); \
	} while (0)

Datum
schemashift_guard_ddl_start(PG_FUNCTION_ARGS)
{
	EventTriggerData *trig;

	CHECK_EVENT_TRIGGER(fcinfo);
	trig = (EventTriggerData *) fcinfo->context;
	if (schemashift_guard_applies())
		schemashift_guard_statement(trig->parsetree, false);
	PG_RETURN_NULL();
}

Datum
schemashift_guard_ddl_end(PG_FUNCTION_ARGS)
{
	EventTriggerData *trig;
	GuardFrame *frame;

	CHECK_EVENT_TRIGGER(fcinfo);
	trig = (EventTriggerData *) fcinfo->context;
	if (frames == NIL || !schemashift_guard_applies())
		PG_RETURN_NULL();
	frame = linitial(frames);
	if (frame->from_hook)
		PG_RETURN_NULL();
	frames = list_delete_first(frames);
	restore_lock_timeout(frame);

	appendStringInfoChar(&frame->findings, ']');
	appendStringInfoChar(&frame->approvals, ']');
	write_audit_row(GetCommandTagName(trig->tag), debug_query_string,
					frame->findings.data, frame->approvals.data, frame->start,
					true, NULL);
	PG_RETURN_NULL();
}

Datum
schemashift_guard_table_rewrite(PG_FUNCTION_ARGS)
{
	Oid			relid;
	int			reason;
	SSContext	cxt;
	GuardRun	run;
	SSFinding	f;
	char	   *relname;
	const char *why;

	CHECK_EVENT_TRIGGER(fcinfo);
	if (!schemashift_guard_applies())
		PG_RETURN_NULL();

	relid = DatumGetObjectId(OidFunctionCall0Coll(F_PG_EVENT_TRIGGER_TABLE_REWRITE_OID, InvalidOid));
	reason = DatumGetInt32(OidFunctionCall0Coll(F_PG_EVENT_TRIGGER_TABLE_REWRITE_REASON, InvalidOid));

	/* predicted (and so reported or approved) by the statement's findings */
	if (frames != NIL && ((GuardFrame *) linitial(frames))->expect_rewrite)
		PG_RETURN_NULL();

	/* a table created in this transaction is nobody else's business */
	if (ss_relid_is_new(relid))
		PG_RETURN_NULL();

	relname = quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
										 get_rel_name(relid));
	why = (reason & 4) ? "a column type change" :
		(reason & 2) ? "a column default" :
		(reason & 1) ? "a persistence change" :
		(reason & 8) ? "an access method change" : "the statement";

	schemashift_context_init(&cxt, false, true);
	run.frame = frames != NIL ? linitial(frames) : push_frame(false);
	run.blocked = NIL;
	run.dropped_relid = InvalidOid;
	run.dropped_attnum = InvalidAttrNumber;
	cxt.emit = guard_emit;
	cxt.emit_arg = &run;
	memset(&f, 0, sizeof(f));
	f.rule = SS_BAN_TABLE_REWRITE;
	f.level = cxt.levels.level[SS_BAN_TABLE_REWRITE];
	f.object = relname;
	f.lock = AccessExclusiveLock;
	f.rewrites = false;		/* already rewriting: do not mark it expected */
	f.message = psprintf("this statement rewrites table %s because of %s, while blocking reads and writes",
						 relname, why);
	f.hint = schemashift_rules[SS_BAN_TABLE_REWRITE].hint;
	if (f.level != SS_LEVEL_OFF)
		guard_emit(&cxt, &f);
	if (run.blocked != NIL)
		raise_blocked(run.blocked, NULL);
	MemoryContextDelete(cxt.state_cxt);
	PG_RETURN_NULL();
}

Datum
schemashift_guard_sql_drop(PG_FUNCTION_ARGS)
{
	SSContext	cxt;
	GuardRun	run;
	Tuplestorestate *store;
	TupleDesc	desc;
	ExprContext *econtext;
	TupleTableSlot *slot;
	int			col_original;
	int			col_temporary;
	int			col_type;
	int			col_identity;
	int			col_objid;
	int			col_objsubid;

	CHECK_EVENT_TRIGGER(fcinfo);
	if (!schemashift_guard_applies() || frames == NIL)
		PG_RETURN_NULL();

	event_trigger_rows(F_PG_EVENT_TRIGGER_DROPPED_OBJECTS, &store, &desc, &econtext);
	if (store == NULL || desc == NULL)
	{
		FreeExprContext(econtext, true);
		PG_RETURN_NULL();
	}
	col_original = event_trigger_column(desc, "original");
	col_temporary = event_trigger_column(desc, "is_temporary");
	col_type = event_trigger_column(desc, "object_type");
	col_identity = event_trigger_column(desc, "object_identity");
	col_objid = event_trigger_column(desc, "objid");
	col_objsubid = event_trigger_column(desc, "objsubid");

	schemashift_context_init(&cxt, false, true);
	run.frame = linitial(frames);
	run.blocked = NIL;
	run.dropped_relid = InvalidOid;
	run.dropped_attnum = InvalidAttrNumber;
	cxt.emit = guard_emit;
	cxt.emit_arg = &run;

	/* tables and columns a DROP removed by cascade, beyond what it named */
	slot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
	while (tuplestore_gettupleslot(store, true, false, slot))
	{
		bool		null;
		char	   *type;
		char	   *ident;
		bool		is_table;
		SSFinding	f;

		if (DatumGetBool(slot_getattr(slot, col_original, &null)) ||
			DatumGetBool(slot_getattr(slot, col_temporary, &null)))
			continue;
		type = TextDatumGetCString(slot_getattr(slot, col_type, &null));
		is_table = strcmp(type, "table") == 0;
		if (!is_table && strcmp(type, "table column") != 0)
			continue;
		ident = TextDatumGetCString(slot_getattr(slot, col_identity, &null));

		memset(&f, 0, sizeof(f));
		f.rule = is_table ? SS_BAN_DROP_TABLE : SS_BAN_DROP_COLUMN;
		f.level = cxt.levels.level[f.rule];
		f.object = ident;
		f.lock = AccessExclusiveLock;
		f.message = psprintf("this DROP also removes %s %s by cascade, with its data",
							 type, ident);
		f.hint = schemashift_rules[f.rule].hint;
		/* gone from the catalog: approvals match it by OID */
		run.dropped_relid = DatumGetObjectId(slot_getattr(slot, col_objid, &null));
		run.dropped_attnum = (AttrNumber) DatumGetInt32(slot_getattr(slot, col_objsubid, &null));
		if (f.level != SS_LEVEL_OFF)
			guard_emit(&cxt, &f);
	}
	ExecDropSingleTupleTableSlot(slot);
	tuplestore_end(store);
	FreeExprContext(econtext, true);
	if (run.blocked != NIL)
		raise_blocked(run.blocked, NULL);
	MemoryContextDelete(cxt.state_cxt);
	PG_RETURN_NULL();
}
