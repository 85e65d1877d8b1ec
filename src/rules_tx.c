/*-------------------------------------------------------------------------
 *
 * rules_tx.c
 *		Rules about the script as a sequence: transactions (nesting, an
 *		uncommitted BEGIN, a lock that blocks writes held while a slow
 *		statement runs), timeouts set earlier in the script where a lock
 *		wait or a slow statement would block others (or before any DDL,
 *		under squawk's lint profile), and statements that cannot be re-run
 *		after a partial failure.
 *
 * The rules read the transaction state and the timeouts set so far; the
 * engine's phases keep them (engine_phases.c).  The locks a transaction
 * holds are this file's own memory (check_sequence).
 *
 *-------------------------------------------------------------------------
 */
#include "schemashift.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/index.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_trigger.h"
#include "commands/defrem.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "parser/parse_func.h"
#include "tcop/tcopprot.h"
#include "tcop/utility.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

/* ---------- what a statement locks, and what makes it slow ---------- */

/*
 * SHARE and stronger block writes (EXCLUSIVE and ACCESS EXCLUSIVE reads
 * too): another session's INSERT, UPDATE or DELETE queues behind such a
 * lock, and behind a request for it that waits.  Weaker ones (SHARE UPDATE
 * EXCLUSIVE: CREATE INDEX, REINDEX and DROP INDEX CONCURRENTLY, VALIDATE
 * CONSTRAINT) queue nobody's reads or writes.
 */
#define BLOCKS_WRITES(mode) ((mode) >= ShareLock)

/*
 * An existing table a statement locks so that writes to it wait; the
 * locks a transaction holds are a hash table of them by name, so that a
 * transaction over thousands of tables costs no more per statement.
 */
#define LOCKED_NAME_LEN (NAMEDATALEN * 4)

typedef struct SSLockedTable
{
	char		name[LOCKED_NAME_LEN];	/* hash key: as findings name it */
	LOCKMODE	mode;
	int			stmt;			/* the statement that took the lock */
	int			offset;			/* where it starts in the script */
	int			line;			/* its line, once counted, else 0 */
} SSLockedTable;

typedef SSLockedTable LockedTable;

static LockedTable *
new_locked(SSContext *cxt, const char *name, LOCKMODE mode)
{
	LockedTable *lt = palloc(sizeof(LockedTable));

	strlcpy(lt->name, name, LOCKED_NAME_LEN);
	lt->mode = mode;
	lt->stmt = cxt->stmt_number;
	lt->offset = cxt->stmt_offset;
	lt->line = 0;
	return lt;
}

/*
 * The table a lock on relid blocks: an index's own lock blocks every query
 * on its table, since the planner opens all the table's indexes.
 */
static Oid
locked_table(Oid relid)
{
	char		relkind = get_rel_relkind(relid);

	if (relkind == RELKIND_INDEX || relkind == RELKIND_PARTITIONED_INDEX)
		return IndexGetRelation(relid, true);
	return relid;
}

static List *
add_lock(SSContext *cxt, List *locks, Oid relid, LOCKMODE mode)
{
	if (!OidIsValid(relid) || !BLOCKS_WRITES(mode))
		return locks;
	relid = locked_table(relid);
	/* what does not exist or this transaction made, nobody else can see */
	if (!OidIsValid(relid) || ss_relid_is_new(relid))
		return locks;
	return lappend(locks,
				   new_locked(cxt, RelationIsVisible(relid) ?
							  quote_identifier(get_rel_name(relid)) :
							  quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
														 get_rel_name(relid)),
							  mode));
}

/*
 * A lock on the relation rv names.  One the catalog does not know is
 * judged as every rule judges it, as an existing table (lint may run
 * without the application's schema), named as written (an index's table
 * is then unknown), unless the script dropped it.
 */
