/*-------------------------------------------------------------------------
 *
 * migrations.c
 *		apply()'s ledger: schemashift.migrations and migration_steps.
 *
 * A migration's plan is stored when it first runs (record_plan); a run
 * that resumes loads its steps back (load_steps) with the relations its
 * finished steps created (load_created_relations, for the guard); each
 * step is stamped when it starts and ends (mark, mark_step), an expand
 * step with the change it started (record_change).  A run ends for good
 * with mark_reverted() or reset() (end_run); the next apply() of the id
 * moves it to migration_history (archive_run) and starts a new one.
 *
 *-------------------------------------------------------------------------
 */
#include "procs.h"
#include "migration.h"
#include "recipes.h"
#include "schemashift.h"

#include "approvals.h"
#include "audit.h"
#include "preconditions.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "miscadmin.h"
#include "parser/parser.h"
#include "storage/lock.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

PG_FUNCTION_INFO_V1(schemashift_mark_reverted);
PG_FUNCTION_INFO_V1(schemashift_reset);

char *
ss_migration_checksum(const char *script)
{
	Oid			types[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(script)};

	if (SPI_execute_with_args("SELECT pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to($1, 'UTF8')), 'hex')",
							  1, types, values, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not compute the script's checksum");
	return SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
}

void
ss_record_plan(MigrationPlan *p, const char *checksum)
{
	Oid			mtypes[6] = {TEXTOID, TEXTOID, INT4OID, NAMEOID, INT4OID, BOOLOID};
	Datum		mvalues[6];
	Oid			types[12] = {TEXTOID, INT4OID, INT4OID, INT4OID, TEXTOID, TEXTOID,
	TEXTOID, TEXTOID, INT8OID, TEXTOID, TEXTARRAYOID, OIDARRAYOID};
	ListCell   *lc;

	mvalues[0] = CStringGetTextDatum(p->migration_id);
	mvalues[1] = CStringGetTextDatum(checksum);
	mvalues[2] = Int32GetDatum(list_length(p->steps));
	/* the caller: the ledger is written as the extension's owner */
	mvalues[3] = DirectFunctionCall1(namein, CStringGetDatum(GetUserNameFromId(GetUserId(), false)));
	mvalues[4] = Int32GetDatum(Max(p->run, 1));
	mvalues[5] = BoolGetDatum(p->expand_only);
	ss_state_exec(psprintf("INSERT INTO schemashift.migrations (id, checksum, status, steps, run_by, run, expand_only) "
						   "VALUES ($1, $2, %s, $3, $4, $5, $6)",
						   quote_literal_cstr(ss_ledger_start(&ss_ledger_migrations, SS_MIGRATION_RUNNING))),
				  6, mtypes, mvalues, NULL);
	foreach(lc, p->steps)
	{
		Step	   *s = lfirst(lc);
		Datum		values[12];
		char		nulls[12];
		bool		isnull[SS_STEP_COLUMNS];
		int			k;

		values[0] = CStringGetTextDatum(p->migration_id);
		nulls[0] = ' ';
		ss_step_datums(s, &values[1], isnull);
		for (k = 0; k < SS_STEP_COLUMNS; k++)
			nulls[k + 1] = isnull[k] ? 'n' : ' ';
		nulls[10] = nulls[11] = 'n';
		if (s->approved_objects != NIL)
		{
			int			n = list_length(s->approved_objects);
			Datum	   *objects = palloc(sizeof(Datum) * n);
			Datum	   *relids = palloc(sizeof(Datum) * n);
			int			i;

			for (i = 0; i < n; i++)
			{
				objects[i] = CStringGetTextDatum(list_nth(s->approved_objects, i));
				relids[i] = ObjectIdGetDatum(list_nth_oid(s->approved_relids, i));
			}
			values[10] = PointerGetDatum(construct_array(objects, n, TEXTOID, -1, false,
														 TYPALIGN_INT));
			values[11] = PointerGetDatum(construct_array(relids, n, OIDOID, sizeof(Oid), true,
														 TYPALIGN_INT));
			nulls[10] = nulls[11] = ' ';
		}
		ss_state_exec(psprintf("INSERT INTO schemashift.migration_steps (migration_id, step, line, col, "
							   "statement, recipe, run, locks, estimate, status, approved_objects, approved_relations) "
							   "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
							   "$9 OPERATOR(pg_catalog.*) '1 ms'::pg_catalog.interval, %s, $11, $12)",
							   quote_literal_cstr(ss_ledger_start(&ss_ledger_migration_steps, s->status))),
					  12, types, values, nulls);
	}
}

List *
ss_load_steps(const char *id)
{
	Oid			types[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(id)};
	List	   *steps = NIL;
	uint64		i;

	ss_state_exec("SELECT step, line, col, statement, recipe, run, status, change_id, "
				  "approved_objects, approved_relations "
				  "FROM schemashift.migration_steps WHERE migration_id = $1 ORDER BY step",
				  1, types, values, NULL);
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	td = SPI_tuptable->tupdesc;
		Step	   *s = palloc0(sizeof(Step));
		char	   *change = SPI_getvalue(tup, td, 8);

		s->number = atoi(SPI_getvalue(tup, td, 1));
		s->line = atoi(SPI_getvalue(tup, td, 2));
		s->col = atoi(SPI_getvalue(tup, td, 3));
		s->statement = SPI_getvalue(tup, td, 4);
		s->recipe = SPI_getvalue(tup, td, 5);
		s->run = SPI_getvalue(tup, td, 6);
		s->status = ss_ledger_parse(&ss_ledger_migration_steps, SPI_getvalue(tup, td, 7));
		s->change_id = change ? strtoi64(change, NULL, 10) : 0;
		{
			bool		null1,
						null2;
			Datum		objects = SPI_getbinval(tup, td, 9, &null1);
			Datum		relids = SPI_getbinval(tup, td, 10, &null2);

			if (!null1 && !null2)
			{
				Datum	   *o;
				Datum	   *r;
				int			no;
				int			nr;
				int			k;

				deconstruct_array(DatumGetArrayTypeP(objects), TEXTOID, -1, false,
								  TYPALIGN_INT, &o, NULL, &no);
				deconstruct_array(DatumGetArrayTypeP(relids), OIDOID, sizeof(Oid), true,
								  TYPALIGN_INT, &r, NULL, &nr);
				for (k = 0; k < no && k < nr; k++)
				{
					s->approved_objects = lappend(s->approved_objects, TextDatumGetCString(o[k]));
					s->approved_relids = lappend_oid(s->approved_relids, DatumGetObjectId(r[k]));
				}
			}
		}
		steps = lappend(steps, s);
	}
	return steps;
}

/*
 * The relations earlier steps of the migration created, for the guard
 * (exemptions.h): the ones still there, under the same OID.
 */
void
ss_load_created_relations(const char *id)
{
	Oid			types[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(id)};
	List	   *relids = NIL;
	uint64		i;

	ss_state_exec(psprintf("SELECT DISTINCT r.relid FROM schemashift.migration_steps s, "
						   "pg_catalog.unnest(s.created_relations) AS r(relid) "
						   "WHERE s.migration_id OPERATOR(pg_catalog.=) $1 "
						   "AND s.status OPERATOR(pg_catalog.=) %s",
						   ss_ledger_literal(&ss_ledger_migration_steps, SS_STEP_DONE)),
				  1, types, values, NULL);
	for (i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		Oid			relid = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[i],
														   SPI_tuptable->tupdesc, 1, &isnull));

		if (!isnull && SearchSysCacheExists1(RELOID, ObjectIdGetDatum(relid)))
			relids = lappend_oid(relids, relid);
	}
	ss_migration_relations_set(relids);
}

