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
#include "versions.h"


#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/transam.h"
#include "access/xact.h"
#include "catalog/indexing.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_shdepend.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_tablespace.h"
#include "catalog/catalog.h"
#include "commands/tablespace.h"
#include "utils/acl.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_depend.h"
#include "catalog/pg_type.h"
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
#include "commands/defrem.h"
#include "catalog/pg_attribute.h"
#include "access/relation.h"
#include "optimizer/optimizer.h"
#include "parser/parse_coerce.h"
#include "parser/parse_collate.h"
#include "parser/parse_expr.h"
#include "parser/parse_relation.h"
#include "storage/lmgr.h"
#include "txn.h"
#include "fence.h"
#include "catalog/dependency.h"
#include "parser/parse_oper.h"
#include "utils/array.h"
#include "lib/stringinfo.h"
#include "utils/varlena.h"

/*
 * A scan of catalog rel for the rows whose oid column attno is value,
 * through index indexid (InvalidOid: the whole catalog).  key lives as long
 * as the scan.
 */
static SysScanDesc
scan_by_oid(Relation rel, Oid indexid, ScanKey key, AttrNumber attno, Oid value)
{
	ScanKeyInit(key, attno, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(value));
	return systable_beginscan(rel, indexid, OidIsValid(indexid), NULL, 1, key);
}

/*
 * A scan of pg_depend or pg_shdepend (rel) for the rows that reference one
 * object, through the index on (refclassid, refobjid), and with refsubid
 * >= 0 (pg_depend only) one column of it.  key[3] lives as long as the
 * scan.
 */
static SysScanDesc
scan_references(Relation rel, ScanKey key, Oid refclassid, Oid refobjid,
				int32 refsubid)
{
	bool		shared = RelationGetRelid(rel) == SharedDependRelationId;

	ScanKeyInit(&key[0],
				shared ? Anum_pg_shdepend_refclassid : Anum_pg_depend_refclassid,
				BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(refclassid));
	ScanKeyInit(&key[1],
				shared ? Anum_pg_shdepend_refobjid : Anum_pg_depend_refobjid,
				BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(refobjid));
	if (refsubid >= 0)
		ScanKeyInit(&key[2], Anum_pg_depend_refobjsubid, BTEqualStrategyNumber,
					F_INT4EQ, Int32GetDatum(refsubid));
	return systable_beginscan(rel,
							  shared ? SharedDependReferenceIndexId : DependReferenceIndexId,
							  true, NULL, refsubid >= 0 ? 3 : 2, key);
}

char *
ss_relation_name(RangeVar *rv)
{
	if (rv->schemaname)
		return quote_qualified_identifier(rv->schemaname, rv->relname);
	return pstrdup(quote_identifier(rv->relname));
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

/* ---------- the script's own relations ---------- */

/*
 * The script's record of schema.relname; with create, a new record starts
 * as a catalog relation tracked for its children.
 */
/* A record that starts over in a state: nothing below it, not moved. */
static void
script_relation_reset(SSScriptRelation *e, SSScriptRelState state)
{
	e->state = state;
	e->reaches_existing = false;
	e->parents = NIL;
	e->moved_to = NULL;
}

static SSScriptRelation *
script_relation(SSContext *cxt, const char *nspname, const char *relname,
				bool create)
{
	char		key[NAMEDATALEN * 2];
	bool		found;
	SSScriptRelation *e;

	if (!create && hash_get_num_entries(cxt->created_relations) == 0)
		return NULL;
	memset(key, 0, sizeof(key));
	strlcpy(key, nspname, NAMEDATALEN);
	strlcpy(key + NAMEDATALEN, relname, NAMEDATALEN);
	e = hash_search(cxt->created_relations, key, create ? HASH_ENTER : HASH_FIND,
					&found);
	if (e && !found)
	{
		script_relation_reset(e, SS_SCRIPT_CATALOG);
		e->is_type = false;
	}
	return e;
}

/* The schema name a namespace's relations are tracked under. */
static const char *
namespace_key(Oid nspid)
{
	if (isTempNamespace(nspid))
		return "pg_temp";
	return get_namespace_name(nspid);
}

/* A schema written in the script: its oid (no privilege check), its key. */
static Oid
explicit_namespace(const char *schemaname, const char **key)
{
	if (strcmp(schemaname, "pg_temp") == 0)
	{
		/* the session's temporary schema, if it has one yet */
		*key = "pg_temp";
		return LookupExplicitNamespace("pg_temp", true);
	}
	*key = schemaname;
	return get_namespace_oid(schemaname, true);
}

/*
 * Does one schema hold relname at this point of the script?  A relation
 * the script created there: yes, *e is its record.  One the script dropped
 * there: no, whatever the catalog says.  Else the catalog decides (*relid,
 * and *e the script's record of that relation, if any).
 */
static bool
found_in_schema(SSContext *cxt, const char *key, Oid nspid, const char *relname,
				SSScriptRelation **e, Oid *relid)
{
	*e = key ? script_relation(cxt, key, relname, false) : NULL;
	*relid = InvalidOid;
	if (*e && (*e)->state == SS_SCRIPT_CREATED)
		return true;
	if (*e && (*e)->state == SS_SCRIPT_DROPPED)
		return false;
	if (OidIsValid(nspid))
		*relid = relname_in_namespace(relname, nspid);
	if (!OidIsValid(*relid))
		*e = NULL;
	return OidIsValid(*relid);
}

/*
 * The walk of resolve_in_script along the search_path the script set:
 * the session's temporary schema and pg_catalog first unless listed, then
 * the schemas in the order written (those that do not exist are skipped).
 */
static SSScriptRelation *
resolve_in_script_path(SSContext *cxt, RangeVar *rv, Oid *relid)
{
	List	   *names = NIL;
	ListCell   *lc;
	bool		temp_listed = false;
	bool		catalog_listed = false;

	foreach(lc, cxt->script_path)
	{
		temp_listed |= strcmp(lfirst(lc), "pg_temp") == 0;
		catalog_listed |= strcmp(lfirst(lc), "pg_catalog") == 0;
	}
	if (!temp_listed)
		names = lappend(names, "pg_temp");
	if (!catalog_listed)
		names = lappend(names, "pg_catalog");
	names = list_concat(names, cxt->script_path);

	foreach(lc, names)
	{
		const char *key;
		Oid			nspid = explicit_namespace(lfirst(lc), &key);
		SSScriptRelation *e;

		CHECK_FOR_INTERRUPTS();
		if (found_in_schema(cxt, key, nspid, rv->relname, &e, relid))
			return e;
	}
	*relid = InvalidOid;
	return NULL;
}

/*
 * Resolve a name as the server would at this point of the script: an
 * explicit schema, else the search path, where the first schema in which
 * the script (having created it) or the catalog (unless the script dropped
 * it) has a relation of that name decides; the session's temporary schema
 * comes first, as the server searches it.  Returns the script's record of
 * the relation, if any; *relid gets the catalog's relation when the
 * catalog decides, else InvalidOid.
 */
static SSScriptRelation *
resolve_in_script(SSContext *cxt, RangeVar *rv, Oid *relid)
{
	SSScriptRelation *e = NULL;
	List	   *path;
	ListCell   *lc;

	*relid = InvalidOid;
	if (rv->schemaname)
	{
		const char *key;
		Oid			nspid = explicit_namespace(rv->schemaname, &key);

		/* a dropped one is returned too: it does not exist */
		(void) found_in_schema(cxt, key, nspid, rv->relname, &e, relid);
		return e;
	}

	/*
	 * A search_path the script set in a way lint cannot follow: the name
	 * means what the session's path finds in the catalog, if anything, and
	 * a relation the script made hides no existing one.
	 */
	if (cxt->script_path_unknown)
	{
		path = fetch_search_path(true);
		foreach(lc, path)
		{
			*relid = relname_in_namespace(rv->relname, lfirst_oid(lc));
			if (OidIsValid(*relid))
				break;
		}
		list_free(path);
		if (OidIsValid(*relid))
		{
			const char *key = namespace_key(get_rel_namespace(*relid));

			e = key ? script_relation(cxt, key, rv->relname, false) : NULL;
			return (e && e->state == SS_SCRIPT_CATALOG) ? e : NULL;
		}
	}

	/* the session may have no temporary schema yet: the script's count */
	e = script_relation(cxt, "pg_temp", rv->relname, false);
	if (e && e->state == SS_SCRIPT_CREATED)
		return e;
	if (cxt->script_path != NIL && !cxt->script_path_unknown)
		return resolve_in_script_path(cxt, rv, relid);
	path = fetch_search_path(true);
	e = NULL;
	foreach(lc, path)
	{
		Oid			nspid = lfirst_oid(lc);

		CHECK_FOR_INTERRUPTS();
		if (found_in_schema(cxt, hash_get_num_entries(cxt->created_relations) > 0 ?
							namespace_key(nspid) : NULL,
							nspid, rv->relname, &e, relid))
			break;
		e = NULL;
	}
	list_free(path);
	return e;
}

/*
 * The relation a RangeVar names, or InvalidOid, resolved like the server
 * does (explicit schema, else the search path).  No lock is taken on it:
 * the answer is only used to describe, never to act.  The live guard
 * (cxt NULL or cxt->guard) asks the syscache: the server resolves the same
 * name through it a moment later, so no extra negative entry stays behind,
 * and it is several times cheaper than an index scan per namespace.
 * lint() also knows what the script created and dropped before this
 * statement: a relation the script made hides the catalog's where the
 * server would find it first, and InvalidOid is the answer then.
 */
Oid
ss_lookup_relation(SSContext *cxt, RangeVar *rv)
{
	Oid			relid = InvalidOid;
	SSScriptRelation *e = NULL;

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
	else
		e = resolve_in_script(cxt, rv, &relid);
	if (cxt)
	{
		cxt->memo_rv = rv;
		cxt->memo_relid = relid;
		cxt->memo_script = e;
		cxt->memo_is_new = -1;
	}
	return relid;
}

/* The relkind of the relation a RangeVar names, or '\0' when unknown. */
char
ss_relation_relkind(SSContext *cxt, RangeVar *rv)
{
	Oid			relid = ss_lookup_relation(cxt, rv);

	return OidIsValid(relid) ? get_rel_relkind(relid) : '\0';
}

/*
 * True when the current transaction created the relation (temp relations
 * count too): no other session can see it yet.  The pg_class row's xmin is
 * only a first filter, since any ALTER or GRANT earlier in the transaction
 * rewrites that row; the relcache knows which subtransaction created it.
 * Also says whether it may have children, and its kind.
 */
static bool
relid_created_here(Oid relid, bool *hassubclass, char *relkind)
{
	HeapTuple	tup;
	Form_pg_class form;
	bool		touched = false;
	Relation	rel;
	bool		created;

	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tup))
		return false;
	form = (Form_pg_class) GETSTRUCT(tup);
	/* what sits below it is judged by the caller, whatever made it new */
	if (hassubclass)
		*hassubclass = form->relhassubclass;
	if (relkind)
		*relkind = form->relkind;
	/* created by an earlier step of the migration apply() is running */
	if (ss_relid_made_by_migration(relid))
	{
		ReleaseSysCache(tup);
		return true;
	}
	if (form->relpersistence == RELPERSISTENCE_TEMP)
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
 * The first typed table of a composite type (given as its pg_class row)
 * that was not created in this transaction, with its children: ALTER TYPE
 * ... CASCADE changes them all.  pg_class has no index on reloftype, so
 * this reads all of it, as the server does for the same question; callers
 * ask only for a composite type, which is rare.
 */
