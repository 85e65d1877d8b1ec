/*-------------------------------------------------------------------------
 *
 * backfill.c
 *		CALL schemashift.backfill: update every matching row of a big table in
 *		small committed batches while the application keeps writing.
 *
 * Batches follow the primary key (or a unique key on NOT NULL columns) as
 * key ranges, so gaps cost nothing; a table without one is batched by block
 * ranges (TID Range Scan).  Each batch skips rows that already hold their
 * target value.  The job's progress is written in the transaction of its
 * batch, so after a crash the job row says exactly which batches happened,
 * and the next CALL resumes there.  A job is named by its table, set_clause
 * and where_clause and by what it serves (an expand/contract change, an
 * apply() step): once it is done, the same CALL changes nothing unless
 * rerun => true, so a SET that is not idempotent (n = n + 1) runs once.
 *
 *-------------------------------------------------------------------------
 */
#include "ledger.h"
#include "progress_lines.h"
#include "procedure.h"
#include "procs.h"
#include "recipes.h"
#include "replicas.h"
#include "worker.h"
#include "schemashift.h"

#include "catalog/pg_operator.h"
#include "catalog/pg_opclass.h"
#include "access/stratnum.h"
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "catalog/pg_index.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "common/hashfn.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "parser/parser.h"
#include "storage/bufmgr.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/timeout.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"

PG_FUNCTION_INFO_V1(schemashift_backfill);

#define SS_MAX_BATCH		1000000

/*
 * A statement built from our text and the user's, remembering where the
 * user's pieces sit so an error position can be shown in the piece itself.
 */
typedef struct Piece
{
	int			char_off;		/* in the statement, in characters */
	int			char_len;
	const char *source;			/* the user's whole text */
	int			source_char_off;	/* where the piece starts in it */
} Piece;

typedef struct SqlBuf
{
	StringInfoData buf;
	int			npieces;
	Piece		pieces[2 * INDEX_MAX_KEYS + 8];
} SqlBuf;

typedef struct SetTarget
{
	char	   *column;
	int			attnum;
	Oid			typid;
	char	   *type;			/* format_type with typmod, qualified */
	char	   *expr;			/* the user's expression text */
	int			expr_char_off;	/* in set_clause */
} SetTarget;

typedef struct Backfill
{
	const SSBackfillSpec *spec;
	char	   *relname;		/* qualified, quoted */
	Oid			owner;
	bool		as_owner;		/* run the batches as the table's owner */
	int			ntargets;
	SetTarget  *targets;
	int			nkeys;			/* 0: block ranges */
	char	   *keys[INDEX_MAX_KEYS];	/* quoted column names */
	char	   *keytypes[INDEX_MAX_KEYS];
	Oid			keytypids[INDEX_MAX_KEYS];
	char	   *key_list;		/* "a, b" */
	BlockNumber end_block;		/* block ranges: the table's size at start */
	SSStandbys	standbys;		/* max_replication_lag: who is waited for */
	int			blocks_per_batch;

	/* the job */
	int64		job;
	SSJobStatus status;
	char	   *lower[INDEX_MAX_KEYS];	/* NULL lower[0]: from the start */
	BlockNumber next_block;
	MemoryContext keycxt;

	/* one batch */
	int			batch_size;
	char	   *upper[INDEX_MAX_KEYS];
	bool		last_batch;
	uint64		updated;
	int64		scanned;
	SqlBuf		sql;

	/* this run */
	int64		total_updated;
	int64		batches;
	int64		scanned_this_run;
	TimestampTz run_start;
	SSProgress	progress;
	int64		done_before;	/* scanned by the job's earlier runs */
	int64		total;			/* what the job expects to scan; -1 unknown */
} Backfill;

/* ---------- statements with the user's pieces ---------- */

static void
sql_init(SqlBuf *s)
{
	initStringInfo(&s->buf);
	s->npieces = 0;
}

static void
sql_add(SqlBuf *s, const char *text)
{
	appendStringInfoString(&s->buf, text);
}

/* The user's text goes on its own lines: a trailing comment ends there. */
static void
sql_add_user(SqlBuf *s, const char *text, int len, const char *source,
			 int source_char_off)
{
	Piece	   *p;

	appendStringInfoChar(&s->buf, '\n');
	if (s->npieces < (int) lengthof(s->pieces))
	{
		p = &s->pieces[s->npieces++];
		p->char_off = pg_mbstrlen_with_len(s->buf.data, s->buf.len);
		p->char_len = pg_mbstrlen_with_len(text, len);
		p->source = source;
		p->source_char_off = source_char_off;
	}
	appendBinaryStringInfo(&s->buf, text, len);
	appendStringInfoChar(&s->buf, '\n');
}

/*
 * Point an error of the statement at the user's text it came from (shown
 * as the QUERY with its own caret), or at the statement we built.
 */
static void
sql_place_error(ErrorData *edata, const SqlBuf *s)
{
	int			pos;
	int			i;

	/* SPI reports its statement's errors as internal positions */
	if (edata->cursorpos > 0)
		pos = edata->cursorpos - 1;
	else if (edata->internalpos > 0 && edata->internalquery &&
			 strcmp(edata->internalquery, s->buf.data) == 0)
		pos = edata->internalpos - 1;
	else
		return;
	edata->cursorpos = 0;
	for (i = 0; i < s->npieces; i++)
	{
		const Piece *p = &s->pieces[i];

		/* "at end of input" points just past the piece */
		if (pos >= p->char_off && pos <= p->char_off + p->char_len + 1)
		{
			edata->internalquery = pstrdup(p->source);
			edata->internalpos = Min(pos - p->char_off, p->char_len) + p->source_char_off + 1;
			return;
		}
	}
	edata->internalquery = pstrdup(s->buf.data);
	edata->internalpos = pos + 1;
}

/* raw_parser, with a syntax error shown in the user's text */
static List *
parse_user_text(const char *prefix, const char *text)
{
	SqlBuf		s;
	ErrorData  *edata;
	List	   *raw;

	sql_init(&s);
	sql_add(&s, prefix);
	sql_add_user(&s, text, strlen(text), text, 0);
	raw = ss_try_parse(s.buf.data, &edata);
	if (edata)
	{
		sql_place_error(edata, &s);
		ReThrowError(edata);
	}
	return raw;
}

static void
refuse_at(const char *text, int location, const char *msg, const char *hint)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg_internal("%s", msg),
			 hint ? errhint("%s", hint) : 0,
			 location >= 0 ? internalerrquery(text) : 0,
			 location >= 0 ? internalerrposition(pg_mbstrlen_with_len(text, location) + 1) : 0));
}

/* ---------- the user's SET and WHERE ---------- */

/*
 * set_clause must be what follows SET in an UPDATE, and only that: a list
 * of column = expression.  Each expression's text is kept for the check
 * that skips rows already holding it.
 */