/* The relation a statement creates, or NULL (as lint's remember_created). */
static RangeVar *
created_by(Node *stmt)
{
	switch (nodeTag(stmt))
	{
		case T_CreateStmt:
			return ((CreateStmt *) stmt)->relation;
		case T_CreateForeignTableStmt:
			return ((CreateForeignTableStmt *) stmt)->base.relation;
		case T_CreateTableAsStmt:
			return ((CreateTableAsStmt *) stmt)->into->rel;
		case T_SelectStmt:
			return ((SelectStmt *) stmt)->intoClause ?
				((SelectStmt *) stmt)->intoClause->rel : NULL;
		case T_ViewStmt:
			return ((ViewStmt *) stmt)->view;
		case T_CreateSeqStmt:
			return ((CreateSeqStmt *) stmt)->sequence;
		default:
			return NULL;
	}
}

/*
 * The relations a step run as written has just created, in the transaction
 * that is about to stamp it: resolved in the catalog and really created by
 * this transaction, so that neither IF NOT EXISTS on an existing table nor
 * another schema's table of the same name counts.  Later steps' statements
 * are guarded with these counted as new, as lint counted them.
 */
static Datum
step_created_relations(Step *s, bool *isnull)
{
	List	   *raw = schemashift_raw_parser(s->run);
	ListCell   *lc;
	Datum	   *elems = palloc(sizeof(Datum) * Max(list_length(raw), 1));
	int			n = 0;

	foreach(lc, raw)
	{
		RangeVar   *rv = created_by(lfirst_node(RawStmt, lc)->stmt);
		Oid			relid;

		if (rv == NULL)
			continue;
		relid = RangeVarGetRelid(rv, NoLock, true);
		if (!OidIsValid(relid) || !ss_relid_is_new(relid))
			continue;
		ss_migration_relations_add(relid);
		elems[n++] = ObjectIdGetDatum(relid);
	}
	*isnull = (n == 0);
	if (n == 0)
		return (Datum) 0;
	return PointerGetDatum(construct_array(elems, n, OIDOID, sizeof(Oid), true,
										   TYPALIGN_INT));
}