Oid
ss_first_existing_typed_table(Oid typrelid)
{
	Oid			typid = get_rel_type_id(typrelid);
	Relation	rel;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tup;
	Oid			found = InvalidOid;

	if (!OidIsValid(typid))
		return InvalidOid;
	rel = table_open(RelationRelationId, AccessShareLock);
	scan = scan_by_oid(rel, InvalidOid, &key, Anum_pg_class_reloftype, typid);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Oid			relid = ((Form_pg_class) GETSTRUCT(tup))->oid;

		CHECK_FOR_INTERRUPTS();
		/* the oldest, so that the answer does not depend on the scan */
		if (!ss_relid_is_new_ext(relid, true) &&
			(!OidIsValid(found) || relid < found))
			found = relid;
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return found;
}

/*
 * True when the current transaction created the relation and, with
 * recurse, everything a statement on it without ONLY reaches: inheritance
 * children and partitions at any depth; for a composite type, always its
 * typed tables.  relhassubclass is checked first, so the common case
 * costs one syscache lookup.
 */
bool
ss_relid_is_new_ext(Oid relid, bool recurse)
{
	bool		hassubclass = false;
	char		relkind = '\0';

	if (!relid_created_here(relid, &hassubclass, &relkind))
		return false;
	/* ALTER TYPE ... CASCADE has no ONLY: its RangeVar says inh = false */
	if (relkind == RELKIND_COMPOSITE_TYPE)
		return !OidIsValid(ss_first_existing_typed_table(relid));
	if (!recurse)
		return true;
	if (hassubclass)
	{
		List	   *children = find_all_inheritors(relid, NoLock, NULL);
		ListCell   *lc;

		foreach(lc, children)
		{
			Oid			child = lfirst_oid(lc);

			CHECK_FOR_INTERRUPTS();
			if (child != relid && !relid_created_here(child, NULL, NULL))
				return false;
		}
	}
	return true;
}

/* New, with everything below it: what a statement without ONLY reaches. */
bool
ss_relid_is_new(Oid relid)
{
	return ss_relid_is_new_ext(relid, true);
}

/*
 * True when the relation was created earlier in the script, or by the
 * current transaction: nothing done to it can block anyone.  Unless the
 * statement says ONLY (rv->inh false), whatever sits below the relation
 * must be new too, in the catalog and in what the script did.
 */
bool
ss_relation_is_new(SSContext *cxt, RangeVar *rv)
{
	Oid			relid;
	SSScriptRelation *e;
	bool		is_new;

	if (rv == NULL || rv->relname == NULL)
		return false;
	if (rv->relpersistence == RELPERSISTENCE_TEMP)
		return true;

	relid = ss_lookup_relation(cxt, rv);
	if (cxt->memo_rv != rv)
		return false;			/* another database's: not looked up */
	if (cxt->memo_is_new >= 0)
		return cxt->memo_is_new == 1;
	e = cxt->memo_script;
	if (e && e->state == SS_SCRIPT_CREATED)
		is_new = true;
	else if (e && e->state == SS_SCRIPT_DROPPED)
		is_new = false;
	else if (!OidIsValid(relid))
		is_new = false;
	else
		is_new = ss_relid_is_new_ext(relid, rv->inh);
	if (is_new && e && (rv->inh || e->is_type) && e->reaches_existing)
		is_new = false;
	cxt->memo_is_new = is_new ? 1 : 0;
	return is_new;
}

/*
 * ss_relation_is_new as if the statement had (inh) or had not written
 * ONLY, whatever it wrote.  The copy lives on the stack: no memo is left
 * pointing at it.
 */
