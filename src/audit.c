/*-------------------------------------------------------------------------
 *
 * audit.c
 *		The DDL audit log, schemashift.ddl_log: whether the extension is
 *		installed in this database, and writing one row per guarded
 *		statement or approval.
 *
 * Ordinary roles cannot write the log; rows are inserted directly through
 * the executor routine logical replication uses, as the log's owner in a
 * security-restricted operation.  Ids come from the extension's sequence,
 * never below the highest id already logged, so a restored log keeps
 * growing without collisions.
 *
 *-------------------------------------------------------------------------
 */
#include "schemashift.h"
#include "audit.h"
#include "preconditions.h"

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

static LocalTransactionId extension_lxid = InvalidLocalTransactionId;
static Oid	audit_relid = InvalidOid;

/*
 * The audit log's OID, InvalidOid when the extension is not installed in
 * this database.  Four event triggers fire for every DDL statement: look
 * once per transaction, and then only probe the syscache for the table
 * found before (it goes away with DROP EXTENSION) instead of scanning
 * pg_extension.
 */
Oid
ss_audit_log_relid(void)
{
	if (extension_lxid == schemashift_proc_lxid(MyProc))
		return audit_relid;
	extension_lxid = schemashift_proc_lxid(MyProc);
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

/* Forget the cached answer: CREATE or DROP EXTENSION is running. */
void
ss_audit_log_forget(void)
{
	extension_lxid = InvalidLocalTransactionId;
	audit_relid = InvalidOid;
}

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
void
ss_event_trigger_rows(Oid fnoid, Tuplestorestate **store, TupleDesc *desc,
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
int
ss_event_trigger_column(TupleDesc desc, const char *name)
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
	ss_event_trigger_rows(F_PG_EVENT_TRIGGER_DDL_COMMANDS, &store, &desc, &econtext);
	if (store == NULL || desc == NULL)
	{
		FreeExprContext(econtext, true);
		return (Datum) 0;
	}
	col = ss_event_trigger_column(desc, "object_identity");
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
	Oid			pk = schemashift_primary_key_index(log);
	Relation	idx;
	IndexScanDesc scan;
	int64		max = 0;

	if (!OidIsValid(pk))
		return 0;
	idx = index_open(pk, AccessShareLock);
	if (idx->rd_rel->relam == BTREE_AM_OID &&
		TupleDescAttr(RelationGetDescr(idx), 0)->atttypid == INT8OID)
	{
		scan = schemashift_index_beginscan(log, idx, SnapshotAny, 0, 0);
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

	if (!OidIsValid(seqid) && ss_sql_outdated())
	{
		/*
		 * 0.1.0's log, before ALTER EXTENSION UPDATE gives it the sequence:
		 * the next id above every id in it, writers one at a time.
		 */
		LockRelationOid(RelationGetRelid(log), ShareRowExclusiveLock);
		return audit_max_id(log) + 1;
	}
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
/* The values of one audit row, by column name. */
typedef struct AuditRow
{
	AuditColumn cols[12];
	int			ncols;
} AuditRow;

static void
audit_column(AuditRow *row, const char *name, Oid type, Datum value, bool isnull)
{
	Assert(row->ncols < lengthof(row->cols));
	row->cols[row->ncols].name = name;
	row->cols[row->ncols].type = type;
	row->cols[row->ncols].value = value;
	row->cols[row->ncols].isnull = isnull;
	row->ncols++;
}

/* The objects column: from the event trigger, one literal, or NULL. */
static void
audit_objects(AuditRow *row, bool with_ddl_commands, const char *object_literal)
{
	if (with_ddl_commands)
	{
		bool		null;
		Datum		objects = ddl_command_objects(&null);

		audit_column(row, "objects", TEXTARRAYOID, objects, null);
	}
	else if (object_literal)
	{
		Datum		one = CStringGetTextDatum(object_literal);

		audit_column(row, "objects", TEXTARRAYOID,
					 PointerGetDatum(construct_array(&one, 1, TEXTOID, -1, false,
													 TYPALIGN_INT)), false);
	}
	else
		audit_column(row, "objects", TEXTARRAYOID, (Datum) 0, true);
}

/*
 * The slot of the log's row: each column of the table gets the row's
 * value of that name (checked for its type), else NULL.
 */
static void
audit_fill_slot(TupleTableSlot *slot, TupleDesc desc, const AuditRow *row)
{
	int			i;

	ExecClearTuple(slot);
	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		int			c;

		slot->tts_values[i] = (Datum) 0;
		slot->tts_isnull[i] = true;
		if (att->attisdropped)
			continue;
		for (c = 0; c < row->ncols; c++)
		{
			const AuditColumn *col = &row->cols[c];

			if (strcmp(NameStr(att->attname), col->name) != 0)
				continue;
			if (att->atttypid != col->type)
				ereport(ERROR,
						(errcode(ERRCODE_DATATYPE_MISMATCH),
						 errmsg("column \"%s\" of schemashift.ddl_log has type %s instead of %s",
								col->name, format_type_be(att->atttypid),
								format_type_be(col->type)),
						 errhint("Restore the audit log's definition, or recreate the extension.")));
			slot->tts_values[i] = col->value;
			slot->tts_isnull[i] = col->isnull;
			break;
		}
	}
	ExecStoreVirtualTuple(slot);
}

/*
 * Insert the row with the executor (indexes, triggers), as the log's
 * owner in a security-restricted operation.
 */
static void
audit_insert(Relation rel, const AuditRow *row)
{
	Oid			save_userid;
	int			save_sec;

	GetUserIdAndSecContext(&save_userid, &save_sec);
	SetUserIdAndSecContext(rel->rd_rel->relowner,
						   save_sec | SECURITY_LOCAL_USERID_CHANGE | SECURITY_RESTRICTED_OPERATION);
	PG_TRY();
	{
		EState	   *estate = CreateExecutorState();
		RangeTblEntry *rte = makeNode(RangeTblEntry);
		ResultRelInfo *rri = makeNode(ResultRelInfo);
		TupleTableSlot *slot;

		rte->rtekind = RTE_RELATION;
		rte->relid = RelationGetRelid(rel);
		rte->relkind = rel->rd_rel->relkind;
		rte->rellockmode = RowExclusiveLock;
		schemashift_init_range_table(estate, list_make1(rte));
		InitResultRelInfo(rri, rel, 1, NULL, 0);
		estate->es_opened_result_relations = list_make1(rri);
		estate->es_output_cid = GetCurrentCommandId(true);
		AfterTriggerBeginQuery();
		ExecOpenIndices(rri, false);

		slot = ExecInitExtraTupleSlot(estate, RelationGetDescr(rel), &TTSOpsVirtual);
		audit_fill_slot(slot, RelationGetDescr(rel), row);
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
}

void
ss_audit_write(const char *tag, const char *statement, const char *findings,
			   const char *approvals_json, TimestampTz start,
			   bool with_ddl_commands, const char *object_literal)
{
	static char *database_name = NULL;
	TimestampTz now = GetCurrentTimestamp();
	FullTransactionId xid = GetTopFullTransactionId();
	AuditRow	row;
	Oid			relid = ss_audit_log_relid();
	Relation	rel;

	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("the schemashift audit log schemashift.ddl_log does not exist")));
	if (database_name == NULL)
		database_name = MemoryContextStrdup(TopMemoryContext,
											get_database_name(MyDatabaseId));

	rel = table_open(relid, RowExclusiveLock);
	row.ncols = 0;
	audit_column(&row, "id", INT8OID, Int64GetDatum(audit_row_id(rel)), false);
	audit_column(&row, "logged_at", TIMESTAMPTZOID, TimestampTzGetDatum(now), false);
	audit_column(&row, "role_name", NAMEOID,
				 name_datum(GetUserNameFromId(GetUserId(), false)), false);
	audit_column(&row, "session_role", NAMEOID,
				 name_datum(GetUserNameFromId(GetSessionUserId(), false)), false);
	audit_column(&row, "database_name", NAMEOID, name_datum(database_name), false);
	audit_column(&row, "xid", XID8OID, FullTransactionIdGetDatum(xid), false);
	audit_column(&row, "command_tag", TEXTOID, CStringGetTextDatum(tag), false);
	audit_objects(&row, with_ddl_commands, object_literal);
	audit_column(&row, "statement", TEXTOID,
				 statement ? CStringGetTextDatum(statement) : (Datum) 0,
				 statement == NULL);
	audit_column(&row, "findings", JSONBOID,
				 DirectFunctionCall1(jsonb_in, CStringGetDatum(findings ? findings : "[]")),
				 false);
	audit_column(&row, "approvals", JSONBOID,
				 DirectFunctionCall1(jsonb_in,
									 CStringGetDatum(approvals_json ? approvals_json : "[]")),
				 false);
	audit_column(&row, "duration", INTERVALOID,
				 DirectFunctionCall2(timestamp_mi, TimestampTzGetDatum(now),
									 TimestampTzGetDatum(start)), false);
	audit_insert(rel, &row);
	table_close(rel, NoLock);
}

