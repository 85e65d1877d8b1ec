/*-------------------------------------------------------------------------
 *
 * catalog.c
 *		What the rules know that a linter reading files cannot: the live
 *		catalog (relations, constraints, indexes, function volatility), and
 *		the objects the script itself created earlier.
 *
 * Every lookup here takes no lock on user relations and never fails for a
 * missing object: the rules treat an unknown relation as an existing
 * production table, and an unknown function as volatile.
 *
 *-------------------------------------------------------------------------
 */
#include "schemashift.h"
#include "exemptions.h"


#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_index.h"
#include "catalog/pg_operator.h"
#include "catalog/pg_proc.h"
#include "commands/dbcommands.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/typcache.h"
#include "parser/parse_type.h"

char *
ss_relation_name(RangeVar *rv)
{
	if (rv->schemaname)
		return quote_qualified_identifier(rv->schemaname, rv->relname);
	return pstrdup(quote_identifier(rv->relname));
}

/* Hash key for a relation name as written: "schema.rel" or "rel". */
static void
relation_key(char *key, const char *schema, const char *rel)
{
	if (schema)
		snprintf(key, NAMEDATALEN * 2 + 2, "%s.%s", schema, rel);
	else
		strlcpy(key, rel, NAMEDATALEN * 2 + 2);
}

/*
 * A relation by name in one namespace.  This reads pg_class through its
 * index instead of the syscache: a script can name thousands of tables that
 * do not exist, and every miss would stay in the backend's cache as a
 * negative entry for the rest of the session.
 */
static Oid
relname_in_namespace(const char *relname, Oid nspid)
{
	Relation	rel;
	SysScanDesc scan;
	ScanKeyData key[2];
	HeapTuple	tup;
	NameData	name;
	Oid			relid = InvalidOid;

	namestrcpy(&name, relname);
	rel = table_open(RelationRelationId, AccessShareLock);
	ScanKeyInit(&key[0], Anum_pg_class_relname, BTEqualStrategyNumber,
				F_NAMEEQ, NameGetDatum(&name));
	ScanKeyInit(&key[1], Anum_pg_class_relnamespace, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(nspid));
	scan = systable_beginscan(rel, ClassNameNspIndexId, true, NULL, 2, key);
	tup = systable_getnext(scan);
	if (HeapTupleIsValid(tup))
		relid = ((Form_pg_class) GETSTRUCT(tup))->oid;
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return relid;
}

/*
 * The relation a RangeVar names, or InvalidOid, resolved like the server
 * does (explicit schema, else the search path).  No lock is taken on it:
 * the answer is only used to describe, never to act.  The live guard
 * (cxt NULL or cxt->guard) asks the syscache: the server resolves the same
 * name through it a moment later, so no extra negative entry stays behind,
 * and it is several times cheaper than an index scan per namespace.
 */
Oid
ss_lookup_relation(SSContext *cxt, RangeVar *rv)
{
	Oid			relid = InvalidOid;

	/* a reference to another database cannot be resolved here */
	if (rv->catalogname &&
		strcmp(rv->catalogname, get_database_name(MyDatabaseId)) != 0)
		return InvalidOid;

	if (cxt && cxt->memo_rv == rv)
		return cxt->memo_relid;

	if (cxt == NULL || cxt->guard)
	{
		/* the server itself rejects a schema on a temporary relation */
		if (!(rv->relpersistence == RELPERSISTENCE_TEMP && rv->schemaname))
			relid = RangeVarGetRelid(rv, NoLock, true);
	}
	else if (rv->schemaname)
	{
		Oid			nspid = LookupExplicitNamespace(rv->schemaname, true);

		if (OidIsValid(nspid))
			relid = relname_in_namespace(rv->relname, nspid);
	}
	else
	{
		List	   *path = fetch_search_path(true);
		ListCell   *lc;

		foreach(lc, path)
		{
			relid = relname_in_namespace(rv->relname, lfirst_oid(lc));
			if (OidIsValid(relid))
				break;
		}
		list_free(path);
	}
	if (cxt)
	{
		cxt->memo_rv = rv;
		cxt->memo_relid = relid;
		cxt->memo_is_new = -1;
	}
	return relid;
}