static List *
add_lock_rv(SSContext *cxt, List *locks, RangeVar *rv, LOCKMODE mode)
{
	Oid			relid;

	if (rv == NULL || !BLOCKS_WRITES(mode))
		return locks;
	relid = ss_lookup_relation(cxt, rv);
	if (OidIsValid(relid))
		return add_lock(cxt, locks, relid, mode);
	if (ss_relation_is_new(cxt, rv) ||
		(cxt->memo_rv == rv && cxt->memo_script &&
		 cxt->memo_script->state != SS_SCRIPT_CATALOG))
		return locks;
	return lappend(locks, new_locked(cxt, ss_relation_name(rv), mode));
}

/* Does the transaction hold a lock that blocks writes on the table? */
static bool
holds(SSContext *cxt, const char *name)
{
	return cxt->held_locks &&
		hash_search(cxt->held_locks, name, HASH_FIND, NULL) != NULL;
}

/* A foreign key locks its referenced table in SHARE ROW EXCLUSIVE. */
static List *
add_fk_locks(SSContext *cxt, List *locks, Node *node)
{
	ListCell   *lc;

	if (node == NULL)
		return locks;
	if (IsA(node, ColumnDef))
		return add_fk_locks(cxt, locks, (Node *) ((ColumnDef *) node)->constraints);
	if (IsA(node, Constraint))
	{
		Constraint *c = (Constraint *) node;

		if (c->contype == CONSTR_FOREIGN)
			locks = add_lock_rv(cxt, locks, c->pktable, ShareRowExclusiveLock);
		return locks;
	}
	if (IsA(node, List))
		foreach(lc, (List *) node)
			locks = add_fk_locks(cxt, locks, lfirst(lc));
	return locks;
}

/* DROP FUNCTION ... CASCADE drops its triggers, each under ACCESS EXCLUSIVE */
static List *
add_trigger_function_locks(SSContext *cxt, List *locks, DropStmt *s)
{
	ListCell   *lc;

	foreach(lc, s->objects)
	{
		Oid			funcid = LookupFuncWithArgs(s->removeType,
												lfirst_node(ObjectWithArgs, lc), true);
		Relation	rel;
		SysScanDesc scan;
		HeapTuple	tup;

		if (!OidIsValid(funcid))
			continue;
		/* pg_trigger has no index on the function: a catalog scan */
		rel = table_open(TriggerRelationId, AccessShareLock);
		scan = systable_beginscan(rel, InvalidOid, false, NULL, 0, NULL);
		while ((tup = systable_getnext(scan)) != NULL)
		{
			Form_pg_trigger trg = (Form_pg_trigger) GETSTRUCT(tup);

			if (trg->tgfoid == funcid)
				locks = add_lock(cxt, locks, trg->tgrelid, AccessExclusiveLock);
		}
		systable_endscan(scan);
		table_close(rel, AccessShareLock);
	}
	return locks;
}

/* DROP of relations, and of what lives on a table (trigger, rule, policy) */
static List *
drop_locks(SSContext *cxt, DropStmt *s)
{
	List	   *locks = NIL;
	ListCell   *lc;

	if (ss_drops_relation(s->removeType))
	{
		foreach(lc, s->objects)
		{
			List	   *names = lfirst(lc);

			if (s->concurrent || list_length(names) > 3 ||
				(s->missing_ok && ss_drop_object_missing(cxt, s, lfirst(lc))))
				continue;
			locks = add_lock_rv(cxt, locks, makeRangeVarFromNameList(names),
								AccessExclusiveLock);
		}
		return locks;
	}
	switch (s->removeType)
	{
		case OBJECT_TRIGGER:
		case OBJECT_RULE:
		case OBJECT_POLICY:
			foreach(lc, s->objects)
			{
				List	   *names = lfirst(lc);

				if (list_length(names) >= 2 && list_length(names) <= 4)
					locks = add_lock_rv(cxt, locks,
										makeRangeVarFromNameList(list_truncate(list_copy(names),
																			   list_length(names) - 1)),
										AccessExclusiveLock);
			}
			break;
		case OBJECT_FUNCTION:
		case OBJECT_PROCEDURE:
		case OBJECT_ROUTINE:
			if (s->behavior == DROP_CASCADE)
				locks = add_trigger_function_locks(cxt, locks, s);
			break;
		default:
			break;
	}
	return locks;
}

