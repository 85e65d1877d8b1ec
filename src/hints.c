/*-------------------------------------------------------------------------
 *
 * hints.c
 *		The hint of a finding.  Its first sentence is the CALL of
 *		schemashift's own recipe for the statement, built from it; the
 *		registry's plain-SQL recipe follows for those who do not use the
 *		procedures.
 *
 * The CALLs that apply() would run are the recipes' own (recipes.h): the
 * hint asks the recipe that takes the statement to plan it, so the hint
 * and apply() can never disagree.  The others are built from the parse
 * tree: reindex, expand_rename_column, with_lock_retries.
 *
 * A statement's text is known to lint (the script) and to the guard for
 * a top-level statement (the query string); it is used only once it
 * parses back to the very statement the rules judged, so a statement
 * that came from an EXECUTE string, or is one of several in the query
 * string, gets no CALL built from a wrong text.  A hint prints nothing
 * but the statement's own text and catalog names, never row data, and at
 * most SS_HINT_MAX_CALL bytes of it.
 *
 *-------------------------------------------------------------------------
 */
#include "hints.h"

#include "args.h"
#include "recipes.h"
#include "scan.h"
#include "sql_build.h"
#include "txn.h"

#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "nodes/makefuncs.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

/* Does text parse to exactly stmt (locations aside)?  Its tree, or NULL. */
static Node *
parses_to(const char *text, Node *stmt)
{
	ErrorData  *edata;
	List	   *raw = ss_try_parse(text, &edata);
	Node	   *parsed;

	if (edata)
	{
		FreeErrorData(edata);
		return NULL;
	}
	if (list_length(raw) != 1)
		return NULL;
	parsed = linitial_node(RawStmt, raw)->stmt;
	return stmt == NULL || equal(parsed, stmt) ? parsed : NULL;
}

/*
 * The current statement's text, checked to be its; NULL when unknown.
 * Found once per statement (cxt->hint_text), however many findings it has.
 */
static char *
statement_text(SSContext *cxt)
{
	const char *src = cxt->script ? cxt->script + cxt->stmt_offset :
		cxt->guard ? debug_query_string : NULL;
	int			len;
	char	   *text;

	if (cxt->hint_text_known)
		return cxt->hint_text;
	cxt->hint_text_known = true;
	cxt->hint_text = NULL;
	if (src == NULL)
		return NULL;
	/* the scanner copies what it scans: never the rest of a long script */
	text = pnstrdup(src, strnlen(src, SS_HINT_MAX_STATEMENT + 1));
	if ((len = ss_statement_length(text, SS_HINT_MAX_STATEMENT)) <= 0)
		return NULL;
	text[len] = '\0';
	if (parses_to(text, cxt->stmt))
		cxt->hint_text = text;
	return cxt->hint_text;
}

/*
 * The sub-command the rules are at, of a multi-clause ALTER TABLE, as a
 * statement of its own (ALTER TABLE rel <its text>), checked to parse to
 * it: the recipes take one sub-command.  NULL if it cannot be cut out.
 */
static Node *
single_cmd_statement(SSContext *cxt, const char *text, char **subtext)
{
	AlterTableStmt *s = (AlterTableStmt *) cxt->stmt;
	int			i = cxt->cur_cmd;
	int			start;
	int			end;
	char	   *sub;
	Node	   *parsed;

	if (cxt->cmd_starts == NULL || i < 0 || i >= cxt->ncmd_starts ||
		s->objtype != OBJECT_TABLE)
		return NULL;
	start = cxt->cmd_starts[i];
	end = i + 1 < cxt->ncmd_starts ? cxt->cmd_starts[i + 1] : strlen(text);
	/* without the comma (and the space) before the next one */
	while (end > start && isspace((unsigned char) text[end - 1]))
		end--;
	if (i + 1 < cxt->ncmd_starts && end > start && text[end - 1] == ',')
		end--;
	while (end > start && isspace((unsigned char) text[end - 1]))
		end--;
	sub = psprintf("ALTER TABLE %s%s %.*s", s->relation->inh ? "" : "ONLY ",
				   quote_qualified_identifier(s->relation->schemaname,
											  s->relation->relname),
				   end - start, text + start);
	parsed = parses_to(sub, NULL);
	if (parsed == NULL || !IsA(parsed, AlterTableStmt) ||
		list_length(((AlterTableStmt *) parsed)->cmds) != 1 ||
		!equal(linitial(((AlterTableStmt *) parsed)->cmds), list_nth(s->cmds, i)))
		return NULL;
	*subtext = sub;
	return parsed;
}

