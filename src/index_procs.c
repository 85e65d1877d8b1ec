/*-------------------------------------------------------------------------
 *
 * index_procs.c
 *		CALL schemashift.create_index / drop_index / reindex: the online
 *		(CONCURRENTLY) index commands, callable from a migration script, with
 *		idempotence, clean-up of INVALID leftovers, retries and progress.
 *
 * Every build runs in the background worker (worker.c) as the caller's
 * role.  Between steps the procedure commits, so it never holds a snapshot
 * or a lock a concurrent build would wait for.
 *
 *-------------------------------------------------------------------------
 */
#include "worker.h"
#include "procedure.h"
#include "procs.h"
#include "recipes.h"
#include "schemashift.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/index.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_index.h"
#include "catalog/pg_inherits.h"
#include "commands/defrem.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "parser/parse_utilcmd.h"
#include "parser/parser.h"
#include "storage/lmgr.h"
#include "tcop/utility.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/ruleutils.h"
#include "utils/syscache.h"
#include "utils/timeout.h"
#include "utils/timestamp.h"
#include "utils/varlena.h"

PG_FUNCTION_INFO_V1(schemashift_create_index);
PG_FUNCTION_INFO_V1(schemashift_drop_index);
PG_FUNCTION_INFO_V1(schemashift_reindex);

/* What the user asked for, parsed once. */
typedef struct IndexRequest
{
	const char *definition;
	IndexStmt  *stmt;			/* raw, as parsed */
	int			rest_offset;	/* first byte after the table name */
	int			retries;
	int			timeout_ms;		/* per build attempt; 0: none */
} IndexRequest;

/* ---------- small helpers ---------- */

#define qualified_relname(relid) ss_qualified_relname(relid)

/* the procedures' default retries */
#define SS_INDEX_RETRIES 3

/* Index of that name in that schema: its OID, or InvalidOid. */
static Oid
index_by_name(const char *name, Oid nspid, Oid relid)
{
	Oid			idx = get_relname_relid(name, nspid);
	char		kind;

	if (!OidIsValid(idx))
		return InvalidOid;
	kind = get_rel_relkind(idx);
	if ((kind != RELKIND_INDEX && kind != RELKIND_PARTITIONED_INDEX) ||
		(OidIsValid(relid) && IndexGetRelation(idx, false) != relid))
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 errmsg("relation \"%s\" already exists and is not an index on table %s",
						name, OidIsValid(relid) ? qualified_relname(relid) : "?")));
	return idx;
}

static bool
index_is_valid(Oid indexoid)
{
	HeapTuple	tup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(indexoid));
	bool		valid;

	if (!HeapTupleIsValid(tup))
		return false;
	valid = ((Form_pg_index) GETSTRUCT(tup))->indisvalid;
	ReleaseSysCache(tup);
	return valid;
}

/*
 * Run a step in the worker under the step runner (retry.c): deadlocks,
 * lock timeouts and the like retried with backoff, every attempt recorded.
 * After every failure the clean-up runs first, even after the caller's own
 * cancel, and then the cancel or the error is raised.
 */
static void
run_with_retries(const char *sql, const char *label, const SSExecOptions *o,
				 int retries, SSCleanupFn cleanup, void *cleanup_arg)
{
	SSRetryRun	run;

	memset(&run, 0, sizeof(run));
	run.label = label;
	run.sql = sql;
	ss_retry_schedule_retries(&run.schedule, retries, o->lock_timeout_ms);
	run.exempt = o->exempt;
	run.in_worker = true;
	run.statement_timeout_ms = o->statement_timeout_ms;
	run.progress_label = o->progress_label;
	run.cleanup = cleanup;
	run.cleanup_arg = cleanup_arg;
	run.raise_last_error = true;
	run.show_statement = true;
	(void) ss_with_lock_retries(&run, NULL);
}

/* The short catalog-only steps: a failure there leaves nothing to clean. */
static void
run_short_step(const char *sql, int retries, SSExemption exempt)
{
	SSExecOptions o = {0};

	o.lock_timeout_ms = SS_SHORT_LOCK_TIMEOUT_MS;
	o.exempt = exempt;
	run_with_retries(sql, "schemashift", &o, retries, NULL, NULL);
}