/*
 * True when the current transaction created the relation (temp relations
 * count too): no other session can see it yet.  The pg_class row's xmin is
 * only a first filter, since any ALTER or GRANT earlier in the transaction
 * rewrites that row; the relcache knows which subtransaction created it.
 */
bool
ss_relid_is_new(Oid relid)
{
	HeapTuple	tup;
	bool		touched = false;
	Relation	rel;
	bool		created;

	/* created by an earlier step of the migration apply() is running */
	if (ss_relid_made_by_migration(relid))
		return true;

	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tup))
		return false;
	if (((Form_pg_class) GETSTRUCT(tup))->relpersistence == RELPERSISTENCE_TEMP)
	{
		ReleaseSysCache(tup);
		return true;
	}
	touched = TransactionIdIsCurrentTransactionId(HeapTupleHeaderGetXmin(tup->t_data));
	ReleaseSysCache(tup);
	if (!touched)
		return false;

	rel = RelationIdGetRelation(relid);
	if (!RelationIsValid(rel))
		return false;
	created = rel->rd_createSubid != InvalidSubTransactionId;
	RelationClose(rel);
	return created;
}

/*
 * True when the relation was created earlier in the script, or by the
 * current transaction: nothing done to it can block anyone.
 */
bool
ss_relation_is_new(SSContext *cxt, RangeVar *rv)
{
	char		key[NAMEDATALEN * 2 + 2];
	bool		found;
	Oid			relid;

	if (rv == NULL || rv->relname == NULL)
		return false;
	if (rv->relpersistence == RELPERSISTENCE_TEMP)
		return true;

	relation_key(key, rv->schemaname, rv->relname);
	hash_search(cxt->created_relations, key, HASH_FIND, &found);
	if (found)
		return true;

	relid = ss_lookup_relation(cxt, rv);
	if (!OidIsValid(relid))
		return false;
	if (cxt->memo_rv == rv && cxt->memo_is_new >= 0)
		return cxt->memo_is_new == 1;
	cxt->memo_is_new = ss_relid_is_new(relid) ? 1 : 0;
	return cxt->memo_is_new == 1;
}

/*
 * True when the type is a domain with constraints: ADD COLUMN of such a
 * type evaluates them for every row, so the server rewrites the table even
 * with no default.  An unknown or unresolvable name is not one.
 */
bool
ss_type_is_checked_domain(TypeName *tn)
{
	Oid			typid;

	if (tn == NULL || tn->pct_type || list_length(tn->names) > 2)
		return false;
	typid = LookupTypeNameOid(NULL, tn, true);
	return OidIsValid(typid) && DomainHasConstraints(typid);
}

void
ss_remember_relation(SSContext *cxt, RangeVar *rv)
{
	char		key[NAMEDATALEN * 2 + 2];

	relation_key(key, NULL, rv->relname);
	hash_search(cxt->created_relations, key, HASH_ENTER, NULL);
	if (rv->schemaname)
	{
		relation_key(key, rv->schemaname, rv->relname);
		hash_search(cxt->created_relations, key, HASH_ENTER, NULL);
	}
}

bool
ss_relation_is_partitioned(Oid relid)
{
	return OidIsValid(relid) && get_rel_relkind(relid) == RELKIND_PARTITIONED_TABLE;
}

/* ---------- volatility of a raw default expression ---------- */

static bool
proc_is_volatile(Oid funcid)
{
	return func_volatile(funcid) == PROVOLATILE_VOLATILE;
}

