/*-------------------------------------------------------------------------
 *
 * recipes.c
 *		The recipe table (recipes.h) and what the recipes share: finding
 *		one for a statement, the sizes behind the estimates, and a step's
 *		arguments, written as the "run" text of a CALL and read back.
 *
 * A step's arguments are A_Const nodes.  The planner keeps them with the
 * step and renders them as the CALL that plan() shows and the ledger
 * stores; a step loaded from the ledger (a resumed migration) reads them
 * back from that text with the parser, so what runs is what was shown.
 *
 *-------------------------------------------------------------------------
 */
#include "recipes.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "parser/parse_func.h"
#include "parser/parser.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/regproc.h"
#include "utils/syscache.h"

/* the recipes, each defined in its procedure's file */
extern const SSRecipe ss_recipe_online_index;	/* index_procs.c */
extern const SSRecipe ss_recipe_online_drop_index;	/* index_procs.c */
extern const SSRecipe ss_recipe_backfill;	/* backfill.c */
extern const SSRecipe ss_recipe_add_constraint;	/* constraints.c */
extern const SSRecipe ss_recipe_expand_add_column;	/* expand.c */
extern const SSRecipe ss_recipe_expand_column_type;	/* expand.c */

/* the kinds the planner gives a statement no recipe takes, and approvals */
static const SSRecipe as_is = {"as is", SS_RECIPE_AS_WRITTEN};
static const SSRecipe approved = {"approved", SS_RECIPE_AS_WRITTEN};
static const SSRecipe transaction_block = {"transaction block", SS_RECIPE_AS_WRITTEN};
static const SSRecipe approval = {"approval", SS_RECIPE_NOTHING};

/* matched in this order */
const SSRecipe *const ss_recipes[] = {
	&ss_recipe_online_index,
	&ss_recipe_online_drop_index,
	&ss_recipe_backfill,
	&ss_recipe_add_constraint,
	&ss_recipe_expand_add_column,
	&ss_recipe_expand_column_type,
	&as_is,
	&approved,
	&transaction_block,
	&approval,
};

const int	ss_nrecipes = lengthof(ss_recipes);

const SSRecipe *
ss_recipe_named(const char *name)
{
	int			i;

	for (i = 0; i < ss_nrecipes; i++)
		if (strcmp(ss_recipes[i]->name, name) == 0)
			return ss_recipes[i];
	elog(ERROR, "unknown recipe \"%s\"", name);
	return NULL;				/* keep compiler quiet */
}

const SSRecipe *
ss_recipe_for(const SSRecipeInput *in, Step *s)
{
	int			i;

	for (i = 0; i < ss_nrecipes; i++)
	{
		const SSRecipe *r = ss_recipes[i];

		/* at most one recipe is for a statement: the first that matches */
		if (r->match && r->match(in))
		{
			s->recipe = (char *) r->name;
			if (r->plan(in, s))
				return r;
			s->recipe = NULL;
			return NULL;
		}
	}
	return NULL;
}

/* ---------- planning ---------- */

bool
ss_has_rule(List *findings, SSRuleId rule)
{
	ListCell   *lc;

	foreach(lc, findings)
		if (((SSScriptFinding *) lfirst(lc))->rule == rule)
			return true;
	return false;
}

Oid
ss_relation_of(RangeVar *rv)
{
	return rv ? RangeVarGetRelid(rv, NoLock, true) : InvalidOid;
}

void
ss_relation_size(Oid relid, double *bytes, double *rows)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));

	*bytes = *rows = 0;
	if (!HeapTupleIsValid(tup))
		return;
	*bytes = (double) ((Form_pg_class) GETSTRUCT(tup))->relpages * BLCKSZ;
	*rows = Max(((Form_pg_class) GETSTRUCT(tup))->reltuples, 0);
	ReleaseSysCache(tup);
}

/* text[start, end) without the white space and semicolons that end it */
char *
ss_trimmed(const char *text, int start, int end)
{
	while (end > start && (isspace((unsigned char) text[end - 1]) || text[end - 1] == ';'))
		end--;
	return pnstrdup(text + start, end - start);
}

AlterTableCmd *
ss_single_alter_table_cmd(const SSRecipeInput *in, Oid *relid)
{
	AlterTableStmt *at = (AlterTableStmt *) in->stmt;

	if (!IsA(in->stmt, AlterTableStmt))
		return NULL;
	*relid = ss_relation_of(at->relation);
	if (list_length(at->cmds) != 1 || !OidIsValid(*relid) || at->objtype != OBJECT_TABLE)
		return NULL;
	return linitial_node(AlterTableCmd, at->cmds);
}

