/*-------------------------------------------------------------------------
 *
 * rules_types.c
 *		Column types worth avoiding: varchar(n), int4, int2, serial,
 *		timestamp, json, char(n).  Checked wherever a column type is
 *		written: CREATE TABLE, ADD COLUMN, ALTER COLUMN TYPE.
 *
 * Types are matched by the name written in the statement, as the parser
 * resolves the SQL-standard spellings (integer, character varying,
 * timestamp without time zone) to their catalog names.
 *
 *-------------------------------------------------------------------------
 */
#include "schemashift.h"

#include "catalog/namespace.h"
#include "utils/builtins.h"

static bool
name_in(const char *name, const char *const *list)
{
	for (; *list; list++)
		if (pg_strcasecmp(name, *list) == 0)
			return true;
	return false;
}

static const char *const char_names[] = {"bpchar", "char", "character", NULL};
static const char *const int4_names[] = {"int4", "int", "integer", "serial", "serial4", NULL};
static const char *const int2_names[] = {"int2", "smallint", "smallserial", "serial2", NULL};
static const char *const varchar_names[] = {"varchar", NULL};
static const char *const timestamp_names[] = {"timestamp", NULL};
static const char *const json_names[] = {"json", NULL};

static void
check_type(SSContext *cxt, TypeName *tn, const char *colname, int fallback_loc)
{
	const char *name = ss_typename_last(tn);
	int			loc = tn->location >= 0 ? tn->location : fallback_loc;
	char	   *obj;

	if (name == NULL || tn->pct_type)
		return;
	obj = (cxt->stmt_lock_object && colname) ?
		psprintf("%s.%s", cxt->stmt_lock_object, quote_identifier(colname)) :
		(colname ? pstrdup(quote_identifier(colname)) : NULL);

	if (name_in(name, varchar_names) && tn->typmods != NIL)
		ss_report_full(cxt, SS_PREFER_TEXT_FIELD, loc, obj, NoLock, false, NULL, NULL);
	else if (name_in(name, char_names))
		ss_report_full(cxt, SS_BAN_CHAR_FIELD, loc, obj, NoLock, false, NULL, NULL);
	else if (name_in(name, int4_names))
		ss_report_full(cxt, SS_PREFER_BIGINT_OVER_INT, loc, obj, NoLock, false, NULL, NULL);
	else if (name_in(name, int2_names))
		ss_report_full(cxt, SS_PREFER_BIGINT_OVER_SMALLINT, loc, obj, NoLock, false, NULL, NULL);
	else if (name_in(name, timestamp_names))
		ss_report_full(cxt, SS_PREFER_TIMESTAMP_TZ, loc, obj, NoLock, false, NULL, NULL);
	else if (name_in(name, json_names))
		ss_report_full(cxt, SS_PREFER_JSONB, loc, obj, NoLock, false, NULL, NULL);

	if (ss_type_is_serial(tn))
		ss_report_full(cxt, SS_PREFER_IDENTITY, loc, obj, NoLock, false, NULL, NULL);
}

static void
check_column_defs(SSContext *cxt, List *elts)
{
	ListCell   *lc;

	foreach(lc, elts)
	{
		if (IsA(lfirst(lc), ColumnDef))
		{
			ColumnDef  *def = (ColumnDef *) lfirst(lc);

			if (def->typeName)
				check_type(cxt, def->typeName, def->colname, def->location);
		}
	}
}

static void
check_create(SSContext *cxt, Node *stmt)
{
	CreateStmt *s = IsA(stmt, CreateForeignTableStmt) ?
		&((CreateForeignTableStmt *) stmt)->base : (CreateStmt *) stmt;

	check_column_defs(cxt, s->tableElts);
}

static void
check_alter(SSContext *cxt, Node *stmt)
{
	AlterTableStmt *s = (AlterTableStmt *) stmt;
	ListCell   *lc;

	foreach(lc, s->cmds)
	{
		AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);

		if (SCHEMASHIFT_IS_ADD_COLUMN(cmd->subtype))
			check_column_defs(cxt, list_make1(cmd->def));
		else if (cmd->subtype == AT_AlterColumnType)
		{
			ColumnDef  *def = (ColumnDef *) cmd->def;

			check_type(cxt, def->typeName, cmd->name, def->location);
		}
	}
}

const SSChecker schemashift_types_checkers[] = {
	{T_CreateStmt, check_create},
	{T_CreateForeignTableStmt, check_create},
	{T_AlterTableStmt, check_alter},
	{T_Invalid, NULL}
};