/* Drop an INVALID index left by a failed build; a valid one is kept. */
static void
drop_if_invalid(const char *name, Oid nspid)
{
	Oid			idx = get_relname_relid(name, nspid);
	char	   *sql;
	SSExecOptions o = {0};
	SSExecResult res;

	if (!OidIsValid(idx) || get_rel_relkind(idx) != RELKIND_INDEX || index_is_valid(idx))
		return;
	sql = psprintf("DROP INDEX CONCURRENTLY IF EXISTS %s",
				   quote_qualified_identifier(get_namespace_name(nspid), name));
	ereport(NOTICE,
			(errmsg("dropping invalid index %s left by a failed build",
					quote_qualified_identifier(get_namespace_name(nspid), name))));
	schemashift_exec_step(sql, &o, &res);
	if (!res.ok)
		ereport(WARNING,
				(errmsg("could not drop invalid index %s: %s",
						quote_qualified_identifier(get_namespace_name(nspid), name),
						res.error->message),
				 errhint("Run CALL schemashift.drop_index('%s') later.",
						 quote_qualified_identifier(get_namespace_name(nspid), name))));
}

/* ---------- the definition ---------- */

/* Byte offset of the first token after the table name in CREATE INDEX. */
static int
offset_after_relation(const char *def)
{
	SSScanner  *sc = ss_scan_begin(def);
	SSToken		t;
	int			state = 0;
	int			result = -1;

	while (ss_scan_next(sc, &t))
	{
		if (state == 0 && ss_is_keyword(&t, "on"))
			state = 1;			/* the table name follows, maybe after ONLY */
		else if (state == 1 && !ss_is_keyword(&t, "only"))
			state = 2;			/* a name part */
		else if (state == 2 && t.tok == '.')
			state = 3;
		else if (state == 3)
			state = 2;
		else if (state == 2)
		{
			result = t.start;
			break;
		}
	}
	ss_scan_end(sc);
	return result < 0 ? (int) strlen(def) : result;
}

/* parsed: the caller's parse tree of the definition, or NULL */
static void
parse_request(IndexRequest *req, const char *definition, RawStmt *parsed)
{
	List	   *raw = parsed ? list_make1(parsed) : ss_parse_argument(definition, "index definition");
	Node	   *stmt;

	if (list_length(raw) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the definition must be exactly one CREATE INDEX statement"),
				 errdetail("It holds %d statements.", list_length(raw))));
	stmt = linitial_node(RawStmt, raw)->stmt;
	if (!IsA(stmt, IndexStmt))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the definition must be a CREATE INDEX statement, not %s",
						GetCommandTagName(CreateCommandTag(stmt)))));
	req->definition = definition;
	req->stmt = (IndexStmt *) stmt;
	if (req->stmt->idxname == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the index needs a name"),
				 errhint("Name it (CREATE INDEX name ON ...): a second run finds the index by its name.")));
	if (!req->stmt->relation->inh)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("ON ONLY is not supported here"),
				 errhint("Name the partitioned table without ONLY: schemashift builds each partition's index concurrently and attaches it.")));
	req->rest_offset = offset_after_relation(definition);
}

static char *
build_sql(IndexRequest *req, const char *idxname, Oid relid, bool concurrently,
		  bool only)
{
	return psprintf("CREATE %sINDEX %s%s ON %s%s %s",
					req->stmt->unique ? "UNIQUE " : "",
					concurrently ? "CONCURRENTLY " : "",
					quote_identifier(idxname),
					only ? "ONLY " : "",
					qualified_relname(relid),
					req->definition + req->rest_offset);
}

/* "k=v" strings of a WITH (...) list, for comparison */
static List *
option_strings(List *options)
{
	List	   *out = NIL;
	ListCell   *lc;

	foreach(lc, options)
	{
		DefElem    *d = lfirst_node(DefElem, lc);

		out = lappend(out, makeString(psprintf("%s=%s", d->defname,
											   d->arg ? defGetString(d) : "true")));
	}
	return out;
}

/*
 * Does the existing index have the definition asked for?  Both are put
 * through the server's own transformation, so "status = 'x'" and the
 * catalog's "(status = 'x'::text)" compare equal.
 */
