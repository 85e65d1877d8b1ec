/*-------------------------------------------------------------------------
 *
 * table_size.c
 *		schemashift.min_table_size: a finding of a rule about how long a lock
 *		is held (the registry's SS_SIZE_LOCK) on tables whose data is under
 *		the setting, or of a rule about losing data (SS_SIZE_EMPTY) on
 *		tables that hold none, is reported at level info, in lint() and in
 *		the guard alike.
 *
 * The size judged is the data: the main fork of each table and of its
 * TOAST table, in bytes, summed over every table the statement acts on:
 * the relation the finding names, every relation the statement names
 * (the referenced table of a foreign key, the partition ATTACH or DETACH
 * names, every table of a TRUNCATE or DROP; an index counts as its table),
 * all their inheritance children and partitions, and for TRUNCATE ...
 * CASCADE every table its foreign keys reach.  Index sizes are left out:
 * building or rebuilding an index reads the table, not the old index.
 * Nothing known (a relation that cannot be found, or is locked in a way
 * that would make us wait) means nothing is demoted.
 *
 * It also estimates a table's rows when the statistics have none
 * (unbatched-backfill, rules_misc.c).
 *
 *-------------------------------------------------------------------------
 */
#include "schemashift.h"

#include <math.h>

#include "approvals.h"
#include "access/relation.h"
#include "catalog/index.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "miscadmin.h"
#include "access/htup_details.h"
#include "nodes/makefuncs.h"
#include "optimizer/plancat.h"
#include "storage/bufmgr.h"
#include "storage/bufpage.h"
#include "storage/lmgr.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

/* an existing relation, as the table it belongs to */
static void
add_relid(List **rels, Oid relid)
{
	if (!OidIsValid(relid))
		return;
	if (get_rel_relkind(relid) == RELKIND_INDEX ||
		get_rel_relkind(relid) == RELKIND_PARTITIONED_INDEX)
		relid = IndexGetRelation(relid, true);
	if (OidIsValid(relid))
		*rels = list_append_unique_oid(*rels, relid);
}

static void
add_rangevar(SSContext *cxt, List **rels, RangeVar *rv)
{
	if (rv)
		add_relid(rels, ss_lookup_relation(cxt, rv));
}

/* the tables of ALTER TABLE's subcommands beyond its own */
static void
add_alter_table(SSContext *cxt, List **rels, AlterTableStmt *s)
{
	ListCell   *lc;

	add_rangevar(cxt, rels, s->relation);
	foreach(lc, s->cmds)
	{
		AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);
		List	   *constraints = NIL;
		ListCell   *lc2;

		if (cmd->def == NULL)
			continue;
		if (IsA(cmd->def, PartitionCmd))
			add_rangevar(cxt, rels, ((PartitionCmd *) cmd->def)->name);
		else if (IsA(cmd->def, Constraint))
			constraints = list_make1(cmd->def);
		else if (IsA(cmd->def, ColumnDef))
			constraints = ((ColumnDef *) cmd->def)->constraints;
		foreach(lc2, constraints)
		{
			Constraint *c = lfirst_node(Constraint, lc2);

			if (c->contype == CONSTR_FOREIGN)
				add_rangevar(cxt, rels, c->pktable);
		}
	}
}

/*
 * Every existing table the statement names, into *rels; *cascade is set for
 * TRUNCATE ... CASCADE.  False when the statement may act on tables it
 * does not name one by one (REINDEX SCHEMA, VACUUM FULL without a list,
 * ALTER TABLE ALL IN TABLESPACE, DROP TYPE ... CASCADE...): those are not
 * judged.  No statement (an event trigger's finding): its object alone.
 */
static bool
statement_relations(SSContext *cxt, Node *stmt, List **rels, bool *cascade)
{
	ListCell   *lc;

	*cascade = false;
	if (stmt == NULL)
		return true;
	switch (nodeTag(stmt))
	{
		case T_AlterTableStmt:
			add_alter_table(cxt, rels, (AlterTableStmt *) stmt);
			return true;
		case T_IndexStmt:
			add_rangevar(cxt, rels, ((IndexStmt *) stmt)->relation);
			return true;
		case T_ReindexStmt:
			add_rangevar(cxt, rels, ((ReindexStmt *) stmt)->relation);
			return ((ReindexStmt *) stmt)->relation != NULL;
		case T_ClusterStmt:
			add_rangevar(cxt, rels, ((ClusterStmt *) stmt)->relation);
			return ((ClusterStmt *) stmt)->relation != NULL;
		case T_UpdateStmt:
			add_rangevar(cxt, rels, ((UpdateStmt *) stmt)->relation);
			return true;
		case T_DeleteStmt:
			add_rangevar(cxt, rels, ((DeleteStmt *) stmt)->relation);
			return true;
		case T_VacuumStmt:
			foreach(lc, ((VacuumStmt *) stmt)->rels)
				add_rangevar(cxt, rels, lfirst_node(VacuumRelation, lc)->relation);
			return ((VacuumStmt *) stmt)->rels != NIL;
		case T_TruncateStmt:
			foreach(lc, ((TruncateStmt *) stmt)->relations)
				add_rangevar(cxt, rels, lfirst_node(RangeVar, lc));
			*cascade = ((TruncateStmt *) stmt)->behavior == DROP_CASCADE;
			return true;
		case T_DropStmt:
			if (((DropStmt *) stmt)->removeType != OBJECT_TABLE &&
				((DropStmt *) stmt)->removeType != OBJECT_INDEX)
				return false;
			foreach(lc, ((DropStmt *) stmt)->objects)
			{
				List	   *names = lfirst(lc);

				if (list_length(names) > 3)
					return false;
				add_rangevar(cxt, rels, makeRangeVarFromNameList(names));
			}
			return true;
		default:
			return false;
	}
}