/*
 * The existing tables the statement locks so that writes to them wait
 * (LockedTable), as the server takes them: those the engine's lock of the
 * statement names (ss_statement_lock), every relation of a statement that
 * names several, the tables of dropped triggers, and the tables foreign
 * keys reference.
 */
static List *
statement_locks(SSContext *cxt, Node *stmt)
{
	RangeVar   *rv = NULL;
	LOCKMODE	mode;
	List	   *locks = NIL;
	ListCell   *lc;

	switch (nodeTag(stmt))
	{
		case T_DropStmt:
			return drop_locks(cxt, (DropStmt *) stmt);
		case T_TruncateStmt:
			foreach(lc, ((TruncateStmt *) stmt)->relations)
				locks = add_lock_rv(cxt, locks, lfirst_node(RangeVar, lc),
									AccessExclusiveLock);
			return locks;
		case T_LockStmt:
			foreach(lc, ((LockStmt *) stmt)->relations)
				locks = add_lock_rv(cxt, locks, lfirst_node(RangeVar, lc),
									((LockStmt *) stmt)->mode);
			return locks;
		case T_CreateStmt:
			return add_fk_locks(cxt, NIL, (Node *) ((CreateStmt *) stmt)->tableElts);
		case T_ViewStmt:
			/* OR REPLACE of a view the catalog has; else it creates one */
			return ((ViewStmt *) stmt)->replace ?
				add_lock(cxt, NIL, ss_lookup_relation(cxt, ((ViewStmt *) stmt)->view),
						 AccessExclusiveLock) : NIL;
		case T_RuleStmt:
			return add_lock_rv(cxt, NIL, ((RuleStmt *) stmt)->relation,
							   AccessExclusiveLock);
		default:
			break;
	}
	mode = ss_statement_lock(cxt, stmt, &rv);
	locks = add_lock_rv(cxt, NIL, rv, mode);
	if (IsA(stmt, AlterTableStmt))
	{
		foreach(lc, ((AlterTableStmt *) stmt)->cmds)
			locks = add_fk_locks(cxt, locks, lfirst_node(AlterTableCmd, lc)->def);
	}
	return locks;
}

/* The strongest lock of a list (LockedTable), the first of equals. */
static LockedTable *
strongest(List *locks)
{
	LockedTable *best = NULL;
	ListCell   *lc;

	foreach(lc, locks)
	{
		LockedTable *lt = lfirst(lc);

		if (best == NULL || lt->mode > best->mode)
			best = lt;
	}
	return best;
}

/*
 * What a finding of each rule says the statement does that takes time:
 * the rules of the rewrite, index build and scan families.  The engine
 * tells every finding (ss_note_finding), reported or not, so that the
 * statement's slowness is known whatever the levels.
 */
static const char *
slow_rule_says(SSRuleId rule)
{
	switch (rule)
	{
		case SS_ADDING_FIELD_WITH_DEFAULT:
		case SS_ADDING_SERIAL_COLUMN:
		case SS_CHANGING_COLUMN_TYPE:
		case SS_BAN_TABLE_REWRITE:
			return "rewrites a table or rebuilds its indexes";
		case SS_REQUIRE_CONCURRENT_INDEX_CREATION:
		case SS_DISALLOWED_UNIQUE_CONSTRAINT:
		case SS_ADDING_SERIAL_PRIMARY_KEY_FIELD:
		case SS_ADDING_EXCLUSION_CONSTRAINT:
		case SS_REQUIRE_CONCURRENT_REINDEX:
			return "builds an index";
		case SS_CONSTRAINT_MISSING_NOT_VALID:
		case SS_ADDING_FOREIGN_KEY_CONSTRAINT:
		case SS_ADDING_NOT_NULLABLE_FIELD:
		case SS_BAN_ALTER_DOMAIN_WITH_ADD_CONSTRAINT:
			return "scans a whole table";
		case SS_UNBATCHED_BACKFILL:
			return "changes a batch of rows";
		case SS_REQUIRE_CONCURRENT_REFRESH:
			return "refreshes a materialized view";
		default:
			return NULL;
	}
}

