/*-------------------------------------------------------------------------
 *
 * engine_phases.c
 *		The engine's phases around the rules: what a statement changes in
 *		the state the script carries from one statement to the next.
 *
 * engine.c runs, for each statement:
 *
 *	1. before the rules: ss_track_settings(), the timeouts the statement
 *	   sets (a setting counts for the statement that makes it);
 *	2. the rules of every family (rules_*.c), which judge the statement
 *	   against the script's state as it was before it;
 *	3. after the rules: ss_track_transaction() (BEGIN, COMMIT, ROLLBACK),
 *	   then ss_remember_created() (what the statement created, dropped or put
 *	   below another relation, and the search_path it set), so that the
 *	   next statements resolve names as the server would.
 *
 * The state itself lives in the SSContext, for as long as the script.
 *
 *-------------------------------------------------------------------------
 */
#include "schemashift.h"

#include "catalog/namespace.h"
#include "storage/lockdefs.h"
#include "utils/memutils.h"

/* ---------- before the rules: timeouts ---------- */

/* A setting value that disables the timeout: 0, '0', DEFAULT. */
static bool
timeout_value_is_zero(VariableSetStmt *s)
{
	Node	   *arg;

	if (s->kind != VAR_SET_VALUE || s->args == NIL)
		return true;
	arg = linitial(s->args);
	if (IsA(arg, A_Const))
	{
		A_Const    *c = (A_Const *) arg;

		if (c->isnull)
			return true;
		if (IsA(&c->val, Integer))
			return intVal(&c->val) == 0;
		if (IsA(&c->val, String))
			return strcmp(strVal(&c->val), "0") == 0;
	}
	return false;
}

static void
note_timeout(SSContext *cxt, const char *name, bool set)
{
	if (strcmp(name, "lock_timeout") == 0)
		cxt->lock_timeout_set = set;
	else if (strcmp(name, "statement_timeout") == 0)
		cxt->statement_timeout_set = set;
}

/* A constant string argument of a function call, else NULL. */
static const char *
const_string_arg(Node *arg)
{
	if (IsA(arg, A_Const) && IsA(&((A_Const *) arg)->val, String))
		return strVal(&((A_Const *) arg)->val);
	return NULL;
}

/* A set_config() call of a SELECT's target list, else NULL. */
static FuncCall *
set_config_call(ResTarget *rt)
{
	FuncCall   *fc = IsA(rt->val, FuncCall) ? (FuncCall *) rt->val : NULL;

	if (fc == NULL || fc->args == NIL ||
		strcmp(strVal(llast(fc->funcname)), "set_config") != 0)
		return NULL;
	return fc;
}

/* SELECT set_config('lock_timeout', '1s', ...) counts as SET. */
static void
note_set_config(SSContext *cxt, SelectStmt *s)
{
	ListCell   *lc;

	foreach(lc, s->targetList)
	{
		FuncCall   *fc = set_config_call(lfirst_node(ResTarget, lc));
		const char *name;
		const char *value;

		if (fc == NULL || list_length(fc->args) != 3)
			continue;
		name = const_string_arg(linitial(fc->args));
		value = const_string_arg(lsecond(fc->args));
		if (name && value)
			note_timeout(cxt, name, strcmp(value, "0") != 0);
	}
}

void
ss_track_settings(SSContext *cxt, Node *stmt)
{
	if (IsA(stmt, VariableSetStmt))
	{
		VariableSetStmt *s = (VariableSetStmt *) stmt;

		if (s->name && (s->kind == VAR_SET_VALUE || s->kind == VAR_SET_DEFAULT ||
						s->kind == VAR_RESET))
			note_timeout(cxt, s->name, !timeout_value_is_zero(s));
	}
	else if (IsA(stmt, SelectStmt))
		note_set_config(cxt, (SelectStmt *) stmt);
}

/* ---------- after the rules: the transaction ---------- */

static void
end_transaction(SSContext *cxt)
{
	ListCell   *lc;

	cxt->in_transaction = false;
	cxt->explicit_transaction = false;
	foreach(lc, cxt->tx_not_valid)
		((SSTrackedConstraint *) lfirst(lc))->not_valid_in_tx = false;
	list_free(cxt->tx_not_valid);
	cxt->tx_not_valid = NIL;
}

static void
track_transaction_stmt(SSContext *cxt, TransactionStmt *s)
{
	switch (s->kind)
	{
		case TRANS_STMT_BEGIN:
		case TRANS_STMT_START:
			/* BEGIN inside a transaction does nothing */
			if (!cxt->in_transaction)
			{
				cxt->in_transaction = true;
				cxt->explicit_transaction = true;
				cxt->begin_location = cxt->stmt_number;
			}
			break;
		case TRANS_STMT_COMMIT:
		case TRANS_STMT_ROLLBACK:
		case TRANS_STMT_PREPARE:
			if (s->chain && cxt->in_transaction)
			{
				bool		explicit_tx = cxt->explicit_transaction;

				end_transaction(cxt);
				cxt->in_transaction = true;
				cxt->explicit_transaction = explicit_tx;
			}
			else
				end_transaction(cxt);
			break;
		default:
			break;
	}
}

void
ss_track_transaction(SSContext *cxt, Node *stmt)
{
	if (IsA(stmt, TransactionStmt))
		track_transaction_stmt(cxt, (TransactionStmt *) stmt);
}

/* ---------- after the rules: what the statement created ---------- */