Node *
ss_recipe_text(const char *value)
{
	A_Const    *c = makeNode(A_Const);

	c->isnull = value == NULL;
	if (value)
	{
		c->val.sval.type = T_String;
		c->val.sval.sval = pstrdup(value);
	}
	c->location = -1;
	return (Node *) c;
}

Node *
ss_recipe_bool(bool value)
{
	A_Const    *c = makeNode(A_Const);

	c->val.boolval.type = T_Boolean;
	c->val.boolval.boolval = value;
	c->location = -1;
	return (Node *) c;
}

void
ss_recipe_call(Step *s, List *args)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	appendStringInfo(&buf, "CALL schemashift.%s(", ss_recipe_named(s->recipe)->procedure);
	foreach(lc, args)
	{
		A_Const    *c = lfirst_node(A_Const, lc);

		if (foreach_current_index(lc) > 0)
			appendStringInfoString(&buf, ", ");
		if (c->isnull)
			appendStringInfoString(&buf, "NULL");
		else if (IsA(&c->val, Boolean))
			appendStringInfoString(&buf, boolVal(&c->val) ? "true" : "false");
		else
			appendStringInfoString(&buf, quote_literal_cstr(strVal(&c->val)));
	}
	appendStringInfoChar(&buf, ')');
	s->args = args;
	s->run = buf.data;
}

/* ---------- running ---------- */

/*
 * The checks CALL would make before running schemashift.procedure: USAGE
 * on the schema (the lookup checks it) and EXECUTE on the procedure, which an
 * administrator may have revoked.  Calling it in C must not skip them.
 */
void
ss_recipe_check_execute(const char *procedure)
{
	ObjectWithArgs *proc = makeNode(ObjectWithArgs);
	Oid			funcid;
	AclResult	aclresult;

	proc->objname = list_make2(makeString("schemashift"), makeString(pstrdup(procedure)));
	proc->args_unspecified = true;
	funcid = LookupFuncWithArgs(OBJECT_PROCEDURE, proc, false);
	aclresult = schemashift_proc_aclcheck(funcid, GetUserId(), ACL_EXECUTE);
	if (aclresult != ACLCHECK_OK)
		aclcheck_error(aclresult, OBJECT_PROCEDURE, procedure);
}

/*
 * The step's arguments: the planner's, or, for a step loaded from the
 * ledger, those of the CALL its run text is (all constants, as
 * ss_recipe_call wrote them).
 */
static A_Const *
recipe_arg(Step *s, int i)
{
	if (s->args == NIL)
	{
		List	   *raw = schemashift_raw_parser(s->run);
		Node	   *stmt = list_length(raw) == 1 ? linitial_node(RawStmt, raw)->stmt : NULL;
		ListCell   *lc;

		if (stmt == NULL || !IsA(stmt, CallStmt))
			elog(ERROR, "migration step %d does not run a CALL: %s", s->number, s->run);
		foreach(lc, ((CallStmt *) stmt)->funccall->args)
			if (!IsA(lfirst(lc), A_Const))
				elog(ERROR, "migration step %d: an argument is not a constant: %s",
					 s->number, s->run);
		s->args = ((CallStmt *) stmt)->funccall->args;
	}
	if (i >= list_length(s->args))
		elog(ERROR, "migration step %d has no argument %d: %s", s->number, i + 1, s->run);
	return list_nth_node(A_Const, s->args, i);
}

char *
ss_recipe_arg_text(Step *s, int i)
{
	A_Const    *c = recipe_arg(s, i);

	if (c->isnull)
		return NULL;
	if (!IsA(&c->val, String))
		elog(ERROR, "migration step %d: argument %d is not a string", s->number, i + 1);
	return strVal(&c->val);
}

bool
ss_recipe_arg_bool(Step *s, int i)
{
	A_Const    *c = recipe_arg(s, i);

	if (c->isnull || !IsA(&c->val, Boolean))
		elog(ERROR, "migration step %d: argument %d is not a boolean", s->number, i + 1);
	return boolVal(&c->val);
}

/*
 * A relation named by the step, resolved now as a regclass argument of the
 * CALL would be: an earlier step may have given the name to another one.
 */
Oid
ss_recipe_arg_relation(Step *s, int i)
{
	char	   *name = ss_recipe_arg_text(s, i);

	if (name == NULL)
		elog(ERROR, "migration step %d: argument %d is null", s->number, i + 1);
	return DatumGetObjectId(DirectFunctionCall1(regclassin, CStringGetDatum(name)));
}
