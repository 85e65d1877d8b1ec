/*-------------------------------------------------------------------------
 *
 * rules_tx.c
 *		Rules about the script as a sequence: transactions (nesting, an
 *		uncommitted BEGIN, a strong lock held while more statements run),
 *		timeouts set earlier in the script, and statements that cannot be
 *		re-run after a partial failure.
 *
 * The rules read the transaction state and the timeouts set so far; the
 * engine's phases keep them (engine_phases.c).
 *
 *-------------------------------------------------------------------------
 */
#include "schemashift.h"

#include "catalog/pg_class.h"
#include "nodes/nodeFuncs.h"

static bool
create_has_foreign_key(CreateStmt *s)
{
	ListCell   *lc;

	foreach(lc, s->tableElts)
	{
		Node	   *elt = lfirst(lc);
		List	   *cons = NIL;
		ListCell   *lc2;

		if (IsA(elt, Constraint))
			cons = list_make1(elt);
		else if (IsA(elt, ColumnDef))
			cons = ((ColumnDef *) elt)->constraints;
		foreach(lc2, cons)
		{
			if (((Constraint *) lfirst(lc2))->contype == CONSTR_FOREIGN)
				return true;
		}
	}
	return false;
}

/*
 * Statements that take locks other sessions can queue behind: all DDL but
 * a CREATE TABLE that references nothing, and the maintenance commands.
 * DML, transaction control, SET and the like are not.
 */
static bool
stmt_wants_timeouts(Node *stmt)
{
	switch (nodeTag(stmt))
	{
		case T_CreateStmt:
			return create_has_foreign_key((CreateStmt *) stmt);
		case T_SelectStmt:
			return ((SelectStmt *) stmt)->intoClause != NULL;
		case T_VacuumStmt:
			return ((VacuumStmt *) stmt)->is_vacuumcmd;
		case T_TransactionStmt:
		case T_VariableSetStmt:
		case T_VariableShowStmt:
		case T_InsertStmt:
		case T_UpdateStmt:
		case T_DeleteStmt:
		case T_MergeStmt:
		case T_CallStmt:
		case T_CheckPointStmt:
		case T_ClosePortalStmt:
		case T_CopyStmt:
		case T_DeallocateStmt:
		case T_DeclareCursorStmt:
		case T_DiscardStmt:
		case T_DoStmt:
		case T_ExecuteStmt:
		case T_ExplainStmt:
		case T_FetchStmt:
		case T_GrantStmt:
		case T_GrantRoleStmt:
		case T_ListenStmt:
		case T_NotifyStmt:
		case T_UnlistenStmt:
		case T_PrepareStmt:
		case T_ReturnStmt:
		case T_PLAssignStmt:
		case T_ConstraintsSetStmt:
		case T_CreateRoleStmt:
		case T_AlterRoleStmt:
		case T_DropRoleStmt:
			return false;
		default:
			return true;
	}
}

/* The timeouts a statement sets were noted before the rules ran. */
static void
check_timeouts(SSContext *cxt, Node *stmt)
{
	if (cxt->guard || !stmt_wants_timeouts(stmt))
		return;

	/* reported once per script, at the first statement that needs it */
	if (!cxt->lock_timeout_set && !cxt->lock_timeout_reported &&
		ss_rule_enabled(cxt, SS_REQUIRE_LOCK_TIMEOUT))
	{
		const char *lock = ss_lock_name(cxt->stmt_lock);

		ss_report(cxt, SS_REQUIRE_LOCK_TIMEOUT, -1, cxt->stmt_lock_object,
				  lock ? psprintf("no lock_timeout is set before this statement, which takes %s: waiting for it stalls every query queued behind it", lock) : NULL);
		cxt->lock_timeout_reported = true;
	}
	if (!cxt->statement_timeout_set && !cxt->statement_timeout_reported &&
		ss_rule_enabled(cxt, SS_REQUIRE_STATEMENT_TIMEOUT))
	{
		ss_report(cxt, SS_REQUIRE_STATEMENT_TIMEOUT, -1, cxt->stmt_lock_object, NULL);
		cxt->statement_timeout_reported = true;
	}
}

/*
 * BEGIN inside a transaction, COMMIT outside one.  The transaction state is
 * the one before this statement: the engine applies the statement's own
 * effect after the rules (engine_phases.c).
 */
static void
check_transaction(SSContext *cxt, Node *stmt)
{
	TransactionStmt *s = (TransactionStmt *) stmt;
	const char *message = NULL;

	switch (s->kind)
	{
		case TRANS_STMT_BEGIN:
		case TRANS_STMT_START:
			if (cxt->in_transaction)
				message = cxt->explicit_transaction ?
					"BEGIN inside a transaction block does nothing: the transaction started earlier is still the one in effect" :
					"BEGIN inside the migration tool's transaction does nothing: the script already runs in a transaction";
			break;
		case TRANS_STMT_COMMIT:
		case TRANS_STMT_ROLLBACK:
		case TRANS_STMT_PREPARE:
			if (!cxt->in_transaction)
				message = "there is no transaction in progress to end here";
			else if (!cxt->explicit_transaction)
				message = "this ends the migration tool's transaction: the statements after it run outside any transaction";
			break;
		default:
			break;
	}
	if (message)
		ss_report_full(cxt, SS_TRANSACTION_NESTING, -1, NULL, NoLock, false,
					   message, NULL);
}