bool
ss_relation_is_new_inh(SSContext *cxt, RangeVar *rv, bool inh)
{
	RangeVar	copy;
	bool		result;

	if (rv == NULL)
		return false;
	copy = *rv;
	copy.inh = inh;
	result = ss_relation_is_new(cxt, &copy);
	cxt->memo_rv = NULL;
	return result;
}

/*
 * The type a TypeName names, or InvalidOid.  The server's lookup raises an
 * error for a schema the caller may not use: lint() must go on, and such a
 * type is not the caller's to use anyway.
 */
Oid
ss_lookup_type(TypeName *tn)
{
	if (tn == NULL || tn->pct_type || list_length(tn->names) > 3)
		return InvalidOid;
	if (list_length(tn->names) >= 2)
	{
		char	   *schema = strVal(list_nth(tn->names, list_length(tn->names) - 2));
		Oid			nspid = get_namespace_oid(schema, true);

		if (!OidIsValid(nspid) ||
			schemashift_namespace_aclcheck(nspid, GetUserId(), ACL_USAGE) != ACLCHECK_OK)
			return InvalidOid;
	}
	return LookupTypeNameOid(NULL, tn, true);
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
	typid = ss_lookup_type(tn);
	return OidIsValid(typid) && DomainHasConstraints(typid);
}

/*
 * The namespace an unqualified CREATE would use: the first schema of
 * search_path that exists (RangeVarGetCreationNamespace's choice, read
 * without its side effects), or InvalidOid.
 */
static Oid
creation_namespace(void)
{
	List	   *path = fetch_search_path(false);
	Oid			nspid = path != NIL ? linitial_oid(path) : InvalidOid;

	list_free(path);
	return nspid;
}

/*
 * Record that the script creates relname in a schema, unless a relation of
 * that name is already there: then CREATE ... IF NOT EXISTS creates
 * nothing and a plain CREATE fails, so the name keeps meaning the old one.
 */
static void
remember_in(SSContext *cxt, const char *nspname, Oid nspid, const char *relname)
{
	SSScriptRelation *e = script_relation(cxt, nspname, relname, false);

	if (e && e->state == SS_SCRIPT_CREATED)
		return;
	if ((e == NULL || e->state == SS_SCRIPT_CATALOG) && OidIsValid(nspid) &&
		OidIsValid(relname_in_namespace(relname, nspid)))
		return;
	e = script_relation(cxt, nspname, relname, true);
	script_relation_reset(e, SS_SCRIPT_CREATED);
	e->is_type = false;
}

/* A relation the statement creates (lint only: the guard sees the catalog). */
void
ss_remember_relation(SSContext *cxt, RangeVar *rv)
{
	const char *key;
	Oid			nspid;

	if (cxt->guard || rv == NULL || rv->relname == NULL)
		return;
	if (rv->relpersistence == RELPERSISTENCE_TEMP)
		nspid = explicit_namespace("pg_temp", &key);
	else if (rv->schemaname)
		nspid = explicit_namespace(rv->schemaname, &key);
	else if (cxt->script_path != NIL && !cxt->script_path_unknown)
	{
		ListCell   *lc;

		/* the first schema of the script's search_path that exists */
		nspid = InvalidOid;
		foreach(lc, cxt->script_path)
		{
			nspid = explicit_namespace(lfirst(lc), &key);
			if (OidIsValid(nspid) || strcmp(key, "pg_temp") == 0)
				break;
		}
		if (lc == NULL)
			return;				/* the CREATE fails: nowhere to create */
	}
	else
	{
		nspid = creation_namespace();
		if (!OidIsValid(nspid) || (key = namespace_key(nspid)) == NULL)
			return;				/* the CREATE fails: nowhere to create */
	}
	remember_in(cxt, key, nspid, rv->relname);
}

/*
 * The search_path the script's statements see now (engine_phases.c keeps
 * it per transaction): later names resolve along it.  value is the
 * setting's string as the server keeps it (SET search_path = 'a, b' names
 * a single schema "a, b", kept quoted); "$user" is the current user's
 * schema.  Not made, or reset (value NULL): the session's path.
 */
void
ss_set_script_search_path(SSContext *cxt, const char *value, bool made)
{
	MemoryContext old;
	List	   *elems;
	ListCell   *lc;
	List	   *names = NIL;
	char	   *copy;

	if (cxt->guard)
		return;
	list_free_deep(cxt->script_path);
	cxt->script_path = NIL;
	if (!made || value == NULL)
		return;
	old = MemoryContextSwitchTo(cxt->state_cxt);
	copy = pstrdup(value);
	if (!SplitIdentifierString(copy, ',', &elems))
		cxt->script_path_unknown = true;	/* the SET fails on the server */
	else
	{
		foreach(lc, elems)
		{
			char	   *name = lfirst(lc);

			if (strcmp(name, "$user") == 0)
				name = GetUserNameFromId(GetUserId(), false);
			if (name[0] != '\0')
				names = lappend(names, pstrdup(name));
		}
	}
	/* an empty path: nothing resolves unqualified, nothing is created */
	cxt->script_path = names != NIL ? names : list_make1(pstrdup(""));
	MemoryContextSwitchTo(old);
}

/* search_path set in a way the script's text does not show (set_config). */
void
ss_forget_search_path(SSContext *cxt)
{
	if (!cxt->guard)
		cxt->script_path_unknown = true;
}

/* An index the statement creates: it goes to its table's schema. */
void
ss_remember_index(SSContext *cxt, RangeVar *table, const char *idxname)
{
	Oid			relid;
	SSScriptRelation *e;

	if (cxt->guard || table == NULL || idxname == NULL)
		return;
	relid = ss_lookup_relation(cxt, table);
	e = cxt->memo_script;
	if (e && e->state == SS_SCRIPT_CREATED)
	{
		const char *key;

		remember_in(cxt, e->nspname, explicit_namespace(e->nspname, &key), idxname);
	}
	else if (OidIsValid(relid))
	{
		Oid			nspid = get_rel_namespace(relid);
		const char *key = namespace_key(nspid);

		if (key)
			remember_in(cxt, key, nspid, idxname);
	}
}

/*
 * Does a catalog relation of this relkind answer to the keyword of a DROP
 * (or, set_schema, of an ALTER ... SET SCHEMA)?  The server refuses the
 * others.  ALTER TABLE ... SET SCHEMA takes any relation but a composite
 * type; ALTER INDEX ... SET SCHEMA is not followed.
 */
static bool
relkind_answers(ObjectType kind, char relkind, bool set_schema)
{
	switch (kind)
	{
		case OBJECT_TABLE:
			if (set_schema)
				return relkind != RELKIND_COMPOSITE_TYPE;
			return relkind == RELKIND_RELATION || relkind == RELKIND_PARTITIONED_TABLE;
		case OBJECT_INDEX:
			return !set_schema &&
				(relkind == RELKIND_INDEX || relkind == RELKIND_PARTITIONED_INDEX);
		case OBJECT_VIEW:
			return relkind == RELKIND_VIEW;
		case OBJECT_MATVIEW:
			return relkind == RELKIND_MATVIEW;
		case OBJECT_SEQUENCE:
			return relkind == RELKIND_SEQUENCE;
		case OBJECT_FOREIGN_TABLE:
			return relkind == RELKIND_FOREIGN_TABLE;
		default:
			return false;
	}
}

/*
 * A relation the statement drops: the name means nothing until created.
 * A catalog relation of another kind than the statement drops stays (DROP
 * VIEW of a table fails, IF EXISTS or not).
 */
