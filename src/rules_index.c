/*-------------------------------------------------------------------------
 *
 * rules_index.c
 *		Index builds, drops and rebuilds, CONCURRENTLY and its limits, and
 *		materialized view refreshes.
 *
 *-------------------------------------------------------------------------
 */
#include "schemashift.h"

#include "catalog/namespace.h"
#include "commands/defrem.h"
#include "lib/stringinfo.h"
#include "utils/memutils.h"

static void
report_concurrent_in_transaction(SSContext *cxt, const char *what)
{
	ss_report_full(cxt, SS_BAN_CONCURRENT_INDEX_CREATION_IN_TRANSACTION, -1,
				   cxt->stmt_lock_object, cxt->stmt_lock, false,
				   psprintf("%s cannot run inside a transaction block: this statement will fail", what),
				   NULL);
}

/* Remember "col,col," for the index's leading plain columns. */
static void
remember_index_columns(SSContext *cxt, IndexStmt *s)
{
	StringInfoData buf;
	ListCell   *lc;
	MemoryContext old;
	SSTableState *ts;

	initStringInfo(&buf);
	foreach(lc, s->indexParams)
	{
		IndexElem  *e = lfirst_node(IndexElem, lc);

		if (e->name == NULL)
			break;
		appendStringInfo(&buf, "%s,", e->name);
	}
	ts = ss_table_state(cxt, s->relation->relname, true);
	old = MemoryContextSwitchTo(cxt->state_cxt);
	ts->index_columns = lappend(ts->index_columns, pstrdup(buf.data));
	MemoryContextSwitchTo(old);
	pfree(buf.data);
}

static void
check_create_index(SSContext *cxt, Node *stmt)
{
	IndexStmt  *s = (IndexStmt *) stmt;
	bool		is_new = ss_relation_is_new(cxt, s->relation);

	remember_index_columns(cxt, s);

	if (s->concurrent)
	{
		if (cxt->in_transaction)
			report_concurrent_in_transaction(cxt, "CREATE INDEX CONCURRENTLY");
		if (!is_new && ss_relation_is_partitioned(ss_lookup_relation(cxt, s->relation)))
			ss_report(cxt, SS_BAN_CONCURRENT_INDEX_ON_PARTITIONED_TABLE, -1,
					  cxt->stmt_lock_object, NULL);
		return;
	}
	if (is_new)
		return;
	/* ON ONLY a partitioned table: catalog only, the recipe's first step */
	if (!s->relation->inh && ss_relation_is_partitioned(ss_lookup_relation(cxt, s->relation)))
		return;
	ss_report_full(cxt, SS_REQUIRE_CONCURRENT_INDEX_CREATION, -1,
				   cxt->stmt_lock_object, ShareLock, false,
				   ss_relation_is_partitioned(ss_lookup_relation(cxt, s->relation)) ?
				   "creating an index without CONCURRENTLY on a partitioned table blocks writes to every partition for the whole build" : NULL,
				   ss_relation_is_partitioned(ss_lookup_relation(cxt, s->relation)) ?
				   schemashift_rules[SS_BAN_CONCURRENT_INDEX_ON_PARTITIONED_TABLE].hint : NULL);
}

static void
check_drop_index(SSContext *cxt, Node *stmt)
{
	DropStmt   *s = (DropStmt *) stmt;
	ListCell   *lc;

	if (s->removeType != OBJECT_INDEX)
		return;
	if (s->concurrent)
	{
		if (cxt->in_transaction)
			report_concurrent_in_transaction(cxt, "DROP INDEX CONCURRENTLY");
		return;
	}
	foreach(lc, s->objects)
	{
		List	   *names = (List *) lfirst(lc);
		RangeVar   *rv = makeRangeVarFromNameList(names);

		/* an index the script created is not in anyone's way */
		if (ss_relation_is_new(cxt, rv))
			continue;
		/* one finding per index: each needs its own approval */
		ss_report(cxt, SS_REQUIRE_CONCURRENT_INDEX_DELETION, -1,
				  ss_relation_name(rv), NULL);
	}
}

static void
check_reindex(SSContext *cxt, Node *stmt)
{
	ReindexStmt *s = (ReindexStmt *) stmt;
	ListCell   *lc;
	bool		concurrent = false;

	if (s->kind == REINDEX_OBJECT_SYSTEM)
		return;
	foreach(lc, s->params)
	{
		DefElem    *opt = lfirst_node(DefElem, lc);

		if (strcmp(opt->defname, "concurrently") == 0)
			concurrent = defGetBoolean(opt);
	}
	if (concurrent)
	{
		if (cxt->in_transaction)
			report_concurrent_in_transaction(cxt, "REINDEX CONCURRENTLY");
		return;
	}
	if (s->relation && ss_relation_is_new(cxt, s->relation))
		return;
	ss_report(cxt, SS_REQUIRE_CONCURRENT_REINDEX, -1,
			  s->relation ? ss_relation_name(s->relation) :
			  (s->name ? pstrdup(s->name) : NULL), NULL);
}

static void
check_refresh(SSContext *cxt, Node *stmt)
{
	RefreshMatViewStmt *s = (RefreshMatViewStmt *) stmt;

	if (s->concurrent || ss_relation_is_new(cxt, s->relation))
		return;
	ss_report(cxt, SS_REQUIRE_CONCURRENT_REFRESH, -1, cxt->stmt_lock_object, NULL);
}

const SSChecker schemashift_index_checkers[] = {
	{T_IndexStmt, check_create_index},
	{T_DropStmt, check_drop_index},
	{T_ReindexStmt, check_reindex},
	{T_RefreshMatViewStmt, check_refresh},
	{T_Invalid, NULL}
};