static void
parse_set_clause(Backfill *b, const char *set_clause)
{
	List	   *raw = parse_user_text("UPDATE schemashift_target SET ", set_clause);
	UpdateStmt *upd;
	ListCell   *lc;
	int			i = 0;
	SSScanner  *sc;
	SSToken		tk;
	int			item = 0;
	int			state = 0;		/* 0: column, 1: '=', 2: expression */
	int			prefix = strlen("UPDATE schemashift_target SET \n");

	if (list_length(raw) != 1 || !IsA(linitial_node(RawStmt, raw)->stmt, UpdateStmt))
		refuse_at(set_clause, -1, "set_clause must be the list of assignments that follows SET, and nothing else", NULL);
	upd = (UpdateStmt *) linitial_node(RawStmt, raw)->stmt;
	if (upd->whereClause || upd->fromClause || schemashift_has_returning(upd) || upd->withClause)
		refuse_at(set_clause, -1, "set_clause must be the list of assignments that follows SET, and nothing else",
				  "Give the row filter as where_clause.");

	b->ntargets = list_length(upd->targetList);
	b->targets = palloc0(sizeof(SetTarget) * b->ntargets);
	foreach(lc, upd->targetList)
	{
		ResTarget  *rt = lfirst_node(ResTarget, lc);
		SetTarget  *t = &b->targets[i++];
		int			loc_in_text = Max(rt->location - prefix, 0);

		if (rt->indirection != NIL)
			refuse_at(set_clause, loc_in_text,
					  "assignments to array elements or fields are not supported by backfill",
					  "Assign the whole column.");
		if (IsA(rt->val, MultiAssignRef) || IsA(rt->val, SetToDefault))
			refuse_at(set_clause, loc_in_text,
					  "backfill takes assignments of the form column = expression",
					  "Assign each column its own expression; write DEFAULT's expression out.");
		t->column = rt->name;
		t->attnum = get_attnum(b->spec->relid, rt->name);
		if (t->attnum == InvalidAttrNumber || t->attnum < 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("column \"%s\" of relation %s does not exist",
							rt->name, b->relname),
					 internalerrquery(set_clause),
					 internalerrposition(pg_mbstrlen_with_len(set_clause, loc_in_text) + 1)));
		{
			Oid			typid;
			int32		typmod;
			Oid			collid;

			get_atttypetypmodcoll(b->spec->relid, t->attnum, &typid, &typmod, &collid);
			t->typid = typid;
			t->type = format_type_extended(typid, typmod,
										   FORMAT_TYPE_TYPEMOD_GIVEN | FORMAT_TYPE_FORCE_QUALIFY);
		}
	}

	/* the parser accepted it, so items are "name = expr" split by commas */
	sc = ss_scan_begin(set_clause);
	for (;;)
	{
		bool		more = ss_scan_next(sc, &tk);
		bool		end_item = !more || (tk.tok == ',' && tk.depth == 0);

		if (end_item && item < b->ntargets && state == 2)
		{
			SetTarget  *t = &b->targets[item];
			int			start = t->expr_char_off;	/* byte offset for now */
			int			stop = more ? tk.start : (int) strlen(set_clause);

			t->expr = pnstrdup(set_clause + start, stop - start);
			t->expr_char_off = pg_mbstrlen_with_len(set_clause, start);
			item++;
			state = 0;
			if (!more)
				break;
			continue;
		}
		if (!more)
			break;
		if (state == 0)
			state = 1;
		else if (state == 1 && tk.tok == '=')
			state = 3;
		else if (state == 3)
		{
			b->targets[item].expr_char_off = tk.start;
			state = 2;
		}
	}
	ss_scan_end(sc);
	if (item != b->ntargets)
		elog(ERROR, "could not split set_clause into its %d assignments", b->ntargets);
}

/* where_clause must be a boolean expression, nothing more */
static void
check_where_clause(const char *where_clause)
{
	List	   *raw = parse_user_text("SELECT WHERE ", where_clause);
	SelectStmt *sel;

	if (list_length(raw) == 1 && IsA(linitial_node(RawStmt, raw)->stmt, SelectStmt))
	{
		sel = (SelectStmt *) linitial_node(RawStmt, raw)->stmt;
		if (ss_bare_select(sel) && sel->targetList == NIL && sel->whereClause != NULL)
			return;
	}
	refuse_at(where_clause, -1, "where_clause must be a boolean expression, and nothing else", NULL);
}

/* ---------- the key ---------- */

static Oid
relation_am(Oid relid)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Oid			am;

	if (!HeapTupleIsValid(tup))
		return InvalidOid;
	am = ((Form_pg_class) GETSTRUCT(tup))->relam;
	ReleaseSysCache(tup);
	return am;
}

/*
 * The primary key, else the narrowest unique btree key on NOT NULL columns
 * with default ordering (so ORDER BY follows the index), else none.
 */
static void
choose_key(Backfill *b, Relation rel)
{
	List	   *indexes = RelationGetIndexList(rel);
	ListCell   *lc;
	Oid			best = InvalidOid;
	int			best_n = INT_MAX;
	bool		best_pk = false;

	foreach(lc, indexes)
	{
		Oid			indexoid = lfirst_oid(lc);
		HeapTuple	tup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(indexoid));
		Form_pg_index idx;
		bool		usable;
		bool		isnull;
		Datum		d;
		oidvector  *indclass;
		int			i;

		if (!HeapTupleIsValid(tup))
			continue;
		idx = (Form_pg_index) GETSTRUCT(tup);
		usable = idx->indisunique && idx->indisvalid && idx->indimmediate &&
			relation_am(indexoid) == BTREE_AM_OID &&
			heap_attisnull(tup, Anum_pg_index_indexprs, NULL) &&
			heap_attisnull(tup, Anum_pg_index_indpred, NULL);
		d = SysCacheGetAttr(INDEXRELID, tup, Anum_pg_index_indclass, &isnull);
		indclass = (oidvector *) DatumGetPointer(d);
		for (i = 0; usable && i < idx->indnkeyatts; i++)
		{
			Form_pg_attribute att = TupleDescAttr(RelationGetDescr(rel),
												  idx->indkey.values[i] - 1);

			if (!att->attnotnull ||
				indclass->values[i] != GetDefaultOpClass(att->atttypid, BTREE_AM_OID))
				usable = false;
		}
		if (usable &&
			((idx->indisprimary && !best_pk) ||
			 (idx->indisprimary == best_pk && idx->indnkeyatts < best_n)))
		{
			best = indexoid;
			best_n = idx->indnkeyatts;
			best_pk = idx->indisprimary;
		}
		ReleaseSysCache(tup);
	}

	b->nkeys = 0;
	if (OidIsValid(best))
	{
		HeapTuple	tup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(best));
		Form_pg_index idx = (Form_pg_index) GETSTRUCT(tup);
		StringInfoData list;
		int			i;

		initStringInfo(&list);
		for (i = 0; i < idx->indnkeyatts; i++)
		{
			Form_pg_attribute att = TupleDescAttr(RelationGetDescr(rel),
												  idx->indkey.values[i] - 1);

			b->keys[i] = pstrdup(quote_identifier(NameStr(att->attname)));
			b->keytypes[i] = format_type_be_qualified(att->atttypid);
			b->keytypids[i] = att->atttypid;
			appendStringInfo(&list, "%s%s", i > 0 ? ", " : "", b->keys[i]);
		}
		b->nkeys = idx->indnkeyatts;
		b->key_list = list.data;
		ReleaseSysCache(tup);
	}
}

/* ---------- the statements ---------- */

/*
 * The key's btree operator of a strategy, schema-qualified: the key index
 * uses each type's default btree operator class, whose operators a row
 * comparison must use.  NULL when the columns' operators live in different
 * schemas (one qualified name cannot serve them all).
 */
