/*-------------------------------------------------------------------------
 *
 * rules_alter.c
 *		ALTER TABLE: columns added with defaults, NOT NULL, serial or
 *		identity; constraints and how they are validated; type changes that
 *		rewrite; partitions; rewrites; renames.
 *
 * Tables the script created itself are never dangerous to alter.  An
 * unknown table is treated as an existing production table.
 *
 *-------------------------------------------------------------------------
 */
#include "schemashift.h"
#include "procs.h"
#include "versions.h"

#include "catalog/pg_index.h"
#include "catalog/namespace.h"
#include "miscadmin.h"
#include "utils/builtins.h"

#include "access/htup_details.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_class.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parse_coerce.h"
#include "parser/parse_type.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"

static const char *const serial_types[] = {
	"serial", "serial4", "bigserial", "serial8", "smallserial", "serial2", NULL
};

bool
ss_type_is_serial(TypeName *tn)
{
	const char *name = ss_typename_last(tn);
	int			i;

	if (name == NULL || list_length(tn->names) > 1)
		return false;
	for (i = 0; serial_types[i]; i++)
		if (pg_strcasecmp(name, serial_types[i]) == 0)
			return true;
	return false;
}

static char *
column_object(SSContext *cxt, const char *col)
{
	if (cxt->stmt_lock_object && col)
		return psprintf("%s.%s", cxt->stmt_lock_object, quote_identifier(col));
	return cxt->stmt_lock_object;
}

/* ---------- script-tracked constraints ---------- */

static void
tracked_key(char *key, const char *rel, const char *conname)
{
	memset(key, 0, NAMEDATALEN * 2 + 2);
	snprintf(key, NAMEDATALEN * 2 + 2, "%s/%s", rel, conname ? conname : "");
}

/* "col IS NOT NULL" as written: the column name, else NULL. */
static const char *
raw_not_null_column(Node *expr)
{
	NullTest   *nt;
	ColumnRef  *cr;

	if (expr == NULL || !IsA(expr, NullTest))
		return NULL;
	nt = (NullTest *) expr;
	if (nt->nulltesttype != IS_NOT_NULL || !IsA(nt->arg, ColumnRef))
		return NULL;
	cr = (ColumnRef *) nt->arg;
	if (!IsA(llast(cr->fields), String))
		return NULL;
	return strVal(llast(cr->fields));
}

static SSTrackedConstraint *
track_constraint(SSContext *cxt, const char *rel, const char *conname)
{
	char		key[NAMEDATALEN * 2 + 2];
	bool		found;
	SSTrackedConstraint *tc;

	tracked_key(key, rel, conname);
	tc = hash_search(cxt->constraints, key, HASH_ENTER, &found);
	if (!found)
	{
		tc->column[0] = '\0';
		tc->not_valid_in_tx = false;
		tc->validated = false;
		tc->is_foreign_key = false;
		tc->in_catalog_proofs = false;
		tc->check = NULL;
		tc->check_cooked = false;
	}
	return tc;
}

/*
 * What the script did to the columns of a table, by the name each has now:
 * a SET NOT NULL asks about the column that name means at that point (a
 * column added, or renamed into the name of one the script dropped, is not
 * the catalog's column of that name), and what is known to prove it NOT
 * NULL.  What a tracked constraint proves is kept up to date per table
 * (proof_forget before a change, proof_note after it), so that a SET NOT
 * NULL is one hash lookup, not a walk over every constraint the script
 * tracked: a statement with many of both must not cost quadratic time.
 */
typedef enum ColumnOrigin
{
	COL_AS_NAMED,				/* the catalog's column of this name, if any */
	COL_MOVED,					/* the catalog's column attnum, renamed */
	COL_ADDED,					/* added by the script */
	COL_GONE					/* no column of this name now */
} ColumnOrigin;

typedef struct ColumnState
{
	char		key[NAMEDATALEN * 2];	/* table and column, as written */
	int			count;			/* validated "col IS NOT NULL" checks */
	ColumnOrigin origin;
	AttrNumber	attnum;			/* COL_MOVED: the catalog's column */
	int			not_null;		/* 1 set by the script, -1 dropped by it, 0
								 * as the catalog says */
	int			not_null_stmt;	/* the statement that set it */
} ColumnState;

/*
 * The script's record of one column (one hash for the whole script: a
 * script touching many tables must not cost a hash table each).
 */
