/*-------------------------------------------------------------------------
 *
 * engine_phases.c
 *		The engine's phases around the rules: what a statement changes in
 *		the state the script carries from one statement to the next.
 *
 * engine.c runs, for each statement:
 *
 *	1. before the rules: ss_track_settings(), the settings the statement
 *	   makes (a setting counts for the statement that makes it), kept per
 *	   transaction and savepoint as the server keeps them; while the rules
 *	   run, the ones the server's own code reads are applied to the
 *	   session (ss_apply_script_settings());
 *	2. the rules of every family (rules_*.c), which judge the statement
 *	   against the script's state as it was before it;
 *	3. after the rules: ss_track_transaction() (BEGIN, COMMIT, ROLLBACK),
 *	   then ss_remember_created() (what the statement created, dropped or put
 *	   below another relation), so that the next statements resolve names
 *	   as the server would.
 *
 * The state itself lives in the SSContext, for as long as the script.
 *
 *-------------------------------------------------------------------------
 */
#include "schemashift.h"

#include "catalog/namespace.h"
#include "miscadmin.h"
#include "storage/lockdefs.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"

#include "txn.h"

/* ---------- before the rules: the script's settings ---------- */

/*
 * The settings a script's SET, SET LOCAL, RESET, SET ... TO DEFAULT and
 * set_config() can change that change a verdict.  The ones the server's
 * own code reads while a statement is judged are applied to the session
 * for that time (ss_apply_script_settings()): the time zone decides
 * whether timestamp <-> timestamptz rewrites, search_path what a type,
 * function or operator name means.  The timeouts are read by the rules
 * only (a lock_timeout applied here would bound lint's own waits).
 */
typedef enum TrackedId
{
	SETTING_TIMEZONE,
	SETTING_SEARCH_PATH,
	SETTING_LOCK_TIMEOUT,
	SETTING_STATEMENT_TIMEOUT,
	NUM_TRACKED
} TrackedId;

typedef struct TrackedSetting
{
	const char *name;			/* as the server spells it */
	bool		apply;			/* applied while statements are judged */
} TrackedSetting;

static const TrackedSetting tracked_settings[NUM_TRACKED] = {
	[SETTING_TIMEZONE] = {"TimeZone", true},
	[SETTING_SEARCH_PATH] = {"search_path", true},
	[SETTING_LOCK_TIMEOUT] = {"lock_timeout", false},
	[SETTING_STATEMENT_TIMEOUT] = {"statement_timeout", false},
};

/* one value the script gave a setting; value NULL is its reset value */
typedef struct SettingSlot
{
	bool		made;
	char	   *value;
} SettingSlot;

/*
 * The transaction (the bottom frame) or one savepoint in it: the plain SET
 * of each setting made at this level, and the SET LOCAL made after it.
 */
typedef struct SettingFrame
{
	char	   *savepoint;		/* NULL for the transaction itself */
	SettingSlot set[NUM_TRACKED];
	SettingSlot local[NUM_TRACKED];
} SettingFrame;

/*
 * The script's settings, as the server keeps them: a value set outside a
 * transaction block (or committed) lasts; inside one, a plain SET lasts
 * if the transaction commits, SET LOCAL until it ends, and ROLLBACK (TO
 * SAVEPOINT) undoes what was set since.
 */
typedef struct SSSettings
{
	SettingSlot session[NUM_TRACKED];
	List	   *frames;			/* SettingFrame, the innermost last */
} SSSettings;

static int
tracked_index(const char *name)
{
	int			i;

	for (i = 0; i < NUM_TRACKED; i++)
		if (name && pg_strcasecmp(name, tracked_settings[i].name) == 0)
			return i;
	return -1;
}

/* The value the script's statements see now; NULL if the script set none. */
static SettingSlot *
effective_slot(SSSettings *st, int i)
{
	int			k;

	for (k = list_length(st->frames) - 1; k >= 0; k--)
	{
		SettingFrame *f = list_nth(st->frames, k);

		if (f->local[i].made)
			return &f->local[i];
		if (f->set[i].made)
			return &f->set[i];
	}
	return st->session[i].made ? &st->session[i] : NULL;
}

static SSSettings *
script_settings(SSContext *cxt)
{
	if (cxt->settings == NULL)
		cxt->settings = MemoryContextAllocZero(cxt->state_cxt, sizeof(SSSettings));
	return cxt->settings;
}

static SettingFrame *
push_frame(SSContext *cxt, const char *savepoint)
{
	SSSettings *st = script_settings(cxt);
	MemoryContext old = MemoryContextSwitchTo(cxt->state_cxt);
	SettingFrame *f = palloc0(sizeof(SettingFrame));

	f->savepoint = savepoint ? pstrdup(savepoint) : NULL;
	st->frames = lappend(st->frames, f);
	MemoryContextSwitchTo(old);
	return f;
}

/* The innermost frame of the open transaction. */
static SettingFrame *
current_frame(SSContext *cxt)
{
	SSSettings *st = script_settings(cxt);

	if (st->frames == NIL)
		return push_frame(cxt, NULL);
	return llast(st->frames);
}