void
ss_forget_relation(SSContext *cxt, RangeVar *rv, ObjectType kind)
{
	Oid			relid;
	SSScriptRelation *e;

	if (cxt->guard)
		return;
	relid = ss_lookup_relation(cxt, rv);
	e = cxt->memo_script;
	if (OidIsValid(relid))
	{
		const char *key;

		if (!relkind_answers(kind, get_rel_relkind(relid), false))
		{
			cxt->memo_rv = NULL;
			return;
		}
		if (e == NULL)
		{
			key = namespace_key(get_rel_namespace(relid));
			if (key == NULL)
				return;
			e = script_relation(cxt, key, rv->relname, true);
		}
	}
	if (e)
		script_relation_reset(e, SS_SCRIPT_DROPPED);
	cxt->memo_rv = NULL;
}

/*
 * ALTER ... SET SCHEMA: the relation leaves its schema for newschema (lint
 * only).  A relation the script created keeps being new under its new
 * name; one from the catalog is only gone from the old one (the catalog
 * does not know it in the new schema yet: unknown, so taken for an
 * existing table).  Nothing moves when the server would refuse: a name
 * taken in the new schema, a temporary relation, a catalog relation of
 * another kind than the keyword says.
 */
void
ss_move_relation(SSContext *cxt, RangeVar *rv, ObjectType kind,
				 const char *newschema)
{
	Oid			relid;
	Oid			newnsp;
	SSScriptRelation *e;
	SSScriptRelation *dest;
	const char *oldkey;
	const char *newkey;

	if (cxt->guard || rv == NULL || rv->relname == NULL || newschema == NULL)
		return;
	relid = ss_lookup_relation(cxt, rv);
	e = cxt->memo_script;
	cxt->memo_rv = NULL;
	if (e && e->state == SS_SCRIPT_CREATED)
		oldkey = e->nspname;
	else if (OidIsValid(relid))
	{
		if (!relkind_answers(kind, get_rel_relkind(relid), true))
			return;
		oldkey = namespace_key(get_rel_namespace(relid));
	}
	else
		return;					/* nothing of that name: the statement fails */
	if (oldkey == NULL || strcmp(oldkey, "pg_temp") == 0)
		return;
	newnsp = explicit_namespace(newschema, &newkey);
	if (strcmp(newkey, "pg_temp") == 0 || strcmp(newkey, oldkey) == 0)
		return;
	dest = script_relation(cxt, newkey, rv->relname, false);
	if (dest && dest->state == SS_SCRIPT_CREATED)
		return;
	if ((dest == NULL || dest->state == SS_SCRIPT_CATALOG) && OidIsValid(newnsp) &&
		OidIsValid(relname_in_namespace(rv->relname, newnsp)))
		return;

	if (e == NULL)
		e = script_relation(cxt, oldkey, rv->relname, true);
	if (e->state == SS_SCRIPT_CREATED)
	{
		SSScriptRelation *ne = script_relation(cxt, newkey, rv->relname, true);

		ne->state = SS_SCRIPT_CREATED;
		ne->reaches_existing = e->reaches_existing;
		ne->is_type = e->is_type;
		ne->parents = e->parents;
		ne->moved_to = NULL;
		/* children that name the old record as parent still taint it */
		e->moved_to = ne;
	}
	else
	{
		/* the catalog decides what the new name holds */
		if (dest && dest->state == SS_SCRIPT_DROPPED)
			dest->state = SS_SCRIPT_CATALOG;
		e->moved_to = NULL;
	}
	e->state = SS_SCRIPT_DROPPED;
	e->reaches_existing = false;
	e->parents = NIL;
}

static void
taint(SSScriptRelation *e)
{
	ListCell   *lc;

	/* a parent SET SCHEMA moved lives on under its new name */
	if (e->moved_to)
		taint(e->moved_to);
	if (e->reaches_existing)
		return;
	e->reaches_existing = true;
	foreach(lc, e->parents)
		taint(lfirst(lc));
}

/*
 * The statement puts child below parent (INHERIT, ATTACH PARTITION, OF
 * type, CREATE TABLE ... INHERITS/PARTITION OF/OF).  A parent that counts
 * as new stops being new once an existing relation sits below it, however
 * deep: statements on it reach that relation.
 */
void
ss_remember_child(SSContext *cxt, RangeVar *child, RangeVar *parent,
				  bool parent_is_type)
{
	Oid			relid;
	SSScriptRelation *pe;
	SSScriptRelation *ce;
	MemoryContext old;

	if (cxt->guard || child == NULL || parent == NULL)
		return;
	relid = ss_lookup_relation(cxt, parent);
	pe = cxt->memo_script;
	if (pe == NULL)
	{
		const char *key;

		/* only a parent that counts as new can be misjudged */
		if (!OidIsValid(relid) || !ss_relid_is_new_ext(relid, false) ||
			(key = namespace_key(get_rel_namespace(relid))) == NULL)
			return;
		pe = script_relation(cxt, key, parent->relname, true);
	}
	else if (pe->state == SS_SCRIPT_DROPPED)
		return;
	if (parent_is_type)
		pe->is_type = true;

	/* the whole of the child, whatever ONLY the statement wrote */
	if (!ss_relation_is_new_inh(cxt, child, true))
	{
		taint(pe);
		return;
	}
	relid = ss_lookup_relation(cxt, child);
	ce = cxt->memo_script;
	if (ce == NULL)
	{
		const char *key;

		if (!OidIsValid(relid) ||
			(key = namespace_key(get_rel_namespace(relid))) == NULL)
			return;
		ce = script_relation(cxt, key, child->relname, true);
	}
	old = MemoryContextSwitchTo(cxt->state_cxt);
	ce->parents = lappend(ce->parents, pe);
	MemoryContextSwitchTo(old);
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

/* a function someone created, not one of the server's own */
static bool
user_function_checker(Oid funcid, void *context)
{
	return funcid >= FirstNormalObjectId;
}

static bool
user_function_walker(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (check_functions_in_node(node, user_function_checker, context))
		return true;
	return expression_tree_walker(node, user_function_walker, context);
}

/*
 * Does the analysed expression call a function or operator someone
 * created?  Simplifying it (eval_const_expressions, expression_planner)
 * would run that code as the caller: a call whose arguments are constants
 * is folded, an SQL function is inlined and its body folded.  Lint and
 * the guard run nobody's code, so such an expression is not simplified.
 */
bool
ss_calls_user_functions(Node *expr)
{
	return user_function_walker(expr, NULL);
}

/* ---------- NOT NULL proofs ---------- */

/*
 * The validated CHECK constraints of relid, in stored form, read from
 * pg_constraint (the relation is not opened: nothing to wait for).
 */
static List *
validated_checks(Oid relid)
{
	List	   *result = NIL;
	Relation	conrel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;

	conrel = table_open(ConstraintRelationId, AccessShareLock);
	scan = scan_by_oid(conrel, ConstraintRelidTypidNameIndexId, &key,
					   Anum_pg_constraint_conrelid, relid);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_constraint con = (Form_pg_constraint) GETSTRUCT(tup);
		Datum		d;
		bool		isnull;

		CHECK_FOR_INTERRUPTS();
		if (con->contype != CONSTRAINT_CHECK || !con->convalidated)
			continue;
		d = heap_getattr(tup, Anum_pg_constraint_conbin, RelationGetDescr(conrel),
						 &isnull);
		if (!isnull)
			result = lappend(result, stringToNode(TextDatumGetCString(d)));
	}
	systable_endscan(scan);
	table_close(conrel, AccessShareLock);
	return result;
}