static bool
index_matches(Oid indexoid, IndexRequest *req, Oid relid)
{
	char	   *existing = pg_get_indexdef_string(indexoid);
	IndexStmt  *have;
	IndexStmt  *want;
	RangeVar   *rv = makeRangeVar(get_namespace_name(get_rel_namespace(relid)),
								  get_rel_name(relid), -1);

	have = (IndexStmt *) linitial_node(RawStmt, schemashift_raw_parser(existing))->stmt;
	want = copyObject(req->stmt);
	want->relation = rv;
	have->relation = copyObject(rv);
	LockRelationOid(relid, AccessShareLock);
	have = transformIndexStmt(relid, have, existing);
	want = transformIndexStmt(relid, want, req->definition);

	return have->unique == want->unique &&
		have->nulls_not_distinct == want->nulls_not_distinct &&
		strcmp(have->accessMethod, want->accessMethod) == 0 &&
		equal(have->indexParams, want->indexParams) &&
		equal(have->indexIncludingParams, want->indexIncludingParams) &&
		equal(have->whereClause, want->whereClause) &&
		equal(option_strings(have->options), option_strings(want->options));
}

/*
 * What to do about an index that already has the name: true when there is
 * nothing left to do.  An INVALID one is dropped (plain index) or resumed
 * (partitioned parent); a valid one with another definition is an error.
 */
static bool
settle_existing(IndexRequest *req, const char *idxname, Oid relid)
{
	Oid			nspid = get_rel_namespace(relid);
	Oid			idx = index_by_name(idxname, nspid, relid);
	char	   *qname = quote_qualified_identifier(get_namespace_name(nspid), idxname);

	if (!OidIsValid(idx))
		return false;
	if (!index_matches(idx, req, relid))
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 errmsg("index %s already exists with a different definition", qname),
				 errdetail("Existing: %s.", pg_get_indexdef_string(idx)),
				 errhint("Drop it first with CALL schemashift.drop_index('%s'), or choose another name.",
						 qname)));
	if (index_is_valid(idx))
	{
		ereport(NOTICE,
				(errmsg("index %s already exists with this definition, skipping", qname)));
		return true;
	}
	if (get_rel_relkind(idx) == RELKIND_INDEX)
		drop_if_invalid(idxname, nspid);
	return false;
}

/* ---------- building ---------- */

typedef struct IndexName
{
	const char *name;
	Oid			nspid;
} IndexName;

static void
cleanup_failed_build(void *arg)
{
	IndexName  *in = (IndexName *) arg;

	drop_if_invalid(in->name, in->nspid);
}

static void
build_one_concurrently(IndexRequest *req, const char *idxname, Oid relid)
{
	IndexName	in = {idxname, get_rel_namespace(relid)};
	char	   *label = psprintf("index %s",
								 quote_qualified_identifier(get_namespace_name(in.nspid), idxname));
	SSExecOptions o = {0};

	o.statement_timeout_ms = req->timeout_ms;
	o.progress_label = label;
	ereport(NOTICE, (errmsg("%s: building concurrently on %s", label,
							qualified_relname(relid))));
	/* a failed CONCURRENTLY build leaves an INVALID index behind */
	run_with_retries(build_sql(req, idxname, relid, true, false), label, &o,
					 req->retries, cleanup_failed_build, &in);
	ereport(NOTICE, (errmsg("%s: built", label)));
}

/* The index on a partition that is attached to parent_idx, if any. */
static Oid
attached_child_index(Oid parent_idx, Oid child_rel)
{
	List	   *children = find_inheritance_children(parent_idx, NoLock);
	ListCell   *lc;

	foreach(lc, children)
	{
		Oid			ci = lfirst_oid(lc);

		if (IndexGetRelation(ci, true) == child_rel)
			return ci;
	}
	return InvalidOid;
}

static IndexRequest *
request_for(IndexRequest *req)
{
	IndexRequest *r = palloc(sizeof(IndexRequest));

	*r = *req;
	return r;
}

/*
 * A partitioned table: CONCURRENTLY is refused on the parent, so build each
 * partition's index concurrently, create the parent's with ON ONLY (catalog
 * only) and attach them; the parent becomes valid with the last one.
 */
