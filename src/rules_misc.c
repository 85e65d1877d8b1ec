/*-------------------------------------------------------------------------
 *
 * rules_misc.c
 *		Domains, enums, columns named twice, unqualified tables, whole-table
 *		UPDATE/DELETE.  (What a statement created is remembered after the
 *		rules, by the engine's last phase: engine_phases.c.)
 *
 *-------------------------------------------------------------------------
 */
#include "schemashift.h"

#include "catalog/namespace.h"
#include "miscadmin.h"
#include "utils/builtins.h"

#include "access/htup_details.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "nodes/makefuncs.h"
#include "parser/parse_target.h"
#include "utils/syscache.h"

/* ---------- domains and enums ---------- */

static void
check_create_domain(SSContext *cxt, Node *stmt)
{
	CreateDomainStmt *s = (CreateDomainStmt *) stmt;
	ListCell   *lc;

	foreach(lc, s->constraints)
	{
		Constraint *c = lfirst_node(Constraint, lc);

		if (c->contype == CONSTR_CHECK)
		{
			ss_report_full(cxt, SS_BAN_CREATE_DOMAIN_WITH_CONSTRAINT, c->location,
						   NameListToString(s->domainname), NoLock, false, NULL, NULL);
			return;
		}
	}
}

/*
 * A domain whose new constraint (or NOT NULL) is checked against existing
 * data: an existing table's column of it, in *column ("table.column"), or
 * InvalidOid when nothing is there to check.  *known: the catalog has the
 * domain.  One it does not have (lint of a script that creates it) has no
 * column in an existing table: the guard, which runs after the script's
 * earlier statements, sees the columns it got.
 */
static Oid
domain_checked_column(List *typname, bool not_null, char **column, bool *known)
{
	Oid			typid = ss_lookup_type(makeTypeNameFromNameList(typname));
	HeapTuple	tup;
	bool		skip = true;

	*column = NULL;
	*known = OidIsValid(typid);
	if (!OidIsValid(typid))
		return InvalidOid;
	tup = SearchSysCache1(TYPEOID, ObjectIdGetDatum(typid));
	if (HeapTupleIsValid(tup))
	{
		Form_pg_type typ = (Form_pg_type) GETSTRUCT(tup);

		/* SET NOT NULL on a NOT NULL domain checks nothing */
		skip = typ->typtype != TYPTYPE_DOMAIN || (not_null && typ->typnotnull);
		ReleaseSysCache(tup);
	}
	return skip ? InvalidOid : ss_domain_column(typid, column);
}

static void
check_alter_domain(SSContext *cxt, Node *stmt)
{
	AlterDomainStmt *s = (AlterDomainStmt *) stmt;
	char	   *column;
	bool		known;

	/*
	 * ADD CONSTRAINT and SET NOT NULL check every column of the domain (and
	 * of domains over it) under a SHARE lock on each table: nothing to check
	 * when no existing table uses it, or with NOT VALID.  A constraint added
	 * to a domain lint cannot see is reported (squawk's rule, where the
	 * script may hide the domain's columns); SET NOT NULL on one is not.
	 */
	if (s->subtype == 'C')
	{
		Constraint *c = (Constraint *) s->def;

		if ((c && IsA(c, Constraint) && c->skip_validation) ||
			(!OidIsValid(domain_checked_column(s->typeName, false, &column, &known)) &&
			 known))
			return;
		ss_report_full(cxt, SS_BAN_ALTER_DOMAIN_WITH_ADD_CONSTRAINT, -1,
					   NameListToString(s->typeName), ShareLock, false,
					   column ?
					   psprintf("adding a constraint to a domain checks every column of that domain in every table (%s first) while blocking writes to them",
								column) : NULL,
					   NULL);
	}
	else if (s->subtype == 'O')
	{
		if (!OidIsValid(domain_checked_column(s->typeName, true, &column, &known)))
			return;
		ss_report_full(cxt, SS_BAN_ALTER_DOMAIN_WITH_ADD_CONSTRAINT, -1,
					   NameListToString(s->typeName), ShareLock, false,
					   column ?
					   psprintf("setting a domain NOT NULL checks every column of that domain in every table (%s first) while blocking writes to them",
								column) :
					   "setting a domain NOT NULL checks every column of that domain in every table while blocking writes to them",
					   "Put a NOT NULL (or a CHECK ... NOT VALID, validated later) on the tables' columns instead of the domain.");
	}
}

static void
check_alter_enum(SSContext *cxt, Node *stmt)
{
	AlterEnumStmt *s = (AlterEnumStmt *) stmt;

	if (s->newVal && s->oldVal == NULL && s->newValNeighbor == NULL)
		ss_report_full(cxt, SS_REQUIRE_ENUM_VALUE_ORDERING, -1,
					   NameListToString(s->typeName), NoLock, false, NULL, NULL);
}