/* A setting is not zero: a timeout is armed. */
static bool
timeout_armed(SettingSlot *slot)
{
	int			ms;

	if (slot == NULL || slot->value == NULL)
		return false;
	return !parse_int(slot->value, &ms, GUC_UNIT_MS, NULL) || ms != 0;
}

/*
 * What the rules read of the settings, brought up to date after a change:
 * the timeouts, and the search_path that lint's own name resolution
 * follows (catalog.c).
 */
static void
settings_changed(SSContext *cxt)
{
	SSSettings *st = script_settings(cxt);
	SettingSlot *path = effective_slot(st, SETTING_SEARCH_PATH);
	SettingSlot *lock = effective_slot(st, SETTING_LOCK_TIMEOUT);
	SettingSlot *statement = effective_slot(st, SETTING_STATEMENT_TIMEOUT);

	cxt->lock_timeout_set = timeout_armed(lock);
	cxt->statement_timeout_set = timeout_armed(statement);
	/* squawk's profile takes an explicit 0 as the script's choice */
	cxt->lock_timeout_chosen = lock && lock->value;
	cxt->statement_timeout_chosen = statement && statement->value;
	ss_set_script_search_path(cxt, path ? path->value : NULL, path != NULL);
}

/* SET [LOCAL] name = value (value NULL: RESET, DEFAULT) */
static void
note_setting(SSContext *cxt, int i, const char *value, bool is_local)
{
	SettingSlot *slot;
	SettingFrame *f;

	if (!cxt->in_transaction)
	{
		/* SET LOCAL outside a transaction block does nothing */
		if (is_local)
			return;
		slot = &script_settings(cxt)->session[i];
	}
	else
	{
		f = current_frame(cxt);
		slot = is_local ? &f->local[i] : &f->set[i];
		if (!is_local)
			f->local[i].made = false;
	}
	slot->made = true;
	slot->value = value ? MemoryContextStrdup(cxt->state_cxt, value) : NULL;
	settings_changed(cxt);
}

/* The string a SET gives its setting, as the server flattens it. */
typedef struct SetArgs
{
	VariableSetStmt *stmt;
	char	   *value;
} SetArgs;

static void
extract_set_args(void *arg)
{
	SetArgs    *a = (SetArgs *) arg;

	a->value = ExtractSetVariableArgs(a->stmt);
}

static void
note_set_stmt(SSContext *cxt, VariableSetStmt *s)
{
	int			i;

	if (s->kind == VAR_RESET_ALL)
	{
		for (i = 0; i < NUM_TRACKED; i++)
			note_setting(cxt, i, NULL, false);
		return;
	}
	i = tracked_index(s->name);
	if (i < 0)
		return;
	if (s->kind == VAR_SET_VALUE)
	{
		SetArgs		a = {.stmt = s};

		/* a value the server cannot read fails the SET: nothing changes */
		if (ss_try(extract_set_args, &a, true) == NULL)
			note_setting(cxt, i, a.value, s->is_local);
	}
	else if (s->kind == VAR_SET_DEFAULT || s->kind == VAR_RESET)
		note_setting(cxt, i, NULL, s->is_local);
}

/* A constant string argument of a function call, else NULL. */
static const char *
const_string_arg(Node *arg)
{
	if (IsA(arg, A_Const) && IsA(&((A_Const *) arg)->val, String))
		return strVal(&((A_Const *) arg)->val);
	return NULL;
}