static void
build_partitioned(IndexRequest *req, const char *idxname, Oid relid)
{
	Oid			nspid = get_rel_namespace(relid);
	char	   *qname = quote_qualified_identifier(get_namespace_name(nspid), idxname);
	Oid			parent_idx = get_relname_relid(idxname, nspid);
	List	   *parts;
	ListCell   *lc;
	int			n = 0;

	if (!OidIsValid(parent_idx))
	{
		ereport(NOTICE,
				(errmsg("index %s: creating it on the partitioned table only; partitions follow",
						qname)));
		run_short_step(build_sql(req, idxname, relid, false, true), req->retries, ss_no_exemption);
		parent_idx = get_relname_relid(idxname, nspid);
		if (!OidIsValid(parent_idx))
			elog(ERROR, "index \"%s\" vanished after it was created", idxname);
	}

	parts = find_inheritance_children(relid, NoLock);
	foreach(lc, parts)
	{
		Oid			part = lfirst_oid(lc);
		char	   *part_idxname;
		Oid			part_nsp = get_rel_namespace(part);
		char	   *part_qname;

		n++;
		if (OidIsValid(attached_child_index(parent_idx, part)))
			continue;

		part_idxname = makeObjectName(get_rel_name(part), idxname, NULL);
		part_qname = quote_qualified_identifier(get_namespace_name(part_nsp), part_idxname);
		ereport(NOTICE,
				(errmsg("index %s: partition %d of %d, %s", qname, n,
						list_length(parts), qualified_relname(part))));
		if (!settle_existing(request_for(req), part_idxname, part))
		{
			if (get_rel_relkind(part) == RELKIND_PARTITIONED_TABLE)
				build_partitioned(req, part_idxname, part);
			else
				build_one_concurrently(req, part_idxname, part);
		}
		run_short_step(psprintf("ALTER INDEX %s ATTACH PARTITION %s", qname, part_qname),
					   req->retries, ss_no_exemption);
	}

	parent_idx = get_relname_relid(idxname, nspid);
	if (!OidIsValid(parent_idx) || !index_is_valid(parent_idx))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("index %s is still invalid after all partitions were attached", qname)));
	ereport(NOTICE, (errmsg("index %s: built on %d partitions", qname, n)));
}

/* ---------- the procedures ---------- */

/*
 * CALL schemashift.create_index(definition text, retries int DEFAULT 3,
 *								 timeout interval DEFAULT NULL)
 */
Datum
schemashift_create_index(PG_FUNCTION_ARGS)
{
	static const char *const required[] = {"definition"};

	ss_procedure_begin(fcinfo, "create_index", lengthof(required), required);
	ss_create_index(text_to_cstring(PG_GETARG_TEXT_PP(0)), NULL, ss_retries_arg(fcinfo, 1, SS_INDEX_RETRIES),
					PG_ARGISNULL(2) ? 0 : ss_interval_ms(PG_GETARG_DATUM(2), "timeout"));
	PG_RETURN_VOID();
}

/* create_index's work; parsed: the definition's parse tree, or NULL */
void
ss_create_index(const char *definition, RawStmt *parsed, int retries, int timeout_ms)
{
	IndexRequest req;
	Oid			relid;

	ss_procedure_connect();

	memset(&req, 0, sizeof(req));
	parse_request(&req, definition, parsed);
	req.retries = retries;
	req.timeout_ms = timeout_ms;

	relid = RangeVarGetRelid(req.stmt->relation, AccessShareLock, false);
	if (get_rel_relkind(relid) != RELKIND_RELATION &&
		get_rel_relkind(relid) != RELKIND_PARTITIONED_TABLE &&
		get_rel_relkind(relid) != RELKIND_MATVIEW)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("cannot create an index on %s: not a table or materialized view",
						qualified_relname(relid))));

	if (!settle_existing(&req, req.stmt->idxname, relid))
	{
		if (get_rel_relkind(relid) == RELKIND_PARTITIONED_TABLE)
			build_partitioned(&req, req.stmt->idxname, relid);
		else
			build_one_concurrently(&req, req.stmt->idxname, relid);
	}

	SPI_finish();
}

/*
 * Build one index (not on a partitioned table) concurrently and
 * idempotently, for the recipes of other procedures.
 */
void
schemashift_build_index(const char *definition, int retries)
{
	IndexRequest req;
	Oid			relid;

	memset(&req, 0, sizeof(req));
	parse_request(&req, definition, NULL);
	req.retries = retries;
	relid = RangeVarGetRelid(req.stmt->relation, AccessShareLock, false);
	if (!settle_existing(&req, req.stmt->idxname, relid))
		build_one_concurrently(&req, req.stmt->idxname, relid);
}