/*
 * Can SET NOT NULL on relid's column attnum skip its scan of the table?
 * The server's test (NotNullImpliedByRelConstraints through
 * ConstraintImpliedByRelConstraint, static in tablecmds.c, reproduced
 * here): the validated CHECK constraints, each simplified and
 * canonicalized as it does, weakly imply "attnum IS NOT NULL" (a CHECK
 * passes on NULL: CHECK (col > 0) proves nothing).  extra holds more
 * CHECK expressions in stored form: the ones the script added or
 * validated.  An attnotnull column is the caller's business.
 */
bool
ss_not_null_implied(Oid relid, AttrNumber attnum, List *extra)
{
	HeapTuple	atttup;
	Form_pg_attribute att;
	NullTest   *nnulltest;
	List	   *exist = NIL;
	ListCell   *lc;

	if (!OidIsValid(relid) || attnum <= 0)
		return false;
	atttup = SearchSysCache2(ATTNUM, ObjectIdGetDatum(relid), Int16GetDatum(attnum));
	if (!HeapTupleIsValid(atttup))
		return false;
	att = (Form_pg_attribute) GETSTRUCT(atttup);
	nnulltest = makeNode(NullTest);
	nnulltest->arg = (Expr *) makeVar(1, attnum, att->atttypid, att->atttypmod,
									  att->attcollation, 0);
	nnulltest->nulltesttype = IS_NOT_NULL;
	nnulltest->argisrow = false;
	nnulltest->location = -1;
	ReleaseSysCache(atttup);

	foreach(lc, list_concat(validated_checks(relid), extra))
	{
		ListCell   *c;

		/* the conjuncts that call nobody's code: the others prove nothing here */
		foreach(c, make_ands_implicit((Expr *) lfirst(lc)))
		{
			Node	   *cexpr;

			if (ss_calls_user_functions(lfirst(c)))
				continue;
			cexpr = eval_const_expressions(NULL, copyObject(lfirst(c)));
			cexpr = (Node *) canonicalize_qual((Expr *) cexpr, true);
			exist = list_concat(exist, make_ands_implicit((Expr *) cexpr));
		}
	}
	return exist != NIL &&
		predicate_implied_by(list_make1(nnulltest), exist, true);
}

/*
 * Is relid's column attnum NOT NULL in the catalog, with no row holding a
 * NULL?  From 18 on attnotnull is also set by a NOT VALID NOT NULL
 * constraint, which proves nothing yet (versions.c).
 */
bool
ss_column_is_not_null(Oid relid, AttrNumber attnum)
{
	HeapTuple	atttup;
	bool		notnull;

	if (!OidIsValid(relid) || attnum <= 0)
		return false;
	atttup = SearchSysCache2(ATTNUM, ObjectIdGetDatum(relid), Int16GetDatum(attnum));
	if (!HeapTupleIsValid(atttup))
		return false;
	notnull = ((Form_pg_attribute) GETSTRUCT(atttup))->attnotnull;
	ReleaseSysCache(atttup);
	return notnull && ss_not_null_is_validated(relid, attnum);
}

/*
 * The stored expression of relid's CHECK constraint conname (validated or
 * not: the caller is validating it), or NULL when the catalog has none.
 */
Node *
ss_check_constraint_expr(Oid relid, const char *conname)
{
	Oid			conoid;
	HeapTuple	tup;
	Node	   *expr = NULL;

	if (!OidIsValid(relid))
		return NULL;
	conoid = get_relation_constraint_oid(relid, conname, true);
	if (!OidIsValid(conoid))
		return NULL;
	tup = SearchSysCache1(CONSTROID, ObjectIdGetDatum(conoid));
	if (!HeapTupleIsValid(tup))
		return NULL;
	if (((Form_pg_constraint) GETSTRUCT(tup))->contype == CONSTRAINT_CHECK)
	{
		bool		isnull;
		Datum		d = SysCacheGetAttr(CONSTROID, tup, Anum_pg_constraint_conbin,
										&isnull);

		if (!isnull)
			expr = stringToNode(TextDatumGetCString(d));
	}
	ReleaseSysCache(tup);
	return expr;
}

/*
 * relid opened under ACCESS SHARE (kept to the end of the transaction, as
 * the statement's own lock will be), or NULL when that would wait or the
 * relation is gone.
 */
Relation
ss_open_nowait(Oid relid)
{
	if (!OidIsValid(relid) || !ConditionalLockRelationOid(relid, AccessShareLock))
		return NULL;
	if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(relid)))
		return NULL;
	return relation_open(relid, NoLock);
}

typedef struct CookCheck
{
	Relation	rel;
	Node	   *raw;
	Node	   *cooked;
} CookCheck;

/* cookConstraint()'s steps for a CHECK (heap.c; static there) */
static void
cook_check_steps(void *arg)
{
	CookCheck  *c = (CookCheck *) arg;
	ParseState *pstate = make_parsestate(NULL);
	ParseNamespaceItem *nsitem;
	Node	   *expr;

	nsitem = addRangeTableEntryForRelation(pstate, c->rel, AccessShareLock,
										   NULL, false, true);
	addNSItemToQuery(pstate, nsitem, true, true, true);
	expr = transformExpr(pstate, copyObject(c->raw), EXPR_KIND_CHECK_CONSTRAINT);
	expr = coerce_to_boolean(pstate, expr, "CHECK");
	assign_expr_collations(pstate, expr);
	c->cooked = expr;
}

/* parsing a literal of a type with a domain in it runs the domain's CHECK */
static void
cook_check(void *arg)
{
	ss_without_user_code(cook_check_steps, arg);
}

/*
 * A CHECK expression the script wrote for relid, in the form the server
 * would store, or NULL when it cannot be made: a column the catalog does
 * not have (the script added it), an error, or a lock on the table that
 * would make us wait.  The one lookup here that locks a user relation:
 * ACCESS SHARE, only when granted at once, as the statement's own will.
 */
