/*-------------------------------------------------------------------------
 *
 * apply.c
 *		CALL schemashift.apply(script, migration_id, ...): run a whole
 *		migration the safe way, recorded in the ledger, resumable.
 *
 * The planner (plan.c) turns the script into steps, each with its recipe
 * (recipes.h); the ledger (migrations.c) stores the plan with the
 * migration.  This is the runner: every step is stamped when it ends, so
 * a run interrupted anywhere resumes at the step that did not finish.  A
 * step run as written commits together with its stamp; a recipe runs in
 * C and commits inside, and is idempotent, so re-running an interrupted
 * one is harmless.  A step that fails (also by a cancel) is stamped failed
 * with its error before the error goes on to the caller (fail_step); only
 * a terminated or crashed session leaves a step running.
 *
 *-------------------------------------------------------------------------
 */
#include "procs.h"
#include "approvals.h"
#include "migration.h"
#include "procedure.h"
#include "recipes.h"
#include "schemashift.h"

#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "parser/parse_func.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

PG_FUNCTION_INFO_V1(schemashift_apply);

/* contract()'s default */
#define SS_CONTRACT_RETRIES 10

/* ---------- running ---------- */

/*
 * The checks CALL schemashift.contract(change, retries) would make (as
 * ss_recipe_check_execute): by its argument types, since contract(tbl, col)
 * shares its name.
 */
static void
check_contract_execute(void)
{
	ObjectWithArgs *proc = makeNode(ObjectWithArgs);
	AclResult	aclresult;

	proc->objname = list_make2(makeString("schemashift"), makeString("contract"));
	proc->objargs = list_make2(makeTypeNameFromOid(INT8OID, -1), makeTypeNameFromOid(INT4OID, -1));
	aclresult = schemashift_proc_aclcheck(LookupFuncWithArgs(OBJECT_PROCEDURE, proc, false),
								 GetUserId(), ACL_EXECUTE);

	if (aclresult != ACLCHECK_OK)
		aclcheck_error(aclresult, OBJECT_PROCEDURE, "contract");
}

/*
 * An expand recipe: start (or resume) its change unless it is ready or
 * contracted already, record it with the step, and contract it when it
 * is ready.
 */
static void
run_change(const char *id, Step *s, const SSRecipe *r, bool expand_only)
{
	int			state = s->change_id ? ss_change_state(s->change_id) : -1;

	if (state != SS_CHANGE_READY && state != SS_CHANGE_CONTRACTED)
	{
		ss_recipe_check_execute(r->procedure);
		s->change_id = r->run(s);
		ss_record_change(id, s);
		state = ss_change_state(s->change_id);
	}
	if (state == SS_CHANGE_READY && expand_only)
		ereport(NOTICE,
				(errmsg("change %lld is ready; it is contracted by a later migration (expand_only)",
						(long long) s->change_id),
				 errhint("Run the call in schemashift.changes.next_call once no code uses the old column.")));
	else if (state == SS_CHANGE_READY)
	{
		check_contract_execute();
		ss_contract(s->change_id, SS_CONTRACT_RETRIES);
	}
}

/*
 * A step run as written: its attempts under lock retries, the last one
 * committed together with the step's stamp.  An error that ends it is
 * recorded here, in a clean transaction (the attempt rolled back), then
 * raised; *recorded says so.  Returns the attempts it took.
 */
static int
run_as_written(const char *id, Step *s, volatile bool *recorded)
{
	StepMark	done = {id, s, SS_STEP_DONE, 0, NULL};
	SSRetryRun	run;
	ErrorData  *edata = NULL;
	int			attempts;

	memset(&run, 0, sizeof(run));
	ss_retry_schedule_default(&run.schedule);
	run.label = psprintf("migration %s, step %d", id, s->number);
	run.sql = s->run;
	run.statement = s->statement;
	/* as written: guarded like any statement, nothing exempt */
	run.exempt = ss_no_exemption;
	run.then = ss_mark_step;
	run.then_arg = &done;
	run.migration_id = id;
	run.step = s->number;
	/* the attempt and the step's stamp commit together */
	attempts = ss_with_lock_retries(&run, &edata);
	if (edata)
	{
		ss_mark(id, s, SS_STEP_FAILED, attempts, edata->message);
		*recorded = true;
		ReThrowError(edata);
	}
	s->status = SS_STEP_DONE;
	return attempts;
}