void
ss_mark_step(void *arg)
{
	StepMark   *m = (StepMark *) arg;
	Oid			types[7] = {TEXTOID, INT4OID, TEXTOID, INT4OID, TEXTOID, OIDARRAYOID, BOOLOID};
	Datum		values[7];
	char		nulls[7] = {' ', ' ', ' ', ' ', ' ', 'n', ' '};
	bool		none = true;

	values[0] = CStringGetTextDatum(m->id);
	values[1] = Int32GetDatum(m->step->number);
	values[2] = CStringGetTextDatum(ss_ledger_move(&ss_ledger_migration_steps, m->step->status, m->status));
	values[3] = Int32GetDatum(m->attempts);
	if (m->error)
		values[4] = CStringGetTextDatum(m->error);
	else
		nulls[4] = 'n';
	values[6] = BoolGetDatum(m->status == SS_STEP_RUNNING);
	if (m->status == SS_STEP_DONE &&
		ss_recipe_named(m->step->recipe)->kind == SS_RECIPE_AS_WRITTEN)
	{
		values[5] = step_created_relations(m->step, &none);
		nulls[5] = none ? 'n' : ' ';
	}
	ss_state_exec("UPDATE schemashift.migration_steps SET status = $3, error = $5, "
				  "created_relations = COALESCE($6, created_relations), "
				  "attempts = attempts + $4, "
				  "started_at = CASE WHEN $7 THEN pg_catalog.clock_timestamp() ELSE started_at END, "
				  "finished_at = CASE WHEN $7 THEN NULL ELSE pg_catalog.clock_timestamp() END, "
				  "duration = CASE WHEN $7 THEN NULL ELSE pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-) started_at END "
				  "WHERE migration_id = $1 AND step = $2",
				  7, types, values, nulls);
	if (m->status == SS_STEP_FAILED)
	{
		Oid			mtypes[3] = {TEXTOID, TEXTOID, TEXTOID};
		Datum		mvalues[3] = {values[0], values[4],
		CStringGetTextDatum(ss_ledger_move(&ss_ledger_migrations, SS_MIGRATION_RUNNING, SS_MIGRATION_FAILED))};
		char		mnulls[3] = {' ', nulls[4], ' '};

		ss_state_exec("UPDATE schemashift.migrations SET status = $3, error = $2, "
					  "finished_at = pg_catalog.clock_timestamp() WHERE id = $1",
					  3, mtypes, mvalues, mnulls);
	}
}

void
ss_mark(const char *id, Step *s, SSStepStatus status, int attempts, const char *error)
{
	StepMark	m = {id, s, status, attempts, error};

	ss_mark_step(&m);
	SPI_commit();
	s->status = status;
}

void
ss_record_change(const char *id, Step *s)
{
	Oid			types[3] = {TEXTOID, INT4OID, INT8OID};
	Datum		values[3] = {CStringGetTextDatum(id), Int32GetDatum(s->number),
	Int64GetDatum(s->change_id)};

	ss_state_exec("UPDATE schemashift.migration_steps SET change_id = $3 "
				  "WHERE migration_id = $1 AND step = $2", 3, types, values, NULL);
	SPI_commit();
}

int
ss_change_state(int64 change)
{
	Oid			types[1] = {INT8OID};
	Datum		values[1] = {Int64GetDatum(change)};

	if (ss_state_exec("SELECT state FROM schemashift.changes WHERE id = $1", 1, types, values, NULL) != 1)
		return -1;
	return ss_ledger_parse(&ss_ledger_changes,
						   SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1));
}

/* ---------- ending a run: mark_reverted() and reset() ---------- */

uint32
ss_migration_lock_key(const char *id)
{
	return DatumGetUInt32(hash_any((const unsigned char *) id, strlen(id)));
}