static ColumnState *
column_state(SSContext *cxt, const char *rel, const char *column, bool create)
{
	char		key[NAMEDATALEN * 2];
	ColumnState *p;
	bool		found;

	if (cxt->columns == NULL)
	{
		HASHCTL		ctl;

		if (!create)
			return NULL;
		ctl.keysize = NAMEDATALEN * 2;
		ctl.entrysize = sizeof(ColumnState);
		ctl.hcxt = cxt->state_cxt;
		cxt->columns = hash_create("schemashift script columns", 64, &ctl,
								   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	memset(key, 0, sizeof(key));
	strlcpy(key, rel, NAMEDATALEN);
	strlcpy(key + NAMEDATALEN, column, NAMEDATALEN);
	p = hash_search(cxt->columns, key, create ? HASH_ENTER : HASH_FIND, &found);
	if (p && !found)
	{
		p->count = 0;
		p->origin = COL_AS_NAMED;
		p->attnum = InvalidAttrNumber;
		p->not_null = 0;
		p->not_null_stmt = 0;
	}
	return p;
}

static void
proof_count(SSContext *cxt, const char *rel, const char *column, int delta)
{
	column_state(cxt, rel, column, true)->count += delta;
}

/* ADD COLUMN (not_null: declared so), DROP COLUMN */
static void
note_column(SSContext *cxt, RangeVar *rel, const char *column, ColumnOrigin origin,
			bool not_null)
{
	ColumnState *st = column_state(cxt, rel->relname, column, true);

	st->origin = origin;
	st->count = 0;
	st->not_null = not_null ? 1 : 0;
	st->not_null_stmt = cxt->stmt_number;
}

/* DROP COLUMN, DROP NOT NULL (ADD COLUMN: check_add_column) */
static void
note_column_change(SSContext *cxt, AlterTableCmd *cmd, RangeVar *rel)
{
	if (SCHEMASHIFT_IS_DROP_COLUMN(cmd->subtype))
		note_column(cxt, rel, cmd->name, COL_GONE, false);
	else if (cmd->subtype == AT_DropNotNull)
		column_state(cxt, rel->relname, cmd->name, true)->not_null = -1;
}

/* RENAME COLUMN from TO to: the name to follows the column */
static void
note_column_rename(SSContext *cxt, RangeVar *rel, Oid relid, const char *from,
				   const char *to)
{
	ColumnState *old;
	ColumnState moved = {.origin = COL_MOVED};
	ColumnState *st;

	if (!OidIsValid(relid))
		return;					/* an unknown table: nothing to remember */
	old = column_state(cxt, rel->relname, from, false);

	if (old)
		moved = *old;
	if (moved.origin == COL_AS_NAMED)
	{
		moved.origin = COL_MOVED;
		moved.attnum = get_attnum(relid, from);
	}
	if (moved.origin == COL_GONE)
		return;					/* the rename fails */
	note_column(cxt, rel, from, COL_GONE, false);
	st = column_state(cxt, rel->relname, to, true);
	memcpy(moved.key, st->key, sizeof(moved.key));
	*st = moved;
}

static void
proof_forget(SSContext *cxt, const char *rel, SSTrackedConstraint *tc)
{
	if (tc->validated && tc->column[0] != '\0')
		proof_count(cxt, rel, tc->column, -1);
}

static void
proof_note(SSContext *cxt, const char *rel, SSTrackedConstraint *tc)
{
	SSTableState *ts;

	if (!tc->validated)
		return;
	if (tc->column[0] != '\0')
		proof_count(cxt, rel, tc->column, 1);
	else if (!tc->is_foreign_key && !tc->in_catalog_proofs)
	{
		MemoryContext old = MemoryContextSwitchTo(cxt->state_cxt);

		/*
		 * Listed once; whether it still proves anything is looked at on use.
		 * dynahash never moves an entry: the pointer stays good.
		 */
		ts = ss_table_state(cxt, rel, true);
		ts->catalog_proofs = lappend(ts->catalog_proofs, tc);
		tc->in_catalog_proofs = true;
		MemoryContextSwitchTo(old);
	}
}

/*
 * The validated CHECKs of the script on the table that are not a plain
 * "col IS NOT NULL", in stored form: the script's own expression (cooked
 * once), or for a constraint of the catalog that the script validated,
 * the catalog's.  One that cannot be read proves nothing.
 */
static List *
script_checks(SSContext *cxt, SSTableState *ts, Oid relid)
{
	List	   *result = NIL;
	ListCell   *lc;
	int			plen = strlen(ts->relname) + 1;	/* the key is "table/name" */

	foreach(lc, ts->catalog_proofs)
	{
		SSTrackedConstraint *tc = lfirst(lc);

		CHECK_FOR_INTERRUPTS();
		if (!tc->validated || tc->column[0] != '\0' || tc->is_foreign_key)
			continue;
		if (tc->check && !tc->check_cooked)
		{
			MemoryContext old = MemoryContextSwitchTo(cxt->state_cxt);

			tc->check = ss_cook_check(relid, tc->check);
			tc->check_cooked = true;
			MemoryContextSwitchTo(old);
		}
		if (tc->check)
			result = lappend(result, tc->check);
		else if (!tc->check_cooked)
		{
			Node	   *expr = ss_check_constraint_expr(relid, tc->key + plen);

			if (expr)
				result = lappend(result, expr);
		}
	}
	return result;
}

/* Is there a column of this name at this point of the script? */
static bool
column_exists(SSContext *cxt, RangeVar *rel, Oid relid, const char *col)
{
	ColumnState *st = column_state(cxt, rel->relname, col, false);

	if (st && st->origin != COL_AS_NAMED)
		return st->origin != COL_GONE;
	return get_attnum(relid, col) != InvalidAttrNumber;
}

/*
 * Does SET NOT NULL on this column (by its name at this point of the
 * script) scan the table?  Not when the column already is NOT NULL (the
 * catalog's, unless the script dropped it; or the script's own), nor when
 * validated CHECKs prove it, as the server decides
 * (ss_not_null_implied()).  A column added by the script has only what
 * the script says.  A column that is not there makes the statement fail.
 */
static bool
set_not_null_scans(SSContext *cxt, RangeVar *rel, Oid relid, const char *col)
{
	SSTableState *ts = ss_table_state(cxt, rel->relname, false);
	ColumnState *st = column_state(cxt, rel->relname, col, false);
	AttrNumber	attnum;

	/* NOT NULL set by an earlier statement (one scan serves a statement) */
	if (st && (st->origin == COL_GONE || st->count > 0 ||
			   (st->not_null > 0 && st->not_null_stmt < cxt->stmt_number)))
		return false;
	if (st && st->origin == COL_ADDED)
		return true;
	attnum = (st && st->origin == COL_MOVED) ? st->attnum : get_attnum(relid, col);
	/* an unknown table is an existing one; an unknown column fails */
	if (attnum == InvalidAttrNumber)
		return !OidIsValid(relid);
	if ((st == NULL || st->not_null == 0) && ss_column_is_not_null(relid, attnum))
		return false;
	return !ss_not_null_implied(relid, attnum, ts ? script_checks(cxt, ts, relid) : NIL);
}

/* ---------- column type changes ---------- */

/*
 * Would this server rewrite the table for this coercion?  The same walk the
 * server does after planning the coercion expression: relabels and the
 * timestamp/timestamptz conversions (when the time zone makes them free)
 * keep the data, anything else rewrites.
 */
static bool
coercion_rewrites(Node *expr, AttrNumber attnum)
{
	for (;;)
	{
		if (IsA(expr, Var) && ((Var *) expr)->varattno == attnum)
			return false;
		else if (IsA(expr, RelabelType))
			expr = (Node *) ((RelabelType *) expr)->arg;
		else if (IsA(expr, CoerceToDomain))
		{
			CoerceToDomain *d = (CoerceToDomain *) expr;

			if (DomainHasConstraints(d->resulttype))
				return true;
			expr = (Node *) d->arg;
		}
		else if (IsA(expr, FuncExpr))
		{
			FuncExpr   *f = (FuncExpr *) expr;

			if ((f->funcid == F_TIMESTAMPTZ_TIMESTAMP ||
				 f->funcid == F_TIMESTAMP_TIMESTAMPTZ) &&
				!TimestampTimestampTzRequiresRewrite())
				expr = linitial(f->args);
			else
				return true;
		}
		else
			return true;
	}
}

/* Is USING just the column itself, possibly cast?  Returns the cast type. */
static bool
using_is_plain_column(Node *expr, const char *col, TypeName **cast)
{
	*cast = NULL;
	if (expr == NULL)
		return true;
	if (IsA(expr, TypeCast))
	{
		*cast = ((TypeCast *) expr)->typeName;
		expr = ((TypeCast *) expr)->arg;
	}
	if (IsA(expr, ColumnRef))
	{
		ColumnRef  *cr = (ColumnRef *) expr;

		return IsA(llast(cr->fields), String) &&
			strcmp(strVal(llast(cr->fields)), col) == 0;
	}
	return false;
}

typedef enum
{
	TYPE_CHANGE_NO_REWRITE,
	TYPE_CHANGE_REWRITES,
	TYPE_CHANGE_UNKNOWN
} TypeChangeVerdict;

/* What resolve_type_change() reads and answers, inside ss_try(). */
typedef struct TypeChangeTry
{
	Var		   *var;			/* the column as it is */
	TypeName   *cast;			/* USING col::cast, or NULL */
	TypeName   *tn;
	CollateClause *coll;
	Oid		   *newtyp;
	Oid		   *newcoll;
	TypeChangeVerdict verdict;
	char	   *why;
} TypeChangeTry;

/*
 * The new type and the coercion of the column to it.  Type lookups and
 * typmod input functions can fail: the caller runs this in ss_try().
 */
static void
resolve_type_change(void *arg)
{
	TypeChangeTry *t = (TypeChangeTry *) arg;
	Oid			typid;
	int32		typmod;
	Node	   *expr = (Node *) t->var;

	if (t->cast)
	{
		Oid			ctypid;
		int32		ctypmod;

		typenameTypeIdAndMod(NULL, t->cast, &ctypid, &ctypmod);
		expr = coerce_to_target_type(NULL, expr, t->var->vartype, ctypid, ctypmod,
									 COERCION_EXPLICIT, COERCE_EXPLICIT_CAST, -1);
	}
	typenameTypeIdAndMod(NULL, t->tn, &typid, &typmod);
	if (t->newtyp)
	{
		*t->newtyp = typid;
		*t->newcoll = t->coll ?
			LookupCollation(NULL, t->coll->collname, t->coll->location) :
			get_typcollation(typid);
	}
	if (expr)
		expr = coerce_to_target_type(NULL, expr, exprType(expr), typid, typmod,
									 COERCION_ASSIGNMENT, COERCE_IMPLICIT_CAST, -1);
	if (expr == NULL)
	{
		t->why = "there is no cast from the old type to the new one";
		t->verdict = TYPE_CHANGE_UNKNOWN;
	}
	else if (ss_calls_user_functions(expr))
	{
		/* planning would inline or fold it, running its code: not here */
		t->why = "the cast to the new type calls a user-defined function";
		t->verdict = TYPE_CHANGE_REWRITES;
	}
	else
	{
		expr = (Node *) expression_planner((Expr *) expr);
		t->verdict = coercion_rewrites(expr, t->var->varattno) ?
			TYPE_CHANGE_REWRITES : TYPE_CHANGE_NO_REWRITE;
	}
}

/*
 * The verdict on ALTER COLUMN ... TYPE tn [COLLATE coll] [USING ...]; with
 * newtyp, also the new type and the column's new collation (COLLATE, else
 * the new type's own, as the server chooses), when they resolve.
 */
static TypeChangeVerdict
type_change_verdict_ext(Oid relid, const char *col, TypeName *tn,
						CollateClause *coll, Node *using_expr, char **why,
						Oid *newtyp, Oid *newcoll)
{
	HeapTuple	atttup;
	Form_pg_attribute att;
	Var		   *var;
	TypeName   *cast;
	TypeChangeTry t = {.tn = tn, .coll = coll, .newtyp = newtyp, .newcoll = newcoll};
	ErrorData  *edata;

	*why = NULL;
	if (newtyp)
	{
		*newtyp = InvalidOid;
		*newcoll = InvalidOid;
	}
	if (!OidIsValid(relid))
	{
		*why = "the table is not in the catalog";
		return TYPE_CHANGE_UNKNOWN;
	}
	if (!using_is_plain_column(using_expr, col, &cast))
	{
		*why = "the USING expression computes a new value for every row";
		return TYPE_CHANGE_REWRITES;
	}
	atttup = SearchSysCacheAttName(relid, col);
	if (!HeapTupleIsValid(atttup))
	{
		*why = "the column is not in the catalog";
		return TYPE_CHANGE_UNKNOWN;
	}
	att = (Form_pg_attribute) GETSTRUCT(atttup);
	var = makeVar(1, att->attnum, att->atttypid, att->atttypmod,
				  att->attcollation, 0);
	ReleaseSysCache(atttup);

	t.var = var;
	t.cast = cast;
	edata = ss_try(resolve_type_change, &t, true);
	if (edata)
	{
		*why = psprintf("the new type cannot be resolved: %s", edata->message);
		return TYPE_CHANGE_UNKNOWN;
	}
	if (t.why)
		*why = t.why;
	return t.verdict;
}

/*
 * In place: no rewrite, and no index on the column built again either (the
 * new collation is the new type's own: the caller writes no COLLATE).
 */
bool
ss_type_change_in_place(Oid relid, const char *col, TypeName *tn, Node *using_expr,
						char **why)
{
	Oid			newtyp;
	Oid			newcoll;
	bool		collation_changes;
	List	   *rebuilt;

	if (type_change_verdict_ext(relid, col, tn, NULL, using_expr, why,
								&newtyp, &newcoll) != TYPE_CHANGE_NO_REWRITE)
		return false;
	rebuilt = ss_type_change_rebuilt_indexes(relid, col, newtyp, newcoll,
											 &collation_changes);
	if (rebuilt != NIL)
	{
		*why = psprintf("it rebuilds %s %s on the column",
						list_length(rebuilt) == 1 ? "index" : "indexes",
						ss_name_list(rebuilt));
		return false;
	}
	return true;
}

static void
check_type_change(SSContext *cxt, AlterTableCmd *cmd, Oid relid)
{
	ColumnDef  *def = (ColumnDef *) cmd->def;
	char	   *why;
	TypeChangeVerdict v;
	Oid			newtyp;
	Oid			newcoll;

	v = type_change_verdict_ext(relid, cmd->name, def->typeName, def->collClause,
								def->raw_default, &why, &newtyp, &newcoll);
	if (v == TYPE_CHANGE_NO_REWRITE)
	{
		bool		collation_changes;
		List	   *rebuilt;
		int			n;

		/*
		 * The table keeps its data, but every index on the column the new
		 * collation or type makes incompatible (and every one on an
		 * expression or with a predicate) is built again from scratch.
		 */
		rebuilt = ss_type_change_rebuilt_indexes(relid, cmd->name, newtyp, newcoll,
												 &collation_changes);
		n = list_length(rebuilt);
		if (n > 0)
			ss_report_full(cxt, SS_CHANGING_COLUMN_TYPE,
						   ss_location_of((Node *) def, -1),
						   column_object(cxt, cmd->name), cxt->stmt_lock, false,
						   n == 1 ?
						   psprintf("changing the column %s does not rewrite the table but rebuilds index %s on the column while blocking reads and writes",
									collation_changes ? "collation" : "type",
									ss_name_list(rebuilt)) :
						   psprintf("changing the column %s does not rewrite the table but rebuilds %d indexes on the column (%s) while blocking reads and writes",
									collation_changes ? "collation" : "type", n,
									ss_name_list(rebuilt)),
						   NULL);
		return;
	}
	ss_report_full(cxt, SS_CHANGING_COLUMN_TYPE, ss_location_of((Node *) def, -1),
				   column_object(cxt, cmd->name), cxt->stmt_lock, true,
				   v == TYPE_CHANGE_REWRITES ?
				   (why ? psprintf("changing the column type rewrites the table and its indexes while blocking reads and writes: %s", why) : NULL) :
				   psprintf("changing the column type may rewrite the table and its indexes while blocking reads and writes (%s)", why),
				   NULL);
}

static void check_fk_index(SSContext *cxt, RangeVar *rel, Oid relid, List *cols,
						   int loc);

/*
 * ALTER CONSTRAINT ... ENFORCED (18) checks every row against a foreign key
 * that was NOT ENFORCED, under the ACCESS EXCLUSIVE lock of ALTER CONSTRAINT.
 */
static void
check_enforce_constraint(SSContext *cxt, AlterTableCmd *cmd, RangeVar *rel, Oid relid)
{
	const char *conname = schemashift_constraint_to_enforce(cmd);
	List	   *fk_cols;

	if (conname == NULL || ss_constraint_is_enforced(relid, conname))
		return;
	fk_cols = ss_foreign_key_columns(relid, conname);
	ss_report_full(cxt, SS_CONSTRAINT_MISSING_NOT_VALID, -1, cxt->stmt_lock_object,
				   cxt->stmt_lock, false,
				   fk_cols != NIL ?
				   psprintf("making foreign key \"%s\" ENFORCED checks every row while blocking reads and writes, and writes to the referenced table",
							conname) :
				   psprintf("making constraint \"%s\" ENFORCED checks every row while blocking reads and writes",
							conname),
				   "Drop the NOT ENFORCED constraint and add it again NOT VALID, then VALIDATE CONSTRAINT it in a separate transaction.");
	/* from now on its triggers look the child's rows up on every delete */
	if (fk_cols != NIL)
		check_fk_index(cxt, rel, relid, fk_cols, -1);
}

/*
 * ALTER CONSTRAINT n INHERIT (18) of a NOT NULL constraint that was NO
 * INHERIT sets NOT NULL on every inheritor, scanning each one nothing
 * proves, under ACCESS EXCLUSIVE on the parent and all its inheritors
 * (measured: versions_18).  NO INHERIT takes the same locks and
 * scans nothing: only the lock rules judge it.
 */
static void
check_inherit_constraint(SSContext *cxt, AlterTableCmd *cmd, Oid relid)
{
	const char *conname = schemashift_constraint_to_inherit(cmd);
	char	   *column;
	List	   *scanned;
	StringInfoData names;
	ListCell   *lc;

	if (conname == NULL)
		return;
	scanned = ss_not_null_inherit_scans(relid, conname, &column);
	if (scanned == NIL)
		return;
	initStringInfo(&names);
	foreach(lc, scanned)
		appendStringInfo(&names, "%s%s", names.len ? ", " : "",
						 get_rel_name(lfirst_oid(lc)));
	ss_report_full(cxt, SS_ADDING_NOT_NULLABLE_FIELD, -1, column_object(cxt, column),
				   cxt->stmt_lock, false,
				   psprintf("making NOT NULL constraint \"%s\" inheritable sets NOT NULL on %d inheriting table%s (%s), scanning each while blocking reads and writes",
							conname, list_length(scanned), list_length(scanned) == 1 ? "" : "s",
							names.data),
				   psprintf("Prove the column in each of them first: ALTER TABLE ... ADD CONSTRAINT ... NOT NULL %s NOT VALID, then VALIDATE CONSTRAINT (SHARE UPDATE EXCLUSIVE: reads and writes continue); INHERIT then scans nothing.",
							quote_identifier(column)));
}

/* ---------- SET EXPRESSION (17) ---------- */

/*
 * A stored generated column is computed again for every row: the table is
 * rewritten.  A virtual one (18) is not stored, but a NOT NULL on it is
 * checked on every row.  A column the catalog does not know is taken for a
 * stored one.
 */
static void
check_set_expression(SSContext *cxt, AlterTableCmd *cmd, Oid relid)
{
	bool		not_null;
	char		generated = ss_column_generated(relid, cmd->name, &not_null);

	if (!schemashift_attgenerated_is_virtual(generated))
		ss_report_full(cxt, SS_BAN_TABLE_REWRITE, -1, column_object(cxt, cmd->name),
					   cxt->stmt_lock, true,
					   "changing the expression of a stored generated column rewrites the whole table while blocking reads and writes",
					   "Add a plain column kept up to date by a trigger, backfill it in batches (schemashift.backfill), then move the application to it; on PostgreSQL 18 a virtual generated column changes its expression without a rewrite.");
	else if (not_null)
		ss_report_full(cxt, SS_ADDING_NOT_NULLABLE_FIELD, -1, column_object(cxt, cmd->name),
					   cxt->stmt_lock, false,
					   "changing the expression of a virtual generated column with NOT NULL computes it for every row to check it while blocking reads and writes",
					   "Drop the NOT NULL first, change the expression, then add the constraint NOT VALID and VALIDATE CONSTRAINT it in a separate transaction.");
}

/* ---------- ADD COLUMN ---------- */

/*
 * Is a column's REFERENCES followed by NOT ENFORCED (18)?  The raw parse
 * tree gives a column's constraint attributes as the constraints after it
 * (the CONSTR_ATTR_* kinds, last in ConstrType).
 */
static bool
column_fk_not_enforced(List *constraints, ListCell *fk)
{
	ListCell   *lc;

	for (lc = lnext(constraints, fk); lc; lc = lnext(constraints, lc))
	{
		Constraint *attr = lfirst_node(Constraint, lc);

		if (schemashift_constraint_attr_not_enforced(attr))
			return true;
		if (attr->contype < CONSTR_ATTR_DEFERRABLE)
			return false;
	}
	return false;
}

/*
 * ADD COLUMN: the column's kind, default and constraints decide together
 * what the statement does to the rows, so they are judged in one place
 * (hence the length).
 */
static void
check_add_column(SSContext *cxt, AlterTableCmd *cmd, RangeVar *rel, Oid relid,
				 bool is_new)
{
	ColumnDef  *def = (ColumnDef *) cmd->def;
	ListCell   *lc;
	bool		not_null = def->is_not_null;
	Node	   *default_expr = def->raw_default;
	bool		generated_stored = false;
	bool		generated_virtual = false;
	bool		identity = false;
	bool		serial = ss_type_is_serial(def->typeName);
	int			loc = ss_location_of((Node *) def, -1);
	char	   *obj = column_object(cxt, def->colname);

	foreach(lc, def->constraints)
	{
		Constraint *c = lfirst_node(Constraint, lc);

		switch (c->contype)
		{
			case CONSTR_NOTNULL:
			case CONSTR_PRIMARY:
				not_null = true;
				break;
			case CONSTR_DEFAULT:
				default_expr = c->raw_expr;
				break;
			case CONSTR_GENERATED:
				/* a virtual one (18) is computed when read: nothing is written */
				generated_virtual = schemashift_generated_is_virtual(c);
				generated_stored = !generated_virtual;
				break;
			case CONSTR_IDENTITY:
				identity = true;
				break;
			default:
				break;
		}
	}

	/* the rest is about existing tables */
	if (is_new)
		return;
	/* IF NOT EXISTS on a column that is there adds nothing */
	if (OidIsValid(relid) &&
		(!cmd->missing_ok || !column_exists(cxt, rel, relid, def->colname)))
		note_column(cxt, rel, def->colname, COL_ADDED, not_null);

	if (generated_stored)
		ss_report_full(cxt, SS_ADDING_FIELD_WITH_DEFAULT, loc, obj, cxt->stmt_lock, true,
					   "adding a stored generated column rewrites the whole table while blocking reads and writes",
					   NULL);
	else if (default_expr && ss_expr_is_volatile(default_expr))
		ss_report_full(cxt, SS_ADDING_FIELD_WITH_DEFAULT,
					   ss_expr_location(default_expr, loc), obj, cxt->stmt_lock, true,
					   "adding a column with a volatile default rewrites the whole table while blocking reads and writes",
					   NULL);

	else if (!generated_stored && !generated_virtual &&
			 ss_type_is_checked_domain(def->typeName))
		ss_report_full(cxt, SS_ADDING_FIELD_WITH_DEFAULT, loc, obj, cxt->stmt_lock, true,
					   psprintf("adding a column of domain %s, which has constraints, rewrites the whole table while blocking reads and writes",
								TypeNameToString(def->typeName)),
					   NULL);

	if (serial || identity)
		ss_report(cxt, SS_ADDING_SERIAL_COLUMN, loc, obj, NULL);

	/* a virtual column is not stored, but its NOT NULL is checked on every row */
	if (not_null && generated_virtual)
		ss_report_full(cxt, SS_ADDING_NOT_NULLABLE_FIELD, loc, obj, cxt->stmt_lock, false,
					   "adding a virtual generated column with NOT NULL computes it for every row to check it while blocking reads and writes",
					   "Add the column without NOT NULL, then add the constraint NOT VALID and VALIDATE CONSTRAINT it in a separate transaction.");
	else if (not_null && default_expr == NULL && !generated_stored && !identity && !serial)
		ss_report(cxt, SS_ADDING_REQUIRED_FIELD, loc, obj, NULL);

	foreach(lc, def->constraints)
	{
		Constraint *c = lfirst_node(Constraint, lc);
		int			cloc = c->location >= 0 ? c->location : loc;

		switch (c->contype)
		{
			case CONSTR_UNIQUE:
				ss_report(cxt, SS_DISALLOWED_UNIQUE_CONSTRAINT, cloc, obj, NULL);
				break;
			case CONSTR_PRIMARY:
				ss_report(cxt, SS_ADDING_SERIAL_PRIMARY_KEY_FIELD, cloc, obj, NULL);
				break;
			case CONSTR_CHECK:
				/* a column constraint cannot be NOT VALID: checked at once */
				ss_report_full(cxt, SS_CONSTRAINT_MISSING_NOT_VALID, cloc, obj,
							   cxt->stmt_lock, false,
							   "adding a column with a CHECK constraint scans the whole table while blocking reads and writes",
							   "Add the column without the CHECK, then add the constraint with ALTER TABLE ... ADD CONSTRAINT ... NOT VALID and VALIDATE CONSTRAINT it in a separate transaction.");
				break;
			case CONSTR_FOREIGN:
				/* 18: a key NOT ENFORCED checks nothing, now or on deletes */
				if (column_fk_not_enforced(def->constraints, lc))
					break;
				/* a new column without a default is all NULL: nothing to check */
				if (!c->skip_validation &&
					((default_expr && !(IsA(default_expr, A_Const) &&
										((A_Const *) default_expr)->isnull)) ||
					 generated_stored))
					ss_report_full(cxt, SS_ADDING_FOREIGN_KEY_CONSTRAINT, cloc, obj,
								   ShareRowExclusiveLock, false, NULL, NULL);
				check_fk_index(cxt, ((AlterTableStmt *) cxt->stmt)->relation,
							   InvalidOid, list_make1(makeString(def->colname)), cloc);
				break;
			default:
				break;
		}
	}
}

/* ---------- ADD CONSTRAINT ---------- */

/* Did the script make an index leading with exactly these columns? */
static bool
script_indexed(SSContext *cxt, const char *rel, List *cols)
{
	SSTableState *ts = ss_table_state(cxt, rel, false);
	const char *names[INDEX_MAX_KEYS];
	int			n = 0;
	uint64		key;
	ListCell   *lc;

	/* more columns than a key can have: the server refuses the statement */
	if (ts == NULL || ts->index_keys == NULL ||
		cols == NIL || list_length(cols) > INDEX_MAX_KEYS)
		return false;
	foreach(lc, cols)
		names[n++] = strVal(lfirst(lc));
	key = ss_column_set_key(names, n);
	return hash_search(ts->index_keys, &key, HASH_FIND, NULL) != NULL;
}

static void check_primary_key_using_index(SSContext *cxt, RangeVar *rel, Oid relid,
										  const char *indexname);

/*
 * An index a later statement of the script creates (CREATE INDEX in any
 * form, or a UNIQUE or PRIMARY KEY constraint), by the key of each prefix
 * of its leading columns, as ss_column_set_key() makes them.
 */
typedef struct LaterIndex
{
	char		relname[NAMEDATALEN];
	uint64		key;
	int			location;		/* of its statement, in the script */
} LaterIndex;

static List *
later_index_add(List *later, const char *relname, List *cols, int location)
{
	const char *names[INDEX_MAX_KEYS];
	int			n = 0;
	ListCell   *lc;

	foreach(lc, cols)
	{
		if (lfirst(lc) == NULL || n >= INDEX_MAX_KEYS)
			break;
		names[n++] = lfirst(lc);
	}
	for (int k = 1; k <= n; k++)
	{
		LaterIndex *li = palloc(sizeof(LaterIndex));

		strlcpy(li->relname, relname, NAMEDATALEN);
		li->key = ss_column_set_key(names, k);
		li->location = location;
		later = lappend(later, li);
	}
	return later;
}

/* The key columns (char *) of a UNIQUE or PRIMARY KEY constraint, else NIL. */
static List *
unique_keys(Constraint *c, const char *colname)
{
	List	   *cols = NIL;
	ListCell   *lc;

	if (c->contype != CONSTR_UNIQUE && c->contype != CONSTR_PRIMARY)
		return NIL;
	if (c->keys == NIL && colname)
		return list_make1((char *) colname);
	foreach(lc, c->keys)
		cols = lappend(cols, strVal(lfirst(lc)));
	return cols;
}

/* The indexes one ALTER TABLE statement creates with its constraints. */
static List *
later_alter_indexes(List *later, AlterTableStmt *s, int location)
{
	ListCell   *lc;

	foreach(lc, s->cmds)
	{
		AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);
		List	   *cons = NIL;
		const char *colname = NULL;
		ListCell   *lc2;

		if (cmd->def && IsA(cmd->def, Constraint))
			cons = list_make1(cmd->def);
		else if (cmd->def && IsA(cmd->def, ColumnDef))
		{
			cons = ((ColumnDef *) cmd->def)->constraints;
			colname = ((ColumnDef *) cmd->def)->colname;
		}
		foreach(lc2, cons)
			later = later_index_add(later, s->relation->relname,
									unique_keys(lfirst_node(Constraint, lc2), colname),
									location);
	}
	return later;
}

/*
 * Every index the script creates, read once from the whole script the
 * first time a foreign key without an index asks: the server's parser,
 * in the same context as the script's state.  A script the parser refuses
 * as a whole (it may hold a statement with a syntax error) has none.
 */
static List *
script_indexes(SSContext *cxt)
{
	MemoryContext old;
	ErrorData  *edata;
	List	   *parsed;
	ListCell   *lc;

	if (cxt->later_indexes_read || cxt->script == NULL)
		return cxt->later_indexes;
	cxt->later_indexes_read = true;
	old = MemoryContextSwitchTo(cxt->state_cxt);
	parsed = ss_try_parse(cxt->script, &edata);
	foreach(lc, edata ? NIL : parsed)
	{
		RawStmt    *raw = lfirst_node(RawStmt, lc);
		List	   *cols = NIL;
		ListCell   *lc2;

		CHECK_FOR_INTERRUPTS();
		if (IsA(raw->stmt, AlterTableStmt) &&
			((AlterTableStmt *) raw->stmt)->objtype == OBJECT_TABLE)
			cxt->later_indexes = later_alter_indexes(cxt->later_indexes,
													 (AlterTableStmt *) raw->stmt,
													 raw->stmt_location);
		if (!IsA(raw->stmt, IndexStmt))
			continue;
		foreach(lc2, ((IndexStmt *) raw->stmt)->indexParams)
			cols = lappend(cols, lfirst_node(IndexElem, lc2)->name);
		cxt->later_indexes = later_index_add(cxt->later_indexes,
											 ((IndexStmt *) raw->stmt)->relation->relname,
											 cols, raw->stmt_location);
	}
	MemoryContextSwitchTo(old);
	return cxt->later_indexes;
}

/* Does a later statement of the script index exactly these columns first? */
static bool
index_follows(SSContext *cxt, const char *rel, List *cols)
{
	const char *names[INDEX_MAX_KEYS];
	int			n = 0;
	uint64		key;
	ListCell   *lc;

	if (cxt->guard || cols == NIL || list_length(cols) > INDEX_MAX_KEYS)
		return false;
	foreach(lc, cols)
		names[n++] = strVal(lfirst(lc));
	key = ss_column_set_key(names, n);
	foreach(lc, script_indexes(cxt))
	{
		LaterIndex *li = lfirst(lc);

		if (li->location > cxt->stmt_offset && li->key == key &&
			strcmp(li->relname, rel) == 0)
			return true;
	}
	return false;
}

/*
 * foreign-key-without-index: no index leads with the referencing columns,
 * in the catalog, earlier in the script, or later in it (the usual order:
 * the foreign key NOT VALID, then CREATE INDEX CONCURRENTLY).  The guard
 * sees one statement at a time and warns at the foreign key.  The finding
 * is about the columns, under the lock the statement takes.
 */
static void
check_fk_index(SSContext *cxt, RangeVar *rel, Oid relid, List *cols, int loc)
{
	if (ss_columns_have_index(relid, cols) ||
		script_indexed(cxt, rel->relname, cols) ||
		index_follows(cxt, rel->relname, cols))
		return;
	ss_report_full(cxt, SS_FOREIGN_KEY_WITHOUT_INDEX, loc,
				   list_length(cols) == 1 ?
				   column_object(cxt, strVal(linitial(cols))) : cxt->stmt_lock_object,
				   cxt->stmt_lock, false, NULL, NULL);
}


static void
check_add_constraint(SSContext *cxt, AlterTableCmd *cmd, RangeVar *rel, Oid relid,
					 bool is_new)
{
	Constraint *c = (Constraint *) cmd->def;
	int			loc = c->location;
	char	   *obj = cxt->stmt_lock_object;
	SSTrackedConstraint *tc;
	bool		not_null_scans;

	if (!IsA(c, Constraint))
		return;

	/*
	 * 18's table constraint NOT NULL col is SET NOT NULL by another name;
	 * judged before the constraint itself is remembered as a proof
	 */
	not_null_scans = c->contype == CONSTR_NOTNULL && !c->skip_validation && !is_new &&
		set_not_null_scans(cxt, rel, relid, strVal(linitial(c->keys)));

	/* remember what the constraint proves, for later SET NOT NULL */
	if (c->contype == CONSTR_CHECK || c->contype == CONSTR_FOREIGN ||
		c->contype == CONSTR_NOTNULL)
	{
		const char *col = c->contype == CONSTR_CHECK ? raw_not_null_column(c->raw_expr) :
			c->contype == CONSTR_NOTNULL ? strVal(linitial(c->keys)) : NULL;

		tc = track_constraint(cxt, rel->relname, c->conname);
		proof_forget(cxt, rel->relname, tc);
		if (col)
			strlcpy(tc->column, col, NAMEDATALEN);
		tc->is_foreign_key = c->contype == CONSTR_FOREIGN;
		if (col == NULL && c->contype == CONSTR_CHECK)
		{
			MemoryContext old = MemoryContextSwitchTo(cxt->state_cxt);

			tc->check = copyObject(c->raw_expr);
			MemoryContextSwitchTo(old);
		}
		else
			tc->check = NULL;
		tc->check_cooked = false;
		if (tc->is_foreign_key)
			ss_table_state(cxt, rel->relname, true)->has_foreign_key = true;
		tc->validated = !c->skip_validation;
		proof_note(cxt, rel->relname, tc);
		tc->not_valid_in_tx = c->skip_validation && cxt->in_transaction && !is_new;
		if (tc->not_valid_in_tx)
		{
			MemoryContext old = MemoryContextSwitchTo(cxt->state_cxt);

			cxt->tx_not_valid = lappend(cxt->tx_not_valid, tc);
			MemoryContextSwitchTo(old);
		}
	}

	if (is_new)
		return;

	switch (c->contype)
	{
		case CONSTR_CHECK:
			if (!c->skip_validation)
				ss_report(cxt, SS_CONSTRAINT_MISSING_NOT_VALID, loc, obj, NULL);
			break;
		case CONSTR_NOTNULL:
			if (not_null_scans)
				ss_report_full(cxt, SS_ADDING_NOT_NULLABLE_FIELD, loc,
							   column_object(cxt, strVal(linitial(c->keys))), cxt->stmt_lock, false,
							   "adding a NOT NULL constraint without NOT VALID scans the whole table while blocking reads and writes",
							   ss_not_null_hint());
			break;
		case CONSTR_FOREIGN:
			/* 18: NOT ENFORCED has no triggers, so deletes never look at it */
			if (schemashift_constraint_not_enforced(c))
				break;
			if (!c->skip_validation)
			{
				ss_report_full(cxt, SS_CONSTRAINT_MISSING_NOT_VALID, loc, obj,
							   ShareRowExclusiveLock, false,
							   "adding a foreign key without NOT VALID checks every row while blocking writes to both tables",
							   NULL);
				ss_report_full(cxt, SS_ADDING_FOREIGN_KEY_CONSTRAINT, loc, obj,
							   ShareRowExclusiveLock, false, NULL, NULL);
			}
			check_fk_index(cxt, rel, relid, c->fk_attrs, loc);
			break;
		case CONSTR_UNIQUE:
			if (c->indexname == NULL)
				ss_report(cxt, SS_DISALLOWED_UNIQUE_CONSTRAINT, loc, obj, NULL);
			break;
		case CONSTR_PRIMARY:
			if (c->indexname == NULL)
				ss_report(cxt, SS_ADDING_SERIAL_PRIMARY_KEY_FIELD, loc, obj, NULL);
			else
				check_primary_key_using_index(cxt, rel, relid, c->indexname);
			break;
		case CONSTR_EXCLUSION:
			ss_report(cxt, SS_ADDING_EXCLUSION_CONSTRAINT, loc, obj, NULL);
			break;
		default:
			break;
	}
}

static void
check_validate_constraint(SSContext *cxt, AlterTableCmd *cmd, RangeVar *rel)
{
	char		key[NAMEDATALEN * 2 + 2];
	bool		found;
	SSTrackedConstraint *tc;

	tracked_key(key, rel->relname, cmd->name);
	tc = hash_search(cxt->constraints, key, HASH_FIND, &found);
	if (found && tc->not_valid_in_tx && cxt->in_transaction)
		ss_report_full(cxt, SS_CONSTRAINT_MISSING_NOT_VALID, -1,
					   cxt->stmt_lock_object, AccessExclusiveLock, false,
					   psprintf("constraint \"%s\" is validated in the transaction that added it: the lock taken by the ADD is held for the whole scan",
								cmd->name),
					   NULL);
	if (!found)
		tc = track_constraint(cxt, rel->relname, cmd->name);
	proof_forget(cxt, rel->relname, tc);
	tc->validated = true;
	proof_note(cxt, rel->relname, tc);
}

static void
check_set_not_null(SSContext *cxt, AlterTableCmd *cmd, RangeVar *rel, Oid relid)
{
	ColumnState *st;

	if (set_not_null_scans(cxt, rel, relid, cmd->name))
		ss_report_full(cxt, SS_ADDING_NOT_NULLABLE_FIELD, -1, column_object(cxt, cmd->name),
					   cxt->stmt_lock, false, NULL, ss_not_null_hint());
	if (!OidIsValid(relid))
		return;					/* an unknown table: nothing to remember */
	st = column_state(cxt, rel->relname, cmd->name, true);
	if (st->not_null <= 0)
		st->not_null_stmt = cxt->stmt_number;
	st->not_null = 1;
}

/*
 * ADD PRIMARY KEY USING INDEX sets every key column NOT NULL, with the scan
 * SET NOT NULL makes, unless the column already is or a validated CHECK
 * proves it.
 */
static void
check_primary_key_using_index(SSContext *cxt, RangeVar *rel, Oid relid, const char *indexname)
{
	Oid			indexid;
	HeapTuple	tup;
	Form_pg_index idx;
	int			i;

	if (!OidIsValid(relid))
		return;
	indexid = get_relname_relid(indexname, get_rel_namespace(relid));
	if (!OidIsValid(indexid))
		return;
	tup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(indexid));
	if (!HeapTupleIsValid(tup))
		return;
	idx = (Form_pg_index) GETSTRUCT(tup);
	for (i = 0; i < idx->indnkeyatts; i++)
	{
		AttrNumber	attnum = idx->indkey.values[i];
		HeapTuple	att;
		char	   *name;

		if (attnum <= 0)
			continue;
		att = SearchSysCache2(ATTNUM, ObjectIdGetDatum(relid), Int16GetDatum(attnum));
		if (!HeapTupleIsValid(att))
			continue;
		name = pstrdup(NameStr(((Form_pg_attribute) GETSTRUCT(att))->attname));
		ReleaseSysCache(att);
		if (!set_not_null_scans(cxt, rel, relid, name))
			continue;
		ss_report_full(cxt, SS_ADDING_NOT_NULLABLE_FIELD, -1, column_object(cxt, name),
					   AccessExclusiveLock, false,
					   psprintf("ADD PRIMARY KEY USING INDEX sets column %s NOT NULL, scanning the whole table while blocking reads and writes",
								quote_identifier(name)),
					   ss_not_null_hint());
	}
	ReleaseSysCache(tup);
}