/*
 * The step failed with an error that is still being thrown, and nothing
 * recorded it: the recipes commit inside, so no subtransaction could hold
 * them.  End the failed transaction without leaving the CALL, stamp the
 * step failed with the error in a new one, and throw the error on.  A
 * cancel is an error like the others here (the step is failed, "canceling
 * statement due to user request"); a terminate or a crash never gets here
 * and leaves the step running, which migration_status reports as
 * interrupted.  Does not return.
 */
static void
fail_step(const char *id, Step *s, MemoryContext cxt)
{
	ErrorData  *edata = ss_abort_failed_transaction(cxt);

	if (edata == NULL)
		PG_RE_THROW();
	if (SPI_connect_ext(SPI_OPT_NONATOMIC) != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	PG_TRY();
	{
		/* a recipe's attempts count its runs; lock_attempts has the rest */
		ss_mark(id, s, SS_STEP_FAILED,
				ss_recipe_named(s->recipe)->kind == SS_RECIPE_AS_WRITTEN ? 0 : 1,
				edata->message);
	}
	PG_CATCH();
	{
		ErrorData  *record_error;

		MemoryContextSwitchTo(cxt);
		record_error = CopyErrorData();
		FlushErrorState();
		ereport(WARNING,
				(errmsg("could not record the failure of migration %s, step %d: %s",
						id, s->number, record_error->message),
				 errdetail("The step stays running in schemashift.migration_steps; migration_status() reports it as interrupted.")));
	}
	PG_END_TRY();
	ReThrowError(edata);
}

/*
 * An approval was reviewed for the relations its object named when the
 * migration was planned; the step gives it again by name in its own
 * transaction, perhaps much later.  Refuse the step if a name now means
 * another relation (SET SCHEMA, RENAME, DROP and CREATE), rather than let
 * the approval cover a table nobody approved.
 */
static void
check_approved_relations(Step *s)
{
	ListCell   *lo;
	ListCell   *lr;

	forboth(lo, s->approved_objects, lr, s->approved_relids)
	{
		const char *object = lfirst(lo);
		Oid			then = lfirst_oid(lr);

		if (ss_approval_object_relid(object) != then)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("\"%s\" no longer names the relation approved when migration step %d was planned",
							object, s->number),
					 errdetail("The approval covers only what was reviewed."),
					 errhint("Review the change again and approve it in a new migration.")));
	}
}

static void
run_step(const char *id, Step *s, int nsteps, bool expand_only)
{
	const SSRecipe *r = ss_recipe_named(s->recipe);
	MemoryContext cxt;
	volatile int attempts = 0;
	volatile bool recorded = false;

	ereport(NOTICE,
			(errmsg("migration %s, step %d of %d (line %d): %s", id, s->number, nsteps, s->line,
					s->recipe),
			 errdetail("Statement: %s", s->statement)));
	if (r->kind == SS_RECIPE_NOTHING)
	{
		ss_mark(id, s, SS_STEP_DONE, 0, NULL);
		return;
	}
	ss_mark(id, s, SS_STEP_RUNNING, 0, NULL);

	/* apply's SPI procedure context: it lives as long as the CALL */
	cxt = CurrentMemoryContext;
	PG_TRY();
	{
		ss_current_migration_id = id;
		ss_current_migration_step = s->number;
		check_approved_relations(s);
		if (r->kind == SS_RECIPE_AS_WRITTEN)
			attempts = run_as_written(id, s, &recorded);
		else if (r->kind == SS_RECIPE_CHANGE)
			run_change(id, s, r, expand_only);
		else
		{
			ss_recipe_check_execute(r->procedure);
			(void) r->run(s);
		}
		ss_current_migration_id = NULL;
	}
	PG_CATCH();
	{
		ss_current_migration_id = NULL;
		if (recorded)
			PG_RE_THROW();
		fail_step(id, s, cxt);
	}
	PG_END_TRY();

	if (r->kind != SS_RECIPE_AS_WRITTEN)
		ss_mark(id, s, SS_STEP_DONE, 1, NULL);
	else
	{
		/* attempts of the successful run */
		Oid			types[3] = {TEXTOID, INT4OID, INT4OID};
		Datum		values[3] = {CStringGetTextDatum(id), Int32GetDatum(s->number),
		Int32GetDatum(attempts)};

		ss_state_exec("UPDATE schemashift.migration_steps SET attempts = $3 "
					  "WHERE migration_id = $1 AND step = $2", 3, types, values, NULL);
		SPI_commit();
	}
}