static char *
key_operator(Backfill *b, int16 strategy)
{
	Oid			nsp = InvalidOid;
	Oid			first = InvalidOid;
	int			i;

	for (i = 0; i < b->nkeys; i++)
	{
		Oid			typid = b->keytypids[i];
		Oid			opfamily = get_opclass_family(GetDefaultOpClass(typid, BTREE_AM_OID));
		Oid			op = get_opfamily_member(opfamily, typid, typid, strategy);
		HeapTuple	tup;
		Oid			opnsp;

		if (!OidIsValid(op))
			elog(ERROR, "no btree operator of strategy %d for type %s", strategy,
				 format_type_be(typid));
		tup = SearchSysCache1(OPEROID, ObjectIdGetDatum(op));
		if (!HeapTupleIsValid(tup))
			elog(ERROR, "cache lookup failed for operator %u", op);
		opnsp = ((Form_pg_operator) GETSTRUCT(tup))->oprnamespace;
		ReleaseSysCache(tup);
		if (i == 0)
		{
			nsp = opnsp;
			first = op;
		}
		else if (opnsp != nsp)
			return NULL;
	}
	return ss_qualified_operator(first);
}

/*
 * ROW(k1, k2) > ROW($n::t1, $n+1::t2) (or <=), with the keys' own operators
 * named by their schema: an owner's "<" in public must not be found.
 */
static void
add_key_bound(Backfill *b, StringInfo s, bool greater, int first_param)
{
	const char *op = key_operator(b, greater ? BTGreaterStrategyNumber :
								  BTLessEqualStrategyNumber);
	int			i;

	if (op == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("backfill cannot batch by a key whose columns' operators are in different schemas"),
				 errhint("Backfill by a single-column unique key, or without a key (by block ranges).")));
	appendStringInfo(s, "ROW(%s) %s ROW(", b->key_list, op);
	for (i = 0; i < b->nkeys; i++)
		appendStringInfo(s, "%s$%d::%s", i > 0 ? ", " : "", first_param + i,
						 b->keytypes[i]);
	appendStringInfoChar(s, ')');
}

/*
 * The UPDATE of one batch.  Keyset: lower bound params $1.., upper
 * $nkeys+1..; either may be absent.  Block ranges: literal TIDs.
 */
static void
build_update(Backfill *b, SqlBuf *s, bool has_lower, bool has_upper,
			 BlockNumber from_block, BlockNumber to_block)
{
	const SSBackfillSpec *spec = b->spec;
	int			i;

	sql_init(s);
	appendStringInfo(&s->buf, "UPDATE %s SET", b->relname);
	sql_add_user(s, spec->set_clause, strlen(spec->set_clause), spec->set_clause, 0);
	sql_add(s, "WHERE true");
	if (b->nkeys > 0)
	{
		if (has_lower)
		{
			sql_add(s, " AND ");
			add_key_bound(b, &s->buf, true, 1);
		}
		if (has_upper)
		{
			sql_add(s, " AND ");
			add_key_bound(b, &s->buf, false, b->nkeys + 1);
		}
	}
	else
		appendStringInfo(&s->buf, " AND ctid >= '(%u,0)'::pg_catalog.tid AND ctid < '(%u,0)'::pg_catalog.tid",
						 from_block, to_block);
	if (spec->where_clause)
	{
		sql_add(s, " AND (");
		sql_add_user(s, spec->where_clause, strlen(spec->where_clause),
					 spec->where_clause, 0);
		sql_add(s, ")");
	}
	/*
	 * Rows that already hold their target value stay untouched: some column
	 * is not equal to its new value (or one of them is NULL), by the type's
	 * own equality operator named by its schema, or for a type without one
	 * (point, json, xml) by what format() prints, which calls no cast a
	 * table owner could define.  The new value is computed once.
	 */
	sql_add(s, " AND (");
	for (i = 0; i < b->ntargets; i++)
	{
		SetTarget  *t = &b->targets[i];
		Oid			eq = lookup_type_cache(t->typid, TYPECACHE_EQ_OPR)->eq_opr;

		if (i > 0)
			sql_add(s, " OR ");
		if (OidIsValid(eq))
			appendStringInfo(&s->buf, "(%s %s CAST((", quote_identifier(t->column),
							 ss_qualified_operator(eq));
		else
			appendStringInfo(&s->buf, "(pg_catalog.format('%%L', %s) OPERATOR(pg_catalog.=) pg_catalog.format('%%L', CAST((",
							 quote_identifier(t->column));
		sql_add_user(s, t->expr, strlen(t->expr), spec->set_clause, t->expr_char_off);
		appendStringInfo(&s->buf, ") AS %s)%s) IS NOT TRUE", t->type, OidIsValid(eq) ? "" : ")");
	}
	sql_add(s, ")");
}

/*
 * The key of the batch's last row.  The output columns are aliased away
 * from the key's names: ORDER BY would take a text output column "id" for
 * the key and sort 10 before 9.
 */
static char *
bound_query(Backfill *b, bool has_lower, int batch_size)
{
	StringInfoData s;
	StringInfoData order;
	int			i;

	initStringInfo(&s);
	initStringInfo(&order);
	appendStringInfoString(&s, "SELECT ");
	for (i = 0; i < b->nkeys; i++)
	{
		appendStringInfo(&s, "%sss_t.%s::pg_catalog.text AS ss_k%d", i > 0 ? ", " : "",
						 b->keys[i], i + 1);
		appendStringInfo(&order, "%sss_t.%s", i > 0 ? ", " : "", b->keys[i]);
	}
	appendStringInfo(&s, " FROM %s AS ss_t", b->relname);
	if (has_lower)
	{
		appendStringInfoString(&s, " WHERE ");
		add_key_bound(b, &s, ">", 1);
	}
	appendStringInfo(&s, " ORDER BY %s OFFSET %d LIMIT 1", order.data, batch_size - 1);
	return s.data;
}

static char *
remaining_query(Backfill *b)
{
	StringInfoData s;

	initStringInfo(&s);
	appendStringInfo(&s, "SELECT pg_catalog.count(*) FROM %s", b->relname);
	if (b->lower[0])
	{
		appendStringInfoString(&s, " WHERE ");
		add_key_bound(b, &s, ">", 1);
	}
	return s.data;
}

static void
key_params(Backfill *b, Oid *types, Datum *values, char *nulls)
{
	int			i;

	for (i = 0; i < b->nkeys; i++)
	{
		types[i] = TEXTOID;
		types[b->nkeys + i] = TEXTOID;
		values[i] = b->lower[0] ? CStringGetTextDatum(b->lower[i]) : (Datum) 0;
		nulls[i] = b->lower[0] ? ' ' : 'n';
		values[b->nkeys + i] = b->upper[0] ? CStringGetTextDatum(b->upper[i]) : (Datum) 0;
		nulls[b->nkeys + i] = b->upper[0] ? ' ' : 'n';
	}
}

/* Prepare the UPDATE once: unknown columns, bad expressions, bad casts. */
static void
check_update_plan(void *arg)
{
	Backfill   *b = (Backfill *) arg;
	Oid			types[2 * INDEX_MAX_KEYS];
	int			i;

	for (i = 0; i < 2 * b->nkeys; i++)
		types[i] = TEXTOID;
	build_update(b, &b->sql, b->nkeys > 0, b->nkeys > 0, 0, 1);
	if (SPI_prepare(b->sql.buf.data, 2 * b->nkeys, types) == NULL)
		elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
}