/* Resolve an index name the way DROP INDEX would; InvalidOid if missing. */
static Oid
index_from_text(const char *name)
{
	List	   *names = textToQualifiedNameList(cstring_to_text(name));
	RangeVar   *rv = makeRangeVarFromNameList(names);
	Oid			idx = RangeVarGetRelid(rv, NoLock, true);

	if (OidIsValid(idx) && get_rel_relkind(idx) != RELKIND_INDEX &&
		get_rel_relkind(idx) != RELKIND_PARTITIONED_INDEX)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not an index", name)));
	return idx;
}

/* CALL schemashift.drop_index(name text, retries int DEFAULT 3) */
Datum
schemashift_drop_index(PG_FUNCTION_ARGS)
{
	static const char *const required[] = {"name"};

	ss_procedure_begin(fcinfo, "drop_index", lengthof(required), required);
	ss_drop_index(text_to_cstring(PG_GETARG_TEXT_PP(0)), ss_retries_arg(fcinfo, 1, SS_INDEX_RETRIES));
	PG_RETURN_VOID();
}

/* drop_index's work */
void
ss_drop_index(const char *name, int retries)
{
	Oid			idx;
	char	   *qname;

	ss_procedure_connect();

	idx = index_from_text(name);
	if (!OidIsValid(idx))
	{
		ereport(NOTICE,
				(errmsg("index \"%s\" does not exist, skipping", name)));
		SPI_finish();
		return;
	}
	qname = qualified_relname(idx);

	if (get_rel_relkind(idx) == RELKIND_PARTITIONED_INDEX)
	{
		/*
		 * DROP INDEX CONCURRENTLY refuses partitioned indexes; a plain drop
		 * only removes catalog entries, under a short lock_timeout.
		 */
		ereport(NOTICE,
				(errmsg("index %s is partitioned: dropping it without CONCURRENTLY, under a %d ms lock_timeout with retries",
						qname, SS_SHORT_LOCK_TIMEOUT_MS)));
		run_short_step(psprintf("DROP INDEX IF EXISTS %s", qname), retries, ss_no_exemption);
		SPI_finish();
		return;
	}

	{
		SSExecOptions o = {0};

		run_with_retries(psprintf("DROP INDEX CONCURRENTLY IF EXISTS %s", qname),
						 psprintf("index %s", qname), &o, retries, NULL, NULL);
	}
	ereport(NOTICE, (errmsg("index %s dropped", qname)));
	SPI_finish();
}

/*
 * Drop the "_ccnew"/"_ccold" indexes a failed REINDEX CONCURRENTLY left
 * invalid on the table.
 */
static void
drop_reindex_leftovers(void *arg)
{
	Oid			relid = *(Oid *) arg;
	Relation	rel = table_open(relid, AccessShareLock);
	List	   *indexes = RelationGetIndexList(rel);
	ListCell   *lc;
	List	   *names = NIL;

	table_close(rel, AccessShareLock);
	foreach(lc, indexes)
	{
		Oid			idx = lfirst_oid(lc);
		char	   *name = get_rel_name(idx);

		if (!index_is_valid(idx) &&
			(strstr(name, "_ccnew") != NULL || strstr(name, "_ccold") != NULL))
			names = lappend(names, name);
	}
	foreach(lc, names)
		drop_if_invalid(lfirst(lc), get_rel_namespace(relid));
}

/*
 * CALL schemashift.reindex(name text, retries int DEFAULT 3,
 *							timeout interval DEFAULT NULL)
 * name: an index, or a table (all its indexes).
 */
