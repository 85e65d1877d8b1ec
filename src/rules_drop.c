/*-------------------------------------------------------------------------
 *
 * rules_drop.c
 *		Statements that destroy data: DROP TABLE/SCHEMA/DATABASE and
 *		TRUNCATE.  Objects the script created itself may be dropped freely.
 *
 *-------------------------------------------------------------------------
 */
#include "schemashift.h"

#include "catalog/namespace.h"
#include "utils/builtins.h"

#include "nodes/makefuncs.h"

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

const SSChecker schemashift_drop_checkers[] = {
	{T_DropStmt, check_drop},
	{T_DropdbStmt, check_dropdb},
	{T_TruncateStmt, check_truncate},
	{T_Invalid, NULL}
};
