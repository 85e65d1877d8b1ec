/*-------------------------------------------------------------------------
 *
 * versions.h
 *		Answers of the rules and recipes that differ by the server's major
 *		version and need the catalog (versions.c); the differences that are
 *		only names and signatures are macros in compat.h.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMASHIFT_VERSIONS_H
#define SCHEMASHIFT_VERSIONS_H

#include "postgres.h"

#include "access/attnum.h"
#include "access/htup.h"
#include "nodes/pg_list.h"

extern bool ss_not_null_is_validated(Oid relid, AttrNumber attnum);
extern char *ss_not_null_constraint_name(Oid relid, AttrNumber attnum, bool *validated);
extern char ss_column_generated(Oid relid, const char *column, bool *not_null);
extern bool ss_constraint_is_enforced(Oid relid, const char *conname);
extern List *ss_foreign_key_columns(Oid relid, const char *conname);
extern List *ss_not_null_inherit_scans(Oid relid, const char *conname, char **column);
extern const char *ss_not_null_hint(void);
extern const char *ss_not_null_recipe_locks(void);

#endif							/* SCHEMASHIFT_VERSIONS_H */