/* ---------- one batch ---------- */

static void
run_batch(void *arg)
{
	Backfill   *b = (Backfill *) arg;
	const SSBackfillSpec *spec = b->spec;
	Oid			types[2 * INDEX_MAX_KEYS];
	Datum		values[2 * INDEX_MAX_KEYS];
	char		nulls[2 * INDEX_MAX_KEYS];
	char		buf[32];
	Oid			save_uid;
	int			save_sec;
	int			nest = 0;
	int			rc;
	int			i;

	snprintf(buf, sizeof(buf), "%dms", spec->lock_timeout_ms);
	(void) set_config_option("lock_timeout", buf, PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_LOCAL, true, 0, false);

	/* a superuser must not run the owner's triggers with superuser rights */
	GetUserIdAndSecContext(&save_uid, &save_sec);
	if (b->as_owner)
	{
		SetUserIdAndSecContext(b->owner, save_sec | SECURITY_RESTRICTED_OPERATION);
		nest = NewGUCNestLevel();
	}

	if (spec->batch_timeout_ms > 0)
		enable_timeout_after(STATEMENT_TIMEOUT, spec->batch_timeout_ms);

	b->last_batch = false;
	b->upper[0] = NULL;
	if (b->nkeys > 0)
	{
		char	   *q;

		key_params(b, types, values, nulls);
		q = bound_query(b, b->lower[0] != NULL, b->batch_size);
		rc = SPI_execute_with_args(q, b->nkeys, types, values, nulls, true, 1);
		if (rc != SPI_OK_SELECT)
			elog(ERROR, "batch bound query failed: %s", SPI_result_code_string(rc));
		if (SPI_processed == 1)
		{
			for (i = 0; i < b->nkeys; i++)
				b->upper[i] = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, i + 1);
			b->scanned = b->batch_size;
		}
		else
		{
			bool		isnull;

			b->last_batch = true;
			rc = SPI_execute_with_args(remaining_query(b), b->nkeys, types, values,
									   nulls, true, 1);
			if (rc != SPI_OK_SELECT || SPI_processed != 1)
				elog(ERROR, "batch count query failed");
			b->scanned = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
													 SPI_tuptable->tupdesc, 1, &isnull));
		}
		key_params(b, types, values, nulls);
		build_update(b, &b->sql, b->lower[0] != NULL, b->upper[0] != NULL, 0, 0);
		/* params: lower at $1.., upper at $nkeys+1..; unused ones are NULL */
		rc = SPI_execute_with_args(b->sql.buf.data, 2 * b->nkeys, types, values,
								   nulls, false, 0);
	}
	else
	{
		BlockNumber to = Min(b->next_block + b->blocks_per_batch, b->end_block);

		build_update(b, &b->sql, false, false, b->next_block, to);
		rc = SPI_execute(b->sql.buf.data, false, 0);
		b->scanned = to - b->next_block;
		b->last_batch = (to >= b->end_block);
	}
	if (rc != SPI_OK_UPDATE)
		elog(ERROR, "batch update failed: %s", SPI_result_code_string(rc));
	b->updated = SPI_processed;

	if (spec->batch_timeout_ms > 0)
		disable_timeout(STATEMENT_TIMEOUT, false);
	if (b->as_owner)
	{
		AtEOXact_GUC(false, nest);
		SetUserIdAndSecContext(save_uid, save_sec);
	}
}

/* ---------- the job row ---------- */

static Datum
key_array(char **vals, int n)
{
	Datum	   *elems = palloc(sizeof(Datum) * n);
	int			i;

	for (i = 0; i < n; i++)
		elems[i] = CStringGetTextDatum(vals[i]);
	return PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT));
}

static void
remember_lower(Backfill *b, char **vals)
{
	char	   *copy[INDEX_MAX_KEYS];
	int			i;

	for (i = 0; i < b->nkeys; i++)
		copy[i] = vals[i] ? pstrdup(vals[i]) : NULL;
	MemoryContextReset(b->keycxt);
	for (i = 0; i < b->nkeys; i++)
		b->lower[i] = copy[i] ? MemoryContextStrdup(b->keycxt, copy[i]) : NULL;
}

/*
 * What names a backfill, as parameters: $1 relid, $2 set_clause,
 * $3 where_clause, $4 change_id, $5 migration_id, $6 migration_step (NULL
 * when the job serves no change, no apply() step).
 */
static void
identity_params(const SSBackfillSpec *spec, Oid *types, Datum *values, char *nulls)
{
	types[0] = OIDOID;
	types[1] = TEXTOID;
	types[2] = TEXTOID;
	types[3] = INT8OID;
	types[4] = TEXTOID;
	types[5] = INT4OID;
	values[0] = ObjectIdGetDatum(spec->relid);
	values[1] = CStringGetTextDatum(spec->set_clause);
	values[2] = spec->where_clause ? CStringGetTextDatum(spec->where_clause) : (Datum) 0;
	nulls[2] = spec->where_clause ? ' ' : 'n';
	values[3] = Int64GetDatum(spec->change_id);
	nulls[3] = spec->change_id > 0 ? ' ' : 'n';
	values[4] = spec->migration_id ? CStringGetTextDatum(spec->migration_id) : (Datum) 0;
	nulls[4] = spec->migration_id ? ' ' : 'n';
	values[5] = Int32GetDatum(spec->migration_step);
	nulls[5] = spec->migration_id ? ' ' : 'n';
}

#define SS_SAME_BACKFILL \
	"kind OPERATOR(pg_catalog.=) 'backfill' AND relid OPERATOR(pg_catalog.=) $1 " \
	"AND set_clause OPERATOR(pg_catalog.=) $2 AND where_clause IS NOT DISTINCT FROM $3 "

/*
 * A CALL of its own would start a job while an apply() step or a change
 * has the same backfill unfinished: the rows that job updated would be
 * updated again.  Refuse; the step or the change resumes its own job.
 */
static void
refuse_unfinished_elsewhere(Backfill *b)
{
	Oid			types[6];
	Datum		values[6];
	char		nulls[6];
	HeapTuple	tup;
	TupleDesc	desc;
	bool		isnull;
	int64		job;
	char	   *migration;

	memset(nulls, ' ', sizeof(nulls));
	identity_params(b->spec, types, values, nulls);
	if (ss_state_exec(psprintf("SELECT j.id, j.migration_id, j.migration_step, j.change_id "
							   "FROM schemashift.jobs j WHERE " SS_SAME_BACKFILL
							   "AND j.status OPERATOR(pg_catalog.<>) ALL (%s) "
							   "AND (j.migration_id IS NOT NULL OR EXISTS ("
							   "SELECT FROM schemashift.changes c WHERE c.id OPERATOR(pg_catalog.=) j.change_id "
							   "AND c.state OPERATOR(pg_catalog.<>) ALL (%s))) "
							   "ORDER BY j.id DESC LIMIT 1",
							   ss_ledger_array(&ss_ledger_jobs, ss_ledger_finals(&ss_ledger_jobs)),
							   ss_ledger_array(&ss_ledger_changes, ss_ledger_finals(&ss_ledger_changes))),
					  3, types, values, nulls) != 1)
		return;
	tup = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	job = DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull));
	migration = SPI_getvalue(tup, desc, 2);
	if (migration)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the same backfill of %s is unfinished in migration %s, step %s",
						b->relname, migration, SPI_getvalue(tup, desc, 3)),
				 errdetail("Its job %lld updated rows already; a job of this CALL would update them again.",
						   (long long) job),
				 errhint("Resume the migration with the same apply() call. To start a job of your own anyway, pass rerun => true.")));
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("the same backfill of %s is unfinished in change %s",
					b->relname, SPI_getvalue(tup, desc, 4)),
			 errdetail("Its job %lld updated rows already; a job of this CALL would update them again.",
					   (long long) job),
			 errhint("Resume the change by calling the same expand procedure again. To start a job of your own anyway, pass rerun => true.")));
}

