/*-------------------------------------------------------------------------
 *
 * rules_drop.c
 *		Statements that destroy data: DROP TABLE/SCHEMA/DATABASE, DROP
 *		EXTENSION of an extension whose tables hold data, DROP OWNED and
 *		TRUNCATE; and REASSIGN OWNED, which hands over everything a role
 *		owns.  Objects the script created itself may be dropped
 *		freely.
 *
 *-------------------------------------------------------------------------
 */
#include "schemashift.h"

#include "access/genam.h"
#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "commands/dbcommands.h"
#include "catalog/pg_class.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "parser/parse_type.h"
#include "utils/lsyscache.h"
#include "utils/acl.h"

/*
 * DROP TYPE/DOMAIN ... CASCADE drops the typed tables of a composite type
 * and every column of the type.  lint() reports it from the catalog; the
 * guard sees the same in its sql_drop check, once the objects are known.
 */
static void
check_drop_type_cascade(SSContext *cxt, DropStmt *s)
{
	ListCell   *lc;

	if (cxt->guard)
		return;
	foreach(lc, s->objects)
	{
		TypeName   *tn = lfirst_node(TypeName, lc);
		Oid			typid;
		Oid			relid;
		char	   *att;
		char	   *table;

		typid = ss_lookup_type(tn);
		if (!OidIsValid(typid))
			continue;
		relid = ss_type_dependent_table(typid, &att);
		if (!OidIsValid(relid))
			continue;
		table = quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
										   get_rel_name(relid));
		if (att == NULL)
			ss_report_full(cxt, SS_BAN_DROP_TABLE, -1, table, AccessExclusiveLock, false,
						   psprintf("dropping type %s with CASCADE also drops its typed table %s, with its data",
									TypeNameToString(tn), table),
						   NULL);
		else
			ss_report_full(cxt, SS_BAN_DROP_COLUMN, -1,
						   psprintf("%s.%s", table, quote_identifier(att)),
						   AccessExclusiveLock, false,
						   psprintf("dropping type %s with CASCADE also drops column %s of table %s, with its data",
									TypeNameToString(tn), quote_identifier(att), table),
						   NULL);
		return;
	}
}