/* ---------- ATTACH PARTITION ---------- */

/*
 * ATTACH PARTITION builds each index of the parent that the new partition
 * lacks, under the ACCESS EXCLUSIVE lock it holds on the partition: a
 * parent created empty with its indexes is a way to a plain CREATE INDEX
 * on an existing table.  An index of the partition on the same columns is
 * taken to be one ATTACH can use.  It also clones the parent's foreign
 * keys onto the partition and checks every row against them (a foreign
 * key of a partitioned table cannot be NOT VALID).
 */
static void
check_attach_partition(SSContext *cxt, RangeVar *parent, PartitionCmd *pc)
{
	Oid			partid;
	List	   *wanted;
	SSTableState *ts;
	ListCell   *lc;
	bool		has_fk;

	if (pc == NULL || pc->name == NULL)
		return;
	if (ss_relation_is_new_inh(cxt, pc->name, true))
		return;
	partid = ss_lookup_relation(cxt, pc->name);
	wanted = ss_index_column_lists(ss_lookup_relation(cxt, parent));

	/* foreign keys of the parent, in the catalog or added by the script */
	has_fk = ss_relation_has_foreign_key(ss_lookup_relation(cxt, parent));
	ts = ss_table_state(cxt, parent->relname, false);
	if (ts)
		has_fk |= ts->has_foreign_key;
	if (has_fk)
		ss_report_full(cxt, SS_CONSTRAINT_MISSING_NOT_VALID, -1,
					   ss_relation_name(pc->name), AccessExclusiveLock, false,
					   "attaching an existing table as a partition checks every row against the parent's foreign keys while blocking its reads and writes",
					   "Add the foreign keys to the table itself first (NOT VALID, then VALIDATE CONSTRAINT), so that ATTACH PARTITION finds them validated.");

	/* and the indexes the script made on the parent ("col,col,") */
	if (ts)
		wanted = list_concat(wanted, ts->index_columns);

	foreach(lc, wanted)
	{
		List	   *cols = lfirst(lc);

		CHECK_FOR_INTERRUPTS();
		if (cols != NIL && ss_columns_have_index(partid, cols))
			continue;
		ss_report_full(cxt, SS_REQUIRE_CONCURRENT_INDEX_CREATION, -1,
					   ss_relation_name(pc->name), AccessExclusiveLock, false,
					   "attaching an existing table as a partition builds the parent's indexes on it while blocking its reads and writes",
					   "Create each index of the parent on the table with CREATE INDEX CONCURRENTLY first: ATTACH PARTITION then uses it.");
		return;
	}
}

