/*-------------------------------------------------------------------------
 *
 * engine.c
 *		The analysis of one statement: dispatch to the rule families by node
 *		tag, the lock the statement takes, and the reporting of findings.
 *
 * The same code serves lint() (a whole script, statement by statement) and
 * the live guard (one statement as it runs).  Findings go to the context's
 * emit callback after the per-rule level is applied; suppression by ignore
 * comments is the caller's business, since only a script has comments.
 *
 *-------------------------------------------------------------------------
 */
#include "schemashift.h"

#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "commands/defrem.h"
#include "commands/tablecmds.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "storage/lock.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

static const SSChecker *const checker_families[] = {
	schemashift_tx_checkers,
	schemashift_index_checkers,
	schemashift_alter_checkers,
	schemashift_types_checkers,
	schemashift_drop_checkers,
	schemashift_misc_checkers,
};

void
schemashift_context_init(SSContext *cxt, bool assume_in_transaction, bool guard)
{
	HASHCTL		ctl;

	memset(cxt, 0, sizeof(SSContext));
	schemashift_current_levels(&cxt->levels);
	cxt->assume_in_transaction = assume_in_transaction;
	cxt->in_transaction = assume_in_transaction;
	cxt->guard = guard;
	cxt->begin_location = -1;
	cxt->stmt_lock = NoLock;
	cxt->state_cxt = AllocSetContextCreate(CurrentMemoryContext,
										   "schemashift script state",
										   ALLOCSET_SMALL_SIZES);

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = NAMEDATALEN * 2;
	ctl.entrysize = sizeof(SSScriptRelation);
	ctl.hcxt = cxt->state_cxt;
	cxt->created_relations = hash_create("schemashift created relations", 64,
										 &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	ctl.keysize = NAMEDATALEN * 2 + 2;
	/* one byte after the key: 'd' dropped, 'a' added again */
	ctl.entrysize = NAMEDATALEN * 2 + 3;
	cxt->dropped_constraints = hash_create("schemashift dropped constraints", 16,
										   &ctl, HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);

	ctl.keysize = NAMEDATALEN * 2 + 2;
	ctl.entrysize = sizeof(SSTrackedConstraint);
	cxt->constraints = hash_create("schemashift constraints", 16, &ctl,
								   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);

	ctl.keysize = NAMEDATALEN;
	ctl.entrysize = sizeof(SSTableState);
	cxt->per_table = hash_create("schemashift tables", 16, &ctl,
								 HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
}

/* The script's record of one table; NULL when absent and !create. */
SSTableState *
ss_table_state(SSContext *cxt, const char *relname, bool create)
{
	char		key[NAMEDATALEN];
	bool		found;
	SSTableState *ts;

	strlcpy(key, relname, NAMEDATALEN);
	ts = hash_search(cxt->per_table, key, create ? HASH_ENTER : HASH_FIND, &found);
	if (ts && !found)
	{
		ts->index_keys = NULL;
		ts->proved_columns = NULL;
		ts->catalog_proofs = NIL;
		ts->index_columns = NIL;
		ts->has_foreign_key = false;
	}
	return ts;
}

bool
ss_rule_enabled(SSContext *cxt, SSRuleId rule)
{
	return cxt->levels.level[rule] != SS_LEVEL_OFF;
}

void
ss_report_full(SSContext *cxt, SSRuleId rule, int location, const char *object,
			   LOCKMODE lock, bool rewrites, const char *message,
			   const char *hint)
{
	SSFinding	f;

	if (!ss_rule_enabled(cxt, rule))
		return;

	f.rule = rule;
	f.level = cxt->levels.level[rule];
	f.location = cxt->stmt_offset + (location >= 0 ? location : 0);
	f.object = object;
	f.lock = lock;
	f.rewrites = rewrites;
	f.message = message ? message : schemashift_rules[rule].message;
	f.hint = hint ? hint : schemashift_rules[rule].hint;
	cxt->emit(cxt, &f);
}

void
ss_report(SSContext *cxt, SSRuleId rule, int location, const char *object,
		  const char *message)
{
	ss_report_full(cxt, rule, location, object, cxt->stmt_lock,
				   schemashift_rules[rule].rewrites, message, NULL);
}

const char *
ss_lock_name(LOCKMODE mode)
{
	if (mode == NoLock)
		return NULL;
	return GetLockmodeName(DEFAULT_LOCKMETHOD, mode);
}

static RangeVar *
rangevar_from_names(List *names)
{
	if (names == NIL || list_length(names) > 3)
		return NULL;
	return makeRangeVarFromNameList(names);
}

/*
 * The first relation of a list (RangeVars, or VacuumRelations) that is not
 * new, else the first one: the one a statement naming several is judged
 * by.  VACUUM FULL tmp, t must not pass for a temporary table's.
 */
static RangeVar *
first_existing(SSContext *cxt, List *rels, bool vacuum)
{
	ListCell   *lc;

	foreach(lc, rels)
	{
		RangeVar   *rv = vacuum ? lfirst_node(VacuumRelation, lc)->relation :
			lfirst_node(RangeVar, lc);

		CHECK_FOR_INTERRUPTS();
		if (rv && !ss_relation_is_new(cxt, rv))
			return rv;
	}
	if (rels == NIL)
		return NULL;
	return vacuum ? linitial_node(VacuumRelation, rels)->relation :
		linitial_node(RangeVar, rels);
}

/*
 * The strongest lock the statement takes on a relation that already exists,
 * and that relation.  Relations the script created itself are invisible to
 * other sessions, so a lock on them costs nothing: NoLock then.
 *
 * ALTER TABLE asks the server (AlterTableGetLockLevel), so the answer is the
 * one of this server version; the other statements have one lock each,
 * fixed by their implementation.
 */
LOCKMODE
ss_statement_lock(SSContext *cxt, Node *stmt, RangeVar **target)
{
	LOCKMODE	mode = NoLock;
	RangeVar   *rv = NULL;

	switch (nodeTag(stmt))
	{
		case T_AlterTableStmt:
			{
				AlterTableStmt *s = (AlterTableStmt *) stmt;

				rv = s->relation;
				mode = AlterTableGetLockLevel(s->cmds);
				break;
			}
		case T_IndexStmt:
			{
				IndexStmt  *s = (IndexStmt *) stmt;

				rv = s->relation;
				mode = s->concurrent ? ShareUpdateExclusiveLock : ShareLock;
				break;
			}
		case T_DropStmt:
			{
				DropStmt   *s = (DropStmt *) stmt;

				switch (s->removeType)
				{
					case OBJECT_TABLE:
					case OBJECT_VIEW:
					case OBJECT_MATVIEW:
					case OBJECT_FOREIGN_TABLE:
					case OBJECT_SEQUENCE:
						mode = AccessExclusiveLock;
						break;
					case OBJECT_INDEX:
						mode = s->concurrent ? ShareUpdateExclusiveLock : AccessExclusiveLock;
						break;
					default:
						break;
				}
				if (mode != NoLock)
				{
					ListCell   *lc;

					/* judged by the first one that is not new */
					foreach(lc, s->objects)
					{
						RangeVar   *one = rangevar_from_names(lfirst(lc));

						CHECK_FOR_INTERRUPTS();
						if (one == NULL)
							continue;
						if (rv == NULL)
							rv = one;
						if (!ss_relation_is_new(cxt, one))
						{
							rv = one;
							break;
						}
					}
				}
				break;
			}
		case T_TruncateStmt:
			rv = first_existing(cxt, ((TruncateStmt *) stmt)->relations, false);
			mode = AccessExclusiveLock;
			break;
		case T_RenameStmt:
			{
				RenameStmt *s = (RenameStmt *) stmt;

				if (s->relation)
				{
					char		relkind;

					rv = s->relation;
					mode = AccessExclusiveLock;

					/*
					 * ALTER INDEX renames under SHARE UPDATE EXCLUSIVE, but
					 * only an index: on a table it takes ACCESS EXCLUSIVE.
					 */
					if (s->renameType == OBJECT_INDEX)
					{
						relkind = ss_relation_relkind(cxt, rv);
						if (relkind == '\0' || relkind == RELKIND_INDEX ||
							relkind == RELKIND_PARTITIONED_INDEX)
							mode = ShareUpdateExclusiveLock;
					}
				}
				break;
			}
		case T_AlterTableMoveAllStmt:
			/* many relations, each copied under ACCESS EXCLUSIVE */
			mode = AccessExclusiveLock;
			break;
		case T_AlterObjectSchemaStmt:
			{
				AlterObjectSchemaStmt *s = (AlterObjectSchemaStmt *) stmt;

				if (s->relation)
				{
					rv = s->relation;
					mode = AccessExclusiveLock;
				}
				break;
			}
		case T_ReindexStmt:
			{
				ReindexStmt *s = (ReindexStmt *) stmt;
				ListCell   *lc;
				bool		concurrent = false;

				foreach(lc, s->params)
				{
					DefElem    *opt = lfirst_node(DefElem, lc);

					if (strcmp(opt->defname, "concurrently") == 0)
						concurrent = defGetBoolean(opt);
				}
				rv = s->relation;
				mode = concurrent ? ShareUpdateExclusiveLock : AccessExclusiveLock;
				break;
			}
		case T_ClusterStmt:
			rv = ((ClusterStmt *) stmt)->relation;
			mode = AccessExclusiveLock;
			break;
		case T_VacuumStmt:
			{
				VacuumStmt *s = (VacuumStmt *) stmt;
				ListCell   *lc;
				bool		full = false;

				foreach(lc, s->options)
				{
					DefElem    *opt = lfirst_node(DefElem, lc);

					if (strcmp(opt->defname, "full") == 0)
						full = defGetBoolean(opt);
				}
				rv = first_existing(cxt, s->rels, true);
				mode = full ? AccessExclusiveLock : ShareUpdateExclusiveLock;
				break;
			}
		case T_RefreshMatViewStmt:
			{
				RefreshMatViewStmt *s = (RefreshMatViewStmt *) stmt;

				rv = s->relation;
				mode = s->concurrent ? ExclusiveLock : AccessExclusiveLock;
				break;
			}
		case T_LockStmt:
			{
				LockStmt   *s = (LockStmt *) stmt;

				rv = first_existing(cxt, s->relations, false);
				mode = s->mode;
				break;
			}
		case T_CreateTrigStmt:
			rv = ((CreateTrigStmt *) stmt)->relation;
			mode = ShareRowExclusiveLock;
			break;
		case T_CreatePolicyStmt:
			rv = ((CreatePolicyStmt *) stmt)->table;
			mode = AccessExclusiveLock;
			break;
		case T_UpdateStmt:
			rv = ((UpdateStmt *) stmt)->relation;
			mode = RowExclusiveLock;
			break;
		case T_DeleteStmt:
			rv = ((DeleteStmt *) stmt)->relation;
			mode = RowExclusiveLock;
			break;
		default:
			break;
	}

	if (target)
		*target = rv;
	if (rv == NULL)
		return mode;
	if (ss_relation_is_new(cxt, rv))
		return NoLock;
	return mode;
}

/*
 * Analyse one raw statement.  stmt_offset is where its text starts in the
 * script; node locations inside it are relative to that.
 */
void
schemashift_analyze_statement(SSContext *cxt, Node *stmt, int stmt_number,
							  int stmt_offset)
{
	RangeVar   *target = NULL;
	int			f;

	cxt->stmt = stmt;
	cxt->memo_rv = NULL;
	cxt->stmt_number = stmt_number;
	cxt->stmt_offset = stmt_offset;
	cxt->stmt_lock = ss_statement_lock(cxt, stmt, &target);
	cxt->stmt_lock_object = target ? ss_relation_name(target) : NULL;

	check_stack_depth();

	/* Run the rule families' checkers for this node tag. */
	for (f = 0; f < lengthof(checker_families); f++)
	{
		const SSChecker *c;

		for (c = checker_families[f]; c->check != NULL; c++)
		{
			/* each checker is linear in the statement: check between them */
			CHECK_FOR_INTERRUPTS();
			if (c->tag == T_Invalid || c->tag == nodeTag(stmt))
				c->check(cxt, stmt);
		}
	}

	/* Remember an ACCESS EXCLUSIVE lock held until the end of the tx. */
	if (cxt->in_transaction && !IsA(stmt, TransactionStmt) &&
		cxt->stmt_lock == AccessExclusiveLock && !cxt->exclusive_lock_held)
	{
		cxt->exclusive_lock_held = true;
		cxt->exclusive_lock_reported = false;
		cxt->exclusive_lock_object = cxt->stmt_lock_object ?
			MemoryContextStrdup(cxt->state_cxt, cxt->stmt_lock_object) : NULL;
	}
}
