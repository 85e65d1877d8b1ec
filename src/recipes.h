/*-------------------------------------------------------------------------
 *
 * recipes.h
 *		The recipe table: how apply() and plan() run each kind of statement.
 *
 * A recipe is one entry of ss_recipes[] (recipes.c): its name (the text
 * plan() shows and migration_steps.recipe stores), which statements and
 * findings it takes (match), how it plans a step (plan: the "run" text
 * shown, the locks, the estimate, the arguments) and how it runs one
 * (run: C, called by apply's runner; no SQL in between).  A recipe is
 * defined, with its functions, at the end of its procedure's own file;
 * adding one is that file plus its line in ss_recipes[].  The entries
 * without a match are the kinds the planner gives itself: a statement run
 * as written, approved, in a transaction block, or an approval.
 *
 * The procedures' work is callable from C too (ss_create_index() and the
 * rest below): the SQL entry points only read their arguments.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMASHIFT_RECIPES_H
#define SCHEMASHIFT_RECIPES_H

#include "postgres.h"

#include "nodes/parsenodes.h"

#include "migration.h"
#include "procs.h"
#include "schemashift.h"

/* rough rates behind the plan's estimates (docs/apply.md) */
#define SS_SCAN_BYTES_PER_S		(200.0 * 1024 * 1024)
#define SS_BUILD_BYTES_PER_S	(50.0 * 1024 * 1024)
#define SS_BACKFILL_ROWS_PER_S	50000.0

/* What a recipe's match and plan are given: one statement of the script. */
typedef struct SSRecipeInput
{
	Node	   *stmt;			/* its raw parse tree */
	const char *text;			/* its text, as the step shows it */
	List	   *findings;		/* lint's findings on it (SSScriptFinding) */
	int			line;
	bool		expand_types;	/* apply(..., expand_type_changes => true) */
} SSRecipeInput;

typedef enum SSRecipeKind
{
	SS_RECIPE_AS_WRITTEN,		/* the step's run text, under lock retries */
	SS_RECIPE_NOTHING,			/* nothing runs (an approval) */
	SS_RECIPE_PROCEDURE,		/* run(): a procedure's work, committed inside */
	SS_RECIPE_CHANGE			/* run() starts an expand/contract change the
								 * runner records and contracts */
} SSRecipeKind;

/* the statement is one this recipe is for (parse tree and findings) */
typedef bool (*SSRecipeMatch) (const SSRecipeInput *in);

/*
 * Fill s->run, s->locks, s->estimate_ms and s->args; false when the
 * statement cannot be taken apart into the recipe's arguments after all.
 */
typedef bool (*SSRecipePlan) (const SSRecipeInput *in, Step *s);

/* Run the step (SS_RECIPE_CHANGE: returns the change's id; others 0). */
typedef int64 (*SSRecipeRun) (Step *s);

typedef struct SSRecipe
{
	const char *name;
	SSRecipeKind kind;
	const char *procedure;		/* schemashift.procedure: its "run" CALLs it */
	SSRecipeMatch match;		/* NULL: the planner's own kinds */
	SSRecipePlan plan;
	SSRecipeRun run;
} SSRecipe;

extern const SSRecipe *const ss_recipes[];
extern const int ss_nrecipes;

/* the recipe of a stored step, by name */
extern const SSRecipe *ss_recipe_named(const char *name);

/* the first recipe that takes and plans the statement, or NULL */
extern const SSRecipe *ss_recipe_for(const SSRecipeInput *in, Step *s);

/* ---------- for the recipes' plan functions (recipes.c) ---------- */

extern bool ss_has_rule(List *findings, SSRuleId rule);
extern Oid	ss_relation_of(RangeVar *rv);
extern void ss_relation_size(Oid relid, double *bytes, double *rows);
extern char *ss_trimmed(const char *text, int start, int end);

/* ALTER TABLE of an existing table with one command: the command, or NULL */
extern AlterTableCmd *ss_single_alter_table_cmd(const SSRecipeInput *in, Oid *relid);

/* an argument: a string, or NULL for a NULL one; a boolean */
extern Node *ss_recipe_text(const char *value);
extern Node *ss_recipe_bool(bool value);

/* s->args = args, s->run = "CALL schemashift.procedure(args...)" of s's recipe */
extern void ss_recipe_call(Step *s, List *args);

/* ---------- for the recipes' run functions ---------- */

/* refuse, as CALL would, a caller without EXECUTE on schemashift.procedure */
extern void ss_recipe_check_execute(const char *procedure);

/* argument i of the step: text (NULL for NULL), boolean, a relation */
extern char *ss_recipe_arg_text(Step *s, int i);
extern bool ss_recipe_arg_bool(Step *s, int i);
extern Oid	ss_recipe_arg_relation(Step *s, int i);

/* ---------- the procedures' work, from C values ---------- */

/* parsed: the definition's RawStmt when the caller holds it, or NULL */
extern void ss_create_index(const char *definition, RawStmt *parsed, int retries,
							int timeout_ms);
extern void ss_drop_index(const char *name, int retries);
extern void ss_backfill(SSBackfillSpec *spec);
extern void ss_add_constraint(const char *definition, RawStmt *parsed);
extern int64 ss_expand_alter_column_type(Oid relid, const char *col, const char *new_type,
										 const char *using_expr, int batch_size);
extern int64 ss_expand_add_column(Oid relid, const char *col, const char *type,
								  const char *default_expr, bool not_null, int batch_size);
extern void ss_contract(int64 change, int retries);

#endif							/* SCHEMASHIFT_RECIPES_H */