Node *
ss_cook_check(Oid relid, Node *raw_expr)
{
	CookCheck	c = {.raw = raw_expr};
	ErrorData  *edata;

	if (raw_expr == NULL || (c.rel = ss_open_nowait(relid)) == NULL)
		return NULL;
	edata = ss_try(cook_check, &c, true);
	relation_close(c.rel, NoLock);
	return edata ? NULL : c.cooked;
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
	scan = scan_by_oid(indrel, IndexIndrelidIndexId, &key, Anum_pg_index_indrelid, relid);
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

/*
 * Do the named columns include every key column of a valid unique index of
 * relid (the primary key is one) without a predicate or expressions?  Rows
 * fixed by equality on all of them are at most one per combination of
 * values, found through that index.
 */
bool
ss_columns_fix_unique_key(Oid relid, List *colnames)
{
	Relation	indrel;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tup;
	bool		found = false;

	if (!OidIsValid(relid) || colnames == NIL)
		return false;
	indrel = table_open(IndexRelationId, AccessShareLock);
	scan = scan_by_oid(indrel, IndexIndrelidIndexId, &key, Anum_pg_index_indrelid, relid);
	while (!found && HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_index idx = (Form_pg_index) GETSTRUCT(tup);
		int			k;

		if (!idx->indisunique || !idx->indisvalid ||
			!heap_attisnull(tup, Anum_pg_index_indpred, NULL))
			continue;
		found = true;
		for (k = 0; found && k < idx->indnkeyatts; k++)
		{
			AttrNumber	att = idx->indkey.values[k];
			ListCell   *lc;

			found = false;
			if (att == InvalidAttrNumber)	/* an expression */
				break;
			foreach(lc, colnames)
			{
				if (get_attnum(relid, strVal(lfirst(lc))) == att)
				{
					found = true;
					break;
				}
			}
		}
	}
	systable_endscan(scan);
	table_close(indrel, AccessShareLock);
	return found;
}

/* ---------- what DROP OWNED and ALTER ... ALL IN TABLESPACE reach ---------- */

/* Keep the alphabetically first name seen in *first. */
static void
keep_first(char **first, Oid relid)
{
	char	   *nsp = get_namespace_name(get_rel_namespace(relid));
	char	   *rel = get_rel_name(relid);
	char	   *name;

	if (nsp == NULL || rel == NULL)
		return;
	name = quote_qualified_identifier(nsp, rel);
	if (*first == NULL || strcmp(name, *first) < 0)
		*first = name;
}

/* Count a relation that existed before this transaction; *first: one. */
static void
count_existing(Oid relid, int *n, char **first)
{
	if (ss_relid_is_new_ext(relid, false))
		return;
	(*n)++;
	keep_first(first, relid);
}

/* an ordinary or partitioned table: what holds rows of its own name */
static bool
is_table(char relkind)
{
	return relkind == RELKIND_RELATION || relkind == RELKIND_PARTITIONED_TABLE;
}

/*
 * Count the relations the rows of scan (on catalog rel) name that existed
 * before this transaction: pick gives a row's relation, or InvalidOid to
 * pass over it.  Ends the scan and closes rel; *first: one of them.
 */
static int
count_existing_rows(Relation rel, SysScanDesc scan,
					Oid (*pick) (HeapTuple tup, void *arg), void *arg, char **first)
{
	HeapTuple	tup;
	int			n = 0;

	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Oid			relid;

		CHECK_FOR_INTERRUPTS();
		relid = pick(tup, arg);
		if (OidIsValid(relid))
			count_existing(relid, &n, first);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return n;
}

/*
 * Keep the lowest (relation, column) seen: an answer the order of the scan
 * does not change.
 */
static void
keep_lowest(Oid *found, int32 *subid, Oid objid, int32 objsubid)
{
	if (!OidIsValid(*found) || objid < *found ||
		(objid == *found && objsubid < *subid))
	{
		*found = objid;
		*subid = objsubid;
	}
}

/* a pg_shdepend row's table of this database, when the role owns it */
static Oid
owned_table(HeapTuple tup, void *arg)
{
	Form_pg_shdepend dep = (Form_pg_shdepend) GETSTRUCT(tup);

	if (dep->dbid != MyDatabaseId || dep->classid != RelationRelationId ||
		dep->deptype != SHARED_DEPENDENCY_OWNER || dep->objsubid != 0 ||
		!is_table(get_rel_relkind(dep->objid)))
		return InvalidOid;
	return dep->objid;
}

/*
 * How many tables (ordinary and partitioned) of this database the role
 * owns that were not created in this transaction: what DROP OWNED BY the
 * role drops with their data.  Ownership is in pg_shdepend, read through
 * its index on the role.  *first gets one of them, for the message.
 */
int
ss_role_tables(Oid roleid, char **first)
{
	Relation	rel;
	ScanKeyData key[3];

	*first = NULL;
	rel = table_open(SharedDependRelationId, AccessShareLock);
	return count_existing_rows(rel, scan_references(rel, key, AuthIdRelationId, roleid, -1),
							   owned_table, NULL, first);
}

/* what ALTER ... ALL IN TABLESPACE moves: its statement and the owners named */
typedef struct MoveAll
{
	AlterTableMoveAllStmt *stmt;
	List	   *roles;			/* NIL: any owner */
} MoveAll;

/* a pg_class row's relation, when the statement would copy it */
static Oid
moving_relation(HeapTuple tup, void *arg)
{
	MoveAll    *m = (MoveAll *) arg;
	Form_pg_class form = (Form_pg_class) GETSTRUCT(tup);
	ObjectType	objtype = m->stmt->objtype;
	char		want = objtype == OBJECT_INDEX ? RELKIND_INDEX :
		objtype == OBJECT_MATVIEW ? RELKIND_MATVIEW : RELKIND_RELATION;

	if (IsCatalogNamespace(form->relnamespace) || form->relisshared ||
		isAnyTempNamespace(form->relnamespace) ||
		IsToastNamespace(form->relnamespace))
		return InvalidOid;
	/* partitioned tables and indexes have no storage to copy */
	if (form->relkind != want)
		return InvalidOid;
	if (m->roles != NIL && !list_member_oid(m->roles, form->relowner))
		return InvalidOid;
	return form->oid;
}

/*
 * How many relations with storage ALTER TABLE/INDEX/MATERIALIZED VIEW ALL
 * IN TABLESPACE would copy to the new tablespace: the server's own choice
 * (AlterTableMoveAll), leaving out what this transaction created; -1 when
 * a tablespace is not in this catalog (lint() of a production migration
 * on another server).
 */
int
ss_tablespace_move_targets(AlterTableMoveAllStmt *s, char **first)
{
	Oid			orig = get_tablespace_oid(s->orig_tablespacename, true);
	Oid			dest = get_tablespace_oid(s->new_tablespacename, true);
	MoveAll		m = {s, NIL};
	ListCell   *lc;
	Relation	rel;
	ScanKeyData key;

	*first = NULL;
	if (!OidIsValid(orig) || !OidIsValid(dest))
		return -1;				/* not this catalog's: anything may move */
	if (orig == MyDatabaseTableSpace)
		orig = InvalidOid;
	if (dest == MyDatabaseTableSpace)
		dest = InvalidOid;
	if (orig == dest)
		return 0;
	foreach(lc, s->roles)
	{
		RoleSpec   *spec = lfirst(lc);
		Oid			roleid;

		/* get_rolespec_oid raises an error for PUBLIC, which owns nothing */
		if (spec->roletype == ROLESPEC_PUBLIC)
			continue;
		roleid = get_rolespec_oid(spec, true);
		if (OidIsValid(roleid))
			m.roles = lappend_oid(m.roles, roleid);
	}
	if (s->roles != NIL && m.roles == NIL)
		return 0;

	rel = table_open(RelationRelationId, AccessShareLock);
	return count_existing_rows(rel, scan_by_oid(rel, InvalidOid, &key, Anum_pg_class_reltablespace, orig),
							   moving_relation, &m, first);
}

/* a pg_class row's relation, when it is a table */
static Oid
table_row(HeapTuple tup, void *arg)
{
	Form_pg_class form = (Form_pg_class) GETSTRUCT(tup);

	return is_table(form->relkind) ? form->oid : InvalidOid;
}

/*
 * How many tables (ordinary and partitioned) schema nspname holds that
 * were not created in this transaction: what ALTER SCHEMA ... RENAME takes
 * away from the names the application uses.  pg_class has no index on the
 * namespace alone, so this reads all of it; schema renames are rare.
 * 0 when the catalog does not know the schema.
 */
int
ss_schema_tables(const char *nspname, char **first)
{
	Oid			nspid = get_namespace_oid(nspname, true);
	Relation	rel;
	ScanKeyData key;

	*first = NULL;
	if (!OidIsValid(nspid))
		return 0;
	rel = table_open(RelationRelationId, AccessShareLock);
	return count_existing_rows(rel, scan_by_oid(rel, InvalidOid, &key, Anum_pg_class_relnamespace, nspid),
							   table_row, NULL, first);
}

/*
 * A column of a table or materialized view that existed before this
 * transaction and is of the domain, or of a domain over it at any depth:
 * what ALTER DOMAIN ... SET NOT NULL scans (the server's
 * get_rels_with_domain).  Its relation, the lowest found, and in *object
 * "table.column"; InvalidOid when none.
 */
static void
domain_column_walk(Oid typid, Oid *found, int32 *subid)
{
	Relation	rel;
	SysScanDesc scan;
	ScanKeyData key[3];
	HeapTuple	tup;
	List	   *subdomains = NIL;
	ListCell   *lc;

	check_stack_depth();
	rel = table_open(DependRelationId, AccessShareLock);
	scan = scan_references(rel, key, TypeRelationId, typid, -1);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_depend dep = (Form_pg_depend) GETSTRUCT(tup);
		char		relkind;

		CHECK_FOR_INTERRUPTS();
		if (dep->classid == TypeRelationId)
		{
			if (get_typtype(dep->objid) == TYPTYPE_DOMAIN)
				subdomains = lappend_oid(subdomains, dep->objid);
			continue;
		}
		if (dep->classid != RelationRelationId || dep->objsubid <= 0)
			continue;
		relkind = get_rel_relkind(dep->objid);
		if (relkind != RELKIND_RELATION && relkind != RELKIND_MATVIEW &&
			relkind != RELKIND_PARTITIONED_TABLE)
			continue;
		if (ss_relid_is_new_ext(dep->objid, false))
			continue;
		keep_lowest(found, subid, dep->objid, dep->objsubid);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	foreach(lc, subdomains)
		domain_column_walk(lfirst_oid(lc), found, subid);
	list_free(subdomains);
}

Oid
ss_domain_column(Oid typid, char **object)
{
	Oid			found = InvalidOid;
	int32		subid = 0;

	*object = NULL;
	domain_column_walk(typid, &found, &subid);
	if (OidIsValid(found))
	{
		char	   *nsp = get_namespace_name(get_rel_namespace(found));
		char	   *relname = get_rel_name(found);
		char	   *att = get_attname(found, (AttrNumber) subid, true);

		if (nsp && relname && att)
			*object = psprintf("%s.%s", quote_qualified_identifier(nsp, relname),
							   quote_identifier(att));
	}
	return found;
}

/* A relation's access method. */
static Oid
relation_am(Oid relid)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Oid			am = InvalidOid;

	if (HeapTupleIsValid(tup))
	{
		am = ((Form_pg_class) GETSTRUCT(tup))->relam;
		ReleaseSysCache(tup);
	}
	return am;
}