/* rows of a table, when this role may read it; -1 otherwise */
static int64
visible_rows(Oid relid)
{
	Relation	rel;
	TableScanDesc scan;
	Snapshot	snapshot;
	int64		n = 0;

	if (pg_class_aclcheck(relid, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
		return -1;
	rel = table_open(relid, AccessShareLock);
	snapshot = RegisterSnapshot(GetTransactionSnapshot());
	scan = table_beginscan(rel, snapshot, 0, NULL);
	while (heap_getnext(scan, ForwardScanDirection) != NULL)
	{
		CHECK_FOR_INTERRUPTS();
		n++;
	}
	table_endscan(scan);
	UnregisterSnapshot(snapshot);
	table_close(rel, AccessShareLock);
	return n;
}

/* the sync triggers expand/contract changes leave on application tables */
static int
sync_triggers(void)
{
	Relation	rel = table_open(TriggerRelationId, AccessShareLock);
	SysScanDesc scan = systable_beginscan(rel, InvalidOid, false, NULL, 0, NULL);
	HeapTuple	tup;
	int			n = 0;

	while ((tup = systable_getnext(scan)) != NULL)
	{
		const char *name = NameStr(((Form_pg_trigger) GETSTRUCT(tup))->tgname);

		if (strncmp(name, "zz_schemashift_", 15) == 0 &&
			strcmp(name + strlen(name) - 5, "_sync") == 0)
			n++;
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return n;
}

/*
 * What DROP EXTENSION loses: the rows of the extension's own tables (those
 * it dumps with itself), as many as this role may see; NULL when it keeps
 * no data.
 */
static char *
extension_data(Oid extoid, const char *extname)
{
	Relation	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	StringInfoData buf;
	Datum		config;
	bool		isnull = true;

	ScanKeyInit(&key, Anum_pg_extension_oid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(extoid));
	scan = systable_beginscan(rel, ExtensionOidIndexId, true, NULL, 1, &key);
	tup = systable_getnext(scan);
	config = tup ? heap_getattr(tup, Anum_pg_extension_extconfig, RelationGetDescr(rel), &isnull) : (Datum) 0;
	initStringInfo(&buf);
	if (!isnull)
	{
		Datum	   *relids;
		int			n;

		deconstruct_array(DatumGetArrayTypeP(config), OIDOID, sizeof(Oid), true,
						  TYPALIGN_INT, &relids, NULL, &n);
		for (int i = 0; i < n; i++)
		{
			Oid			relid = DatumGetObjectId(relids[i]);
			int64		rows;

			if (get_rel_relkind(relid) != RELKIND_RELATION)
				continue;
			rows = visible_rows(relid);
			appendStringInfo(&buf, "%s%s", buf.len ? ", " : "",
							 quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
														get_rel_name(relid)));
			if (rows >= 0)
				appendStringInfo(&buf, " (" INT64_FORMAT " %s)", rows, rows == 1 ? "row" : "rows");
		}
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	if (buf.len == 0)
		return NULL;
	if (strcmp(extname, "schemashift") == 0)
	{
		int			n = sync_triggers();

		if (n == 1)
			appendStringInfoString(&buf, "; 1 open expand/contract change keeps its sync trigger on an application table");
		else if (n > 1)
			appendStringInfo(&buf, "; %d open expand/contract changes keep their sync triggers on application tables", n);
	}
	return buf.data;
}

/* DROP EXTENSION of an extension whose own tables hold data */
static void
check_drop_extension(SSContext *cxt, DropStmt *s)
{
	ListCell   *lc;

	foreach(lc, s->objects)
	{
		const char *name = strVal(lfirst(lc));
		Oid			extoid = get_extension_oid(name, true);
		char	   *lost;

		if (!OidIsValid(extoid) || (lost = extension_data(extoid, name)) == NULL)
			continue;
		ss_report_full(cxt, SS_BAN_DROP_EXTENSION, -1, pstrdup(quote_identifier(name)),
					   AccessExclusiveLock, false,
					   psprintf("dropping extension %s deletes the rows of its tables: %s",
								quote_identifier(name), lost),
					   NULL);
	}
}

/*
 * DROP SCHEMA, by what the schema holds: a schema the catalog does not
 * know has no data to lose (the statement fails, is a no-op with IF
 * EXISTS, or drops what the script made in it); without CASCADE a schema
 * that holds tables is not dropped at all (the statement fails).
 */
static void
check_drop_schema(SSContext *cxt, const char *nspname, bool cascade)
{
	char	   *first;
	int			n;
	char	   *object = pstrdup(quote_identifier(nspname));

	if (!OidIsValid(get_namespace_oid(nspname, true)))
		return;
	n = ss_schema_tables(nspname, &first);
	if (!cascade && n == 0)
		return;
	if (!cascade)
		ss_report(cxt, SS_BAN_DROP_SCHEMA, -1, object,
				  psprintf("schema %s holds %d existing table%s (%s first): DROP SCHEMA without CASCADE will fail",
						   object, n, n == 1 ? "" : "s", first));
	else if (n == 0)
		ss_report(cxt, SS_BAN_DROP_SCHEMA, -1, object,
				  psprintf("dropping schema %s drops every object in it; it holds no existing table",
						   object));
	else
		ss_report(cxt, SS_BAN_DROP_SCHEMA, -1, object,
				  psprintf("dropping schema %s drops every object in it, %d existing table%s (%s first) with %s data",
						   object, n, n == 1 ? "" : "s", first, n == 1 ? "its" : "their"));
}

static void
check_drop(SSContext *cxt, Node *stmt)
{
	DropStmt   *s = (DropStmt *) stmt;
	ListCell   *lc;

	/* one finding per object: each needs its own approval */
	if (s->removeType == OBJECT_EXTENSION)
	{
		check_drop_extension(cxt, s);
		return;
	}
	if (s->removeType == OBJECT_SCHEMA)
	{
		foreach(lc, s->objects)
			check_drop_schema(cxt, strVal(lfirst(lc)), s->behavior == DROP_CASCADE);
		return;
	}
	if ((s->removeType == OBJECT_TYPE || s->removeType == OBJECT_DOMAIN) &&
		s->behavior == DROP_CASCADE)
	{
		check_drop_type_cascade(cxt, s);
		return;
	}
	if (s->removeType != OBJECT_TABLE)
		return;
	foreach(lc, s->objects)
	{
		RangeVar   *rv = makeRangeVarFromNameList((List *) lfirst(lc));

		if (ss_relation_is_new(cxt, rv))
			continue;
		ss_report(cxt, SS_BAN_DROP_TABLE, -1, ss_relation_name(rv), NULL);
	}
}

/*
 * Databases are the cluster's, and the server lint runs on (a CI server)
 * rarely has the production ones: a database it lacks is reported all the
 * same, saying so.
 */
static void
check_dropdb(SSContext *cxt, Node *stmt)
{
	const char *name = ((DropdbStmt *) stmt)->dbname;
	char	   *object = pstrdup(quote_identifier(name));

	ss_report(cxt, SS_BAN_DROP_DATABASE, -1, object,
			  OidIsValid(get_database_oid(name, true)) ? NULL :
			  psprintf("dropping database %s loses all of its data where it exists; this server has no database of that name, and here the statement fails",
					   object));
}

static void
check_truncate(SSContext *cxt, Node *stmt)
{
	TruncateStmt *s = (TruncateStmt *) stmt;
	ListCell   *lc;

	/* one finding per table: each needs its own approval */
	foreach(lc, s->relations)
	{
		RangeVar   *rv = lfirst_node(RangeVar, lc);

		if (s->behavior == DROP_CASCADE)
			ss_report(cxt, SS_BAN_TRUNCATE_CASCADE, -1, ss_relation_name(rv), NULL);
		else if (!ss_relation_is_new(cxt, rv))
			ss_report_full(cxt, SS_BAN_TRUNCATE, -1, ss_relation_name(rv),
						   AccessExclusiveLock, false, NULL, NULL);
	}
}

/*
 * How many tables the role a RoleSpec names owns (ss_role_tables), *role
 * its quoted name and *first one of the tables; -1 when this catalog does
 * not know the role.
 */
static int
role_tables(RoleSpec *spec, char **role, char **first)
{
	Oid			roleid;

	/* PUBLIC owns nothing (and get_rolespec_oid raises an error for it) */
	*role = NULL;
	*first = NULL;
	if (spec->roletype == ROLESPEC_PUBLIC)
		return -1;
	roleid = get_rolespec_oid(spec, true);
	if (!OidIsValid(roleid))
		return -1;
	*role = pstrdup(quote_identifier(GetUserNameFromId(roleid, false)));
	return ss_role_tables(roleid, first);
}

/*
 * DROP OWNED BY drops every table the role owns in this database, which no
 * DROP TABLE names: the catalog says which, before anything is dropped.
 */
static void
check_drop_owned(SSContext *cxt, Node *stmt)
{
	ListCell   *lc;

	foreach(lc, ((DropOwnedStmt *) stmt)->roles)
	{
		RoleSpec   *spec = lfirst(lc);
		char	   *role;
		char	   *first;
		int			n = role_tables(spec, &role, &first);

		/* lint() of a role this catalog does not know: it may own any */
		if (n < 0 && !cxt->guard && spec->roletype == ROLESPEC_CSTRING)
		{
			role = pstrdup(quote_identifier(spec->rolename));
			ss_report_full(cxt, SS_BAN_DROP_TABLE, -1, role, AccessExclusiveLock, false,
						   psprintf("DROP OWNED BY %s drops every table the role owns, with their data",
									role),
						   NULL);
			return;
		}
		if (n <= 0)
			continue;
		ss_report_full(cxt, SS_BAN_DROP_TABLE, -1, role, AccessExclusiveLock, false,
					   n == 1 ?
					   psprintf("DROP OWNED BY %s drops table %s with its data", role, first) :
					   psprintf("DROP OWNED BY %s drops %d tables with their data, %s among them",
								role, n, first),
					   NULL);
		return;
	}
}

static void
check_reassign_owned(SSContext *cxt, Node *stmt)
{
	ListCell   *lc;

	foreach(lc, ((ReassignOwnedStmt *) stmt)->roles)
	{
		char	   *role;
		char	   *first;
		int			n = role_tables(lfirst(lc), &role, &first);

		if (n < 0)
			continue;
		ss_report_full(cxt, SS_BAN_REASSIGN_OWNED, -1, role,
					   n > 0 ? AccessExclusiveLock : NoLock, false,
					   psprintf("REASSIGN OWNED gives every object role %s owns in this database (%d %s) to another role, locking each of its tables",
								role, n, n == 1 ? "table" : "tables"),
					   NULL);
		return;
	}
}

const SSChecker schemashift_drop_checkers[] = {
	{T_DropStmt, check_drop},
	{T_DropdbStmt, check_dropdb},
	{T_TruncateStmt, check_truncate},
	{T_DropOwnedStmt, check_drop_owned},
	{T_ReassignOwnedStmt, check_reassign_owned},
	{T_Invalid, NULL}
};
