/*-------------------------------------------------------------------------
 *
 * preconditions.c
 *		What schemashift checks of the server before it writes: that it is
 *		not a standby, and which version of its SQL objects the database
 *		has while that is older than the library (the upgrade window:
 *		docs/operations.md).
 *
 * On a hot standby the read-only functions (lint, plan, self_check,
 * migration_status, check_constraint_data) answer as on the primary, and
 * the guard has nothing to do: a standby runs no DDL.  The procedures and
 * approve() refuse before they start.
 *
 * A new library is loaded by every new session as soon as it is installed;
 * the SQL objects change only with ALTER EXTENSION schemashift UPDATE,
 * database by database.  In between, lint and the guard work as before;
 * what writes the extension's tables refuses with a hint to update.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xlog.h"
#include "catalog/indexing.h"
#include "catalog/pg_extension.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/rel.h"

#include "preconditions.h"

char *
ss_sql_version(void)
{
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	char	   *version = NULL;

	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_extension_extname, BTEqualStrategyNumber, F_NAMEEQ,
				CStringGetDatum("schemashift"));
	scan = systable_beginscan(rel, ExtensionNameIndexId, true, NULL, 1, &key);
	tup = systable_getnext(scan);
	if (HeapTupleIsValid(tup))
	{
		bool		isnull;
		Datum		d = heap_getattr(tup, Anum_pg_extension_extversion,
									 RelationGetDescr(rel), &isnull);

		if (!isnull)
			version = text_to_cstring(DatumGetTextPP(d));
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return version;
}

bool
ss_sql_outdated(void)
{
	char	   *version = ss_sql_version();

	return version != NULL && strcmp(version, SCHEMASHIFT_VERSION) != 0;
}

void
ss_require_current_sql(const char *what)
{
	char	   *version = ss_sql_version();

	if (version != NULL && strcmp(version, SCHEMASHIFT_VERSION) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("%s needs schemashift %s in this database, which has %s",
						what, SCHEMASHIFT_VERSION, version),
				 errdetail("The library was updated; the extension's SQL objects were not."),
				 errhint("Run ALTER EXTENSION schemashift UPDATE in this database.")));
}

void
ss_refuse_on_standby(const char *what)
{
	if (RecoveryInProgress())
		ereport(ERROR,
				(errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
				 errmsg("%s cannot run on a standby", what),
				 errdetail("It changes the database and records what it did; a standby is read-only."),
				 errhint("Run it on the primary.")));
}

void
ss_require_writable_server(const char *what)
{
	ss_refuse_on_standby(what);
	ss_require_current_sql(what);
}