Datum
schemashift_reindex(PG_FUNCTION_ARGS)
{
	static const char *const required[] = {"name"};
	int			retries;
	int			timeout_ms;
	List	   *names;
	RangeVar   *rv;
	Oid			relid;
	Oid			table;
	char		kind;
	char	   *qname;
	char	   *sql;

	ss_procedure_begin(fcinfo, "reindex", lengthof(required), required);
	retries = ss_retries_arg(fcinfo, 1, SS_INDEX_RETRIES);
	timeout_ms = PG_ARGISNULL(2) ? 0 : ss_interval_ms(PG_GETARG_DATUM(2), "timeout");
	ss_procedure_connect();

	names = textToQualifiedNameList(PG_GETARG_TEXT_PP(0));
	rv = makeRangeVarFromNameList(names);
	relid = RangeVarGetRelid(rv, NoLock, false);
	kind = get_rel_relkind(relid);
	qname = qualified_relname(relid);
	if (kind == RELKIND_INDEX || kind == RELKIND_PARTITIONED_INDEX)
	{
		table = IndexGetRelation(relid, false);
		sql = psprintf("REINDEX INDEX CONCURRENTLY %s", qname);
	}
	else if (kind == RELKIND_RELATION || kind == RELKIND_PARTITIONED_TABLE ||
			 kind == RELKIND_MATVIEW || kind == RELKIND_TOASTVALUE)
	{
		table = relid;
		sql = psprintf("REINDEX TABLE CONCURRENTLY %s", qname);
	}
	else
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not an index or a table", qname)));

	{
		SSExecOptions o = {0};

		o.statement_timeout_ms = timeout_ms;
		o.progress_label = psprintf("reindex %s", qname);
		run_with_retries(sql, o.progress_label, &o, retries,
						 drop_reindex_leftovers, &table);
	}
	ereport(NOTICE, (errmsg("reindex %s: done", qname)));
	SPI_finish();
	PG_RETURN_VOID();
}

/* ---------- as apply() recipes (recipes.h) ---------- */

/* "online index": CREATE INDEX that should be built concurrently */
static bool
recipe_online_index_match(const SSRecipeInput *in)
{
	return IsA(in->stmt, IndexStmt) &&
		(((IndexStmt *) in->stmt)->concurrent ||
		 ss_has_rule(in->findings, SS_REQUIRE_CONCURRENT_INDEX_CREATION));
}

static bool
recipe_online_index_plan(const SSRecipeInput *in, Step *s)
{
	IndexStmt  *is = (IndexStmt *) in->stmt;
	Oid			relid = ss_relation_of(is->relation);
	double		bytes = 0;
	double		rows = 0;

	if (is->idxname == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the index at line %d needs a name", in->line),
				 errhint("Name it (CREATE INDEX name ON ...): the online build finds an interrupted index by its name.")));
	if (OidIsValid(relid))
		ss_relation_size(relid, &bytes, &rows);
	ss_recipe_call(s, list_make1(ss_recipe_text(in->text)));
	s->locks = "SHARE UPDATE EXCLUSIVE while it builds (reads and writes continue)";
	s->estimate_ms = (int64) (1000 * (1 + 2 * bytes / SS_BUILD_BYTES_PER_S));
	return true;
}

static int64
recipe_online_index_run(Step *s)
{
	/* the planner's tree is the statement's, which is the definition */
	ss_create_index(ss_recipe_arg_text(s, 0), (RawStmt *) s->parsed, SS_INDEX_RETRIES, 0);
	return 0;
}

/* "online drop index": DROP INDEX of one index that should be concurrent */
static bool
recipe_online_drop_index_match(const SSRecipeInput *in)
{
	DropStmt   *ds = (DropStmt *) in->stmt;

	return IsA(in->stmt, DropStmt) && ds->removeType == OBJECT_INDEX &&
		list_length(ds->objects) == 1 && ds->behavior != DROP_CASCADE &&
		(ds->concurrent || ss_has_rule(in->findings, SS_REQUIRE_CONCURRENT_INDEX_DELETION));
}

static bool
recipe_online_drop_index_plan(const SSRecipeInput *in, Step *s)
{
	DropStmt   *ds = (DropStmt *) in->stmt;

	ss_recipe_call(s, list_make1(ss_recipe_text(NameListToQuotedString(linitial(ds->objects)))));
	s->locks = "SHARE UPDATE EXCLUSIVE (reads and writes continue)";
	s->estimate_ms = 1000;
	return true;
}

static int64
recipe_online_drop_index_run(Step *s)
{
	ss_drop_index(ss_recipe_arg_text(s, 0), SS_INDEX_RETRIES);
	return 0;
}

/* their entries in the recipe table (recipes.c) */
const SSRecipe ss_recipe_online_index = {
	"online index", SS_RECIPE_PROCEDURE, "create_index",
	recipe_online_index_match, recipe_online_index_plan, recipe_online_index_run
};

const SSRecipe ss_recipe_online_drop_index = {
	"online drop index", SS_RECIPE_PROCEDURE, "drop_index",
	recipe_online_drop_index_match, recipe_online_drop_index_plan, recipe_online_drop_index_run
};