void
ss_note_finding(SSContext *cxt, SSRuleId rule)
{
	if (cxt->stmt_slow == NULL)
		cxt->stmt_slow = slow_rule_says(rule);
}

/* Does the walked tree read an existing relation?  *name: the first. */
static bool
reads_existing_walker(Node *node, void *arg)
{
	void	  **a = (void **) arg;

	if (node == NULL)
		return false;
	if (IsA(node, RangeVar))
	{
		Oid			relid = ss_lookup_relation((SSContext *) a[0], (RangeVar *) node);

		if (OidIsValid(relid) && !ss_relid_is_new(relid))
		{
			a[1] = ss_relation_name((RangeVar *) node);
			return true;
		}
		return false;
	}
	return raw_expression_tree_walker(node, reads_existing_walker, arg);
}

static const char *
reads_existing(SSContext *cxt, Node *node)
{
	void	   *a[2] = {cxt, NULL};

	(void) reads_existing_walker(node, a);
	return a[1];
}

/* SELECT pg_sleep(...): a wait */
static bool
sleeps(SelectStmt *s)
{
	ListCell   *lc;

	foreach(lc, s->targetList)
	{
		Node	   *val = lfirst_node(ResTarget, lc)->val;

		if (IsA(val, FuncCall) &&
			strncmp(strVal(llast(((FuncCall *) val)->funcname)), "pg_sleep", 8) == 0)
			return true;
	}
	return false;
}

/*
 * An UPDATE or DELETE that does not pick its rows by a unique key: by
 * equality on other columns, indexed or not, it changes any number of rows
 * and may read the whole table (ss_where_fixes_key).
 */
static const char *
dml_slowness(SSContext *cxt, RangeVar *rv, Node *where, List *from)
{
	if (ss_relation_is_new(cxt, rv))
		return NULL;
	if (from == NIL && ss_where_fixes_key(ss_lookup_relation(cxt, rv), where))
		return NULL;
	return "changes a batch of rows";
}

/*
 * What makes the statement slow that no rule's finding says: reading or
 * changing many rows of an existing table, a refresh, a validation, a
 * wait.  Statements on tables the script or the transaction created are
 * never slow for anyone else.
 */
static const char *
own_slowness(SSContext *cxt, Node *stmt)
{
	switch (nodeTag(stmt))
	{
		case T_UpdateStmt:
			{
				UpdateStmt *s = (UpdateStmt *) stmt;

				return dml_slowness(cxt, s->relation, s->whereClause, s->fromClause);
			}
		case T_DeleteStmt:
			{
				DeleteStmt *s = (DeleteStmt *) stmt;

				return dml_slowness(cxt, s->relation, s->whereClause, s->usingClause);
			}
		case T_MergeStmt:
			return dml_slowness(cxt, ((MergeStmt *) stmt)->relation, NULL, NIL);
		case T_InsertStmt:
			return reads_existing(cxt, ((InsertStmt *) stmt)->selectStmt) ?
				"copies rows of an existing table" : NULL;
		case T_CreateTableAsStmt:
			/* WITH NO DATA runs no query: a later REFRESH does */
			return !((CreateTableAsStmt *) stmt)->into->skipData &&
				reads_existing(cxt, ((CreateTableAsStmt *) stmt)->query) ?
				"reads a whole table" : NULL;
		case T_SelectStmt:
			if (sleeps((SelectStmt *) stmt))
				return "waits (pg_sleep)";
			return reads_existing(cxt, stmt) ? "reads a table" : NULL;
		case T_ClusterStmt:
			return "rewrites a table (CLUSTER)";
		case T_ReindexStmt:
			return "rebuilds indexes";
		case T_RefreshMatViewStmt:
			/* it runs the view's query: over existing tables even when the
			 * script made the view */
			return "refreshes a materialized view";
		case T_AlterTableStmt:
			{
				ListCell   *lc;

				if (ss_relation_is_new(cxt, ((AlterTableStmt *) stmt)->relation))
					return NULL;
				foreach(lc, ((AlterTableStmt *) stmt)->cmds)
				{
					if (SCHEMASHIFT_IS_VALIDATE_CONSTRAINT(lfirst_node(AlterTableCmd, lc)->subtype))
						return "validates a constraint (a scan of the whole table)";
				}
				return NULL;
			}
		case T_LockStmt:
			{
				ListCell   *lc;

				/*
				 * a lock on another busy table, taken while holding one,
				 * waits for its holders (the first one's own wait is what
				 * lock_timeout bounds)
				 */
				if (cxt->held_strongest == NULL)
					return NULL;
				foreach(lc, statement_locks(cxt, stmt))
				{
					if (!holds(cxt, ((LockedTable *) lfirst(lc))->name))
						return "waits for a lock on another table";
				}
				return NULL;
			}
		default:
			return NULL;
	}
}