/* ---------- the statement ---------- */

/*
 * Does a statement on this relation reach only what this transaction or
 * the script created?  Besides the relation and what sits below it
 * (ss_relation_is_new), a composite type's own row holds no data: what
 * counts is its typed tables, which ALTER TYPE ... CASCADE changes.
 */
static bool
reaches_only_new(SSContext *cxt, RangeVar *rv)
{
	Oid			relid;

	if (ss_relation_is_new(cxt, rv))
		return true;
	relid = ss_lookup_relation(cxt, rv);
	return OidIsValid(relid) && get_rel_relkind(relid) == RELKIND_COMPOSITE_TYPE &&
		!OidIsValid(ss_first_existing_typed_table(relid));
}

static void
check_alter_table(SSContext *cxt, Node *stmt)
{
	AlterTableStmt *s = (AlterTableStmt *) stmt;
	RangeVar   *rel = s->relation;
	bool		is_new = reaches_only_new(cxt, rel);
	Oid			relid = is_new ? InvalidOid : ss_lookup_relation(cxt, rel);
	ListCell   *lc;

	foreach(lc, s->cmds)
	{
		AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);

		cxt->cur_cmd = foreach_current_index(lc);
		if (OidIsValid(relid))
			note_column_change(cxt, cmd, rel);
		if (SCHEMASHIFT_IS_ADD_COLUMN(cmd->subtype))
			check_add_column(cxt, cmd, rel, relid, is_new);
		else if (SCHEMASHIFT_IS_ADD_CONSTRAINT(cmd->subtype))
			check_add_constraint(cxt, cmd, rel, relid, is_new);
		else if (SCHEMASHIFT_IS_VALIDATE_CONSTRAINT(cmd->subtype))
			check_validate_constraint(cxt, cmd, rel);
		else if (cmd->subtype == AT_AttachPartition && s->objtype != OBJECT_INDEX)
			check_attach_partition(cxt, rel, (PartitionCmd *) cmd->def);
		else if (is_new)
			continue;
		else if (cmd->subtype == AT_SetNotNull)
			check_set_not_null(cxt, cmd, rel, relid);
		else if (cmd->subtype == AT_DropNotNull)
			ss_report(cxt, SS_BAN_DROP_NOT_NULL, -1, column_object(cxt, cmd->name), NULL);
		else if (SCHEMASHIFT_IS_DROP_COLUMN(cmd->subtype))
		{
			if (!ss_drop_column_is_noop(cxt, rel, cmd))
				ss_report(cxt, SS_BAN_DROP_COLUMN, -1, column_object(cxt, cmd->name), NULL);
		}
		else if (cmd->subtype == AT_AlterColumnType)
			check_type_change(cxt, cmd, relid);
		else if (SCHEMASHIFT_IS_SET_EXPRESSION(cmd->subtype))
			check_set_expression(cxt, cmd, relid);
		else if (cmd->subtype == AT_AlterConstraint)
		{
			check_enforce_constraint(cxt, cmd, rel, relid);
			check_inherit_constraint(cxt, cmd, relid);
		}
		else if (cmd->subtype == AT_DetachPartition)
		{
			PartitionCmd *pc = (PartitionCmd *) cmd->def;

			if (!pc->concurrent)
				ss_report(cxt, SS_REQUIRE_CONCURRENT_PARTITION_DETACH, -1,
						  ss_relation_name(pc->name), NULL);
			else if (cxt->in_transaction)
				ss_report_full(cxt, SS_BAN_CONCURRENT_INDEX_CREATION_IN_TRANSACTION, -1,
							   ss_relation_name(pc->name), cxt->stmt_lock, false,
							   "DETACH PARTITION CONCURRENTLY cannot run inside a transaction block: this statement will fail",
							   NULL);
		}
		/*
		 * A partitioned table has no storage: these only set the default of
		 * new partitions (SET TABLESPACE and, from 17, SET ACCESS METHOD
		 * never recurse; SET [UN]LOGGED did nothing, and is refused from 18)
		 */
		else if ((cmd->subtype == AT_SetTableSpace || cmd->subtype == AT_SetLogged ||
				  cmd->subtype == AT_SetUnLogged || cmd->subtype == AT_SetAccessMethod) &&
				 !ss_relation_is_partitioned(relid))
			ss_report(cxt, SS_BAN_TABLE_REWRITE, -1, cxt->stmt_lock_object, NULL);
	}
	cxt->cur_cmd = -1;
}