static bool
volatile_walker(Node *node, void *context)
{
	if (node == NULL)
		return false;

	if (IsA(node, FuncCall))
	{
		FuncCall   *fc = (FuncCall *) node;
		FuncCandidateList cands;

		cands = FuncnameGetCandidates(fc->funcname, list_length(fc->args), NIL,
									  true, true, false, true);
		/* a function we cannot resolve is assumed volatile */
		if (cands == NULL)
			return true;
		for (; cands; cands = cands->next)
		{
			if (proc_is_volatile(cands->oid))
				return true;
		}
	}
	else if (IsA(node, A_Expr) && ((A_Expr *) node)->kind == AEXPR_OP)
	{
		A_Expr	   *ae = (A_Expr *) node;
		FuncCandidateList cands;
		bool		any = false;

		cands = OpernameGetCandidates(ae->name, ae->lexpr ? 'b' : 'l', true);
		for (; cands; cands = cands->next)
		{
			RegProcedure code = get_opcode(cands->oid);

			any = true;
			if (OidIsValid(code) && proc_is_volatile(code))
				return true;
		}
		if (!any)
			return true;
	}
	return raw_expression_tree_walker(node, volatile_walker, context);
}

/*
 * Would this default make ADD COLUMN rewrite the table?  Volatility comes
 * from pg_proc, never from a list of names; any candidate of an overloaded
 * name that is volatile counts, since the raw tree does not say which one
 * the parser would pick.
 */
bool
ss_expr_is_volatile(Node *raw_expr)
{
	return volatile_walker(raw_expr, NULL);
}

/* ---------- NOT NULL proofs ---------- */

/* Does a CHECK expression (stored form) prove attnum IS NOT NULL? */
static bool
expr_proves_not_null(Node *expr, AttrNumber attnum)
{
	check_stack_depth();
	if (expr == NULL)
		return false;
	if (IsA(expr, List))
	{
		ListCell   *lc;

		foreach(lc, (List *) expr)
		{
			if (expr_proves_not_null(lfirst(lc), attnum))
				return true;
		}
		return false;
	}
	if (IsA(expr, NullTest))
	{
		NullTest   *nt = (NullTest *) expr;

		return nt->nulltesttype == IS_NOT_NULL && !nt->argisrow &&
			IsA(nt->arg, Var) && ((Var *) nt->arg)->varattno == attnum;
	}
	if (IsA(expr, BoolExpr) && ((BoolExpr *) expr)->boolop == AND_EXPR)
		return expr_proves_not_null((Node *) ((BoolExpr *) expr)->args, attnum);
	return false;
}

static bool
constraint_tuple_proves(HeapTuple tup, Relation conrel, AttrNumber attnum)
{
	Form_pg_constraint con = (Form_pg_constraint) GETSTRUCT(tup);
	Datum		d;
	bool		isnull;
	bool		result;
	char	   *bin;

	if (con->contype != CONSTRAINT_CHECK)
		return false;
	d = heap_getattr(tup, Anum_pg_constraint_conbin, RelationGetDescr(conrel),
					 &isnull);
	if (isnull)
		return false;
	bin = TextDatumGetCString(d);
	result = expr_proves_not_null(stringToNode(bin), attnum);
	pfree(bin);
	return result;
}

/*
 * Is the column already NOT NULL, or proved so by a validated CHECK
 * (col IS NOT NULL)?  Then SET NOT NULL skips its scan of the table.
 */
bool
ss_column_proved_not_null(Oid relid, const char *column)
{
	HeapTuple	atttup;
	AttrNumber	attnum;
	bool		proved = false;
	Relation	conrel;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tup;

	if (!OidIsValid(relid))
		return false;
	atttup = SearchSysCacheAttName(relid, column);
	if (!HeapTupleIsValid(atttup))
		return false;
	attnum = ((Form_pg_attribute) GETSTRUCT(atttup))->attnum;
	proved = ((Form_pg_attribute) GETSTRUCT(atttup))->attnotnull;
	ReleaseSysCache(atttup);
	if (proved)
		return true;

	conrel = table_open(ConstraintRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_constraint_conrelid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(relid));
	scan = systable_beginscan(conrel, ConstraintRelidTypidNameIndexId, true,
							  NULL, 1, &key);
	while (!proved && HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		if (((Form_pg_constraint) GETSTRUCT(tup))->convalidated)
			proved = constraint_tuple_proves(tup, conrel, attnum);
	}
	systable_endscan(scan);
	table_close(conrel, AccessShareLock);
	return proved;
}