/* A type name as the RangeVar of its composite type's pg_class row. */
static RangeVar *
type_rangevar(TypeName *tn)
{
	if (tn == NULL || tn->names == NIL || list_length(tn->names) > 3)
		return NULL;
	return makeRangeVarFromNameList(tn->names);
}

static void
remember_create_stmt(SSContext *cxt, CreateStmt *s)
{
	ListCell   *lc;

	ss_remember_relation(cxt, s->relation);
	/* the new table sits below its parents and its type */
	foreach(lc, s->inhRelations)
		ss_remember_child(cxt, s->relation, lfirst_node(RangeVar, lc), false);
	if (s->ofTypename)
		ss_remember_child(cxt, s->relation, type_rangevar(s->ofTypename), true);
}

static void
remember_drop(SSContext *cxt, DropStmt *s)
{
	ListCell   *lc;

	if (s->removeType != OBJECT_TABLE && s->removeType != OBJECT_VIEW &&
		s->removeType != OBJECT_MATVIEW && s->removeType != OBJECT_INDEX &&
		s->removeType != OBJECT_SEQUENCE &&
		s->removeType != OBJECT_FOREIGN_TABLE)
		return;
	foreach(lc, s->objects)
	{
		List	   *names = (List *) lfirst(lc);

		if (list_length(names) <= 3)
			ss_forget_relation(cxt, makeRangeVarFromNameList(names),
							   s->removeType);
	}
}

/* SELECT ... INTO makes a table; set_config('search_path') is not followed */
static void
remember_select(SSContext *cxt, SelectStmt *s)
{
	ListCell   *lc;

	if (s->intoClause)
		ss_remember_relation(cxt, s->intoClause->rel);
	foreach(lc, s->targetList)
	{
		FuncCall   *fc = set_config_call(lfirst_node(ResTarget, lc));
		const char *name;

		if (fc == NULL)
			continue;
		name = const_string_arg(linitial(fc->args));
		if (name == NULL || strcmp(name, "search_path") == 0)
			ss_forget_search_path(cxt);
	}
}

static void
remember_alter_table(SSContext *cxt, AlterTableStmt *s)
{
	ListCell   *lc;

	foreach(lc, s->cmds)
	{
		AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);

		if (cmd->subtype == AT_AddInherit)
			ss_remember_child(cxt, s->relation, (RangeVar *) cmd->def, false);
		else if (cmd->subtype == AT_AttachPartition &&
				 s->objtype != OBJECT_INDEX)
			ss_remember_child(cxt, ((PartitionCmd *) cmd->def)->name,
							  s->relation, false);
		else if (cmd->subtype == AT_AddOf)
			ss_remember_child(cxt, s->relation,
							  type_rangevar((TypeName *) cmd->def), true);
	}
}

/* The relation a statement creates, or NULL. */
static RangeVar *
created_relation(Node *stmt)
{
	switch (nodeTag(stmt))
	{
		case T_CreateTableAsStmt:
			return ((CreateTableAsStmt *) stmt)->into->rel;
		case T_ViewStmt:
			return ((ViewStmt *) stmt)->view;
		case T_CreateSeqStmt:
			return ((CreateSeqStmt *) stmt)->sequence;
		case T_CompositeTypeStmt:
			return ((CompositeTypeStmt *) stmt)->typevar;
		default:
			return NULL;
	}
}

/*
 * What the statement created, dropped or put below another relation, so
 * that later statements of the script know what is new (lint only: the
 * guard sees each statement's effect in the catalog).
 */
void
ss_remember_created(SSContext *cxt, Node *stmt)
{
	RangeVar   *created;

	if (cxt->guard)
		return;
	created = created_relation(stmt);
	if (created)
	{
		ss_remember_relation(cxt, created);
		return;
	}
	switch (nodeTag(stmt))
	{
		case T_CreateStmt:
			remember_create_stmt(cxt, (CreateStmt *) stmt);
			break;
		case T_CreateForeignTableStmt:
			remember_create_stmt(cxt, &((CreateForeignTableStmt *) stmt)->base);
			break;
		case T_IndexStmt:
			ss_remember_index(cxt, ((IndexStmt *) stmt)->relation,
							  ((IndexStmt *) stmt)->idxname);
			break;
		case T_DropStmt:
			remember_drop(cxt, (DropStmt *) stmt);
			break;
		case T_VariableSetStmt:
			{
				VariableSetStmt *s = (VariableSetStmt *) stmt;

				if (s->kind == VAR_RESET_ALL ||
					(s->name && strcmp(s->name, "search_path") == 0))
					ss_remember_search_path(cxt, s);
				break;
			}
		case T_SelectStmt:
			remember_select(cxt, (SelectStmt *) stmt);
			break;
		case T_AlterObjectSchemaStmt:
			{
				AlterObjectSchemaStmt *s = (AlterObjectSchemaStmt *) stmt;

				if (s->relation)
					ss_move_relation(cxt, s->relation, s->objectType, s->newschema);
				break;
			}
		case T_RenameStmt:

			/*
			 * Every relation of a renamed schema changes its name: lint stops
			 * trusting its record of what the script made over the catalog,
			 * as after a search_path it cannot follow.
			 */
			if (((RenameStmt *) stmt)->renameType == OBJECT_SCHEMA)
				ss_forget_search_path(cxt);
			break;
		case T_AlterTableStmt:
			remember_alter_table(cxt, (AlterTableStmt *) stmt);
			break;
		default:
			break;
	}
}