/* ---------- require-lock-timeout, require-statement-timeout ---------- */

/*
 * DDL as squawk draws the line (schemashift.lint_profile = squawk): what
 * log_statement = 'ddl' logs, plus the maintenance commands that lock a
 * table, minus privileges, security labels and SELECT INTO.
 */
static bool
squawk_ddl(Node *stmt)
{
	switch (nodeTag(stmt))
	{
		case T_LockStmt:
		case T_ClusterStmt:
		case T_ReindexStmt:
		case T_TruncateStmt:
		case T_LoadStmt:
			return true;
		case T_VacuumStmt:
			return ((VacuumStmt *) stmt)->is_vacuumcmd;
		case T_GrantStmt:
		case T_GrantRoleStmt:
		case T_SecLabelStmt:
		case T_ReassignOwnedStmt:
		case T_SelectStmt:
		case T_ExplainStmt:
			return false;
		default:
			return GetCommandLogLevel(stmt) == LOGSTMT_DDL;
	}
}

/*
 * A CONCURRENTLY form: it cannot run in a transaction block, and a timeout
 * that cancels it half way leaves an INVALID index (or a partition
 * detached half way) behind.
 */
bool
ss_runs_concurrently(Node *stmt)
{
	ListCell   *lc;

	switch (nodeTag(stmt))
	{
		case T_IndexStmt:
			return ((IndexStmt *) stmt)->concurrent;
		case T_DropStmt:
			return ((DropStmt *) stmt)->concurrent;
		case T_ReindexStmt:
			foreach(lc, ((ReindexStmt *) stmt)->params)
			{
				if (strcmp(lfirst_node(DefElem, lc)->defname, "concurrently") == 0)
					return defGetBoolean(lfirst(lc));
			}
			return false;
		case T_AlterTableStmt:
			foreach(lc, ((AlterTableStmt *) stmt)->cmds)
			{
				AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);

				if (cmd->subtype == AT_DetachPartition &&
					((PartitionCmd *) cmd->def)->concurrent)
					return true;
			}
			return false;
		default:
			return false;
	}
}

/*
 * squawk's placement: the first DDL without the timeout set, whatever it
 * locks.  A value the script set counts even when it is 0, the way to pass
 * a CONCURRENTLY statement, which a timeout would cancel, leaving an
 * INVALID index (or a partition detached half way) behind: the hint says
 * so there instead of asking for a short timeout.
 */
static void
check_timeout_squawk(SSContext *cxt, SSRuleId rule, bool chosen, bool *reported)
{
	const char *name = rule == SS_REQUIRE_LOCK_TIMEOUT ? "lock_timeout" : "statement_timeout";

	if (chosen || *reported || !squawk_ddl(cxt->stmt))
		return;
	ss_report_full(cxt, rule, -1, cxt->stmt_lock_object, cxt->stmt_lock, false,
				   psprintf("no %s is set before this DDL statement: the squawk profile asks for one before any DDL", name),
				   ss_runs_concurrently(cxt->stmt) ?
				   psprintf("SET %s = 0 (or longer than the statement can take) at the top of the migration: a CONCURRENTLY statement that a timeout cancels leaves an INVALID index (or a partition detached half way) behind.", name) :
				   NULL);
	*reported = true;
}

