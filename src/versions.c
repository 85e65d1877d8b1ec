/*-------------------------------------------------------------------------
 *
 * versions.c
 *		What the rules and recipes answer differently by server version,
 *		where the answer needs the catalog.
 *
 * PostgreSQL 18 keeps NOT NULL constraints in pg_constraint, and they may
 * be NOT VALID: pg_attribute.attnotnull then says "a constraint exists",
 * no longer "no row holds a NULL".  SET NOT NULL on such a column validates
 * the constraint, scanning the table under ACCESS EXCLUSIVE, and the safe
 * NOT NULL recipe is ADD CONSTRAINT ... NOT NULL ... NOT VALID, then
 * VALIDATE CONSTRAINT (SHARE UPDATE EXCLUSIVE).  Before 18 attnotnull is
 * the proof itself, and the recipe goes through a validated CHECK.
 * docs/versions.md lists every answer that differs and how it was found.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "versions.h"
#include "schemashift.h"

#include "access/htup_details.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_inherits.h"
#include "nodes/value.h"
#include "utils/array.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

/*
 * Is the column's attnotnull (the caller saw it set) a validated NOT NULL?
 * From 18 on it is also set by a NOT VALID constraint.
 */
bool
ss_not_null_is_validated(Oid relid, AttrNumber attnum)
{
	bool		validated = true;

#if SCHEMASHIFT_HAS_NOT_NULL_NOT_VALID
	(void) ss_not_null_constraint_name(relid, attnum, &validated);
#endif
	return validated;
}

/*
 * The name of the column's NOT NULL constraint and whether it is
 * validated; NULL (and *validated true) when it has none, or before 18,
 * where a NOT NULL is no constraint of its own.
 */
char *
ss_not_null_constraint_name(Oid relid, AttrNumber attnum, bool *validated)
{
#if SCHEMASHIFT_HAS_NOT_NULL_NOT_VALID
	HeapTuple	tup = findNotNullConstraintAttnum(relid, attnum);

	if (HeapTupleIsValid(tup))
	{
		Form_pg_constraint con = (Form_pg_constraint) GETSTRUCT(tup);
		char	   *name = pstrdup(NameStr(con->conname));

		*validated = con->convalidated;
		heap_freetuple(tup);
		return name;
	}
#endif
	*validated = true;
	return NULL;
}

/*
 * pg_attribute.attgenerated of the column ('\0' if none or no such column),
 * and whether it has a NOT NULL (valid or not: either is checked when the
 * expression changes)
 */
char
ss_column_generated(Oid relid, const char *column, bool *not_null)
{
	HeapTuple	tup;
	char		generated = '\0';

	*not_null = false;
	if (!OidIsValid(relid) || column == NULL)
		return '\0';
	tup = SearchSysCacheAttName(relid, column);
	if (HeapTupleIsValid(tup))
	{
		generated = ((Form_pg_attribute) GETSTRUCT(tup))->attgenerated;
		*not_null = ((Form_pg_attribute) GETSTRUCT(tup))->attnotnull;
		ReleaseSysCache(tup);
	}
	return generated;
}

/* The table's constraint of this name (ReleaseSysCache it), or NULL */
static HeapTuple
constraint_tuple(Oid relid, const char *conname)
{
	Oid			conoid = OidIsValid(relid) ?
		get_relation_constraint_oid(relid, conname, true) : InvalidOid;

	return OidIsValid(conoid) ? SearchSysCache1(CONSTROID, ObjectIdGetDatum(conoid)) : NULL;
}

/*
 * Is the table's constraint of this name enforced?  NOT ENFORCED came in 18;
 * a name the catalog does not know is taken for a NOT ENFORCED one.
 */
bool
ss_constraint_is_enforced(Oid relid, const char *conname)
{
	bool		enforced = !SCHEMASHIFT_HAS_NOT_ENFORCED;

#if SCHEMASHIFT_HAS_NOT_ENFORCED
	HeapTuple	tup = constraint_tuple(relid, conname);

	if (HeapTupleIsValid(tup))
	{
		enforced = ((Form_pg_constraint) GETSTRUCT(tup))->conenforced;
		ReleaseSysCache(tup);
	}
#endif
	return enforced;
}