/* Resume where the job's last committed batch ended (its row is in SPI_tuptable). */
static void
resume_position(Backfill *b, const char *keydesc)
{
	HeapTuple	tup = SPI_tuptable->vals[0];
	TupleDesc	desc = SPI_tuptable->tupdesc;
	bool		isnull;
	char	   *keycols = SPI_getvalue(tup, desc, 3);
	Datum		lk;
	Datum	   *elems;
	bool	   *enulls;
	int			n;

	if (keycols == NULL || strcmp(keycols, keydesc) != 0)
	{
		ereport(NOTICE,
				(errmsg("backfill of %s: job %lld batched by (%s) before, by (%s) now: starting over",
						b->relname, (long long) b->job, keycols ? keycols : "", keydesc),
				 errdetail("Rows already holding their value are skipped.")));
		return;
	}
	lk = SPI_getbinval(tup, desc, 2, &isnull);
	if (isnull)
		return;
	deconstruct_array(DatumGetArrayTypeP(lk), TEXTOID, -1, false,
					  TYPALIGN_INT, &elems, &enulls, &n);
	if (b->nkeys > 0)
	{
		char	   *vals[INDEX_MAX_KEYS];
		int			i;

		for (i = 0; i < n && i < b->nkeys; i++)
			vals[i] = TextDatumGetCString(elems[i]);
		if (n == b->nkeys)
			remember_lower(b, vals);
	}
	else
	{
		b->next_block = (BlockNumber) strtoul(TextDatumGetCString(elems[0]), NULL, 10);
		b->end_block = (BlockNumber) DatumGetInt64(SPI_getbinval(tup, desc, 4, &isnull));
	}
}

/* Take up the unfinished job found by open_job: it runs again. */
static void
resume_job(Backfill *b, const char *keydesc, const char *run_by)
{
	Oid			types[6] = {INT8OID, TEXTOID, INT8OID, INT4OID, TEXTOID, TEXTOID};
	Datum		values[6];

	resume_position(b, keydesc);
	if (b->lower[0] || b->next_block > 0)
		ereport(NOTICE,
				(errmsg("backfill of %s: resuming job %lld (%s) after %s",
						b->relname, (long long) b->job, ss_ledger_word(&ss_ledger_jobs, b->status),
						b->nkeys > 0 ? psprintf("key (%s)", b->key_list) :
						psprintf("block %u of %u", b->next_block, b->end_block))));
	values[0] = Int64GetDatum(b->job);
	values[1] = CStringGetTextDatum(keydesc);
	values[2] = Int64GetDatum(b->end_block);
	values[3] = Int32GetDatum(MyProcPid);
	values[4] = CStringGetTextDatum(run_by);
	values[5] = CStringGetTextDatum(ss_ledger_move(&ss_ledger_jobs, b->status, SS_JOB_RUNNING));
	ss_state_exec("UPDATE schemashift.jobs SET status = $6, pid = $4, "
				  "key_columns = $2, end_block = $3, runs = runs + 1, error = NULL, "
				  "run_started_at = pg_catalog.clock_timestamp(), "
				  "updated_at = pg_catalog.clock_timestamp(), run_by = $5 "
				  "WHERE id = $1", 6, types, values, NULL);
	b->status = SS_JOB_RUNNING;
}

/* Record a new job of this backfill, with a fresh id. */
static void
insert_job(Backfill *b, double reltuples, const char *keydesc, const char *run_by)
{
	const SSBackfillSpec *spec = b->spec;
	Oid			types[12];
	Datum		values[12];
	char		nulls[12];
	bool		isnull;

	if (spec->change_id == 0 && spec->migration_id == NULL && !spec->rerun)
		refuse_unfinished_elsewhere(b);
	/* ids without a sequence: lastval() of the session stays its own */
	ss_state_exec("LOCK TABLE schemashift.jobs IN SHARE ROW EXCLUSIVE MODE", 0, NULL, NULL, NULL);
	memset(nulls, ' ', sizeof(nulls));
	identity_params(spec, types, values, nulls);
	/* $5, $6 of the identity move to $11, $12 */
	types[10] = types[4];
	values[10] = values[4];
	nulls[10] = nulls[4];
	types[11] = types[5];
	values[11] = values[5];
	nulls[11] = nulls[5];
	types[4] = TEXTARRAYOID;
	values[4] = (Datum) 0;
	nulls[4] = 'n';
	types[5] = INT8OID;
	values[5] = Int64GetDatum(b->nkeys > 0 ? (int64) Max(reltuples, 0) : (int64) b->end_block);
	nulls[5] = (b->nkeys > 0 && reltuples < 0) ? 'n' : ' ';
	types[6] = INT4OID;
	values[6] = Int32GetDatum(b->batch_size);
	types[7] = INT4OID;
	values[7] = Int32GetDatum(MyProcPid);
	types[8] = TEXTOID;
	values[8] = CStringGetTextDatum(keydesc);
	types[9] = TEXTOID;
	values[9] = CStringGetTextDatum(run_by);
	if (ss_state_exec(psprintf("INSERT INTO schemashift.jobs (id, kind, change_id, migration_id, "
							   "migration_step, relid, target, "
							   "set_clause, where_clause, key_columns, last_key, end_block, "
							   "units, total, batch_size, pid, status, run_by) "
							   "SELECT COALESCE(pg_catalog.max(id), 0) + 1, 'backfill', $4, $11, $12, $1, "
							   "$1::pg_catalog.regclass::pg_catalog.text, $2, $3, $9, $5, "
							   "CASE WHEN $9 = 'ctid' THEN $6 END, "
							   "CASE WHEN $9 = 'ctid' THEN 'blocks' ELSE 'rows' END, $6, $7, $8, %s, $10 "
							   "FROM schemashift.jobs RETURNING id",
							   quote_literal_cstr(ss_ledger_start(&ss_ledger_jobs, SS_JOB_RUNNING))),
					  12, types, values, nulls) != 1)
		elog(ERROR, "could not record the backfill job");
	b->job = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
										 SPI_tuptable->tupdesc, 1, &isnull));
	b->status = SS_JOB_RUNNING;
	b->done_before = 0;
	b->total = nulls[5] == 'n' ? -1 : DatumGetInt64(values[5]);
	ereport(NOTICE,
			(errmsg("backfill of %s: job %lld, batches of %d %s",
					b->relname, (long long) b->job,
					b->nkeys > 0 ? b->batch_size : b->blocks_per_batch,
					b->nkeys > 0 ? psprintf("rows by key (%s)", b->key_list) :
					"blocks by physical position (the table has no primary key)")));
}

