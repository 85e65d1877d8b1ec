/*-------------------------------------------------------------------------
 *
 * rules_drop.c
 *		Statements that destroy data: DROP TABLE/SCHEMA/DATABASE, DROP
 *		EXTENSION of an extension whose tables hold data, DROP OWNED and
 *		TRUNCATE; and REASSIGN OWNED, which hands over everything a role
 *		owns.  Objects the script created itself may be dropped
 *		freely; DROP ... IF EXISTS of what is not there does nothing at
 *		all (ss_statement_is_noop).
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
#include "common/hashfn.h"
#include "catalog/namespace.h"
#include "commands/dbcommands.h"
#include "catalog/pg_class.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "commands/trigger.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "parser/parse_func.h"
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

		if (ss_relation_is_new(cxt, rv) ||
			(s->missing_ok && ss_drop_object_missing(cxt, s, lfirst(lc))))
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

/* ---------- IF EXISTS of what is not there ---------- */

/*
 * The names of objects other than relations the script made, by kind
 * (lint only: the guard asks the catalog, which holds them by then).
 * Relations are in the engine's record of the script (catalog.c).  Each
 * is kept as a 64-bit hash of its kind and names: a script adding a
 * column to each of 100,000 tables costs a few MB, and a collision only
 * makes a missing object count as there (a finding, as before).
 */
static uint64
script_name_key(char kind, const char *a, const char *b)
{
	uint64		h = hash_bytes_uint32_extended((uint32) kind, 0);

	h = hash_combine64(h, hash_bytes_extended((const unsigned char *) a, strlen(a), 0));
	if (b)
		h = hash_combine64(h, hash_bytes_extended((const unsigned char *) b, strlen(b), 1));
	return h;
}

static void
remember_script_name(SSContext *cxt, char kind, const char *a, const char *b)
{
	uint64		key;

	if (a == NULL)
		return;
	if (cxt->script_names == NULL)
		cxt->script_names = ss_state_hash(cxt, "schemashift script names",
										  sizeof(uint64), sizeof(uint64), false);
	key = script_name_key(kind, a, b);
	(void) hash_search(cxt->script_names, &key, HASH_ENTER, NULL);
}

static bool
script_made(SSContext *cxt, char kind, const char *a, const char *b)
{
	uint64		key;

	if (cxt->script_names == NULL || a == NULL)
		return false;
	key = script_name_key(kind, a, b);
	return hash_search(cxt->script_names, &key, HASH_FIND, NULL) != NULL;
}

static const char *
last_name(List *names)
{
	return names ? strVal(llast(names)) : NULL;
}

/* The columns, schemas, types... a statement makes or renames. */
static void
remember_names(SSContext *cxt, Node *stmt)
{
	ListCell   *lc;

	if (cxt->guard)
		return;
	switch (nodeTag(stmt))
	{
		case T_AlterTableStmt:
			foreach(lc, ((AlterTableStmt *) stmt)->cmds)
			{
				AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);
				const char *rel = ((AlterTableStmt *) stmt)->relation->relname;

				if (cmd->def && IsA(cmd->def, ColumnDef))
					remember_script_name(cxt, 'c', rel, ((ColumnDef *) cmd->def)->colname);
			}
			break;
		case T_RenameStmt:
			{
				RenameStmt *s = (RenameStmt *) stmt;

				if (s->renameType == OBJECT_COLUMN)
					remember_script_name(cxt, 'c', s->relation->relname, s->newname);
				else if (s->relation)
					remember_script_name(cxt, 'r', s->newname, NULL);
				else
					remember_script_name(cxt, 'o', s->newname, NULL);
				break;
			}
		case T_CreateSchemaStmt:
			{
				CreateSchemaStmt *s = (CreateSchemaStmt *) stmt;

				remember_script_name(cxt, 's', s->schemaname, NULL);
				/* made empty: the script knows all it will hold */
				if (s->schemaname && s->schemaElts == NIL &&
					(!s->if_not_exists || !OidIsValid(get_namespace_oid(s->schemaname, true))))
					remember_script_name(cxt, 'S', s->schemaname, NULL);
				break;
			}
		case T_DropStmt:
			/* a dropped schema took what the catalog had in it */
			if (((DropStmt *) stmt)->removeType == OBJECT_SCHEMA)
				foreach(lc, ((DropStmt *) stmt)->objects)
				{
					remember_script_name(cxt, 'S', strVal(lfirst(lc)), NULL);
					remember_script_name(cxt, 'X', strVal(lfirst(lc)), NULL);
				}
			break;
		case T_CompositeTypeStmt:
			remember_script_name(cxt, 't', ((CompositeTypeStmt *) stmt)->typevar->relname, NULL);
			break;
		case T_CreateEnumStmt:
			remember_script_name(cxt, 't', last_name(((CreateEnumStmt *) stmt)->typeName), NULL);
			break;
		case T_CreateRangeStmt:
			remember_script_name(cxt, 't', last_name(((CreateRangeStmt *) stmt)->typeName), NULL);
			break;
		case T_CreateDomainStmt:
			remember_script_name(cxt, 't', last_name(((CreateDomainStmt *) stmt)->domainname), NULL);
			break;
		case T_DefineStmt:
			if (((DefineStmt *) stmt)->kind == OBJECT_TYPE)
				remember_script_name(cxt, 't', last_name(((DefineStmt *) stmt)->defnames), NULL);
			break;
		case T_CreateExtensionStmt:
			remember_script_name(cxt, 'e', ((CreateExtensionStmt *) stmt)->extname, NULL);
			break;
		case T_CreateFunctionStmt:
			remember_script_name(cxt, 'f', last_name(((CreateFunctionStmt *) stmt)->funcname), NULL);
			break;
		case T_CreateTrigStmt:
			remember_script_name(cxt, 'g', ((CreateTrigStmt *) stmt)->relation->relname,
								 ((CreateTrigStmt *) stmt)->trigname);
			break;
		default:
			break;
	}
}

