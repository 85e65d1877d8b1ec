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
#include "common/hashfn.h"
#include "lib/stringinfo.h"
#include "utils/memutils.h"

/*
 * Under squawk's profile, in_transaction follows squawk's
 * --assume-in-transaction: a file of one statement is taken to run alone,
 * outside the migration tool's transaction, as squawk takes it.
 */
static void
report_concurrent_in_transaction(SSContext *cxt, const char *what)
{
	if (cxt->profile == SS_PROFILE_SQUAWK && !cxt->explicit_transaction &&
		cxt->stmt_count == 1)
		return;
	ss_report_full(cxt, SS_BAN_CONCURRENT_INDEX_CREATION_IN_TRANSACTION, -1,
				   cxt->stmt_lock_object, cxt->stmt_lock, false,
				   psprintf("%s cannot run inside a transaction block: this statement will fail", what),
				   NULL);
}

/*
 * A key for a set of column names, whatever their order: a foreign key on
 * (a, b) is served by an index leading with (b, a).  A 64-bit hash, so that
 * a script's indexes cost constant memory each; a collision could only hide
 * one foreign-key-without-index finding.
 */
uint64
ss_column_set_key(const char **names, int n)
{
	const char **sorted = palloc(sizeof(char *) * Max(n, 1));
	uint64		h = hash_bytes_uint32_extended((uint32) n, 0);
	int			i;

	memcpy(sorted, names, sizeof(char *) * n);
	qsort(sorted, n, sizeof(char *), pg_qsort_strcmp);
	for (i = 0; i < n; i++)
		h = hash_combine64(h, hash_bytes_extended((const unsigned char *) sorted[i],
												  strlen(sorted[i]), 0));
	pfree(sorted);
	return h;
}

/*
 * Remember the index's leading plain columns, as the key of each prefix
 * (a foreign key on its first k columns uses it).  A key has at most
 * INDEX_MAX_KEYS columns, so the work per index is bounded and a later
 * foreign key is one hash lookup, however many indexes the script made.
 */
static void
remember_index_columns(SSContext *cxt, IndexStmt *s)
{
	const char *names[INDEX_MAX_KEYS];
	int			n = 0;
	int			k;
	ListCell   *lc;
	SSTableState *ts;

	foreach(lc, s->indexParams)
	{
		IndexElem  *e = lfirst_node(IndexElem, lc);

		if (e->name == NULL || n >= INDEX_MAX_KEYS)
			break;
		names[n++] = e->name;
	}
	if (n == 0)
		return;
	ts = ss_table_state(cxt, s->relation->relname, true);
	if (ts->index_keys == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(uint64);
		ctl.entrysize = sizeof(uint64);
		ctl.hcxt = cxt->state_cxt;
		ts->index_keys = hash_create("schemashift script indexes", 16, &ctl,
									 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	for (k = 1; k <= n; k++)
	{
		uint64		key = ss_column_set_key(names, k);

		(void) hash_search(ts->index_keys, &key, HASH_ENTER, NULL);
	}
	/* and the columns themselves, for ATTACH PARTITION (rules_alter.c) */
	{
		MemoryContext old = MemoryContextSwitchTo(cxt->state_cxt);
		List	   *cols = NIL;

		for (k = 0; k < n; k++)
			cols = lappend(cols, makeString(pstrdup(names[k])));
		ts->index_columns = lappend(ts->index_columns, cols);
		MemoryContextSwitchTo(old);
	}
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
		if (ss_relation_is_new(cxt, rv) ||
			(s->missing_ok && ss_drop_object_missing(cxt, s, lfirst(lc))))
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
	char	   *message = NULL;

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
	if (s->kind == REINDEX_OBJECT_TABLE)
	{
		/* SHARE on the table, ACCESS EXCLUSIVE on each index: name them */
		List	   *indexes = ss_table_index_names(ss_lookup_relation(cxt, s->relation));

		if (indexes != NIL)
			message = psprintf("REINDEX TABLE blocks writes to the table (%s) and every query that plans with its %s %s (%s), for the whole rebuild",
							   ss_lock_name(cxt->stmt_lock),
							   list_length(indexes) == 1 ? "index" : "indexes",
							   ss_name_list(indexes),
							   ss_lock_name(AccessExclusiveLock));
	}
	ss_report(cxt, SS_REQUIRE_CONCURRENT_REINDEX, -1,
			  s->relation ? ss_relation_name(s->relation) :
			  (s->name ? pstrdup(s->name) : NULL), message);
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