/*
 * Bytes of data of one relation (main fork, and its TOAST table's), or -1
 * when it cannot be read without waiting.  The lock taken stays until the
 * end of the transaction, as the statement's own will.
 */
static int64
data_bytes(Oid relid)
{
	Relation	rel;
	int64		bytes = 0;
	Oid			toast;

	if ((rel = ss_open_nowait(relid)) == NULL)
		return -1;
	if (RELKIND_HAS_STORAGE(rel->rd_rel->relkind))
		bytes = (int64) RelationGetNumberOfBlocks(rel) * BLCKSZ;
	toast = rel->rd_rel->reltoastrelid;
	relation_close(rel, NoLock);
	if (OidIsValid(toast))
	{
		int64		t = data_bytes(toast);

		if (t < 0)
			return -1;
		bytes += t;
	}
	return bytes;
}

/*
 * The rows of table relid: the statistics (reltuples), or for a table
 * never analysed nor vacuumed (reltuples -1), an estimate from its real
 * size as the planner's estimate_rel_size() makes one (without the floor
 * of ten pages it puts under a small table): its pages times the tuples
 * of its columns' width a page holds.  -1 when not known without waiting
 * (or for a partitioned table, whose rows are its partitions'), and for an
 * empty table never analysed: that is what a schema built by replaying the
 * migrations looks like (lint in CI), where the table's production size is
 * unknown, not small.
 */
double
ss_table_rows(Oid relid)
{
	HeapTuple	tup;
	double		rows;
	Relation	rel;
	int32		tuple_width;

	if (!OidIsValid(relid))
		return -1;
	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tup))
		return -1;
	rows = ((Form_pg_class) GETSTRUCT(tup))->reltuples;
	ReleaseSysCache(tup);
	if (rows >= 0)
		return rows;
	if ((rel = ss_open_nowait(relid)) == NULL)
		return -1;
	if (RELKIND_HAS_STORAGE(rel->rd_rel->relkind))
	{
		BlockNumber pages = RelationGetNumberOfBlocks(rel);

		tuple_width = get_rel_data_width(rel, NULL) +
			MAXALIGN(SizeofHeapTupleHeader) + sizeof(ItemIdData);
		rows = pages == 0 ? -1 : (double) pages *
			floor((double) (BLCKSZ - SizeOfPageHeaderData) / tuple_width);
	}
	relation_close(rel, NoLock);
	return rows;
}

/*
 * The data of every table the finding's statement acts on, or -1 if not
 * known.
 */
static int64
statement_data_bytes(SSContext *cxt, const SSFinding *f)
{
	bool		cascade;
	List	   *rels = NIL;
	int64		total = 0;
	int			i;

	if (!statement_relations(cxt, cxt ? cxt->stmt : NULL, &rels, &cascade))
		return -1;
	add_relid(&rels, ss_approval_object_target(f->object, NULL));
	if (rels == NIL)
		return -1;
	/* grows to a fixpoint: children, partitions, tables CASCADE reaches */
	for (i = 0; i < list_length(rels); i++)
	{
		Oid			relid = list_nth_oid(rels, i);
		int64		bytes;

		CHECK_FOR_INTERRUPTS();
		rels = list_concat_unique_oid(rels,
									  ss_reached_relations(relid, cascade ?
														   SS_BAN_TRUNCATE_CASCADE :
														   SS_BAN_TRUNCATE));
		bytes = data_bytes(relid);
		if (bytes < 0)
			return -1;
		total += bytes;
	}
	return total;
}

void
ss_judge_table_size(SSContext *cxt, SSFinding *f)
{
	SSSizeRule how = schemashift_rules[f->rule].size_rule;
	int64		bytes;

	if (schemashift_min_table_size <= 0 || how == SS_SIZE_ALWAYS ||
		f->level <= SS_LEVEL_INFO)
		return;
	bytes = statement_data_bytes(cxt, f);
	if (bytes < 0 ||
		bytes >= (how == SS_SIZE_EMPTY ? 1 : (int64) schemashift_min_table_size))
		return;
	f->level = SS_LEVEL_INFO;
	f->message = psprintf("%s (table size " INT64_FORMAT " bytes, under schemashift.min_table_size)",
						  f->message, bytes);
}
