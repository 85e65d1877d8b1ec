/*-------------------------------------------------------------------------
 *
 * rules_drop.c
 *		Statements that destroy data: DROP TABLE/SCHEMA/DATABASE, DROP
 *		OWNED and TRUNCATE; and REASSIGN OWNED, which hands over everything
 *		a role owns.  Objects the script created itself may be dropped
 *		freely.
 *
 *-------------------------------------------------------------------------
 */
#include "schemashift.h"

#include "catalog/namespace.h"
#include "utils/builtins.h"

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

static void
check_drop(SSContext *cxt, Node *stmt)
{
	DropStmt   *s = (DropStmt *) stmt;
	ListCell   *lc;

	/* one finding per object: each needs its own approval */
	if (s->removeType == OBJECT_SCHEMA)
	{
		foreach(lc, s->objects)
			ss_report(cxt, SS_BAN_DROP_SCHEMA, -1,
					  pstrdup(quote_identifier(strVal(lfirst(lc)))), NULL);
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

static void
check_dropdb(SSContext *cxt, Node *stmt)
{
	ss_report(cxt, SS_BAN_DROP_DATABASE, -1,
			  pstrdup(quote_identifier(((DropdbStmt *) stmt)->dbname)), NULL);
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