/*
 * Find the latest job of this very backfill (identity_params): unfinished,
 * resume it; done, return false, there is nothing to do (unless rerun);
 * none, start one.
 */
static bool
open_job(Backfill *b, double reltuples)
{
	const SSBackfillSpec *spec = b->spec;
	Oid			types[12];
	Datum		values[12];
	char		nulls[12];
	char	   *run_by = GetUserNameFromId(GetUserId(), false);
	char	   *keydesc = b->nkeys > 0 ? b->key_list : "ctid";
	bool		resume = false;

	memset(nulls, ' ', sizeof(nulls));
	identity_params(spec, types, values, nulls);
	if (ss_state_exec("SELECT id, last_key, key_columns, end_block, status, done, total "
					  "FROM schemashift.jobs WHERE " SS_SAME_BACKFILL
					  "AND change_id IS NOT DISTINCT FROM $4 "
					  "AND migration_id IS NOT DISTINCT FROM $5 "
					  "AND migration_step IS NOT DISTINCT FROM $6 "
					  /* an apply() step's: of the migration's current run */
					  "AND ($5 IS NULL OR started_at OPERATOR(pg_catalog.>=) (SELECT m.started_at "
					  "FROM schemashift.migrations m WHERE m.id OPERATOR(pg_catalog.=) $5)) "
					  "ORDER BY id DESC LIMIT 1",
					  6, types, values, nulls) == 1)
	{
		bool		isnull;

		b->job = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc,
											 1, &isnull));
		b->status = ss_ledger_parse(&ss_ledger_jobs,
									SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 5));
		b->done_before = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc,
													 6, &isnull));
		b->total = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc,
											   7, &isnull));
		if (isnull)
			b->total = -1;
		if (b->status != SS_JOB_DONE)
			resume = true;
		else if (!spec->rerun)
		{
			SPI_commit();
			return false;
		}
	}

	if (resume)
		resume_job(b, keydesc, run_by);
	else
		insert_job(b, reltuples, keydesc, run_by);
	SPI_commit();
	return true;
}

/*
 * Apply set (assignments over $1, the job's id, and the other parameters) to
 * the job's row, commit, and note the job's new status.
 */
static void
update_job(Backfill *b, const char *set, int nargs, Oid *types, Datum *values,
		   const char *nulls, SSJobStatus to)
{
	ss_state_exec(psprintf("UPDATE schemashift.jobs SET %s, "
						   "updated_at = pg_catalog.clock_timestamp() WHERE id = $1", set),
				  nargs, types, values, nulls);
	SPI_commit();
	b->status = to;
}

/* Record a batch and commit it with the rows it updated. */
static void
record_batch(Backfill *b, double rate)
{
	Oid			types[8] = {INT8OID, TEXTARRAYOID, INT8OID, INT8OID, INT4OID, FLOAT8OID, BOOLOID, TEXTOID};
	Datum		values[8];
	char		nulls[8];
	char	   *blockval[1];
	SSJobStatus to = b->last_batch ? SS_JOB_DONE : SS_JOB_RUNNING;

	memset(nulls, ' ', sizeof(nulls));
	values[0] = Int64GetDatum(b->job);
	if (b->nkeys > 0)
	{
		if (b->upper[0])
			values[1] = key_array(b->upper, b->nkeys);
		else
			nulls[1] = 'n';
	}
	else
	{
		blockval[0] = psprintf("%u", Min(b->next_block + b->blocks_per_batch, b->end_block));
		values[1] = key_array(blockval, 1);
	}
	values[2] = Int64GetDatum((int64) b->updated);
	values[3] = Int64GetDatum(b->scanned);
	values[4] = Int32GetDatum(b->batch_size);
	values[5] = Float8GetDatum(rate);
	values[6] = BoolGetDatum(b->last_batch);
	values[7] = CStringGetTextDatum(ss_ledger_move(&ss_ledger_jobs, b->status, to));
	/* the last batch keeps the last key: a crash before COMMIT redoes it */
	update_job(b, "last_key = CASE WHEN $2 IS NULL THEN last_key ELSE $2 END, "
			   "rows_updated = rows_updated + $3, done = done + $4, "
			   "batches = batches + 1, batch_size = $5, rate = $6, "
			   "status = $8, "
			   "finished_at = CASE WHEN $7 THEN pg_catalog.clock_timestamp() END",
			   8, types, values, nulls, to);
}

/* The block ranges reached the table's end: an empty last batch ends the job. */
static void
close_block_ranges(Backfill *b)
{
	b->updated = 0;
	b->scanned = 0;
	b->last_batch = true;
	record_batch(b, 0);
}

static void
record_end(Backfill *b, SSJobStatus status, ErrorData *edata)
{
	Oid			types[3] = {INT8OID, TEXTOID, TEXTOID};
	Datum		values[3];
	char		nulls[3] = {' ', ' ', ' '};

	values[0] = Int64GetDatum(b->job);
	values[1] = CStringGetTextDatum(ss_ledger_move(&ss_ledger_jobs, b->status, status));
	if (edata && edata->message)
		values[2] = CStringGetTextDatum(edata->message);
	else
		nulls[2] = 'n';
	update_job(b, "status = $2, error = $3", 3, types, values, nulls, status);
}

static void
add_retry(Backfill *b)
{
	Oid			types[1] = {INT8OID};
	Datum		values[1];

	values[0] = Int64GetDatum(b->job);
	ss_state_exec("UPDATE schemashift.jobs SET retries = retries + 1 WHERE id = $1",
				  1, types, values, NULL);
}

/* ---------- throttling ---------- */

/* Aim the next batch at the target duration, within a factor of two. */
static int
adapt_batch_size(int size, long elapsed_ms, int target_ms)
{
	double		want;

	if (elapsed_ms <= 0)
		elapsed_ms = 1;
	want = (double) size * target_ms / elapsed_ms;
	want = Max(want, size / 2.0);
	want = Min(want, size * 2.0);
	return (int) Max(1, Min(want, SS_MAX_BATCH));
}

/* ---------- the run ---------- */

