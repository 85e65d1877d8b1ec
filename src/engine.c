/*-------------------------------------------------------------------------
 *
 * engine.c
 *		The analysis of one statement: dispatch to the rule families by node
 *		tag, the lock the statement takes, and the reporting of findings.
 *
 * The same code serves lint() (a whole script, statement by statement) and
 * the live guard (one statement as it runs); the phases a statement goes
 * through are described at schemashift_analyze_statement().  Findings go
 * to the context's emit callback after the per-rule level is applied;
 * suppression by ignore comments is the caller's business, since only a
 * script has comments.
 *
 *-------------------------------------------------------------------------
 */
#include "schemashift.h"
#include "hints.h"
#include "versions.h"

#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "commands/defrem.h"
#include "commands/tablecmds.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "storage/lock.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

/* The rule families, in the order their findings are reported. */
static const SSChecker *const rule_families[] = {
	schemashift_tx_checkers,
	schemashift_index_checkers,
	schemashift_alter_checkers,
	schemashift_types_checkers,
	schemashift_drop_checkers,
	schemashift_misc_checkers,
	/* the script as a sequence of locks: after the findings of the others */
	schemashift_tx_after_checkers,
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
	cxt->cur_cmd = -1;
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

/*
 * Is the statement about a temporary relation?  Style rules are not: a
 * temporary table lives for a session, and nobody migrates it later.
 */
static bool
on_temp_relation(SSContext *cxt)
{
	RangeVar   *rv = NULL;
	Oid			relid;

	if (IsA(cxt->stmt, CreateStmt))
		rv = ((CreateStmt *) cxt->stmt)->relation;
	else if (IsA(cxt->stmt, CreateTableAsStmt))
		rv = ((CreateTableAsStmt *) cxt->stmt)->into->rel;
	else if (IsA(cxt->stmt, AlterTableStmt))
		rv = ((AlterTableStmt *) cxt->stmt)->relation;
	if (rv == NULL)
		return false;
	if (rv->relpersistence == RELPERSISTENCE_TEMP)
		return true;
	if (!IsA(cxt->stmt, AlterTableStmt))
		return false;
	relid = ss_lookup_relation(cxt, rv);
	/* one the script created itself is known by its schema */
	if (cxt->memo_rv == rv && cxt->memo_script)
		return strcmp(cxt->memo_script->nspname, "pg_temp") == 0;
	return OidIsValid(relid) && get_rel_persistence(relid) == RELPERSISTENCE_TEMP;
}

void
ss_report_full(SSContext *cxt, SSRuleId rule, int location, const char *object,
			   LOCKMODE lock, bool rewrites, const char *message,
			   const char *hint)
{
	SSFinding	f;

	ss_note_finding(cxt, rule);
	if (!ss_rule_enabled(cxt, rule))
		return;
	if (schemashift_rules[rule].family == SS_FAMILY_STYLE && cxt->stmt &&
		on_temp_relation(cxt))
		return;

	/* a finding on one sub-command of an ALTER TABLE is at that one */
	if (location < 0 && cxt->cmd_starts && cxt->cur_cmd >= 0 &&
		cxt->cur_cmd < cxt->ncmd_starts)
		location = cxt->cmd_starts[cxt->cur_cmd];
	f.rule = rule;
	f.level = cxt->levels.level[rule];
	f.location = cxt->stmt_offset + (location >= 0 ? location : 0);
	f.object = object;
	f.lock = lock;
	f.rewrites = rewrites;
	f.message = message ? message : schemashift_rules[rule].message;
	/*
	 * A rule's own hint is final, but for 18's NOT NULL recipe: that one is
	 * the plain-SQL sentence after the CALL, as the registry's hint is
	 */
	if (hint == NULL || hint == ss_not_null_hint())
		f.hint = ss_finding_hint(cxt, rule, hint);
	else
		f.hint = hint;
	ss_judge_table_size(cxt, &f);
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

/* Is a boolean option (CONCURRENTLY, FULL) of a parenthesized list on? */
static bool
option_is_on(List *options, const char *name)
{
	ListCell   *lc;
	bool		on = false;

	foreach(lc, options)
	{
		DefElem    *opt = lfirst_node(DefElem, lc);

		if (strcmp(opt->defname, name) == 0)
			on = defGetBoolean(opt);
	}
	return on;
}

/* ---------- the lock of each statement kind ---------- */

/*
 * Each returns the lock its statement kind takes and sets *rv to the
 * relation it is judged by (NULL: none, or many).
 */
typedef LOCKMODE (*SSLockOf) (SSContext *cxt, Node *stmt, RangeVar **rv);

static LOCKMODE
lock_alter_table(SSContext *cxt, Node *stmt, RangeVar **rv)
{
	*rv = ((AlterTableStmt *) stmt)->relation;
	return AlterTableGetLockLevel(((AlterTableStmt *) stmt)->cmds);
}

static LOCKMODE
lock_index(SSContext *cxt, Node *stmt, RangeVar **rv)
{
	*rv = ((IndexStmt *) stmt)->relation;
	return ((IndexStmt *) stmt)->concurrent ? ShareUpdateExclusiveLock : ShareLock;
}

/* Does a DROP of this kind drop relations? */
bool
ss_drops_relation(ObjectType kind)
{
	switch (kind)
	{
		case OBJECT_TABLE:
		case OBJECT_VIEW:
		case OBJECT_MATVIEW:
		case OBJECT_FOREIGN_TABLE:
		case OBJECT_SEQUENCE:
		case OBJECT_INDEX:
			return true;
		default:
			return false;
	}
}

/* A hash table in the script's state, keyed by a string or by bytes. */
HTAB *
ss_state_hash(SSContext *cxt, const char *name, Size keysize, Size entrysize,
			  bool string_keys)
{
	HASHCTL		ctl;

	ctl.keysize = keysize;
	ctl.entrysize = entrysize;
	ctl.hcxt = cxt->state_cxt;
	return hash_create(name, 16, &ctl, HASH_ELEM | HASH_CONTEXT |
					   (string_keys ? HASH_STRINGS : HASH_BLOBS));
}

static LOCKMODE
lock_drop(SSContext *cxt, Node *stmt, RangeVar **rv)
{
	DropStmt   *s = (DropStmt *) stmt;
	ListCell   *lc;

	if (!ss_drops_relation(s->removeType))
		return NoLock;
	/* judged by the first one that is not new */
	foreach(lc, s->objects)
	{
		RangeVar   *one = rangevar_from_names(lfirst(lc));

		CHECK_FOR_INTERRUPTS();
		if (one == NULL)
			continue;
		if (*rv == NULL)
			*rv = one;
		if (!ss_relation_is_new(cxt, one))
		{
			*rv = one;
			break;
		}
	}
	if (s->removeType == OBJECT_INDEX && s->concurrent)
		return ShareUpdateExclusiveLock;
	return AccessExclusiveLock;
}

static LOCKMODE
lock_truncate(SSContext *cxt, Node *stmt, RangeVar **rv)
{
	*rv = first_existing(cxt, ((TruncateStmt *) stmt)->relations, false);
	return AccessExclusiveLock;
}

static LOCKMODE
lock_rename(SSContext *cxt, Node *stmt, RangeVar **rv)
{
	RenameStmt *s = (RenameStmt *) stmt;
	char		relkind;

	if (s->relation == NULL)
		return NoLock;
	*rv = s->relation;

	/*
	 * ALTER INDEX renames under SHARE UPDATE EXCLUSIVE, but only an index: on
	 * a table it takes ACCESS EXCLUSIVE.
	 */
	if (s->renameType == OBJECT_INDEX)
	{
		relkind = ss_relation_relkind(cxt, *rv);
		if (relkind == '\0' || relkind == RELKIND_INDEX ||
			relkind == RELKIND_PARTITIONED_INDEX)
			return ShareUpdateExclusiveLock;
	}
	return AccessExclusiveLock;
}

static LOCKMODE
lock_set_schema(SSContext *cxt, Node *stmt, RangeVar **rv)
{
	*rv = ((AlterObjectSchemaStmt *) stmt)->relation;
	return *rv ? AccessExclusiveLock : NoLock;
}

/*
 * REINDEX takes SHARE on the table and ACCESS EXCLUSIVE on each index it
 * rebuilds: the lock on the relation named (measured in pg_locks).
 */
static LOCKMODE
lock_reindex(SSContext *cxt, Node *stmt, RangeVar **rv)
{
	ReindexStmt *s = (ReindexStmt *) stmt;

	*rv = s->relation;
	if (option_is_on(s->params, "concurrently"))
		return ShareUpdateExclusiveLock;
	return s->kind == REINDEX_OBJECT_INDEX ? AccessExclusiveLock : ShareLock;
}

static LOCKMODE
lock_vacuum(SSContext *cxt, Node *stmt, RangeVar **rv)
{
	VacuumStmt *s = (VacuumStmt *) stmt;
	bool		full = option_is_on(s->options, "full");

	*rv = first_existing(cxt, s->rels, true);
	return full ? AccessExclusiveLock : ShareUpdateExclusiveLock;
}

static LOCKMODE
lock_refresh(SSContext *cxt, Node *stmt, RangeVar **rv)
{
	*rv = ((RefreshMatViewStmt *) stmt)->relation;
	return ((RefreshMatViewStmt *) stmt)->concurrent ? ExclusiveLock : AccessExclusiveLock;
}

static LOCKMODE
lock_lock(SSContext *cxt, Node *stmt, RangeVar **rv)
{
	*rv = first_existing(cxt, ((LockStmt *) stmt)->relations, false);
	return ((LockStmt *) stmt)->mode;
}

/*
 * The statement kinds that lock a relation, any other locking none: a
 * fixed lock on the relation a field names (FIXED), or a lock the
 * statement's options decide (BY).
 */
typedef struct SSStatementLock
{
	NodeTag		tag;
	LOCKMODE	lock;			/* FIXED: the lock */
	int			relation;		/* FIXED: offset of the RangeVar, or -1 */
	SSLockOf	lock_of;		/* BY: the function that decides */
} SSStatementLock;

#define FIXED(type, field, mode) {T_##type, (mode), offsetof(type, field), NULL}
#define BY(type, fn) {T_##type, NoLock, -1, (fn)}

static const SSStatementLock statement_locks[] = {
	BY(AlterTableStmt, lock_alter_table),
	BY(IndexStmt, lock_index),
	BY(DropStmt, lock_drop),
	BY(TruncateStmt, lock_truncate),
	BY(RenameStmt, lock_rename),
	/* many relations, each copied under ACCESS EXCLUSIVE */
	{T_AlterTableMoveAllStmt, AccessExclusiveLock, -1, NULL},
	BY(AlterObjectSchemaStmt, lock_set_schema),
	BY(ReindexStmt, lock_reindex),
	FIXED(ClusterStmt, relation, AccessExclusiveLock),
	BY(VacuumStmt, lock_vacuum),
	BY(RefreshMatViewStmt, lock_refresh),
	BY(LockStmt, lock_lock),
	FIXED(CreateTrigStmt, relation, ShareRowExclusiveLock),
	FIXED(CreatePolicyStmt, table, AccessExclusiveLock),
	FIXED(UpdateStmt, relation, RowExclusiveLock),
	FIXED(DeleteStmt, relation, RowExclusiveLock),
};

/* The lock one entry of statement_locks says stmt takes, and *rv. */
static LOCKMODE
entry_lock(SSContext *cxt, const SSStatementLock *e, Node *stmt, RangeVar **rv)
{
	if (e->lock_of)
		return e->lock_of(cxt, stmt, rv);
	if (e->relation >= 0)
		*rv = *(RangeVar **) ((char *) stmt + e->relation);
	return e->lock;
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
	int			i;

	for (i = 0; i < lengthof(statement_locks); i++)
	{
		if (statement_locks[i].tag == nodeTag(stmt))
		{
			mode = entry_lock(cxt, &statement_locks[i], stmt, &rv);
			break;
		}
	}

	if (target)
		*target = rv;
	if (rv == NULL)
		return mode;
	if (ss_relation_is_new(cxt, rv))
		return NoLock;
	return mode;
}

/* The rules of every family for this node tag, in the families' order. */
static void
run_rules(SSContext *cxt, Node *stmt)
{
	int			f;

	for (f = 0; f < lengthof(rule_families); f++)
	{
		const SSChecker *c;

		for (c = rule_families[f]; c->check != NULL; c++)
		{
			/* each checker is linear in the statement: check between them */
			CHECK_FOR_INTERRUPTS();
			if (c->tag == T_Invalid || c->tag == nodeTag(stmt))
				c->check(cxt, stmt);
		}
	}
}

/*
 * Analyse one raw statement.  stmt_offset is where its text starts in the
 * script; node locations inside it are relative to that.
 *
 * Three phases, in this order (engine_phases.c holds the first and last):
 *
 *	1. before the rules: the lock the statement takes and on what, and the
 *	   settings it makes, which count for the statement itself; the ones
 *	   the server's own code reads are applied to the session until the
 *	   statement is judged;
 *	2. the rules: each family's checkers for the node tag; the order of
 *	   rule_families is the order of the findings;
 *	3. after the rules: the statement's effect on the script state the next
 *	   statements are judged by: the transaction, then what it created.
 *
 * So a rule always sees the script as it was before the statement (plus
 * the statement's own lock and settings), whatever its family's position.
 * A rule may keep a memory of its own (the constraints rules_alter.c
 * tracks, the names prefer-robust-stmts saw dropped); state several rules
 * read is kept by the phases only.
 */
void
schemashift_analyze_statement(SSContext *cxt, Node *stmt, int stmt_number,
							  int stmt_offset)
{
	RangeVar   *target = NULL;
	int			guc_level;

	check_stack_depth();

	/* phase 1: before the rules */
	cxt->stmt = stmt;
	cxt->memo_rv = NULL;
	cxt->hint_text_known = false;
	cxt->stmt_number = stmt_number;
	cxt->stmt_offset = stmt_offset;
	cxt->stmt_lock = ss_statement_lock(cxt, stmt, &target);
	cxt->stmt_lock_object = target ? ss_relation_name(target) : NULL;
	cxt->stmt_slow = NULL;
	ss_track_settings(cxt, stmt);

	/* the server's own code reads the script's settings from here on */
	guc_level = ss_apply_script_settings(cxt);
	PG_TRY();
	{
		/* phase 2: the rules, but a statement IF EXISTS makes a no-op has none */
		if (ss_statement_is_noop(cxt, stmt))
			cxt->stmt_lock = NoLock;
		else
			run_rules(cxt, stmt);

		/* phase 3: after the rules */
		ss_track_transaction(cxt, stmt);
		ss_remember_created(cxt, stmt);
	}
	PG_FINALLY();
	{
		ss_restore_script_settings(guc_level);
	}
	PG_END_TRY();
}
