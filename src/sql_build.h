/*-------------------------------------------------------------------------
 *
 * sql_build.h
 *		Pieces of the SQL the recipes build: names and operators qualified
 *		from the catalog, a comparison that looks nothing up through
 *		search_path, and the test that the user's text was one bare
 *		expression.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMASHIFT_SQL_BUILD_H
#define SCHEMASHIFT_SQL_BUILD_H

#include "postgres.h"

#include "nodes/parsenodes.h"

/* schema.name of a relation, quoted; an error if it is gone */
extern char *ss_qualified_relname(Oid relid);
/* OPERATOR(schema.name), read from the catalog */
extern char *ss_qualified_operator(Oid op);
/* SQL for "a differs from b" (IS DISTINCT FROM) with the type's own equality */
extern char *ss_differs_sql(Oid type, const char *a, const char *b);
/* a SELECT of nothing but a target list and a WHERE clause */
extern bool ss_bare_select(SelectStmt *sel);

#endif							/* SCHEMASHIFT_SQL_BUILD_H */