/*
 * Does expand_add_column have anything to expand for an ADD COLUMN: a
 * default for new rows or NOT NULL?  A column of a domain with constraints
 * rewrites the table however it is added (each row is checked), so there
 * is no call for it.  Other statements: true.
 */
static bool
add_column_expands(Node *stmt)
{
	AlterTableCmd *cmd = linitial_node(AlterTableCmd, ((AlterTableStmt *) stmt)->cmds);
	ColumnDef  *cd = (ColumnDef *) cmd->def;
	ListCell   *lc;

	if (cmd->subtype != AT_AddColumn)
		return true;
	if (cd->raw_default || cd->is_not_null)
		return true;
	foreach(lc, cd->constraints)
	{
		ConstrType	t = lfirst_node(Constraint, lc)->contype;

		if (t == CONSTR_DEFAULT || t == CONSTR_NOTNULL)
			return true;
	}
	return false;
}

/* A recipe planning a statement, in a subtransaction (plan_recipe). */
typedef struct RecipeRun
{
	SSRecipeInput in;
	Step		step;
	const SSRecipe *recipe;
} RecipeRun;

static void
plan_recipe(void *arg)
{
	RecipeRun  *r = (RecipeRun *) arg;

	r->recipe = ss_recipe_for(&r->in, &r->step);
}

/*
 * The CALL of the recipe apply() would run for this finding, or NULL.  The
 * recipe plans it in a subtransaction: planning resolves names and types,
 * and a statement lint judges may name ones that do not exist (yet).
 */
static char *
recipe_call(Node *stmt, const char *text, SSRuleId rule, const SSRecipe **recipe)
{
	SSScriptFinding f;
	RecipeRun	r;
	ErrorData  *edata;

	*recipe = NULL;
	/* create_index finds an interrupted build by the index's name */
	if (IsA(stmt, IndexStmt) && ((IndexStmt *) stmt)->idxname == NULL)
		return NULL;
	if (IsA(stmt, AlterTableStmt) && !add_column_expands(stmt))
		return NULL;
	memset(&f, 0, sizeof(f));
	f.rule = rule;
	memset(&r, 0, sizeof(r));
	r.in.stmt = stmt;
	r.in.text = text;
	r.in.findings = list_make1(&f);
	r.in.expand_types = true;
	edata = ss_try(plan_recipe, &r, true);
	if (edata)
	{
		FreeErrorData(edata);
		return NULL;
	}
	*recipe = r.recipe;
	return r.recipe ? r.step.run : NULL;
}

/* Statements with_lock_retries refuses: they cannot run in a transaction. */
static bool
runs_in_transaction(Node *stmt)
{
	return !(IsA(stmt, IndexStmt) || IsA(stmt, ReindexStmt) || IsA(stmt, VacuumStmt) ||
			 IsA(stmt, TransactionStmt) || ss_runs_concurrently(stmt));
}

/* The CALLs built from the parse tree and the text, not by a recipe. */
static char *
tree_call(SSContext *cxt, SSRuleId rule, const char *text)
{
	Node	   *stmt = cxt->stmt;

	if (rule == SS_REQUIRE_CONCURRENT_REINDEX && IsA(stmt, ReindexStmt))
	{
		ReindexStmt *s = (ReindexStmt *) stmt;

		if (s->relation == NULL ||
			(s->kind != REINDEX_OBJECT_INDEX && s->kind != REINDEX_OBJECT_TABLE))
			return NULL;
		return psprintf("CALL schemashift.reindex(%s)",
						quote_literal_cstr(quote_qualified_identifier(s->relation->schemaname,
																	  s->relation->relname)));
	}
	if (rule == SS_RENAMING_COLUMN && IsA(stmt, RenameStmt))
	{
		RenameStmt *s = (RenameStmt *) stmt;
		Oid			relid;

		if (s->renameType != OBJECT_COLUMN || s->relation == NULL)
			return NULL;
		relid = ss_lookup_relation(cxt, s->relation);
		if (!OidIsValid(relid) || get_rel_relkind(relid) != RELKIND_RELATION)
			return NULL;
		return psprintf("CALL schemashift.expand_rename_column(%s, %s, %s), then CALL schemashift.contract(change) with the change it returns, once no code uses the old name",
						quote_literal_cstr(ss_qualified_relname(relid)),
						quote_literal_cstr(s->subname),
						quote_literal_cstr(s->newname));
	}
	if (rule == SS_REQUIRE_LOCK_TIMEOUT && text && runs_in_transaction(stmt))
		return psprintf("CALL schemashift.with_lock_retries(%s)", quote_literal_cstr(text));
	return NULL;
}