int
ss_archive_run(const char *id, SSMigrationStatus status)
{
	Oid			types[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(id)};
	bool		isnull;

	(void) ss_ledger_move(&ss_ledger_migrations, status, SS_MIGRATION_RUNNING);
	if (ss_state_exec("INSERT INTO schemashift.migration_history (id, run, checksum, status, steps, "
					  "run_by, runs, started_at, finished_at, duration, error, ended_by, ended_at, "
					  "end_reason, expand_only, step_rows) "
					  "SELECT m.id, m.run, m.checksum, m.status, m.steps, m.run_by, m.runs, "
					  "m.started_at, m.finished_at, m.duration, m.error, m.ended_by, m.ended_at, "
					  "m.end_reason, m.expand_only, "
					  "COALESCE((SELECT pg_catalog.jsonb_agg(pg_catalog.to_jsonb(s) OPERATOR(pg_catalog.-) 'migration_id' ORDER BY s.step) "
					  "FROM schemashift.migration_steps s WHERE s.migration_id OPERATOR(pg_catalog.=) m.id), '[]') "
					  "FROM schemashift.migrations m WHERE m.id OPERATOR(pg_catalog.=) $1 RETURNING run",
					  1, types, values, NULL) != 1)
		elog(ERROR, "migration %s has no run to move to schemashift.migration_history", id);
	values[0] = CStringGetTextDatum(id);
	{
		int			run = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0],
													  SPI_tuptable->tupdesc, 1, &isnull));

		/* the ended run's unfinished backfills end with it */
		ss_state_exec(ss_ledger_cancel_jobs_sql("migration_id"), 1, types, values, NULL);
		ss_state_exec("DELETE FROM schemashift.migration_steps WHERE migration_id OPERATOR(pg_catalog.=) $1",
					  1, types, values, NULL);
		ss_state_exec("DELETE FROM schemashift.migrations WHERE id OPERATOR(pg_catalog.=) $1",
					  1, types, values, NULL);
		return run + 1;
	}
}

/* the id of the run this backend's apply() holds, in TopMemoryContext */
static char *running_here = NULL;

void
ss_migration_running_here(const char *id)
{
	if (running_here)
		pfree(running_here);
	running_here = id ? MemoryContextStrdup(TopMemoryContext, id) : NULL;
}

/*
 * The run's own role (or a member of it), an approver or a superuser may
 * end a run: the rights model of approve(), plus the role that ran it.
 */
static void
require_run_owner(const char *id, const char *run_by, const char *fname)
{
	Oid			runner = get_role_oid(run_by, true);
	Oid			approver = get_role_oid("schemashift_approver", true);

	if (superuser() ||
		(OidIsValid(runner) && has_privs_of_role(GetUserId(), runner)) ||
		(OidIsValid(approver) && has_privs_of_role(GetUserId(), approver)))
		return;
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("permission denied to %s migration \"%s\"", fname, id),
			 errdetail("Only the role that ran it (%s), members of schemashift_approver and superusers can.",
					   run_by)));
}

/*
 * Hold the migration's lock until the transaction ends, or refuse: a run
 * in progress holds it for as long as its backend lives.
 */
static void
require_no_run_alive(const char *id, const char *fname)
{
	LOCKTAG		tag;

	/*
	 * This backend holds the lock of the run its apply() is running: a step
	 * (or a function it calls) must not end that run, or the steps after it
	 * would run in a run the ledger says is over.
	 */
	if (running_here && strcmp(running_here, id) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_IN_USE),
				 errmsg("migration \"%s\" is running in this session", id),
				 errdetail("A step of a migration cannot end the run it belongs to."),
				 errhint("Call schemashift.%s() after apply() has returned.", fname)));
	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, 0, ss_migration_lock_key(id), SS_ADVISORY_MIGRATION);
	if (LockAcquire(&tag, ExclusiveLock, false, true) == LOCKACQUIRE_NOT_AVAIL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_IN_USE),
				 errmsg("migration \"%s\" is running in another session", id),
				 errdetail("A run in progress cannot be %s.", fname),
				 errhint("Wait for it to end, or stop it (pg_cancel_backend() on the PID in pg_locks); then run schemashift.%s() again.",
						 fname)));
}

/*
 * How a run ends: the function's name, the state it moves to, the states
 * it may leave and why it refuses the others.
 */
typedef struct RunEnd
{
	const char *fname;
	SSMigrationStatus to;
	uint32		from;
	const char *hint;
} RunEnd;