/*
 * The operator class and collation ComputeIndexAttrs() (static in
 * indexcmds.c) gives a key column on the changed column when ALTER TABLE
 * parses the index's definition again.  That definition was printed
 * before the change (pg_get_indexdef()): the operator class only when it
 * is not the default for the column's old type, the collation only when
 * it is not the column's old one.  What is not written follows the new
 * type and the column's new collation.  InvalidOid: no operator class
 * fits, and the ALTER fails.
 */
static void
reparsed_key(Oid opclass, Oid coll, Oid am, Oid oldtyp, Oid newtyp,
			 Oid oldcoll, Oid newcoll, Oid *newclass, Oid *newc)
{
	if (opclass == GetDefaultOpClass(oldtyp, am))
		*newclass = GetDefaultOpClass(newtyp, am);
	else
		*newclass = IsBinaryCoercible(newtyp, get_opclass_input_type(opclass)) ?
			opclass : InvalidOid;	/* ResolveOpClass()'s test */
	*newc = (OidIsValid(coll) && coll != oldcoll) ? coll : newcoll;
}

/* The exclusion operator name again, for the key column's new type. */
static bool
exclusion_op_kept(Oid indexid, int k, Oid newtyp)
{
	Oid			conoid = get_index_constraint(indexid);
	HeapTuple	tup;
	Datum		d;
	bool		isnull;
	bool		kept = true;

	if (!OidIsValid(conoid) ||
		!HeapTupleIsValid(tup = SearchSysCache1(CONSTROID, ObjectIdGetDatum(conoid))))
		return true;
	d = SysCacheGetAttr(CONSTROID, tup, Anum_pg_constraint_conexclop, &isnull);
	if (!isnull)
	{
		ArrayType  *arr = DatumGetArrayTypeP(d);
		Oid		   *ops = (Oid *) ARR_DATA_PTR(arr);

		HeapTuple	optup;

		if (k < ARR_DIMS(arr)[0] &&
			HeapTupleIsValid(optup = SearchSysCache1(OPEROID, ObjectIdGetDatum(ops[k]))))
		{
			Form_pg_operator op = (Form_pg_operator) GETSTRUCT(optup);
			List	   *name = list_make2(makeString(get_namespace_name(op->oprnamespace)),
										  makeString(pstrdup(NameStr(op->oprname))));

			ReleaseSysCache(optup);
			kept = compatible_oper_opid(name, newtyp, newtyp, true) == ops[k];
		}
	}
	ReleaseSysCache(tup);
	return kept;
}

/*
 * Would ALTER COLUMN ... TYPE rebuild this index although the table keeps
 * its data?  The server keeps an index only when CheckIndexCompatible()
 * (indexcmds.c) says the definition parsed again is the same index.  It
 * cannot be called here: it reads the column's new type from the catalog,
 * which still has the old one.  Its test is reproduced: no expression nor
 * predicate, valid; the operator class and collation of every key column
 * unchanged (reparsed_key()); a polymorphic operator class keeps the
 * index only if the type the index stores is the column's type then; the
 * exclusion operators found again by name are the same ones.
 */
static bool
index_rebuilt(Oid indexid, AttrNumber attnum, Oid oldtyp, Oid newtyp,
			  Oid oldcoll, Oid newcoll)
{
	HeapTuple	tup;
	Form_pg_index idx;
	Oid			am;
	Datum		d;
	bool		isnull;
	oidvector  *indclass;
	oidvector  *indcollation;
	bool		rebuilt = false;
	int			k;

	tup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(indexid));
	if (!HeapTupleIsValid(tup))
		return false;
	idx = (Form_pg_index) GETSTRUCT(tup);
	if (!heap_attisnull(tup, Anum_pg_index_indexprs, NULL) ||
		!heap_attisnull(tup, Anum_pg_index_indpred, NULL) || !idx->indisvalid)
	{
		ReleaseSysCache(tup);
		return true;
	}
	am = relation_am(indexid);
	d = SysCacheGetAttr(INDEXRELID, tup, Anum_pg_index_indclass, &isnull);
	indclass = (oidvector *) DatumGetPointer(d);
	d = SysCacheGetAttr(INDEXRELID, tup, Anum_pg_index_indcollation, &isnull);
	indcollation = (oidvector *) DatumGetPointer(d);
	for (k = 0; k < idx->indnkeyatts && !rebuilt; k++)
	{
		bool		changed = idx->indkey.values[k] == attnum;
		Oid			coltyp = changed ? newtyp :
			get_atttype(idx->indrelid, idx->indkey.values[k]);
		Oid			opclass = indclass->values[k];

		if (changed)
		{
			Oid			newclass;
			Oid			newc;

			reparsed_key(opclass, indcollation->values[k], am, oldtyp, newtyp,
						 oldcoll, newcoll, &newclass, &newc);
			rebuilt = newclass != opclass || newc != indcollation->values[k] ||
				(idx->indisexclusion && !exclusion_op_kept(indexid, k, newtyp));
		}
		if (!rebuilt && IsPolymorphicType(get_opclass_input_type(opclass)))
			rebuilt = get_atttype(indexid, k + 1) != coltyp;
	}
	ReleaseSysCache(tup);
	return rebuilt;
}

static int
cstring_cmp(const ListCell *a, const ListCell *b)
{
	return strcmp(lfirst(a), lfirst(b));
}

/*
 * Names, sorted, for a message: "a, b and c"; past ten, "and N more".
 */