/*
 * Renames.  The keyword does not restrict the kind of relation: ALTER INDEX
 * renames a table, ALTER VIEW, MATERIALIZED VIEW and FOREIGN TABLE rename a
 * table's column, so the kind comes from the catalog.  ALTER TYPE ...
 * RENAME ATTRIBUTE ... CASCADE renames the column of every typed table.
 */
static void
check_rename(SSContext *cxt, Node *stmt)
{
	RenameStmt *s = (RenameStmt *) stmt;
	char		relkind;
	bool		is_table;

	/* a schema's new name is a new name for every table in it */
	if (s->renameType == OBJECT_SCHEMA && s->subname)
	{
		char	   *first;
		int			n = ss_schema_tables(s->subname, &first);

		if (n > 0)
			ss_report(cxt, SS_RENAMING_TABLE, -1,
					  pstrdup(quote_identifier(s->subname)),
					  n == 1 ?
					  psprintf("renaming schema %s renames table %s, which breaks the running application that still uses the old name",
							   quote_identifier(s->subname), first) :
					  psprintf("renaming schema %s renames its %d tables (%s first), which breaks the running application that still uses the old names",
							   quote_identifier(s->subname), n, first));
		return;
	}
	if (s->relation == NULL)
		return;
	switch (s->renameType)
	{
		case OBJECT_TABLE:
		case OBJECT_VIEW:
		case OBJECT_MATVIEW:
		case OBJECT_FOREIGN_TABLE:
		case OBJECT_INDEX:
		case OBJECT_SEQUENCE:
		case OBJECT_COLUMN:
		case OBJECT_ATTRIBUTE:
			break;
		default:
			return;
	}
	/* renaming the relation itself leaves its children alone */
	if (s->renameType != OBJECT_COLUMN && s->renameType != OBJECT_ATTRIBUTE &&
		ss_relation_is_new_inh(cxt, s->relation, false))
		return;
	if (reaches_only_new(cxt, s->relation))
		return;
	relkind = ss_relation_relkind(cxt, s->relation);
	is_table = relkind == RELKIND_RELATION || relkind == RELKIND_PARTITIONED_TABLE;

	if (s->renameType == OBJECT_COLUMN)
	{
		if (s->relationType == OBJECT_TABLE || is_table)
		{
			ss_report(cxt, SS_RENAMING_COLUMN, -1, column_object(cxt, s->subname), NULL);
			note_column_rename(cxt, s->relation, ss_lookup_relation(cxt, s->relation),
							   s->subname, s->newname);
		}
	}
	else if (s->renameType == OBJECT_ATTRIBUTE)
	{
		Oid			typed;
		char	   *obj;

		/* without CASCADE the server refuses when typed tables exist */
		if (s->behavior != DROP_CASCADE)
			return;
		typed = relkind == RELKIND_COMPOSITE_TYPE ?
			ss_first_existing_typed_table(ss_lookup_relation(cxt, s->relation)) :
			InvalidOid;
		obj = OidIsValid(typed) ?
			psprintf("%s.%s",
					 quote_qualified_identifier(get_namespace_name(get_rel_namespace(typed)),
												get_rel_name(typed)),
					 quote_identifier(s->subname)) :
			column_object(cxt, s->subname);
		ss_report(cxt, SS_RENAMING_COLUMN, -1, obj,
				  "renaming an attribute with CASCADE renames the column of every typed table of the type, which breaks the running application that still uses the old name");
	}
	else if (s->renameType == OBJECT_TABLE || s->renameType == OBJECT_INDEX)
	{
		/*
		 * Only these two keywords accept another kind (ALTER VIEW, SEQUENCE,
		 * ... RENAME TO refuse a table themselves).  ALTER TABLE renaming an
		 * index or a sequence renames no table; a name the catalog does
		 * not know is taken for what the keyword says.
		 */
		bool		renames_table = is_table ||
			(s->renameType == OBJECT_TABLE &&
			 relkind != RELKIND_INDEX && relkind != RELKIND_PARTITIONED_INDEX &&
			 relkind != RELKIND_SEQUENCE);

		if (renames_table)
			ss_report(cxt, SS_RENAMING_TABLE, -1, cxt->stmt_lock_object, NULL);
	}
}