/*
 * Does the catalog hold the application the script is written for: does
 * the schema a name resolves to (NULL: the first of the search path) hold
 * tables?  Only then does a missing object make a statement a no-op: lint
 * run on an empty database (in CI, without the schema) judges a name it
 * does not know as an existing object, as every rule does.  The answer is
 * kept per schema for the rest of the script.  A schema the script made
 * empty, or dropped, holds only what the script put there since; the
 * guard's catalog is the database itself.
 */
static bool
schema_is_loaded(SSContext *cxt, const char *nspname)
{
	char	   *first;
	bool		loaded;

	if (cxt->guard)
		return true;
	if (nspname && script_made(cxt, 'S', nspname, NULL))
		return true;
	if (nspname == NULL)
	{
		List	   *path = fetch_search_path(false);

		nspname = path ? get_namespace_name(linitial_oid(path)) : NULL;
	}
	if (nspname == NULL)
		return false;
	if (script_made(cxt, 'K', nspname, NULL))
		return true;
	if (script_made(cxt, 'U', nspname, NULL))
		return false;
	loaded = ss_schema_tables(nspname, &first) > 0;
	remember_script_name(cxt, loaded ? 'K' : 'U', nspname, NULL);
	return loaded;
}

/* The schema a qualified name list names, or NULL. */
static const char *
schema_of(List *names)
{
	return list_length(names) >= 2 ?
		strVal(list_nth(names, list_length(names) - 2)) : NULL;
}

/*
 * Is the relation neither in the catalog nor made by the script?  A search
 * path lint cannot follow makes every answer "it may be there".
 */
static bool
relation_missing(SSContext *cxt, RangeVar *rv)
{
	if (cxt->script_path_unknown || script_made(cxt, 'r', rv->relname, NULL) ||
		!schema_is_loaded(cxt, rv->schemaname))
		return false;
	/* the catalog's relation went with the schema the script dropped */
	if (OidIsValid(ss_lookup_relation(cxt, rv)) &&
		!(rv->schemaname && script_made(cxt, 'X', rv->schemaname, NULL)))
		return false;
	return !(cxt->memo_rv == rv && cxt->memo_script &&
			 cxt->memo_script->state == SS_SCRIPT_CREATED);
}

/* The existing table of a relation (trigger, rule, policy) names, or InvalidOid. */
static Oid
catalog_table(SSContext *cxt, RangeVar *rv)
{
	Oid			relid = ss_lookup_relation(cxt, rv);

	if (cxt->memo_script && cxt->memo_script->state == SS_SCRIPT_CREATED)
		return InvalidOid;
	return relid;
}

