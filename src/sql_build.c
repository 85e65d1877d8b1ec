/*-------------------------------------------------------------------------
 *
 * sql_build.c
 *		Pieces of the SQL the recipes build, read from the catalog so that
 *		nothing is looked up through search_path, where a table's owner may
 *		have put objects of its own.
 *
 *-------------------------------------------------------------------------
 */
#include "sql_build.h"

#include "access/htup_details.h"
#include "catalog/pg_operator.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
#include "utils/typcache.h"

char *
ss_qualified_relname(Oid relid)
{
	char	   *rel = get_rel_name(relid);

	if (rel == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	return quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
									  rel);
}

/*
 * A SELECT with nothing but a target list and a WHERE clause: what
 * "SELECT expr" or "SELECT WHERE cond" parses to when the user's text is one
 * expression and nothing else.
 */
bool
ss_bare_select(SelectStmt *sel)
{
	return sel->op == SETOP_NONE && sel->fromClause == NIL &&
		sel->groupClause == NIL && sel->havingClause == NULL &&
		sel->windowClause == NIL && sel->sortClause == NIL &&
		sel->limitCount == NULL && sel->limitOffset == NULL &&
		sel->lockingClause == NIL && sel->withClause == NULL &&
		sel->distinctClause == NIL && sel->valuesLists == NIL &&
		sel->intoClause == NULL;
}

/* OPERATOR(schema.name), read from the catalog: nothing found by search_path */
char *
ss_qualified_operator(Oid op)
{
	HeapTuple	tup = SearchSysCache1(OPEROID, ObjectIdGetDatum(op));
	Form_pg_operator form;
	char	   *s;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for operator %u", op);
	form = (Form_pg_operator) GETSTRUCT(tup);
	s = psprintf("OPERATOR(%s.%s)", quote_identifier(get_namespace_name(form->oprnamespace)),
				 NameStr(form->oprname));
	ReleaseSysCache(tup);
	return s;
}

/*
 * SQL for "a differs from b" (IS DISTINCT FROM) that looks nothing up through
 * search_path, where a table's owner may have put an "=" of its own: the
 * type's own equality operator, schema-qualified; for a type without one
 * (point, json, xml), what the type's output function prints, through
 * format(), which calls no cast the owner could define.
 */
char *
ss_differs_sql(Oid type, const char *a, const char *b)
{
	TypeCacheEntry *tc = lookup_type_cache(type, TYPECACHE_EQ_OPR);

	if (!OidIsValid(tc->eq_opr))
		return psprintf("((%s IS NULL) OPERATOR(pg_catalog.<>) (%s IS NULL) OR "
						"pg_catalog.format('%%s', %s) OPERATOR(pg_catalog.<>) pg_catalog.format('%%s', %s))",
						a, b, a, b);
	return psprintf("((%s IS NULL) OPERATOR(pg_catalog.<>) (%s IS NULL) OR NOT (%s %s %s))",
					a, b, a, ss_qualified_operator(tc->eq_opr), b);
}