static void
step_context(void *arg)
{
	Step	   *s = (Step *) arg;

	errcontext("migration step %d (line %d, column %d): %s", s->number, s->line, s->col,
			   s->statement);
}


/*
 * A migration the ledger already holds (its row just read, in SPI_tuptable:
 * checksum, status, run, expand_only), its last run not ended: refuse it
 * if its script or expand_only changed; false when it is applied already,
 * or its steps, from the ledger, to resume.
 */
static bool
load_migration(MigrationPlan *p, const char *checksum, List **steps)
{
	Oid			types[2] = {TEXTOID, TEXTOID};
	Datum		values[2] = {CStringGetTextDatum(p->migration_id), CStringGetTextDatum(checksum)};
	char	   *old = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	SSMigrationStatus status = ss_ledger_parse(&ss_ledger_migrations,
											   SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2));
	bool		expand_only = strcmp(SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 4), "t") == 0;
	ListCell   *lc;

	if (strcmp(old, checksum) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("migration \"%s\" was %s with a different script", p->migration_id,
						status == SS_MIGRATION_DONE ? "applied" : "started"),
				 errdetail("Its checksum was %s; this script's is %s.", old, checksum),
				 status == SS_MIGRATION_DONE ?
				 errhint("A migration must not change after it ran: put the change in a new migration. "
						 "If the runner reverted it, record that first with schemashift.mark_reverted('%s').",
						 p->migration_id) :
				 errhint("To run the edited script, end the %s run first: schemashift.reset('%s', reason => '...'); "
						 "to resume, run the original script.",
						 ss_ledger_word(&ss_ledger_migrations, status), p->migration_id)));
	if (status == SS_MIGRATION_DONE)
	{
		ereport(NOTICE,
				(errmsg("migration %s is already applied, skipping", p->migration_id)));
		return false;
	}
	if (expand_only != p->expand_only)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("migration \"%s\" was started with expand_only => %s", p->migration_id,
						expand_only ? "true" : "false"),
				 errhint("Resume it with the same arguments, or end the run with schemashift.reset() first.")));
	values[1] = CStringGetTextDatum(ss_ledger_move(&ss_ledger_migrations, status,
												   SS_MIGRATION_RUNNING));
	ss_state_exec("UPDATE schemashift.migrations SET status = $2, runs = runs + 1, "
				  "error = NULL, finished_at = NULL WHERE id = $1",
				  2, types, values, NULL);
	SPI_commit();
	*steps = ss_load_steps(p->migration_id);
	ss_load_created_relations(p->migration_id);
	foreach(lc, *steps)
		if (((Step *) lfirst(lc))->status != SS_STEP_DONE)
			break;
	ereport(NOTICE,
			(errmsg("resuming migration %s at step %d of %d", p->migration_id,
					lc ? ((Step *) lfirst(lc))->number : list_length(*steps) + 1,
					list_length(*steps))));
	return true;
}

/* Run the steps not done yet, then stamp the migration done. */
static void
run_steps(MigrationPlan *p, List *steps, TimestampTz start)
{
	ListCell   *lc;

	foreach(lc, steps)
	{
		Step	   *s = lfirst(lc);
		ErrorContextCallback cb;

		if (s->status == SS_STEP_DONE)
			continue;
		cb.callback = step_context;
		cb.arg = s;
		cb.previous = error_context_stack;
		error_context_stack = &cb;
		run_step(p->migration_id, s, list_length(steps), p->expand_only);
		error_context_stack = cb.previous;
	}
	ss_state_exec("UPDATE schemashift.migrations SET status = $3, "
				  "finished_at = pg_catalog.clock_timestamp(), "
				  "duration = COALESCE(duration, '0') OPERATOR(pg_catalog.+) (pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-) $2::pg_catalog.timestamptz) "
				  "WHERE id = $1",
				  3, (Oid[]) {TEXTOID, TIMESTAMPTZOID, TEXTOID},
				  (Datum[]) {CStringGetTextDatum(p->migration_id), TimestampTzGetDatum(start),
				  CStringGetTextDatum(ss_ledger_move(&ss_ledger_migrations, SS_MIGRATION_RUNNING, SS_MIGRATION_DONE))}, NULL);
	SPI_commit();
	ereport(NOTICE,
			(errmsg_plural("migration %s applied: %d step", "migration %s applied: %d steps",
						   list_length(steps), p->migration_id, list_length(steps))));
}