char *
ss_name_list(List *names)
{
	StringInfoData buf;
	ListCell   *lc;
	int			n = list_length(names);
	int			shown = n > 10 ? 10 : n;

	list_sort(names, cstring_cmp);
	initStringInfo(&buf);
	foreach(lc, names)
	{
		int			i = foreach_current_index(lc);

		if (i >= shown)
			break;
		if (i > 0)
			appendStringInfoString(&buf, (i == n - 1 && n == shown) ? " and " : ", ");
		appendStringInfoString(&buf, (char *) lfirst(lc));
	}
	if (n > shown)
		appendStringInfo(&buf, " and %d more", n - shown);
	return buf.data;
}

/* A relation's schema-qualified, quoted name, or NULL when gone. */
static char *
qualified_relname(Oid relid)
{
	char	   *nsp = get_namespace_name(get_rel_namespace(relid));
	char	   *rel = get_rel_name(relid);

	return (nsp && rel) ? quote_qualified_identifier(nsp, rel) : NULL;
}

/* The pg_index rows of table relid, copied (read from the catalog only). */
static List *
table_index_rows(Oid relid)
{
	Relation	indrel;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tup;
	List	   *rows = NIL;

	if (!OidIsValid(relid))
		return NIL;
	indrel = table_open(IndexRelationId, AccessShareLock);
	scan = scan_by_oid(indrel, IndexIndrelidIndexId, &key, Anum_pg_index_indrelid, relid);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		CHECK_FOR_INTERRUPTS();
		rows = lappend(rows, heap_copytuple(tup));
	}
	systable_endscan(scan);
	table_close(indrel, AccessShareLock);
	return rows;
}

/* The indexes of table relid, by qualified name (what REINDEX TABLE rebuilds). */
List *
ss_table_index_names(Oid relid)
{
	List	   *rows = table_index_rows(relid);
	List	   *names = NIL;
	ListCell   *lc;

	foreach(lc, rows)
	{
		HeapTuple	tup = lfirst(lc);
		char	   *name = qualified_relname(((Form_pg_index) GETSTRUCT(tup))->indexrelid);

		if (name)
			names = lappend(names, name);
	}
	list_free_deep(rows);
	return names;
}

/*
 * The indexes on relid's column (as a key, in an expression or in a
 * predicate: whatever depends on the column, as the server finds them)
 * that ALTER COLUMN ... TYPE rebuilds when it changes the column to
 * newtyp and newcoll without rewriting the table, by qualified name;
 * *collation_changes whether the column's collation changes.
 */
List *
ss_type_change_rebuilt_indexes(Oid relid, const char *column, Oid newtyp,
							   Oid newcoll, bool *collation_changes)
{
	HeapTuple	atttup;
	AttrNumber	attnum;
	Oid			oldtyp;
	Oid			oldcoll;
	Relation	rel;
	SysScanDesc scan;
	ScanKeyData key[3];
	HeapTuple	tup;
	List	   *seen = NIL;
	List	   *names = NIL;

	*collation_changes = false;
	if (!OidIsValid(relid))
		return NIL;
	atttup = SearchSysCacheAttName(relid, column);
	if (!HeapTupleIsValid(atttup))
		return NIL;
	attnum = ((Form_pg_attribute) GETSTRUCT(atttup))->attnum;
	oldtyp = ((Form_pg_attribute) GETSTRUCT(atttup))->atttypid;
	oldcoll = ((Form_pg_attribute) GETSTRUCT(atttup))->attcollation;
	ReleaseSysCache(atttup);
	*collation_changes = oldcoll != newcoll;

	rel = table_open(DependRelationId, AccessShareLock);
	scan = scan_references(rel, key, RelationRelationId, relid, attnum);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_depend dep = (Form_pg_depend) GETSTRUCT(tup);
		Oid			indexid = InvalidOid;
		char		relkind;
		char	   *name;

		CHECK_FOR_INTERRUPTS();
		/* an index of its own, or the index behind a PRIMARY KEY/UNIQUE/EXCLUDE */
		if (dep->classid == RelationRelationId)
			indexid = dep->objid;
		else if (dep->classid == ConstraintRelationId)
			indexid = get_constraint_index(dep->objid);
		if (!OidIsValid(indexid) || list_member_oid(seen, indexid))
			continue;
		relkind = get_rel_relkind(indexid);
		if (relkind != RELKIND_INDEX && relkind != RELKIND_PARTITIONED_INDEX)
			continue;
		seen = lappend_oid(seen, indexid);
		if (index_rebuilt(indexid, attnum, oldtyp, newtyp, oldcoll, newcoll) &&
			(name = qualified_relname(indexid)) != NULL)
			names = lappend(names, name);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	list_free(seen);
	return names;
}

/*
 * What DROP TYPE/DOMAIN ... CASCADE takes with it from tables that existed
 * before this transaction: a typed table of the type (*attname NULL) or a
 * column of the type (*attname its name); InvalidOid when none.  The
 * lowest such table, so that the answer does not depend on the scan.
 */
Oid
ss_type_dependent_table(Oid typid, char **attname)
{
	Relation	rel;
	SysScanDesc scan;
	ScanKeyData key[3];
	HeapTuple	tup;
	Oid			found = InvalidOid;
	int32		subid = 0;

	*attname = NULL;
	rel = table_open(DependRelationId, AccessShareLock);
	scan = scan_references(rel, key, TypeRelationId, typid, -1);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_depend dep = (Form_pg_depend) GETSTRUCT(tup);

		CHECK_FOR_INTERRUPTS();
		if (dep->classid != RelationRelationId || dep->deptype != DEPENDENCY_NORMAL ||
			!is_table(get_rel_relkind(dep->objid)))
			continue;
		if (ss_relid_is_new_ext(dep->objid, false))
			continue;
		keep_lowest(&found, &subid, dep->objid, dep->objsubid);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	if (OidIsValid(found) && subid > 0)
		*attname = get_attname(found, (AttrNumber) subid, true);
	return found;
}

/*
 * The key columns of each index of relid, as lists of String names; an
 * index on an expression is NIL (nothing else can stand in for it).
 */
List *
ss_index_column_lists(Oid relid)
{
	List	   *result = NIL;
	ListCell   *lc;

	foreach(lc, table_index_rows(relid))
	{
		Form_pg_index idx = (Form_pg_index) GETSTRUCT((HeapTuple) lfirst(lc));
		List	   *cols = NIL;
		int			k;

		CHECK_FOR_INTERRUPTS();
		for (k = 0; k < idx->indnkeyatts; k++)
		{
			char	   *name = idx->indkey.values[k] == 0 ? NULL :
				get_attname(relid, idx->indkey.values[k], true);

			if (name == NULL)
			{
				list_free(cols);
				cols = NIL;
				break;
			}
			cols = lappend(cols, makeString(name));
		}
		result = lappend(result, cols);
	}
	return result;
}

/* Does relid have a foreign key of its own (what ATTACH PARTITION clones)? */
bool
ss_relation_has_foreign_key(Oid relid)
{
	Relation	conrel;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tup;
	bool		found = false;

	if (!OidIsValid(relid))
		return false;
	conrel = table_open(ConstraintRelationId, AccessShareLock);
	scan = scan_by_oid(conrel, ConstraintRelidTypidNameIndexId, &key,
					   Anum_pg_constraint_conrelid, relid);
	while (!found && HeapTupleIsValid(tup = systable_getnext(scan)))
		found = ((Form_pg_constraint) GETSTRUCT(tup))->contype == CONSTRAINT_FOREIGN;
	systable_endscan(scan);
	table_close(conrel, AccessShareLock);
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