/*
 * Does the named constraint on relid (validated or not: the caller is
 * validating it) prove the column NOT NULL?  *known says whether the
 * catalog has the constraint at all.
 */
bool
ss_constraint_proves_not_null(Oid relid, const char *conname,
							  const char *column, bool *known)
{
	Oid			conoid;
	AttrNumber	attnum;
	Relation	conrel;
	HeapTuple	tup;
	bool		proved = false;

	*known = false;
	if (!OidIsValid(relid))
		return false;
	conoid = get_relation_constraint_oid(relid, conname, true);
	if (!OidIsValid(conoid))
		return false;
	*known = true;
	attnum = get_attnum(relid, column);
	if (attnum == InvalidAttrNumber)
		return false;

	conrel = table_open(ConstraintRelationId, AccessShareLock);
	tup = SearchSysCache1(CONSTROID, ObjectIdGetDatum(conoid));
	if (HeapTupleIsValid(tup))
	{
		proved = constraint_tuple_proves(tup, conrel, attnum);
		ReleaseSysCache(tup);
	}
	table_close(conrel, AccessShareLock);
	return proved;
}

/*
 * Is there an index on relid whose leading columns are exactly the given
 * columns (in any order)?  That is what a foreign key's ON DELETE/UPDATE
 * checks need to avoid a sequential scan of the referencing table.
 */
bool
ss_columns_have_index(Oid relid, List *colnames)
{
	int			ncols = list_length(colnames);
	AttrNumber *attnums;
	Relation	indrel;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tup;
	bool		found = false;
	int			i = 0;
	ListCell   *lc;

	if (!OidIsValid(relid) || ncols == 0)
		return false;
	attnums = palloc(sizeof(AttrNumber) * ncols);
	foreach(lc, colnames)
	{
		attnums[i] = get_attnum(relid, strVal(lfirst(lc)));
		if (attnums[i] == InvalidAttrNumber)
			return false;
		i++;
	}

	indrel = table_open(IndexRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_index_indrelid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(relid));
	scan = systable_beginscan(indrel, IndexIndrelidIndexId, true, NULL, 1, &key);
	while (!found && HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_index idx = (Form_pg_index) GETSTRUCT(tup);
		int			matched = 0;
		int			k;

		if (!idx->indisvalid || idx->indnkeyatts < ncols)
			continue;
		for (k = 0; k < ncols; k++)
		{
			int			j;

			for (j = 0; j < ncols; j++)
			{
				if (idx->indkey.values[k] == attnums[j])
				{
					matched++;
					break;
				}
			}
		}
		found = (matched == ncols);
	}
	systable_endscan(scan);
	table_close(indrel, AccessShareLock);
	return found;
}

/* ---------- small helpers ---------- */

char *
ss_typename_last(TypeName *tn)
{
	if (tn == NULL || tn->names == NIL)
		return NULL;
	return strVal(llast(tn->names));
}

int
ss_location_of(Node *node, int fallback)
{
	int			loc = node ? exprLocation(node) : -1;

	return loc >= 0 ? loc : fallback;
}

/* Walk the whole raw expression, for the stack depth checks alone. */
static bool
depth_walker(Node *node, void *context)
{
	if (node == NULL)
		return false;
	(void) raw_expression_tree_walker(node, depth_walker, context);
	return false;
}

/*
 * The location of a raw expression.  exprLocation() recurses down the
 * expression with no stack check, and a chain of a million casts
 * (1::int::int...) overflows the stack and crashes the backend; so the
 * expression is walked first by raw_expression_tree_walker(), which checks
 * the depth at every level and uses more stack per level than
 * exprLocation(): too deep an expression is an error ("stack depth limit
 * exceeded"), never a crash.
 */
int
ss_expr_location(Node *raw_expr, int fallback)
{
	if (raw_expr == NULL)
		return fallback;
	(void) depth_walker(raw_expr, NULL);
	return ss_location_of(raw_expr, fallback);
}