/* The migration under its lock: new, resumed or already applied. */
static void
apply_migration(MigrationPlan *p, const char *checksum, TimestampTz start)
{
	Oid			types[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(p->migration_id)};
	List	   *steps = NIL;
	bool		resumed = false;

	if (ss_state_exec("SELECT checksum, status, run, expand_only FROM schemashift.migrations WHERE id = $1",
					  1, types, values, NULL) == 1)
	{
		SSMigrationStatus status = ss_ledger_parse(&ss_ledger_migrations,
												   SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2));

		/* a reverted or reset run ended: the next one starts afresh */
		if (status == SS_MIGRATION_REVERTED || status == SS_MIGRATION_RESET)
		{
			p->run = ss_archive_run(p->migration_id, status);
			ereport(NOTICE,
					(errmsg("migration %s was %s: run %d starts", p->migration_id,
							ss_ledger_word(&ss_ledger_migrations, status), p->run)));
		}
		else if (!load_migration(p, checksum, &steps))
			return;
		else
			resumed = true;
	}
	if (!resumed)
	{
		ss_plan_script(p);
		ss_record_plan(p, checksum);
		SPI_commit();
		/* the planner's steps: their recipes' arguments and parse trees */
		steps = p->steps;
		ereport(NOTICE,
				(errmsg_plural("migration %s: %d step", "migration %s: %d steps",
							   list_length(steps), p->migration_id, list_length(steps))));
	}
	run_steps(p, steps, start);
}

/*
 * CALL schemashift.apply(script, migration_id, approve, dry_run,
 *						  expand_type_changes, expand_only)
 */
Datum
schemashift_apply(PG_FUNCTION_ARGS)
{
	MigrationPlan p;
	char	   *checksum;
	uint32		key;
	bool		dry_run;
	TimestampTz start = GetCurrentTimestamp();

	ss_procedure_begin(fcinfo, "apply", 0, NULL);
	ss_init_plan(&p, fcinfo, 2, 4);
	dry_run = !PG_ARGISNULL(3) && PG_GETARG_BOOL(3);
	p.expand_only = !PG_ARGISNULL(5) && PG_GETARG_BOOL(5);
	ss_procedure_connect();
	checksum = ss_migration_checksum(p.script);
	p.migration_id = PG_ARGISNULL(1) ? psprintf("sha256:%.16s", checksum)
		: text_to_cstring(PG_GETARG_TEXT_PP(1));
	if (p.migration_id[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("migration_id must not be empty")));

	if (dry_run)
	{
		ss_plan_script(&p);
		ereport(NOTICE,
				(errmsg_plural("migration %s: %d step (dry run: nothing runs)",
							   "migration %s: %d steps (dry run: nothing runs)",
							   list_length(p.steps), p.migration_id, list_length(p.steps))));
		ss_print_plan(&p);
		SPI_finish();
		PG_RETURN_VOID();
	}

	key = ss_migration_lock_key(p.migration_id);
	ss_lock_session(SS_ADVISORY_MIGRATION, 0, key, psprintf("migration %s", p.migration_id));
	PG_TRY();
	{
		ss_migration_running_here(p.migration_id);
		apply_migration(&p, checksum, start);
	}
	PG_FINALLY();
	{
		ss_migration_running_here(NULL);
		ss_migration_relations_clear();
		ss_unlock_session(SS_ADVISORY_MIGRATION, 0, key);
	}
	PG_END_TRY();
	SPI_finish();
	PG_RETURN_VOID();
}