/* ---------- columns named twice ---------- */

static void
report_duplicate(SSContext *cxt, const char *name, int loc)
{
	ss_report_full(cxt, SS_BAN_DUPLICATE_COLUMN_ASSIGNMENTS, loc,
				   name ? pstrdup(quote_identifier(name)) : NULL, NoLock, false,
				   name ? psprintf("column \"%s\" is named more than once: this statement will fail", name) : NULL,
				   NULL);
}

/*
 * Names seen so far in one list.  A hash table, not a pairwise comparison:
 * a statement can name 100,000 columns, and the work must stay linear.
 */
typedef struct SeenName
{
	char		name[NAMEDATALEN];	/* the key */
	bool		plain;			/* seen without a field or subscript */
} SeenName;

static HTAB *
seen_names_create(int nelem)
{
	HASHCTL		ctl;

	ctl.keysize = NAMEDATALEN;
	ctl.entrysize = sizeof(SeenName);
	ctl.hcxt = CurrentMemoryContext;
	return hash_create("schemashift column names", Max(nelem, 16), &ctl,
					   HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
}

/*
 * Enter a name in seen: does it clash with an earlier one?  Two names
 * clash unless both assign only a field or an element of the column
 * (plain: the whole column).
 */
static bool
name_clashes(HTAB *seen, const char *name, bool plain)
{
	SeenName   *e;
	bool		found;

	CHECK_FOR_INTERRUPTS();
	e = hash_search(seen, name, HASH_ENTER, &found);
	if (found && (plain || e->plain))
		return true;
	if (!found)
		e->plain = false;
	if (plain)
		e->plain = true;
	return false;
}

/*
 * The first name equal to an earlier one is reported.  whole: for each
 * name, whether it assigns the whole column (NIL: all do).
 */
static void
check_names_ext(SSContext *cxt, List *names, List *locations, List *whole)
{
	ListCell   *lc;
	HTAB	   *seen;

	if (list_length(names) < 2)
		return;
	seen = seen_names_create(list_length(names));
	foreach(lc, names)
	{
		const char *a = lfirst(lc);
		int			i = foreach_current_index(lc);

		if (name_clashes(seen, a, whole == NIL || list_nth_int(whole, i)))
		{
			report_duplicate(cxt, a, locations ? list_nth_int(locations, i) : -1);
			break;
		}
	}
	hash_destroy(seen);
}

static void
check_names(SSContext *cxt, List *names, List *locations)
{
	check_names_ext(cxt, names, locations, NIL);
}

/*
 * SET/INSERT targets: the same column twice is an error unless both
 * assign different fields or elements of it (a.x and a.y, a[1] and a[2]).
 */
static void
check_targets(SSContext *cxt, List *targets)
{
	ListCell   *lc;
	List	   *names = NIL;
	List	   *locations = NIL;
	List	   *whole = NIL;

	foreach(lc, targets)
	{
		ResTarget  *a = lfirst_node(ResTarget, lc);

		if (a->name == NULL)
			continue;
		names = lappend(names, a->name);
		locations = lappend_int(locations, a->location);
		whole = lappend_int(whole, a->indirection == NIL);
	}
	check_names_ext(cxt, names, locations, whole);
}

/*
 * The column name the server gives a SELECT output column: its alias, or
 * FigureColname()'s, the function transformTargetList() itself calls, so
 * (i.h).id is "id" and a cast of a column keeps the column's name.
 */
static const char *
output_name(ResTarget *rt)
{
	if (rt->name)
		return rt->name;
	return FigureColname(rt->val);
}

/*
 * The output columns of a SELECT that makes a relation (CREATE TABLE AS,
 * SELECT INTO, CREATE VIEW): the names given first (colnames), then the
 * server's names for the rest.
 */
static void
check_select_names(SSContext *cxt, SelectStmt *s, List *colnames)
{
	List	   *names = NIL;
	List	   *locs = NIL;
	ListCell   *lc;

	while (s->op != SETOP_NONE && s->larg)
		s = s->larg;
	/* VALUES: only the names given can clash */
	if (s->targetList == NIL)
		foreach(lc, colnames)
			names = lappend(names, strVal(lfirst(lc)));
	foreach(lc, s->targetList)
	{
		ResTarget  *rt = lfirst_node(ResTarget, lc);
		int			i = foreach_current_index(lc);

		/* SELECT *, t.*, (x).*: the names are the table's or the type's */
		if ((IsA(rt->val, ColumnRef) &&
			 IsA(llast(((ColumnRef *) rt->val)->fields), A_Star)) ||
			(IsA(rt->val, A_Indirection) &&
			 IsA(llast(((A_Indirection *) rt->val)->indirection), A_Star)))
			return;
		/* a name of the list given is at no position of its own */
		if (i < list_length(colnames))
		{
			names = lappend(names, strVal(list_nth(colnames, i)));
			locs = lappend_int(locs, -1);
		}
		else
		{
			names = lappend(names, (void *) output_name(rt));
			locs = lappend_int(locs, rt->location);
		}
	}
	/* more names than columns: the server refuses that anyway */
	if (list_length(colnames) <= list_length(names))
		check_names(cxt, names, locs);
}

static void
check_duplicates(SSContext *cxt, Node *stmt)
{
	switch (nodeTag(stmt))
	{
		case T_UpdateStmt:
			check_targets(cxt, ((UpdateStmt *) stmt)->targetList);
			break;
		case T_InsertStmt:
			{
				InsertStmt *s = (InsertStmt *) stmt;

				check_targets(cxt, s->cols);
				if (s->onConflictClause)
					check_targets(cxt, s->onConflictClause->targetList);
				break;
			}
		case T_MergeStmt:
			{
				ListCell   *lc;

				foreach(lc, ((MergeStmt *) stmt)->mergeWhenClauses)
					check_targets(cxt, lfirst_node(MergeWhenClause, lc)->targetList);
				break;
			}
		case T_CreateStmt:
		case T_CreateForeignTableStmt:
			{
				CreateStmt *s = IsA(stmt, CreateForeignTableStmt) ?
					&((CreateForeignTableStmt *) stmt)->base : (CreateStmt *) stmt;
				List	   *names = NIL;
				List	   *locs = NIL;
				ListCell   *lc;

				foreach(lc, s->tableElts)
				{
					if (IsA(lfirst(lc), ColumnDef))
					{
						names = lappend(names, ((ColumnDef *) lfirst(lc))->colname);
						locs = lappend_int(locs, ((ColumnDef *) lfirst(lc))->location);
					}
				}
				check_names(cxt, names, locs);
				break;
			}
		case T_ViewStmt:
			{
				ViewStmt   *s = (ViewStmt *) stmt;

				if (IsA(s->query, SelectStmt))
					check_select_names(cxt, (SelectStmt *) s->query, s->aliases);
				break;
			}
		case T_SelectStmt:
			if (((SelectStmt *) stmt)->intoClause)
				check_select_names(cxt, (SelectStmt *) stmt,
								   ((SelectStmt *) stmt)->intoClause->colNames);
			break;
		case T_CreateTableAsStmt:
			{
				CreateTableAsStmt *s = (CreateTableAsStmt *) stmt;

				if (IsA(s->query, SelectStmt))
					check_select_names(cxt, (SelectStmt *) s->query, s->into->colNames);
				break;
			}
		default:
			break;
	}
}

/* ---------- unqualified tables ---------- */

static void
schema_report(SSContext *cxt, RangeVar *rv)
{
	if (rv && rv->schemaname == NULL && rv->relpersistence != RELPERSISTENCE_TEMP)
		ss_report_full(cxt, SS_REQUIRE_TABLE_SCHEMA, rv->location,
					   pstrdup(quote_identifier(rv->relname)), NoLock, false, NULL, NULL);
}

static void
check_table_schema(SSContext *cxt, Node *stmt)
{
	if (!ss_rule_enabled(cxt, SS_REQUIRE_TABLE_SCHEMA))
		return;
	switch (nodeTag(stmt))
	{
		case T_CreateStmt:
			schema_report(cxt, ((CreateStmt *) stmt)->relation);
			break;
		case T_CreateTableAsStmt:
			schema_report(cxt, ((CreateTableAsStmt *) stmt)->into->rel);
			break;
		case T_AlterTableStmt:
			schema_report(cxt, ((AlterTableStmt *) stmt)->relation);
			break;
		case T_DropStmt:
			{
				DropStmt   *s = (DropStmt *) stmt;
				ListCell   *lc;

				if (s->removeType != OBJECT_TABLE)
					break;
				foreach(lc, s->objects)
				{
					if (list_length((List *) lfirst(lc)) == 1)
					{
						ss_report_full(cxt, SS_REQUIRE_TABLE_SCHEMA, -1,
									   NameListToString((List *) lfirst(lc)),
									   NoLock, false, NULL, NULL);
						break;
					}
				}
				break;
			}
		default:
			break;
	}
}

/* ---------- whole-table UPDATE and DELETE ---------- */

/* A constant: a literal, possibly cast ('x'::text::"Role", -1) */
static bool
is_constant(Node *n)
{
	if (n == NULL)
		return false;
	if (IsA(n, TypeCast))
		return is_constant(((TypeCast *) n)->arg);
	if (IsA(n, A_Expr) && ((A_Expr *) n)->kind == AEXPR_OP &&
		((A_Expr *) n)->lexpr == NULL)
		return is_constant(((A_Expr *) n)->rexpr);
	return IsA(n, A_Const);
}

/* col = constant, constant = col, col IN (constants): the column's name */
static String *
fixed_column(A_Expr *e)
{
	Node	   *col = NULL;

	if (e->kind == AEXPR_IN && IsA(e->rexpr, List))
	{
		ListCell   *lc;

		foreach(lc, (List *) e->rexpr)
		{
			if (!is_constant(lfirst(lc)))
				return NULL;
		}
		col = e->lexpr;
	}
	else if (e->kind == AEXPR_OP && list_length(e->name) == 1 &&
			 strcmp(strVal(linitial(e->name)), "=") == 0)
		col = is_constant(e->rexpr) ? e->lexpr :
			is_constant(e->lexpr) ? e->rexpr : NULL;
	if (col == NULL || !IsA(col, ColumnRef) ||
		!IsA(llast(((ColumnRef *) col)->fields), String))
		return NULL;
	return llast(((ColumnRef *) col)->fields);
}

/*
 * Does the WHERE clause fix, by equality to constants (alone or ANDed with
 * more), every column of a unique index or the primary key of relid?  The
 * rows are then found through that index, a handful whatever the table's
 * size.  Anything else (a column of no index, of a non-unique one, part of
 * a unique key) can mean any number of rows, and a scan of them.
 */
bool
ss_where_fixes_key(Oid relid, Node *where)
{
	List	   *fixed = NIL;
	List	   *terms;
	ListCell   *lc;

	if (where == NULL || !OidIsValid(relid))
		return false;
	terms = IsA(where, BoolExpr) && ((BoolExpr *) where)->boolop == AND_EXPR ?
		((BoolExpr *) where)->args : list_make1(where);
	foreach(lc, terms)
	{
		String	   *col = IsA(lfirst(lc), A_Expr) ? fixed_column(lfirst(lc)) : NULL;

		if (col)
			fixed = lappend(fixed, col);
	}
	return ss_columns_fix_unique_key(relid, fixed);
}

/*
 * Does the WHERE clause pick one batch by a key range: BETWEEN, or both
 * ends (id >= a AND id < b)?  That is the batched backfill itself.
 */
static bool
where_is_range(Node *where)
{
	ListCell   *lc;
	int			bounds = 0;

	if (where == NULL)
		return false;
	if (IsA(where, A_Expr))
		return ((A_Expr *) where)->kind == AEXPR_BETWEEN ||
			((A_Expr *) where)->kind == AEXPR_BETWEEN_SYM;
	if (!IsA(where, BoolExpr) || ((BoolExpr *) where)->boolop != AND_EXPR)
		return false;
	foreach(lc, ((BoolExpr *) where)->args)
	{
		A_Expr	   *e = lfirst(lc);

		if (where_is_range(lfirst(lc)))
			return true;
		if (IsA(e, A_Expr) && e->kind == AEXPR_OP && list_length(e->name) == 1 &&
			strchr("<>", strVal(linitial(e->name))[0]) != NULL)
			bounds++;
	}
	return bounds >= 2;
}

/*
 * Fewer rows than one batch would hold, by the statistics, or by the
 * table's real size when it was never analysed (table_size.c)?
 */
static bool
table_is_small(Oid relid)
{
	double		rows = ss_table_rows(relid);

	return rows >= 0 && rows < 10000;
}

static void
check_backfill(SSContext *cxt, Node *stmt)
{
	RangeVar   *rv;
	Node	   *where;

	if (IsA(stmt, UpdateStmt))
	{
		rv = ((UpdateStmt *) stmt)->relation;
		where = ((UpdateStmt *) stmt)->whereClause;
	}
	else
	{
		rv = ((DeleteStmt *) stmt)->relation;
		where = ((DeleteStmt *) stmt)->whereClause;
	}
	if (ss_relation_is_new(cxt, rv) || where_is_range(where) ||
		ss_where_fixes_key(ss_lookup_relation(cxt, rv), where) ||
		table_is_small(ss_lookup_relation(cxt, rv)))
		return;
	ss_report(cxt, SS_UNBATCHED_BACKFILL, -1, ss_relation_name(rv),
			  IsA(stmt, DeleteStmt) ?
			  "deleting many rows in one statement locks them all until commit and bloats the table" : NULL);
}

const SSChecker schemashift_misc_checkers[] = {
	{T_CreateDomainStmt, check_create_domain},
	{T_AlterDomainStmt, check_alter_domain},
	{T_AlterEnumStmt, check_alter_enum},
	{T_UpdateStmt, check_backfill},
	{T_DeleteStmt, check_backfill},
	{T_Invalid, check_duplicates},
	{T_Invalid, check_table_schema},
	{T_Invalid, NULL}
};