/*
 * lock_timeout matters where a waiting lock request queues other sessions:
 * a lock that blocks writes on an existing table.  Reported once per
 * script, at the first such statement (squawk's profile: at the first DDL).
 */
static void
check_lock_timeout(SSContext *cxt, List *locks)
{
	LockedTable *lt = strongest(locks);

	if (cxt->profile == SS_PROFILE_SQUAWK)
	{
		check_timeout_squawk(cxt, SS_REQUIRE_LOCK_TIMEOUT, cxt->lock_timeout_chosen,
							 &cxt->lock_timeout_reported);
		return;
	}
	if (lt == NULL || cxt->lock_timeout_set || cxt->lock_timeout_reported)
		return;
	ss_report_full(cxt, SS_REQUIRE_LOCK_TIMEOUT, -1, lt->name, lt->mode, false,
				   psprintf("no lock_timeout is set before this statement, which takes %s on %s: waiting for it stalls every query queued behind it",
							ss_lock_name(lt->mode), lt->name),
				   NULL);
	cxt->lock_timeout_reported = true;
}

/*
 * statement_timeout matters where a statement is slow while writes wait:
 * while the transaction holds a lock that blocks them (the finding names
 * that table), or under its own.  Never for a CONCURRENTLY build, which
 * blocks no writes and which a timeout would cancel, leaving an INVALID
 * index behind.
 */