/*
 * ALTER ... SET SCHEMA takes the relation away from the name the
 * application uses, as RENAME does.  The kind comes from the catalog: only
 * ALTER TABLE moves a relation of another kind (the others refuse one), and
 * a name the catalog does not know is taken for what the keyword says.
 * The relation's children stay where they are.
 */
static void
check_set_schema(SSContext *cxt, Node *stmt)
{
	AlterObjectSchemaStmt *s = (AlterObjectSchemaStmt *) stmt;
	char		relkind;

	switch (s->objectType)
	{
		case OBJECT_TABLE:
		case OBJECT_VIEW:
		case OBJECT_MATVIEW:
		case OBJECT_FOREIGN_TABLE:
		case OBJECT_SEQUENCE:
			break;
		default:
			return;
	}
	if (s->relation == NULL || ss_relation_is_new_inh(cxt, s->relation, false))
		return;
	relkind = ss_relation_relkind(cxt, s->relation);
	if (relkind == RELKIND_RELATION || relkind == RELKIND_PARTITIONED_TABLE ||
		(relkind == '\0' && s->objectType == OBJECT_TABLE))
		ss_report(cxt, SS_RENAMING_TABLE, -1, cxt->stmt_lock_object,
				  psprintf("moving a table to schema %s breaks the running application that still uses the old name",
						   quote_identifier(s->newschema)));
}

