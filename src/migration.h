/*-------------------------------------------------------------------------
 *
 * migration.h
 *		What apply()'s planner (plan.c), runner (apply.c) and ledger
 *		(migrations.c) share: a migration's plan and its steps.
 *
 * The planner turns a script into steps through the recipe table
 * (recipes.h); the ledger stores them in schemashift.migrations and
 * migration_steps; the runner runs each step with its recipe and stamps it
 * in the ledger when it ends.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMASHIFT_MIGRATION_H
#define SCHEMASHIFT_MIGRATION_H

#include "ledger.h"
#include "postgres.h"

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "nodes/pg_list.h"
#include "storage/lockdefs.h"

typedef struct Step
{
	int			number;
	int			line;
	int			col;
	char	   *statement;
	char	   *recipe;
	char	   *run;
	char	   *locks;
	int64		estimate_ms;	/* -1: none worth stating */
	char	   *notes;
	SSStepStatus status;
	int64		change_id;		/* expand recipes, once known */
	List	   *approved_objects;	/* what its approvals name (char *) ... */
	List	   *approved_relids;	/* ... and the relation each meant when
									 * planned (Oid), or InvalidOid */

	/*
	 * A recipe's arguments (A_Const), as its "run" text shows them, and the
	 * statement's raw parse tree (RawStmt): set by the planner; a step
	 * loaded from the ledger has no tree, and its arguments are read back
	 * from "run" (recipes.c).
	 */
	List	   *args;
	Node	   *parsed;

	/* plan() only: the rules that refuse the step, and the ways through */
	char	   *refused;
	char	   *way_through;
} Step;

typedef struct MigrationPlan
{
	const char *script;
	const char *migration_id;
	List	   *approvals;		/* of SSApproval */
	List	   *names_given;	/* of NameGiven: relation names the script binds */
	bool		expand_types;
	List	   *steps;
	/* an open BEGIN ... COMMIT in the script */
	Step	   *block;
	StringInfoData block_sql;
	bool		block_approved;
	LOCKMODE	block_lock;
	bool		need_approver;	/* it approves findings: the caller must be an approver */
	bool		show_all;		/* plan(): refused steps are shown, not raised,
								 * and no approver rights are needed */
	int			run;			/* the how-manieth run of the id */
	bool		expand_only;	/* changes are left ready, not contracted */
} MigrationPlan;

/* plan.c: the planner */
extern void ss_init_plan(MigrationPlan *p, FunctionCallInfo fcinfo, int approve_arg,
						 int expand_arg);
extern void ss_plan_script(MigrationPlan *p);
extern void ss_print_plan(MigrationPlan *p);

/*
 * A step's columns as plan() shows them and the ledger keeps them: number,
 * line, col, statement, recipe, run, locks, estimate (milliseconds, int8)
 * and notes, into values[0..8] and isnull[0..8].
 */
#define SS_STEP_COLUMNS 9
extern void ss_step_datums(const Step *s, Datum *values, bool *isnull);

/* migrations.c: the ledger */
extern char *ss_migration_checksum(const char *script);
extern void ss_record_plan(MigrationPlan *p, const char *checksum);
extern List *ss_load_steps(const char *id);
extern void ss_load_created_relations(const char *id);
extern void ss_mark_step(void *arg);
extern void ss_mark(const char *id, Step *s, SSStepStatus status, int attempts,
					const char *error);
extern void ss_record_change(const char *id, Step *s);
/* an SSChangeState, or -1 when there is no such change */
extern int	ss_change_state(int64 change);

/*
 * The key of a migration's session-level advisory lock (SS_ADVISORY_MIGRATION),
 * held by the backend that runs it.
 */
extern uint32 ss_migration_lock_key(const char *id);

/*
 * The migration this backend's apply() is running (NULL: none); its steps
 * may not end the run they belong to (mark_reverted(), reset()).
 */
extern void ss_migration_running_here(const char *id);

/*
 * A new run of a migration whose last run was reverted or reset: that run
 * and its steps move to schemashift.migration_history; returns the number
 * of the new run.
 */
extern int	ss_archive_run(const char *id, SSMigrationStatus status);

typedef struct StepMark
{
	const char *id;
	Step	   *step;
	SSStepStatus status;
	int			attempts;
	const char *error;
} StepMark;

#endif							/* SCHEMASHIFT_MIGRATION_H */