static void
setup(Backfill *b, const SSBackfillSpec *spec, double *reltuples)
{
	Relation	rel;
	char		kind;
	ErrorData  *edata;

	memset(b, 0, sizeof(*b));
	b->spec = spec;
	b->relname = ss_qualified_relname(spec->relid);
	b->batch_size = spec->batch_size;
	b->keycxt = AllocSetContextCreate(CurrentMemoryContext, "schemashift backfill key",
									  ALLOCSET_SMALL_SIZES);
	rel = table_open(spec->relid, AccessShareLock);
	kind = rel->rd_rel->relkind;
	if (kind != RELKIND_RELATION && kind != RELKIND_PARTITIONED_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("cannot backfill %s: not a table", b->relname)));
	b->owner = rel->rd_rel->relowner;
	/*
	 * The owner's triggers, defaults and casts run as the owner whenever the
	 * caller may act for the owner anyway (a superuser, or a member of the
	 * owning role) and is someone else: running them as the caller could
	 * only hand the owner the caller's other rights.  A caller with no more
	 * than UPDATE on the table runs the batches as itself, as its own
	 * UPDATE would: as the owner, its set_clause would gain the owner's.
	 */
	b->as_owner = b->owner != GetUserId() && has_privs_of_role(GetUserId(), b->owner);
	choose_key(b, rel);
	*reltuples = rel->rd_rel->reltuples;
	if (b->nkeys == 0)
	{
		double		per_block;

		if (kind == RELKIND_PARTITIONED_TABLE || has_subclass(spec->relid))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("cannot backfill %s without a key", b->relname),
					 errdetail("A table with partitions or inheritance children needs a primary key or a unique key on NOT NULL columns to be batched."),
					 errhint("Add a primary key, or backfill each partition.")));
		b->end_block = RelationGetNumberOfBlocks(rel);
		per_block = (rel->rd_rel->relpages > 0 && rel->rd_rel->reltuples > 0) ?
			rel->rd_rel->reltuples / rel->rd_rel->relpages : 100.0;
		b->blocks_per_batch = Max(1, (int) (b->batch_size / Max(per_block, 1.0)));
	}
	table_close(rel, AccessShareLock);

	parse_set_clause(b, spec->set_clause);
	if (spec->where_clause)
		check_where_clause(spec->where_clause);

	/* refuse before a job is recorded; the server checks again per batch */
	if (pg_class_aclcheck(spec->relid, GetUserId(), ACL_UPDATE) != ACLCHECK_OK)
	{
		int			i;

		for (i = 0; i < b->ntargets; i++)
			if (pg_attribute_aclcheck(spec->relid, b->targets[i].attnum, GetUserId(),
									  ACL_UPDATE) != ACLCHECK_OK)
				aclcheck_error(ACLCHECK_NO_PRIV, OBJECT_TABLE, get_rel_name(spec->relid));
	}
	if (b->nkeys > 0)
	{
		int			i,
					k;

		for (i = 0; i < b->ntargets; i++)
			for (k = 0; k < b->nkeys; k++)
				if (strcmp(quote_identifier(b->targets[i].column), b->keys[k]) == 0)
					ereport(ERROR,
							(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
							 errmsg("cannot backfill key column \"%s\" of %s",
									b->targets[i].column, b->relname),
							 errdetail("Batches follow the key (%s); changing it would move rows between batches.",
									   b->key_list)));
	}

	edata = ss_try(check_update_plan, b, true);
	if (edata)
	{
		sql_place_error(edata, &b->sql);
		ReThrowError(edata);
	}
}

/* Count a batch that went through; the rate of this run, scanned per second. */
static double
count_batch(Backfill *b)
{
	long		run_ms = TimestampDifferenceMilliseconds(b->run_start, GetCurrentTimestamp());

	b->batches++;
	b->total_updated += b->updated;
	b->scanned_this_run += b->scanned;
	return run_ms > 0 ? b->scanned_this_run * 1000.0 / run_ms : 0;
}

/* After a committed batch: where the next one starts, and its size. */
static void
next_batch(Backfill *b, long elapsed_ms, double rate)
{
	const SSBackfillSpec *spec = b->spec;

	if (b->nkeys > 0)
		remember_lower(b, b->upper);
	else
		b->next_block = Min(b->next_block + b->blocks_per_batch, b->end_block);

	if (ss_progress_due(&b->progress))
		ss_progress_line(&b->progress, psprintf("backfill of %s", b->relname), NULL,
						 b->done_before + b->scanned_this_run, b->total,
						 b->nkeys > 0 ? "rows" : "blocks", rate,
						 psprintf("batch %lld of this run, %lld rows updated",
								  (long long) b->batches, (long long) b->total_updated));
	if (spec->target_ms > 0)
	{
		if (b->nkeys > 0)
			b->batch_size = adapt_batch_size(b->batch_size, elapsed_ms, spec->target_ms);
		else
			b->blocks_per_batch = adapt_batch_size(b->blocks_per_batch, elapsed_ms,
												   spec->target_ms);
	}
}

/* With the table, what names a backfill for its session lock. */
static uint32
backfill_hash(const SSBackfillSpec *spec)
{
	uint32		hash = hash_bytes((const unsigned char *) spec->set_clause,
								  strlen(spec->set_clause));

	if (spec->where_clause)
		hash = hash_combine(hash, hash_bytes((const unsigned char *) spec->where_clause,
											 strlen(spec->where_clause)));
	return hash;
}

static void
report_run(Backfill *b, bool done_before)
{
	const SSBackfillSpec *spec = b->spec;

	if (done_before)
		ereport(NOTICE,
				(errmsg("backfill of %s is already done, nothing to do", b->relname),
				 errdetail("Job %lld%s ran the same backfill to its end.",
						   (long long) b->job,
						   spec->migration_id ? psprintf(" (migration %s, step %d)",
														 spec->migration_id, spec->migration_step) :
						   spec->change_id > 0 ? psprintf(" (change %lld)", (long long) spec->change_id) : ""),
				 spec->migration_id || spec->change_id > 0 ? 0 :
				 errhint("To run it again anyway, pass rerun => true.")));
	else
		ereport(NOTICE,
				(errmsg("backfill of %s: done, %lld rows updated in %lld batches (job %lld)",
						b->relname, (long long) b->total_updated, (long long) b->batches,
						(long long) b->job)));
}

/*
 * A batch failed with edata after elapsed_ms, on its attempt'th retry:
 * record the job's end and rethrow when the failure is a cancel or not worth
 * retrying, or the retries are used up; else halve the batch when it timed
 * out, tell, count the retry and return the next attempt's number.
 */
static int
retry_or_rethrow(Backfill *b, const SSBackfillSpec *spec, ErrorData *edata,
				 long elapsed_ms, int attempt)
{
	bool		timed_out = edata->sqlerrcode == ERRCODE_QUERY_CANCELED &&
		spec->batch_timeout_ms > 0 && elapsed_ms >= spec->batch_timeout_ms - 50;

	if (edata->sqlerrcode == ERRCODE_QUERY_CANCELED && !timed_out)
	{
		record_end(b, SS_JOB_CANCELED, edata);
		ReThrowError(edata);
	}
	if ((!timed_out && !ss_sqlstate_retryable(edata->sqlerrcode)) ||
		attempt >= spec->retries)
	{
		record_end(b, SS_JOB_FAILED, edata);
		sql_place_error(edata, &b->sql);
		ReThrowError(edata);
	}
	attempt++;
	if (timed_out)
		b->batch_size = Max(1, b->batch_size / 2);
	ereport(NOTICE,
			(errmsg("backfill of %s: batch failed (attempt %d of %d): %s",
					b->relname, attempt, spec->retries + 1, edata->message),
			 errhint("Retrying in %d ms%s.", ss_retry_backoff_ms(spec->retries, attempt),
					 timed_out ? psprintf(" with batches of %d rows", b->batch_size) : "")));
	add_retry(b);
	return attempt;
}