/* After an ACCESS EXCLUSIVE lock in a transaction, any further statement. */
static void
check_exclusive_lock(SSContext *cxt, Node *stmt)
{
	if (!cxt->exclusive_lock_held || cxt->exclusive_lock_reported ||
		!cxt->in_transaction || cxt->guard)
		return;
	if (IsA(stmt, TransactionStmt) || IsA(stmt, VariableSetStmt) ||
		IsA(stmt, VariableShowStmt))
		return;
	ss_report_full(cxt, SS_EXCLUSIVE_LOCK_HELD_ACROSS_STATEMENTS, -1,
				   cxt->exclusive_lock_object, AccessExclusiveLock, false,
				   cxt->exclusive_lock_object ?
				   psprintf("this statement runs while the transaction still holds ACCESS EXCLUSIVE on %s: the table stays blocked until commit",
							cxt->exclusive_lock_object) : NULL,
				   NULL);
	cxt->exclusive_lock_reported = true;
}

/* ---------- prefer-robust-stmts ---------- */

static void
robust_report(SSContext *cxt, int location, const char *what)
{
	ss_report_full(cxt, SS_PREFER_ROBUST_STMTS, location, cxt->stmt_lock_object,
				   cxt->stmt_lock, false,
				   what ? psprintf("missing %s outside a transaction: the migration cannot be re-run if it fails part way", what)
				   : "this statement runs outside a transaction: the migration cannot be re-run if it fails part way",
				   NULL);
}

static void
remember_constraint_name(SSContext *cxt, const char *name, bool dropped)
{
	bool		found;
	char	   *entry;

	if (name == NULL)
		return;
	entry = hash_search(cxt->dropped_constraints, name, HASH_ENTER, &found);
	/* first byte after the key marks "added again after the drop" */
	if (!found || !dropped)
		entry[NAMEDATALEN * 2 + 2] = dropped ? 'd' : 'a';
}

/*
 * One sub-command of ALTER TABLE: remember the constraint names it drops
 * (adding one back after its drop is safe to re-run), and report it when
 * a re-run would fail outside a transaction.
 */
static void
robust_alter_cmd(SSContext *cxt, AlterTableCmd *cmd)
{
	const char *what = NULL;
	int			loc = -1;

	if (SCHEMASHIFT_IS_DROP_CONSTRAINT(cmd->subtype))
	{
		remember_constraint_name(cxt, cmd->name, true);
		if (cmd->missing_ok)
			return;
		what = "IF EXISTS";
	}
	else if (SCHEMASHIFT_IS_ADD_COLUMN(cmd->subtype))
	{
		if (cmd->missing_ok)
			return;
		what = "IF NOT EXISTS";
		loc = ss_location_of(cmd->def, -1);
	}
	else if (SCHEMASHIFT_IS_DROP_COLUMN(cmd->subtype))
	{
		if (cmd->missing_ok)
			return;
		what = "IF EXISTS";
	}
	else if (SCHEMASHIFT_IS_VALIDATE_CONSTRAINT(cmd->subtype))
	{
		bool		found;

		hash_search(cxt->dropped_constraints, cmd->name, HASH_FIND, &found);
		if (found)
			return;
	}
	else if (SCHEMASHIFT_IS_ADD_CONSTRAINT(cmd->subtype) &&
			 IsA(cmd->def, Constraint) &&
			 ((Constraint *) cmd->def)->conname)
	{
		const char *name = ((Constraint *) cmd->def)->conname;
		bool		found;
		char	   *entry;

		entry = hash_search(cxt->dropped_constraints, name, HASH_FIND, &found);
		if (found && entry[NAMEDATALEN * 2 + 2] == 'd')
		{
			entry[NAMEDATALEN * 2 + 2] = 'a';
			return;
		}
		loc = ss_location_of(cmd->def, -1);
	}
	if (cxt->in_transaction)
		return;
	robust_report(cxt, loc, what);
}

static void
check_robust(SSContext *cxt, Node *stmt)
{
	if (cxt->guard)
		return;

	switch (nodeTag(stmt))
	{
		case T_AlterTableStmt:
			{
				ListCell   *lc;

				foreach(lc, ((AlterTableStmt *) stmt)->cmds)
				{
					cxt->cur_cmd = foreach_current_index(lc);
					robust_alter_cmd(cxt, lfirst_node(AlterTableCmd, lc));
				}
				cxt->cur_cmd = -1;
				break;
			}
		case T_IndexStmt:
			{
				IndexStmt  *s = (IndexStmt *) stmt;

				if (!s->if_not_exists && s->idxname &&
					(s->concurrent || !cxt->in_transaction))
					robust_report(cxt, -1, "IF NOT EXISTS");
				break;
			}
		case T_CreateStmt:
			{
				CreateStmt *s = (CreateStmt *) stmt;

				if (s->if_not_exists || cxt->in_transaction)
					break;
				if (s->relation->relpersistence == RELPERSISTENCE_TEMP &&
					s->oncommit == ONCOMMIT_DROP)
					break;
				robust_report(cxt, -1, "IF NOT EXISTS");
				break;
			}
		case T_DropStmt:
			{
				DropStmt   *s = (DropStmt *) stmt;

				if (s->missing_ok || cxt->in_transaction)
					break;
				if (s->removeType == OBJECT_INDEX || s->removeType == OBJECT_TABLE ||
					s->removeType == OBJECT_TYPE)
					robust_report(cxt, -1, "IF EXISTS");
				break;
			}
		default:
			break;
	}
}

void
schemashift_finish_script(SSContext *cxt)
{
	if (cxt->explicit_transaction && !cxt->guard)
		ss_report_full(cxt, SS_BAN_UNCOMMITTED_TRANSACTION, -1, NULL, NoLock, false,
					   psprintf("the transaction opened by statement %d is never committed",
								cxt->begin_location),
					   NULL);
}

const SSChecker schemashift_tx_checkers[] = {
	{T_Invalid, check_exclusive_lock},
	{T_Invalid, check_timeouts},
	{T_Invalid, check_robust},
	{T_TransactionStmt, check_transaction},
	{T_Invalid, NULL}
};