static const RunEnd end_revert = {
	"mark_reverted", SS_MIGRATION_REVERTED, SS_STATE(SS_MIGRATION_DONE),
	"Only an applied migration can be reverted; a failed or interrupted run is ended with schemashift.reset(migration_id, reason)."
};
static const RunEnd end_reset = {
	"reset", SS_MIGRATION_RESET, SS_STATE(SS_MIGRATION_FAILED) | SS_STATE(SS_MIGRATION_RUNNING),
	"Only a failed or interrupted run can be reset; an applied migration that the runner reverted is recorded with schemashift.mark_reverted(migration_id)."
};

/*
 * End the current run of a migration: check who asks, that no run is
 * alive and that the run may move; record who, when and why in the ledger
 * and the audit log.  apply() with the id then starts a new run.
 */
static void
end_run(FunctionCallInfo fcinfo, const RunEnd *e, bool need_reason)
{
	char	   *id;
	char	   *reason = PG_ARGISNULL(1) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(1));
	Oid			types[4] = {TEXTOID, TEXTOID, NAMEOID, TEXTOID};
	Datum		values[4];
	char		nulls[4] = {' ', ' ', ' ', ' '};
	SSMigrationStatus status;
	char	   *run_by;

	ss_refuse_on_standby(psprintf("schemashift.%s()", e->fname));
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("migration_id must not be null")));
	id = text_to_cstring(PG_GETARG_TEXT_PP(0));
	if (reason != NULL && reason[strspn(reason, " \t\n\r\f\v")] == '\0')
		reason = NULL;
	if (need_reason && reason == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("schemashift.%s() needs a reason", e->fname),
				 errhint("Say why the run is ended: schemashift.%s('%s', reason => '...').",
						 e->fname, id)));

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	values[0] = CStringGetTextDatum(id);
	if (ss_state_exec("SELECT status, run_by FROM schemashift.migrations "
					  "WHERE id OPERATOR(pg_catalog.=) $1 FOR UPDATE",
					  1, types, values, NULL) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("migration \"%s\" is not in the ledger", id),
				 errhint("schemashift.migrations lists the migrations apply() ran.")));
	status = ss_ledger_parse(&ss_ledger_migrations,
							 SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1));
	run_by = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
	require_run_owner(id, run_by, e->fname);
	require_no_run_alive(id, e->fname);
	if (status == e->to)
	{
		/* a retried down migration: the run is already ended, keep the first record */
		ereport(NOTICE,
				(errmsg("migration %s is already %s, nothing to do", id,
						e->to == SS_MIGRATION_RESET ? "reset" : "marked reverted"),
				 errdetail("The first call's role, time and reason stay recorded.")));
		SPI_finish();
		return;
	}
	if ((e->from & SS_STATE(status)) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("migration \"%s\" cannot be %s: its run is %s", id,
						e->to == SS_MIGRATION_RESET ? "reset" : "marked reverted",
						ss_ledger_word(&ss_ledger_migrations, status)),
				 errhint("%s", e->hint)));

	values[1] = CStringGetTextDatum(ss_ledger_move(&ss_ledger_migrations, status, e->to));
	values[2] = DirectFunctionCall1(namein, CStringGetDatum(GetUserNameFromId(GetUserId(), false)));
	values[3] = reason ? CStringGetTextDatum(reason) : (Datum) 0;
	nulls[3] = reason ? ' ' : 'n';
	ss_state_exec("UPDATE schemashift.migrations SET status = $2, ended_by = $3, "
				  "ended_at = pg_catalog.clock_timestamp(), end_reason = $4, "
				  "finished_at = COALESCE(finished_at, pg_catalog.clock_timestamp()) "
				  "WHERE id OPERATOR(pg_catalog.=) $1",
				  4, types, values, nulls);
	SPI_finish();
	ss_audit_write(psprintf("schemashift.%s", e->fname), reason, "[]", "[]",
				   GetCurrentTimestamp(), false, id);
	ereport(NOTICE,
			(errmsg("migration %s %s: apply() with this id runs it again", id,
					e->to == SS_MIGRATION_RESET ? "reset" : "marked reverted")));
}

/* schemashift.mark_reverted(migration_id, reason) */
Datum
schemashift_mark_reverted(PG_FUNCTION_ARGS)
{
	end_run(fcinfo, &end_revert, false);
	PG_RETURN_VOID();
}

/* schemashift.reset(migration_id, reason) */
Datum
schemashift_reset(PG_FUNCTION_ARGS)
{
	end_run(fcinfo, &end_reset, true);
	PG_RETURN_VOID();
}