int64
schemashift_backfill_run(const SSBackfillSpec *spec)
{
	Backfill	b;
	double		reltuples;
	uint32		hash;
	int			attempt = 0;
	MemoryContext batchcxt;
	MemoryContext oldcxt;
	volatile bool done_before = false;

	setup(&b, spec, &reltuples);
	hash = backfill_hash(spec);
	ss_lock_session(SS_ADVISORY_JOB, spec->relid, hash,
					psprintf("this backfill of %s", b.relname));

	batchcxt = AllocSetContextCreate(CurrentMemoryContext, "schemashift backfill batch",
									 ALLOCSET_DEFAULT_SIZES);
	if (spec->max_lag_ms >= 0)
		ss_standbys_begin(&b.standbys, spec->max_lag_ms, psprintf("backfill of %s", b.relname));
	PG_TRY();
	{
		done_before = !open_job(&b, reltuples);
		b.run_start = GetCurrentTimestamp();
		ss_progress_begin(&b.progress);

		while (!done_before)
		{
			ErrorData  *edata;
			TimestampTz start;
			long		elapsed_ms;
			double		rate;

			MemoryContextReset(batchcxt);
			oldcxt = MemoryContextSwitchTo(batchcxt);

			if (b.nkeys == 0 && b.next_block >= b.end_block)
			{
				close_block_ranges(&b);
				MemoryContextSwitchTo(oldcxt);
				break;
			}

			start = GetCurrentTimestamp();
			edata = ss_try(run_batch, &b, false);
			disable_timeout(STATEMENT_TIMEOUT, false);
			elapsed_ms = TimestampDifferenceMilliseconds(start, GetCurrentTimestamp());
			if (edata)
			{
				attempt = retry_or_rethrow(&b, spec, edata, elapsed_ms, attempt);
				MemoryContextSwitchTo(oldcxt);
				schemashift_exec_sleep(ss_retry_backoff_ms(spec->retries, attempt));
				continue;
			}
			attempt = 0;
			rate = count_batch(&b);
			record_batch(&b, rate);

			if (b.last_batch)
			{
				MemoryContextSwitchTo(oldcxt);
				break;
			}
			next_batch(&b, elapsed_ms, rate);
			MemoryContextSwitchTo(oldcxt);
			if (spec->max_lag_ms >= 0)
				ss_standbys_wait(&b.standbys);
			if (spec->pause_ms > 0)
				schemashift_exec_sleep(spec->pause_ms);
		}
	}
	PG_FINALLY();
	{
		ss_unlock_session(SS_ADVISORY_JOB, spec->relid, hash);
	}
	PG_END_TRY();

	report_run(&b, done_before);
	MemoryContextDelete(batchcxt);
	MemoryContextDelete(b.keycxt);
	return b.job;
}

/*
 * CALL schemashift.backfill(tbl, set_clause, where_clause, batch_size, pause,
 *							 max_replication_lag, target_batch_time,
 *							 lock_timeout, batch_timeout, retries, rerun)
 */
Datum
schemashift_backfill(PG_FUNCTION_ARGS)
{
	static const char *const required[] = {"tbl", "set_clause", NULL, "batch_size"};
	SSBackfillSpec spec;

	ss_procedure_begin(fcinfo, "backfill", lengthof(required), required);

	memset(&spec, 0, sizeof(spec));
	spec.relid = PG_GETARG_OID(0);
	spec.set_clause = text_to_cstring(PG_GETARG_TEXT_PP(1));
	spec.where_clause = PG_ARGISNULL(2) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(2));
	spec.batch_size = PG_GETARG_INT32(3);
	spec.pause_ms = PG_ARGISNULL(4) ? 0 : ss_interval_ms(PG_GETARG_DATUM(4), "pause");
	spec.max_lag_ms = PG_ARGISNULL(5) ? -1 : ss_interval_ms(PG_GETARG_DATUM(5), "max_replication_lag");
	spec.target_ms = PG_ARGISNULL(6) ? 0 : ss_interval_ms(PG_GETARG_DATUM(6), "target_batch_time");
	spec.lock_timeout_ms = PG_ARGISNULL(7) ? 0 : ss_interval_ms(PG_GETARG_DATUM(7), "lock_timeout");
	spec.batch_timeout_ms = PG_ARGISNULL(8) ? 0 : ss_interval_ms(PG_GETARG_DATUM(8), "batch_timeout");
	spec.retries = PG_ARGISNULL(9) ? 10 : PG_GETARG_INT32(9);
	spec.rerun = !PG_ARGISNULL(10) && PG_GETARG_BOOL(10);
	ss_backfill(&spec);
	PG_RETURN_VOID();
}

/* backfill's work */
void
ss_backfill(SSBackfillSpec *spec)
{
	/* run by apply() as a step's recipe: the job is that step's */
	spec->migration_id = ss_current_migration_id;
	spec->migration_step = ss_current_migration_step;
	if (spec->batch_size < 1 || spec->batch_size > SS_MAX_BATCH)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("batch_size must be between 1 and %d", SS_MAX_BATCH)));
	if (spec->retries < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("retries must not be negative")));
	if (get_rel_name(spec->relid) == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", spec->relid)));

	ss_procedure_connect();
	(void) schemashift_backfill_run(spec);
	SPI_finish();
}

/* ---------- as an apply() recipe (recipes.h) ---------- */

/* "backfill": an UPDATE of a whole big table, in batches */
static bool
recipe_backfill_match(const SSRecipeInput *in)
{
	return IsA(in->stmt, UpdateStmt) && ss_has_rule(in->findings, SS_UNBATCHED_BACKFILL);
}

static bool
recipe_backfill_plan(const SSRecipeInput *in, Step *s)
{
	UpdateStmt *us = (UpdateStmt *) in->stmt;
	Oid			relid = ss_relation_of(us->relation);
	SSToken    *t;
	int			n = ss_scan_tokens(in->text, &t);
	int			set = ss_find_keyword(t, n, 0, "set");
	int			where = ss_find_keyword(t, n, set, "where");
	char	   *set_clause;
	char	   *where_clause = NULL;
	double		bytes = 0;
	double		rows = 0;

	if (!OidIsValid(relid) || us->fromClause || schemashift_has_returning(us) || us->withClause ||
		us->relation->alias || set < 0 || set + 1 >= n)
		return false;
	set_clause = ss_trimmed(in->text, t[set + 1].start, where >= 0 ? t[where].start : strlen(in->text));
	if (where >= 0 && where + 1 < n)
		where_clause = ss_trimmed(in->text, t[where + 1].start, strlen(in->text));
	ss_relation_size(relid, &bytes, &rows);
	ss_recipe_call(s, list_make3(ss_recipe_text(ss_qualified_relname(relid)),
								 ss_recipe_text(set_clause), ss_recipe_text(where_clause)));
	s->locks = "ROW EXCLUSIVE; row locks of one batch at a time, committed per batch";
	s->estimate_ms = (int64) (1000 * (1 + rows / SS_BACKFILL_ROWS_PER_S));
	return true;
}

static int64
recipe_backfill_run(Step *s)
{
	SSBackfillSpec spec;

	/* the other arguments as the procedure's defaults */
	memset(&spec, 0, sizeof(spec));
	spec.relid = ss_recipe_arg_relation(s, 0);
	spec.set_clause = ss_recipe_arg_text(s, 1);
	spec.where_clause = ss_recipe_arg_text(s, 2);
	spec.batch_size = 5000;
	spec.max_lag_ms = -1;
	spec.lock_timeout_ms = 2000;
	spec.batch_timeout_ms = 60 * 1000;
	spec.retries = 10;
	ss_backfill(&spec);
	return 0;
}

/* its entry in the recipe table (recipes.c) */
const SSRecipe ss_recipe_backfill = {
	"backfill", SS_RECIPE_PROCEDURE, "backfill",
	recipe_backfill_match, recipe_backfill_plan, recipe_backfill_run
};