/* Is one object of a DROP missing, so that IF EXISTS skips it? */
bool
ss_drop_object_missing(SSContext *cxt, DropStmt *s, Node *object)
{
	List	   *names = (List *) object;

	if (ss_drops_relation(s->removeType))
		return list_length(names) <= 3 &&
			relation_missing(cxt, makeRangeVarFromNameList(names));
	switch (s->removeType)
	{
		case OBJECT_SCHEMA:
			return schema_is_loaded(cxt, NULL) &&
				!OidIsValid(get_namespace_oid(strVal(object), true)) &&
				!script_made(cxt, 's', strVal(object), NULL) &&
				!script_made(cxt, 'o', strVal(object), NULL);
		case OBJECT_TYPE:
		case OBJECT_DOMAIN:
			return schema_is_loaded(cxt, schema_of(((TypeName *) object)->names)) &&
				!OidIsValid(ss_lookup_type((TypeName *) object)) &&
				!script_made(cxt, 't', last_name(((TypeName *) object)->names), NULL) &&
				!script_made(cxt, 'o', last_name(((TypeName *) object)->names), NULL);
		case OBJECT_EXTENSION:
			return schema_is_loaded(cxt, NULL) &&
				!OidIsValid(get_extension_oid(strVal(object), true)) &&
				!script_made(cxt, 'e', strVal(object), NULL);
		case OBJECT_FUNCTION:
		case OBJECT_PROCEDURE:
		case OBJECT_ROUTINE:
			{
				ObjectWithArgs *owa = (ObjectWithArgs *) object;

				return schema_is_loaded(cxt, schema_of(owa->objname)) &&
					!OidIsValid(LookupFuncWithArgs(s->removeType, owa, true)) &&
					!script_made(cxt, 'f', last_name(owa->objname), NULL) &&
					!script_made(cxt, 'o', last_name(owa->objname), NULL);
			}
		case OBJECT_TRIGGER:
			{
				RangeVar   *rv;
				Oid			relid;

				if (list_length(names) < 2 || list_length(names) > 4)
					return false;
				rv = makeRangeVarFromNameList(list_truncate(list_copy(names),
															list_length(names) - 1));
				if (relation_missing(cxt, rv))
					return true;
				relid = catalog_table(cxt, rv);
				return OidIsValid(relid) &&
					!OidIsValid(get_trigger_oid(relid, last_name(names), true)) &&
					!script_made(cxt, 'g', rv->relname, last_name(names));
			}
		default:
			return false;
	}
}

/*
 * ALTER TABLE ... DROP COLUMN IF EXISTS of a column neither the table in
 * the catalog nor the script has drops nothing (the statement still takes
 * its lock on the table: only the data-loss finding goes).
 */
bool
ss_drop_column_is_noop(SSContext *cxt, RangeVar *rel, AlterTableCmd *cmd)
{
	Oid			relid;

	if (!cmd->missing_ok || cxt->script_path_unknown ||
		!SCHEMASHIFT_IS_DROP_COLUMN(cmd->subtype))
		return false;
	relid = catalog_table(cxt, rel);
	return OidIsValid(relid) &&
		get_attnum(relid, cmd->name) == InvalidAttrNumber &&
		!script_made(cxt, 'c', rel->relname, cmd->name);
}

/*
 * Does IF EXISTS make the whole statement a no-op that locks nothing: a
 * DROP ... IF EXISTS of objects none of which exists, or ALTER TABLE IF
 * EXISTS of a missing table?  The server only says NOTICE; the engine runs
 * no rule on it (engine.c), in lint and in the guard alike.
 */
bool
ss_statement_is_noop(SSContext *cxt, Node *stmt)
{
	ListCell   *lc;

	if (IsA(stmt, DropStmt) && ((DropStmt *) stmt)->missing_ok)
	{
		DropStmt   *s = (DropStmt *) stmt;

		foreach(lc, s->objects)
		{
			if (!ss_drop_object_missing(cxt, s, lfirst(lc)))
				return false;
		}
		return s->objects != NIL;
	}
	if (IsA(stmt, AlterTableStmt))
		return ((AlterTableStmt *) stmt)->missing_ok &&
			relation_missing(cxt, ((AlterTableStmt *) stmt)->relation);
	return false;
}

const SSChecker schemashift_drop_checkers[] = {
	{T_DropStmt, check_drop},
	{T_DropdbStmt, check_dropdb},
	{T_TruncateStmt, check_truncate},
	{T_DropOwnedStmt, check_drop_owned},
	{T_ReassignOwnedStmt, check_reassign_owned},
	{T_Invalid, remember_names},
	{T_Invalid, NULL}
};