/* A constant boolean argument ('t'::bool, true, 'false'...), as *value. */
static bool
const_bool_arg(Node *arg, bool *value)
{
	const char *str;

	if (IsA(arg, TypeCast))
		arg = ((TypeCast *) arg)->arg;
	if (IsA(arg, A_Const) && IsA(&((A_Const *) arg)->val, Boolean))
	{
		*value = boolVal(&((A_Const *) arg)->val);
		return true;
	}
	str = const_string_arg(arg);
	return str != NULL && parse_bool(str, value);
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

/*
 * SELECT set_config('name', 'value', is_local) with constants is SET [LOCAL];
 * a search_path set in a way the script's text does not show is one lint
 * cannot follow.
 */
static void
note_set_config(SSContext *cxt, SelectStmt *s)
{
	ListCell   *lc;

	foreach(lc, s->targetList)
	{
		FuncCall   *fc = set_config_call(lfirst_node(ResTarget, lc));
		const char *name;
		const char *value;
		bool		is_local;
		int			i;

		if (fc == NULL)
			continue;
		name = const_string_arg(linitial(fc->args));
		i = tracked_index(name);
		value = list_length(fc->args) == 3 ? const_string_arg(lsecond(fc->args)) : NULL;
		if (i >= 0 && value && const_bool_arg(lthird(fc->args), &is_local))
			note_setting(cxt, i, value, is_local);
		else if (name == NULL || i == SETTING_SEARCH_PATH)
			ss_forget_search_path(cxt);
	}
}

void
ss_track_settings(SSContext *cxt, Node *stmt)
{
	if (cxt->guard)
		return;					/* the session's own settings are the truth */
	if (IsA(stmt, VariableSetStmt))
		note_set_stmt(cxt, (VariableSetStmt *) stmt);
	else if (IsA(stmt, SelectStmt))
		note_set_config(cxt, (SelectStmt *) stmt);
}

/* frame into below: RELEASE SAVEPOINT keeps what was set since */
static void
merge_frame(SettingFrame *below, SettingFrame *f)
{
	int			i;

	for (i = 0; i < NUM_TRACKED; i++)
	{
		if (f->set[i].made)
		{
			below->set[i] = f->set[i];
			below->local[i].made = false;
		}
		if (f->local[i].made)
			below->local[i] = f->local[i];
	}
}

/* The end of the transaction: a commit keeps its plain SETs. */
static void
end_settings(SSContext *cxt, bool commit)
{
	SSSettings *st = cxt->settings;
	int			i;
	int			k;

	if (st == NULL || st->frames == NIL)
		return;
	for (i = 0; i < NUM_TRACKED && commit; i++)
	{
		for (k = list_length(st->frames) - 1; k >= 0; k--)
		{
			SettingFrame *f = list_nth(st->frames, k);

			if (f->set[i].made)
			{
				st->session[i] = f->set[i];
				break;
			}
		}
	}
	st->frames = NIL;
	settings_changed(cxt);
}

/* SAVEPOINT, RELEASE, ROLLBACK TO: the frames of the open transaction */
static void
savepoint_settings(SSContext *cxt, TransactionStmt *s)
{
	SSSettings *st = script_settings(cxt);
	int			k;

	if (!cxt->in_transaction)
		return;
	if (s->kind == TRANS_STMT_SAVEPOINT)
	{
		(void) current_frame(cxt);	/* the transaction's own, first */
		push_frame(cxt, s->savepoint_name);
		return;
	}
	for (k = list_length(st->frames) - 1; k > 0; k--)
	{
		SettingFrame *f = list_nth(st->frames, k);

		if (strcmp(f->savepoint, s->savepoint_name) == 0)
			break;
	}
	if (k == 0)
		return;					/* no such savepoint: the statement fails */
	while (list_length(st->frames) > k + 1)
	{
		SettingFrame *f = llast(st->frames);

		st->frames = list_delete_last(st->frames);
		if (s->kind == TRANS_STMT_RELEASE)
			merge_frame(llast(st->frames), f);
	}
	if (s->kind == TRANS_STMT_RELEASE)
	{
		merge_frame(list_nth(st->frames, k - 1), list_nth(st->frames, k));
		st->frames = list_delete_last(st->frames);
	}
	else
	{
		memset(((SettingFrame *) llast(st->frames))->set, 0, sizeof(SettingSlot) * NUM_TRACKED);
		memset(((SettingFrame *) llast(st->frames))->local, 0, sizeof(SettingSlot) * NUM_TRACKED);
	}
	settings_changed(cxt);
}

/*
 * While the rules judge a statement, the session runs with the values the
 * script gave the settings the server's own code reads, at a GUC nest
 * level of their own, as a function's SET clauses are (fmgr.c).  Returns
 * that level, or 0 when the script set none of them.  Whatever happens,
 * ss_restore_script_settings() gives the session its own values back; an
 * error would too (the subtransaction's or transaction's abort pops the
 * level).
 */
int
ss_apply_script_settings(SSContext *cxt)
{
	int			level = 0;
	int			i;

	if (cxt->guard || cxt->settings == NULL)
		return 0;
	for (i = 0; i < NUM_TRACKED; i++)
	{
		SettingSlot *slot;

		if (!tracked_settings[i].apply ||
			(slot = effective_slot(cxt->settings, i)) == NULL)
			continue;
		if (level == 0)
			level = NewGUCNestLevel();
		/* a value the server refuses stays the session's, quietly */
		(void) set_config_option(tracked_settings[i].name, slot->value,
								 superuser() ? PGC_SUSET : PGC_USERSET,
								 PGC_S_SESSION, GUC_ACTION_SAVE, true,
								 DEBUG1, false);
	}
	return level;
}

void
ss_restore_script_settings(int level)
{
	if (level > 0)
		AtEOXact_GUC(false, level);
}

/* ---------- after the rules: the transaction ---------- */

static void
end_transaction(SSContext *cxt, bool commit)
{
	ListCell   *lc;

	end_settings(cxt, commit);

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

				end_transaction(cxt, s->kind != TRANS_STMT_ROLLBACK);
				cxt->in_transaction = true;
				cxt->explicit_transaction = explicit_tx;
			}
			else
				end_transaction(cxt, s->kind != TRANS_STMT_ROLLBACK);
			break;
		case TRANS_STMT_SAVEPOINT:
		case TRANS_STMT_RELEASE:
		case TRANS_STMT_ROLLBACK_TO:
			savepoint_settings(cxt, s);
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
		case T_SelectStmt:
			/* SELECT ... INTO makes a table */
			if (((SelectStmt *) stmt)->intoClause)
				ss_remember_relation(cxt, ((SelectStmt *) stmt)->intoClause->rel);
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