/* What follows a recipe's CALL: the contract of an expand/contract change. */
static const char *
recipe_tail(const SSRecipe *recipe, SSRuleId rule)
{
	if (recipe->kind != SS_RECIPE_CHANGE)
		return "";
	if (rule == SS_CHANGING_COLUMN_TYPE || rule == SS_BAN_TABLE_REWRITE)
		return ", then CALL schemashift.contract(change) with the change it returns (schemashift.apply(..., expand_type_changes => true) runs both)";
	return ", then CALL schemashift.contract(change) with the change it returns";
}

/*
 * Does the relation the statement acts on exist, as the rules resolved it?
 * A recipe plans only for an existing one; asking the catalog again here,
 * by a name it lacks, would cost a negative cache entry per name.
 */
static bool
relation_known(SSContext *cxt)
{
	Node	   *stmt = cxt->stmt;
	RangeVar   *rv = NULL;

	if (IsA(stmt, IndexStmt))
		rv = ((IndexStmt *) stmt)->relation;
	else if (IsA(stmt, AlterTableStmt))
		rv = ((AlterTableStmt *) stmt)->relation;
	else if (IsA(stmt, UpdateStmt))
		rv = ((UpdateStmt *) stmt)->relation;
	else if (IsA(stmt, DropStmt) && list_length(((DropStmt *) stmt)->objects) == 1)
		rv = makeRangeVarFromNameList(linitial(((DropStmt *) stmt)->objects));
	return rv != NULL && OidIsValid(ss_lookup_relation(cxt, rv));
}

/* Is there a CALL for this rule at all?  Most rules have none. */
static bool
rule_has_call(SSRuleId rule)
{
	switch (rule)
	{
		case SS_REQUIRE_CONCURRENT_INDEX_CREATION:
		case SS_REQUIRE_CONCURRENT_INDEX_DELETION:
		case SS_REQUIRE_CONCURRENT_REINDEX:
		case SS_CONSTRAINT_MISSING_NOT_VALID:
		case SS_ADDING_FOREIGN_KEY_CONSTRAINT:
		case SS_DISALLOWED_UNIQUE_CONSTRAINT:
		case SS_ADDING_SERIAL_PRIMARY_KEY_FIELD:
		case SS_ADDING_NOT_NULLABLE_FIELD:
		case SS_ADDING_REQUIRED_FIELD:
		case SS_ADDING_FIELD_WITH_DEFAULT:
		case SS_CHANGING_COLUMN_TYPE:
		case SS_UNBATCHED_BACKFILL:
		case SS_RENAMING_COLUMN:
		case SS_REQUIRE_LOCK_TIMEOUT:
			return true;
		default:
			return false;
	}
}

/*
 * The hint of a finding of rule on the current statement: the CALL, then
 * the plain hint (the rule's own for this statement, else the registry's);
 * the plain hint alone when there is no CALL.
 */
const char *
ss_finding_hint(SSContext *cxt, SSRuleId rule, const char *plain)
{
	char	   *text;
	char	   *call;
	const SSRecipe *recipe = NULL;
	const char *tail = "";

	if (plain == NULL)
		plain = schemashift_rules[rule].hint;
	if (!rule_has_call(rule) || cxt->stmt == NULL)
		return plain;
	text = statement_text(cxt);
	call = tree_call(cxt, rule, text);
	if (call == NULL && text && relation_known(cxt))
	{
		Node	   *stmt = cxt->stmt;
		char	   *sub;

		if (IsA(stmt, AlterTableStmt) && list_length(((AlterTableStmt *) stmt)->cmds) > 1)
			stmt = single_cmd_statement(cxt, text, &sub);
		else
			sub = text;
		call = stmt ? recipe_call(stmt, sub, rule, &recipe) : NULL;
		if (call)
			tail = recipe_tail(recipe, rule);
	}
	if (call == NULL)
		return plain;
	if (strlen(call) > SS_HINT_MAX_CALL)
	{
		const char *open = strchr(call, '(');

		call = psprintf("%.*s(...) with this statement (the call is %d bytes long; a hint prints one of up to %d)",
						(int) (open - call), call, (int) strlen(call), SS_HINT_MAX_CALL);
	}
	return psprintf("%s%s. %s", call, tail, plain);
}