/*
 * The referencing columns of the table's foreign key of this name, as a
 * list of String; NIL when the catalog has no such foreign key.
 */
List *
ss_foreign_key_columns(Oid relid, const char *conname)
{
	HeapTuple	tup = constraint_tuple(relid, conname);
	List	   *cols = NIL;

	if (!HeapTupleIsValid(tup))
		return NIL;
	if (((Form_pg_constraint) GETSTRUCT(tup))->contype == CONSTRAINT_FOREIGN)
	{
		bool		isnull;
		Datum		d = SysCacheGetAttr(CONSTROID, tup, Anum_pg_constraint_conkey, &isnull);
		ArrayType  *arr = isnull ? NULL : DatumGetArrayTypeP(d);
		int16	   *keys = arr ? (int16 *) ARR_DATA_PTR(arr) : NULL;
		int			i;

		for (i = 0; arr && i < ARR_DIMS(arr)[0]; i++)
			cols = lappend(cols, makeString(get_attname(relid, keys[i], false)));
	}
	ReleaseSysCache(tup);
	return cols;
}

/*
 * ALTER CONSTRAINT name INHERIT (18) of the table's NOT NULL constraint
 * that is NO INHERIT: the column's name, and the inheritors (at every
 * level) that then get NOT NULL set, each scanned, because nothing proves
 * their column yet (a validated NOT NULL or CHECK of their own).  NIL when
 * the catalog has no such constraint, or it is inherited already.
 */
List *
ss_not_null_inherit_scans(Oid relid, const char *conname, char **column)
{
	List	   *scanned = NIL;

	*column = NULL;
#if SCHEMASHIFT_HAS_NOT_NULL_NOT_VALID
	{
		HeapTuple	tup = constraint_tuple(relid, conname);
		Form_pg_constraint con;
		ListCell   *lc;

		if (!HeapTupleIsValid(tup))
			return NIL;
		con = (Form_pg_constraint) GETSTRUCT(tup);
		if (con->contype == CONSTRAINT_NOTNULL && con->connoinherit)
			*column = get_attname(relid, extractNotNullColumn(tup), false);
		ReleaseSysCache(tup);
		if (*column == NULL)
			return NIL;
		foreach(lc, find_all_inheritors(relid, NoLock, NULL))
		{
			Oid			child = lfirst_oid(lc);
			AttrNumber	attnum = get_attnum(child, *column);

			if (child != relid && attnum != InvalidAttrNumber &&
				!ss_column_is_not_null(child, attnum) &&
				!ss_not_null_implied(child, attnum, NIL))
				scanned = lappend_oid(scanned, child);
		}
	}
#endif
	return scanned;
}

/* The hint of a NOT NULL that would scan: NULL for the registry's (15-17) */
const char *
ss_not_null_hint(void)
{
	if (!SCHEMASHIFT_HAS_NOT_NULL_NOT_VALID)
		return NULL;
	return "Add the constraint NOT VALID (ALTER TABLE ... ADD CONSTRAINT name NOT NULL col NOT VALID: no scan), then VALIDATE CONSTRAINT name in a separate transaction (SHARE UPDATE EXCLUSIVE: reads and writes continue); CALL schemashift.add_constraint(...) does both.";
}

/* The locks of the NOT NULL recipe, as plan() shows them */
const char *
ss_not_null_recipe_locks(void)
{
	if (SCHEMASHIFT_HAS_NOT_NULL_NOT_VALID)
		return "ACCESS EXCLUSIVE for an instant; SHARE UPDATE EXCLUSIVE while validating (reads and writes continue)";
	return "ACCESS EXCLUSIVE for two instants; SHARE UPDATE EXCLUSIVE while validating (reads and writes continue)";
}