static void
check_statement_timeout(SSContext *cxt, const char *slow, List *locks)
{
	LockedTable *lt = cxt->held_strongest;

	if (cxt->profile == SS_PROFILE_SQUAWK)
	{
		check_timeout_squawk(cxt, SS_REQUIRE_STATEMENT_TIMEOUT,
							 cxt->statement_timeout_chosen,
							 &cxt->statement_timeout_reported);
		return;
	}
	if (lt == NULL)
		lt = strongest(locks);
	if (slow == NULL || lt == NULL || cxt->statement_timeout_set ||
		cxt->statement_timeout_reported)
		return;
	ss_report_full(cxt, SS_REQUIRE_STATEMENT_TIMEOUT, -1, lt->name, lt->mode, false,
				   psprintf("no statement_timeout is set before this statement, which %s while writes to %s wait: it can hold its locks for as long as it runs",
							slow, lt->name),
				   NULL);
	cxt->statement_timeout_reported = true;
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

/* ---------- exclusive-lock-held-across-statements ---------- */

static void
forget_held_locks(SSContext *cxt)
{
	if (cxt->held_locks)
		hash_destroy(cxt->held_locks);
	cxt->held_locks = NULL;
	cxt->held_strongest = NULL;
}

/* The statement's locks are held until the transaction ends. */
static void
remember_held_locks(SSContext *cxt, List *locks)
{
	ListCell   *lc;

	if (locks == NIL)
		return;
	if (cxt->held_locks == NULL)
		cxt->held_locks = ss_state_hash(cxt, "schemashift held locks",
										LOCKED_NAME_LEN, sizeof(LockedTable), true);
	foreach(lc, locks)
	{
		LockedTable *lt = lfirst(lc);
		bool		found;
		LockedTable *held = hash_search(cxt->held_locks, lt->name, HASH_ENTER, &found);

		if (!found || lt->mode > held->mode)
		{
			held->mode = lt->mode;
			held->stmt = lt->stmt;
			held->offset = lt->offset;
			held->line = 0;
		}
		if (cxt->held_strongest == NULL || held->mode > cxt->held_strongest->mode)
			cxt->held_strongest = held;
	}
}

/* Does the statement itself lock the table at least as strongly? */
static bool
locks_itself(List *locks, LockedTable *held)
{
	ListCell   *lc;

	foreach(lc, locks)
	{
		LockedTable *own = lfirst(lc);

		if (own->mode >= held->mode && strcmp(own->name, held->name) == 0)
			return true;
	}
	return false;
}

/*
 * The strongest lock held from before that blocks more than the statement
 * itself does, or NULL.  The strongest of all is kept: the hash table is
 * scanned only when the statement locks that table itself.
 */
static LockedTable *
held_beyond(SSContext *cxt, List *locks)
{
	HASH_SEQ_STATUS seq;
	LockedTable *held;
	LockedTable *best = NULL;

	if (cxt->held_strongest == NULL || !locks_itself(locks, cxt->held_strongest))
		return cxt->held_strongest;
	hash_seq_init(&seq, cxt->held_locks);
	while ((held = hash_seq_search(&seq)) != NULL)
	{
		if (!locks_itself(locks, held) && (best == NULL || held->mode > best->mode))
			best = held;
	}
	return best;
}

/* The line of the statement that took a held lock, counted once. */
static int
held_line(SSContext *cxt, LockedTable *lt)
{
	const char *p;

	if (lt->line == 0 && cxt->script != NULL)
	{
		lt->line = 1;
		for (p = cxt->script; (p = memchr(p, '\n', cxt->script + lt->offset - p)) != NULL; p++)
			lt->line++;
	}
	return lt->line;
}

/*
 * A slow statement while the transaction holds a lock that blocks writes
 * (or reads) on an existing table, taken by an earlier statement: the
 * table stays blocked for the whole of it.  Not when the statement locks
 * that table as strongly itself (its own findings say so).  Reported at
 * every such statement, each one a wait of its own to move out of the
 * transaction, naming the table and where its lock was taken.
 */
static void
check_held_lock(SSContext *cxt, const char *slow, List *locks)
{
	LockedTable *lt;

	if (slow == NULL || (lt = held_beyond(cxt, locks)) == NULL)
		return;
	ss_report_full(cxt, SS_EXCLUSIVE_LOCK_HELD_ACROSS_STATEMENTS, -1, lt->name,
				   lt->mode, false,
				   psprintf("this statement %s while the transaction still holds %s on table %s, taken by statement %d at line %d: %s until commit",
							slow, ss_lock_name(lt->mode), lt->name, lt->stmt,
							held_line(cxt, lt),
							lt->mode == AccessExclusiveLock ?
							"nobody can read or write the table" :
							"nobody can write to the table"),
				   NULL);
}

/*
 * The rules about the script as a sequence of locks: run after every other
 * family, so that the findings they made of the statement say whether it
 * is slow (ss_note_finding).  The locks a transaction holds are the
 * checker's own memory: they start empty with each transaction.
 */
static void
check_sequence(SSContext *cxt, Node *stmt)
{
	List	   *locks;
	const char *slow;

	if (cxt->guard)
		return;
	if (!cxt->in_transaction)
		forget_held_locks(cxt);
	if (IsA(stmt, TransactionStmt))
	{
		switch (((TransactionStmt *) stmt)->kind)
		{
			case TRANS_STMT_BEGIN:
			case TRANS_STMT_START:
			case TRANS_STMT_COMMIT:
			case TRANS_STMT_ROLLBACK:
			case TRANS_STMT_PREPARE:
				forget_held_locks(cxt);
				break;
			default:
				break;
		}
		return;
	}
	locks = statement_locks(cxt, stmt);
	slow = cxt->stmt_slow ? cxt->stmt_slow : own_slowness(cxt, stmt);
	check_held_lock(cxt, slow, locks);
	check_lock_timeout(cxt, locks);
	check_statement_timeout(cxt, slow, locks);
	if (cxt->in_transaction)
		remember_held_locks(cxt, locks);
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
	{T_Invalid, check_robust},
	{T_TransactionStmt, check_transaction},
	{T_Invalid, NULL}
};

/* run after every other family (see check_sequence) */
const SSChecker schemashift_tx_after_checkers[] = {
	{T_Invalid, check_sequence},
	{T_Invalid, NULL}
};