/*
 * ALTER TABLE/INDEX/MATERIALIZED VIEW ALL IN TABLESPACE ... SET TABLESPACE
 * copies every matching relation, each under ACCESS EXCLUSIVE.  The
 * object is the tablespace: approving one table must not move them all.
 */
static void
check_move_all(SSContext *cxt, Node *stmt)
{
	AlterTableMoveAllStmt *s = (AlterTableMoveAllStmt *) stmt;
	char	   *first;
	int			n = ss_tablespace_move_targets(s, &first);
	const char *what;

	if (n == 0)
		return;
	what = s->objtype == OBJECT_INDEX ? (n == 1 ? "index" : "indexes") :
		s->objtype == OBJECT_MATVIEW ? (n == 1 ? "materialized view" : "materialized views") :
		(n == 1 ? "table" : "tables");
	ss_report_full(cxt, SS_BAN_TABLE_REWRITE, -1,
				   pstrdup(quote_identifier(s->orig_tablespacename)),
				   AccessExclusiveLock, true,
				   n < 0 ?
				   psprintf("moving everything in tablespace %s copies every matching relation while blocking reads and writes of each",
							quote_identifier(s->orig_tablespacename)) :
				   psprintf("moving everything in tablespace %s copies %d %s (%s first) while blocking reads and writes of each",
							quote_identifier(s->orig_tablespacename), n, what, first),
				   NULL);
}

static void
check_cluster_vacuum(SSContext *cxt, Node *stmt)
{
	if (IsA(stmt, VacuumStmt) && cxt->stmt_lock != AccessExclusiveLock)
		return;
	if (IsA(stmt, ClusterStmt) && ((ClusterStmt *) stmt)->relation &&
		ss_relation_is_new(cxt, ((ClusterStmt *) stmt)->relation))
		return;
	ss_report(cxt, SS_BAN_TABLE_REWRITE, -1, cxt->stmt_lock_object,
			  IsA(stmt, VacuumStmt) ?
			  "VACUUM FULL rewrites the whole table while blocking reads and writes" :
			  "CLUSTER rewrites the whole table while blocking reads and writes");
}

const SSChecker schemashift_alter_checkers[] = {
	{T_AlterTableStmt, check_alter_table},
	{T_RenameStmt, check_rename},
	{T_AlterObjectSchemaStmt, check_set_schema},
	{T_AlterTableMoveAllStmt, check_move_all},
	{T_ClusterStmt, check_cluster_vacuum},
	{T_VacuumStmt, check_cluster_vacuum},
	{T_Invalid, NULL}
};
