/*-------------------------------------------------------------------------
 *
 * constraints.c
 *		CALL schemashift.add_constraint(definition): the ALTER TABLE ... ADD
 *		CONSTRAINT (or ALTER COLUMN ... SET NOT NULL) a user would write, run
 *		the safe way; schemashift.check_constraint_data(definition): how
 *		many existing rows would violate it, before anything is changed.
 *
 * The recipes, each step in its own transaction under lock retries:
 *	- CHECK, FOREIGN KEY: add NOT VALID (a short lock, no scan), then
 *	  VALIDATE CONSTRAINT, which scans under SHARE UPDATE EXCLUSIVE while
 *	  reads and writes continue.
 *	- SET NOT NULL: a validated CHECK (col IS NOT NULL) lets SET NOT NULL
 *	  skip its scan; the helper check is dropped in the same transaction.
 *	- UNIQUE, PRIMARY KEY: the unique index is built concurrently, then
 *	  attached with ADD CONSTRAINT ... USING INDEX; nullable primary key
 *	  columns are proved NOT NULL first, so that step does not scan either.
 * A violation found while validating drops what was added and reports how
 * many rows violate the constraint, with examples.  Each step looks at the
 * catalog first, so calling again after an interruption picks up where the
 * last call stopped.
 *
 *-------------------------------------------------------------------------
 */
#include "procs.h"
#include "executor.h"
#include "schemashift.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
#include "parser/parser.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
#include "utils/timeout.h"

PG_FUNCTION_INFO_V1(schemashift_add_constraint);
PG_FUNCTION_INFO_V1(schemashift_check_constraint_data);

#define SS_EXAMPLES 5

typedef struct ConstraintDef
{
	const char *definition;
	Oid			relid;
	char	   *relname;		/* qualified, quoted */
	char	   *rel_only;		/* "ONLY " or "" */
	char		kind;			/* c, f, u, p, n (SET NOT NULL) */
	char	   *conname;		/* given or chosen */
	bool		named;
	bool		not_valid;		/* the user asked for NOT VALID only */
	char	   *clause;			/* the constraint's own text */
	char	   *check_expr;		/* inside CHECK ( ... ) */
	List	   *keys;			/* column names (String) */
	List	   *including;
	bool		nulls_not_distinct;
	char	   *deferrable;		/* " DEFERRABLE ..." or "" */
	/* foreign keys */
	Oid			pk_relid;
	List	   *pk_attrs;
	char		matchtype;
} ConstraintDef;

/* ---------- reading the definition ---------- */

static void
refuse(const char *msg, const char *hint)
{
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg_internal("%s", msg),
			 hint ? errhint("%s", hint) : 0));
}

static char *
trim_end(const char *s, int start, int end)
{
	while (end > start && (isspace((unsigned char) s[end - 1]) || s[end - 1] == ';'))
		end--;
	return pnstrdup(s + start, end - start);
}

static char *
key_list(List *names, const char *prefix)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, names)
	{
		if (buf.len > 0)
			appendStringInfoString(&buf, ", ");
		appendStringInfo(&buf, "%s%s", prefix, quote_identifier(strVal(lfirst(lc))));
	}
	return buf.data;
}

static char *
joined_names(List *names)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, names)
	{
		if (buf.len > 0)
			appendStringInfoChar(&buf, '_');
		appendStringInfoString(&buf, strVal(lfirst(lc)));
	}
	return buf.data;
}

static bool
first_column_ref(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, ColumnRef))
	{
		ColumnRef  *cr = (ColumnRef *) node;
		Node	   *last = llast(cr->fields);

		if (IsA(last, String))
		{
			*(char **) context = strVal(last);
			return true;
		}
		return false;
	}
	return raw_expression_tree_walker(node, first_column_ref, context);
}

static List *
primary_key_columns(Oid relid)
{
	List	   *cols = NIL;
	Oid			types[1] = {OIDOID};
	Datum		values[1] = {ObjectIdGetDatum(relid)};
	uint64		i;

	ss_state_exec("SELECT a.attname::pg_catalog.text FROM pg_catalog.pg_index i "
				  "JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid "
				  "AND a.attnum OPERATOR(pg_catalog.=) ANY (i.indkey) "
				  "WHERE i.indrelid = $1 AND i.indisprimary "
				  "ORDER BY pg_catalog.array_position(i.indkey::pg_catalog.int2[], a.attnum)",
				  1, types, values, NULL);
	for (i = 0; i < SPI_processed; i++)
		cols = lappend(cols, makeString(SPI_getvalue(SPI_tuptable->vals[i],
													 SPI_tuptable->tupdesc, 1)));
	return cols;
}

static void
parse_definition(ConstraintDef *d, const char *definition)
{
	List	   *raw = ss_parse_argument(definition, "definition");
	AlterTableStmt *stmt;
	AlterTableCmd *cmd;
	Constraint *con;
	char	   *relname;
	SSToken    *tok;
	int			ntok;
	int			i;

	memset(d, 0, sizeof(*d));
	d->definition = definition;
	if (list_length(raw) != 1 || !IsA(linitial_node(RawStmt, raw)->stmt, AlterTableStmt))
		refuse("add_constraint takes one ALTER TABLE statement",
			   "Pass what you would have run, e.g. ALTER TABLE t ADD CONSTRAINT t_a_fkey FOREIGN KEY (a) REFERENCES p (id).");
	stmt = (AlterTableStmt *) linitial_node(RawStmt, raw)->stmt;
	if (stmt->objtype != OBJECT_TABLE || list_length(stmt->cmds) != 1)
		refuse("add_constraint takes an ALTER TABLE with exactly one ADD CONSTRAINT or SET NOT NULL",
			   "Split the statement: one constraint per call.");
	cmd = linitial_node(AlterTableCmd, stmt->cmds);

	d->relid = RangeVarGetRelid(stmt->relation, NoLock, stmt->missing_ok);
	if (!OidIsValid(d->relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation \"%s\" does not exist", stmt->relation->relname)));
	if (get_rel_relkind(d->relid) != RELKIND_RELATION &&
		get_rel_relkind(d->relid) != RELKIND_PARTITIONED_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a table", get_rel_name(d->relid))));
	d->relname = ss_qualified_relname(d->relid);
	relname = get_rel_name(d->relid);
	d->rel_only = stmt->relation->inh ? "" : "ONLY ";
	d->deferrable = "";

	if (cmd->subtype == AT_SetNotNull)
	{
		d->kind = 'n';
		d->keys = list_make1(makeString(cmd->name));
		if (get_attnum(d->relid, cmd->name) == InvalidAttrNumber)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("column \"%s\" of relation \"%s\" does not exist",
							cmd->name, relname)));
		d->conname = makeObjectName(relname, cmd->name, "ss_not_null");
		return;
	}
	if (cmd->subtype != AT_AddConstraint || !IsA(cmd->def, Constraint))
		refuse("add_constraint takes ADD CONSTRAINT or ALTER COLUMN ... SET NOT NULL",
			   "Other ALTER TABLE commands: CALL schemashift.with_lock_retries(...).");
	con = (Constraint *) cmd->def;
	if (con->indexname)
		refuse("a constraint USING INDEX needs no recipe",
			   "Run it with CALL schemashift.with_lock_retries(...).");
	if (con->options != NIL || con->indexspace != NULL)
		refuse("add_constraint does not support WITH (...) or USING INDEX TABLESPACE",
			   "Build the index with CALL schemashift.create_index(...), then add the constraint USING INDEX.");

	switch (con->contype)
	{
		case CONSTR_CHECK:
			d->kind = 'c';
			break;
		case CONSTR_FOREIGN:
			d->kind = 'f';
			break;
		case CONSTR_UNIQUE:
			d->kind = 'u';
			break;
		case CONSTR_PRIMARY:
			d->kind = 'p';
			break;
		default:
			refuse("add_constraint handles CHECK, FOREIGN KEY, UNIQUE, PRIMARY KEY and SET NOT NULL",
				   "An exclusion constraint has no online recipe: build its index in a quiet moment.");
	}
	d->named = con->conname != NULL;
	d->not_valid = con->skip_validation;
	d->keys = con->keys;
	d->including = con->including;
	d->nulls_not_distinct = con->nulls_not_distinct;
	if (con->deferrable)
		d->deferrable = con->initdeferred ? " DEFERRABLE INITIALLY DEFERRED" : " DEFERRABLE";

	/* the constraint's text runs from its location to the statement's end */
	d->clause = trim_end(definition, con->location, strlen(definition));
	ntok = ss_scan_tokens(d->clause, &tok);
	if (d->kind == 'c')
	{
		char	   *col = NULL;

		i = ss_find_keyword(tok, ntok, 0, "check");
		if (i < 0 || i + 1 >= ntok || tok[i + 1].tok != '(')
			elog(ERROR, "could not find the CHECK expression in \"%s\"", d->clause);
		{
			int			open = i + 1;
			int			close = open + 1;

			while (close < ntok && !(tok[close].tok == ')' && tok[close].depth == 0))
				close++;
			if (close >= ntok)
				elog(ERROR, "unbalanced CHECK expression in \"%s\"", d->clause);
			d->check_expr = pnstrdup(d->clause + tok[open].start + 1,
									 tok[close].start - tok[open].start - 1);
		}
		(void) first_column_ref(con->raw_expr, &col);
		if (!d->named)
			d->conname = makeObjectName(relname, col, "check");
	}
	else if (d->kind == 'f')
	{
		d->pk_relid = RangeVarGetRelid(con->pktable, NoLock, false);
		d->pk_attrs = con->pk_attrs != NIL ? con->pk_attrs : primary_key_columns(d->pk_relid);
		if (d->pk_attrs == NIL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_FOREIGN_KEY),
					 errmsg("there is no primary key for referenced table \"%s\"",
							get_rel_name(d->pk_relid))));
		d->keys = con->fk_attrs;
		d->matchtype = con->fk_matchtype;
		if (!d->named)
			d->conname = makeObjectName(relname, joined_names(con->fk_attrs), "fkey");
	}
	else if (!d->named)
		d->conname = d->kind == 'p' ? makeObjectName(relname, NULL, "pkey")
			: makeObjectName(relname, joined_names(con->keys), "key");
	if (d->named)
		d->conname = con->conname;
}

/* ---------- what the existing rows say ---------- */

typedef struct DataCheck
{
	const char *kind;
	int64		violations;
	char	   *examples;		/* jsonb text */
	char	   *query;			/* what counts them */
} DataCheck;

static char *
not_null_filter(List *keys, const char *prefix, const char *op, const char *join)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, keys)
	{
		if (buf.len > 0)
			appendStringInfoString(&buf, join);
		appendStringInfo(&buf, "%s%s %s", prefix, quote_identifier(strVal(lfirst(lc))), op);
	}
	return buf.data;
}

static int64
count_of(const char *sql)
{
	bool		isnull;
	Datum		d;

	if (SPI_execute(sql, true, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "could not count: %s", sql);
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	return isnull ? 0 : DatumGetInt64(d);
}

static char *
examples_of(const char *sql)
{
	char	   *v;

	if (SPI_execute(sql, true, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "could not list examples: %s", sql);
	v = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	return v ? v : pstrdup("[]");
}

/*
 * Count the rows that violate the constraint, with examples, by plain
 * SELECTs (ACCESS SHARE: writers are not blocked), as the caller.
 */
static void
check_data(ConstraintDef *d, DataCheck *r)
{
	char	   *rows;
	char	   *from = psprintf("%s%s AS t", d->rel_only, d->relname);

	memset(r, 0, sizeof(*r));
	switch (d->kind)
	{
		case 'n':
			r->kind = "not null";
			rows = psprintf("FROM %s WHERE %s", from, not_null_filter(d->keys, "t.", "IS NULL", " OR "));
			break;
		case 'c':
			r->kind = "check";
			rows = psprintf("FROM %s WHERE NOT (%s)", from, d->check_expr);
			break;
		case 'f':
			{
				StringInfoData match;
				ListCell   *fk;
				ListCell   *pk;

				r->kind = "foreign key";
				initStringInfo(&match);
				forboth(fk, d->keys, pk, d->pk_attrs)
				{
					if (match.len > 0)
						appendStringInfoString(&match, " AND ");
					appendStringInfo(&match, "p.%s = t.%s",
									 quote_identifier(strVal(lfirst(pk))),
									 quote_identifier(strVal(lfirst(fk))));
				}
				rows = psprintf("FROM %s WHERE (%s AND NOT EXISTS (SELECT 1 FROM %s AS p WHERE %s))%s",
								from, not_null_filter(d->keys, "t.", "IS NOT NULL", " AND "),
								ss_qualified_relname(d->pk_relid), match.data,
								d->matchtype == FKCONSTR_MATCH_FULL && list_length(d->keys) > 1 ?
								psprintf(" OR (pg_catalog.num_nulls(%s) BETWEEN 1 AND %d)",
										 key_list(d->keys, "t."), list_length(d->keys) - 1) : "");
				break;
			}
		default:
			{
				char	   *keys = key_list(d->keys, "t.");
				char	   *groups = psprintf("SELECT %s, pg_catalog.count(*) AS rows FROM %s%s%s GROUP BY %s HAVING pg_catalog.count(*) > 1",
											  keys, from,
											  d->nulls_not_distinct ? "" : " WHERE ",
											  d->nulls_not_distinct ? "" : not_null_filter(d->keys, "t.", "IS NOT NULL", " AND "),
											  keys);

				r->kind = d->kind == 'p' ? "primary key" : "unique";
				r->query = psprintf("SELECT pg_catalog.sum(rows)::pg_catalog.int8 FROM (%s) AS d", groups);
				r->violations = count_of(r->query);
				r->examples = examples_of(psprintf("SELECT COALESCE(pg_catalog.jsonb_agg(pg_catalog.to_jsonb(d)), '[]') FROM (%s ORDER BY pg_catalog.count(*) DESC LIMIT %d) AS d",
												   groups, SS_EXAMPLES));
				if (d->kind == 'p')
				{
					/* a primary key also refuses NULLs */
					char	   *where = not_null_filter(d->keys, "t.", "IS NULL", " OR ");
					char	   *nulls = psprintf("SELECT pg_catalog.count(*) FROM %s WHERE %s", from, where);
					int64		n = count_of(nulls);

					if (n > 0 && strcmp(r->examples, "[]") == 0)
						r->examples = examples_of(psprintf("SELECT COALESCE(pg_catalog.jsonb_agg(pg_catalog.to_jsonb(t)), '[]') FROM (SELECT t.* FROM %s WHERE %s LIMIT %d) AS t",
														   from, where, SS_EXAMPLES));
					r->violations += n;
					r->query = psprintf("%s;\n%s", r->query, nulls);
				}
				return;
			}
	}
	r->query = psprintf("SELECT pg_catalog.count(*) %s", rows);
	r->violations = count_of(r->query);
	r->examples = examples_of(psprintf("SELECT COALESCE(pg_catalog.jsonb_agg(pg_catalog.to_jsonb(t)), '[]') FROM (SELECT t.* %s LIMIT %d) AS t",
									   rows, SS_EXAMPLES));
}

/*
 * schemashift.check_constraint_data(definition) RETURNS TABLE (constraint_type,
 * violating_rows, examples, query)
 */
Datum
schemashift_check_constraint_data(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	ConstraintDef d;
	DataCheck	r;
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};
	HeapTuple	tuple;
	Datum		result;

	ss_require_arg(fcinfo, 0, "definition");
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	parse_definition(&d, text_to_cstring(PG_GETARG_TEXT_PP(0)));
	check_data(&d, &r);
	values[0] = CStringGetTextDatum(r.kind);
	values[1] = Int64GetDatum(r.violations);
	values[2] = DirectFunctionCall1(jsonb_in, CStringGetDatum(r.examples));
	values[3] = CStringGetTextDatum(r.query);
	tuple = heap_form_tuple(BlessTupleDesc(tupdesc), values, nulls);
	result = HeapTupleGetDatum(tuple);
	SPI_finish();
	PG_RETURN_DATUM(result);
}

/* ---------- running the recipe ---------- */

static void
run_step(ConstraintDef *d, const char *what, const char *sql, ErrorData **error)
{
	SSRetryRun	run;

	memset(&run, 0, sizeof(run));
	ss_retry_schedule_default(&run.schedule);
	run.label = psprintf("constraint %s: %s", d->conname, what);
	run.sql = sql;
	run.exempt = ss_no_exemption;
	ereport(NOTICE,
			(errmsg("constraint %s on %s: %s", d->conname, d->relname, what),
			 errdetail("Statement: %s", sql)));
	(void) ss_with_lock_retries(&run, error);
}

/* contype and convalidated of a constraint on the table; '\0' if none */
static char
existing_constraint(Oid relid, const char *name, bool *validated)
{
	Oid			types[2] = {OIDOID, TEXTOID};
	Datum		values[2] = {ObjectIdGetDatum(relid), CStringGetTextDatum(name)};
	char	   *t;

	*validated = false;
	if (ss_state_exec("SELECT contype::pg_catalog.text, convalidated FROM pg_catalog.pg_constraint "
					  "WHERE conrelid = $1 AND conname OPERATOR(pg_catalog.=) $2::pg_catalog.name",
					  2, types, values, NULL) == 0)
		return '\0';
	t = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	*validated = strcmp(SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2), "t") == 0;
	return t[0];
}

static bool
column_not_null(Oid relid, const char *col)
{
	HeapTuple	tup = SearchSysCacheAttName(relid, col);
	bool		r;

	if (!HeapTupleIsValid(tup))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of relation \"%s\" does not exist",
						col, get_rel_name(relid))));
	r = ((Form_pg_attribute) GETSTRUCT(tup))->attnotnull;
	ReleaseSysCache(tup);
	return r;
}

/*
 * The violation a VALIDATE found: drop what was added, then report the
 * offending rows.
 */
static void
report_violation(ConstraintDef *d, ErrorData *edata, List *drop_names)
{
	DataCheck	r;
	ListCell   *lc;

	SPI_commit();
	check_data(d, &r);
	foreach(lc, drop_names)
		run_step(d, "drop it again",
				 psprintf("ALTER TABLE %s DROP CONSTRAINT IF EXISTS %s", d->relname,
						  quote_identifier(strVal(lfirst(lc)))), NULL);
	ereport(ERROR,
			(errcode(edata->sqlerrcode),
			 errmsg("%lld existing rows of %s violate %s constraint \"%s\"",
					(long long) r.violations, d->relname, r.kind, d->conname),
			 errdetail("Examples: %s.  Nothing was changed: what add_constraint added is dropped again. (%s)",
					   r.examples, edata->message),
			 errhint("Fix those rows (schemashift.check_constraint_data() lists them), then call add_constraint again.")));
}

/* add NOT VALID (unless there), then validate; a violation is reported */
static void
add_and_validate(ConstraintDef *d, const char *name, const char *add_sql)
{
	bool		validated;
	ErrorData  *edata = NULL;

	if (existing_constraint(d->relid, name, &validated) == '\0')
		run_step(d, "add it NOT VALID (no scan)", add_sql, NULL);
	else if (validated)
		return;
	run_step(d, "validate it (SHARE UPDATE EXCLUSIVE: reads and writes continue)",
			 psprintf("ALTER TABLE %s VALIDATE CONSTRAINT %s", d->relname, quote_identifier(name)),
			 &edata);
	if (edata)
	{
		if (edata->sqlerrcode == ERRCODE_CHECK_VIOLATION ||
			edata->sqlerrcode == ERRCODE_FOREIGN_KEY_VIOLATION)
			report_violation(d, edata, list_make1(makeString(pstrdup(name))));
		ReThrowError(edata);
	}
}

static char *
not_null_helper_sql(ConstraintDef *d, const char *name, const char *col)
{
	return psprintf("ALTER TABLE %s%s ADD CONSTRAINT %s CHECK (%s IS NOT NULL) NOT VALID",
					d->rel_only, d->relname, quote_identifier(name), quote_identifier(col));
}

static void
add_not_null(ConstraintDef *d)
{
	const char *col = strVal(linitial(d->keys));

	if (column_not_null(d->relid, col))
	{
		ereport(NOTICE,
				(errmsg("column %s of %s is already NOT NULL, skipping", quote_identifier(col),
						d->relname)));
		return;
	}
	add_and_validate(d, d->conname, not_null_helper_sql(d, d->conname, col));
	run_step(d, "SET NOT NULL, proved by the validated check (no scan), and drop the check",
			 psprintf("ALTER TABLE %s%s ALTER COLUMN %s SET NOT NULL;\nALTER TABLE %s%s DROP CONSTRAINT %s",
					  d->rel_only, d->relname, quote_identifier(col), d->rel_only, d->relname,
					  quote_identifier(d->conname)), NULL);
}

static void
add_unique(ConstraintDef *d)
{
	bool		validated;
	List	   *helpers = NIL;
	ListCell   *lc;
	StringInfoData attach;
	StringInfoData index;
	DataCheck	r;

	if (get_rel_relkind(d->relid) == RELKIND_PARTITIONED_TABLE)
		refuse("add_constraint cannot add UNIQUE or PRIMARY KEY to a partitioned table",
			   "ADD CONSTRAINT ... USING INDEX is not supported on partitioned tables: add the constraint to each partition.");
	if (existing_constraint(d->relid, d->conname, &validated) != '\0')
	{
		ereport(NOTICE,
				(errmsg("constraint %s on %s already exists, skipping", d->conname, d->relname)));
		return;
	}
	if (d->kind == 'p' && primary_key_columns(d->relid) != NIL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TABLE_DEFINITION),
				 errmsg("multiple primary keys for table \"%s\" are not allowed",
						get_rel_name(d->relid))));

	/* duplicates would make the build fail after a full scan: look first */
	check_data(d, &r);
	if (r.violations > 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNIQUE_VIOLATION),
				 errmsg("%lld existing rows of %s violate %s constraint \"%s\"",
						(long long) r.violations, d->relname, r.kind, d->conname),
				 errdetail("Examples: %s.  Nothing was changed.", r.examples),
				 errhint("Fix those rows (schemashift.check_constraint_data() lists them), then call add_constraint again.")));
	SPI_commit();

	if (d->kind == 'p')
	{
		foreach(lc, d->keys)
		{
			const char *col = strVal(lfirst(lc));
			char	   *helper;

			if (column_not_null(d->relid, col))
				continue;
			helper = makeObjectName(get_rel_name(d->relid), col, "ss_not_null");
			add_and_validate(d, helper, not_null_helper_sql(d, helper, col));
			helpers = lappend(helpers, makeString(helper));
		}
	}

	initStringInfo(&index);
	appendStringInfo(&index, "CREATE UNIQUE INDEX %s ON %s (%s)", quote_identifier(d->conname),
					 d->relname, key_list(d->keys, ""));
	if (d->including)
		appendStringInfo(&index, " INCLUDE (%s)", key_list(d->including, ""));
	if (d->nulls_not_distinct)
		appendStringInfoString(&index, " NULLS NOT DISTINCT");
	ereport(NOTICE,
			(errmsg("constraint %s on %s: build its unique index concurrently", d->conname, d->relname)));
	schemashift_build_index(index.data, 3);

	initStringInfo(&attach);
	appendStringInfo(&attach, "ALTER TABLE %s ADD CONSTRAINT %s %s USING INDEX %s%s",
					 d->relname, quote_identifier(d->conname),
					 d->kind == 'p' ? "PRIMARY KEY" : "UNIQUE",
					 quote_identifier(d->conname), d->deferrable);
	foreach(lc, helpers)
		appendStringInfo(&attach, ";\nALTER TABLE %s DROP CONSTRAINT %s", d->relname,
						 quote_identifier(strVal(lfirst(lc))));
	run_step(d, "attach the index as the constraint", attach.data, NULL);
}

/* CALL schemashift.add_constraint(definition) */
Datum
schemashift_add_constraint(PG_FUNCTION_ARGS)
{
	ConstraintDef d;
	char	   *add_sql;

	schemashift_require_nonatomic(fcinfo, "add_constraint");
	ss_require_arg(fcinfo, 0, "definition");
	if (SPI_connect_ext(SPI_OPT_NONATOMIC) != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	disable_timeout(STATEMENT_TIMEOUT, false);
	parse_definition(&d, text_to_cstring(PG_GETARG_TEXT_PP(0)));
	/* the ALTER's own privilege check would come later, after the scans */
	if (!schemashift_table_ownercheck(d.relid, GetUserId()))
		aclcheck_error(ACLCHECK_NOT_OWNER, get_relkind_objtype(get_rel_relkind(d.relid)),
					   get_rel_name(d.relid));

	switch (d.kind)
	{
		case 'n':
			add_not_null(&d);
			break;
		case 'u':
		case 'p':
			add_unique(&d);
			break;
		default:
			add_sql = psprintf("ALTER TABLE %s%s ADD %s%s%s", d.rel_only, d.relname,
							   d.named ? "" : "CONSTRAINT ",
							   d.named ? "" : quote_identifier(d.conname),
							   d.named ? d.clause : psprintf(" %s", d.clause));
			if (d.not_valid)
			{
				bool		validated;

				if (existing_constraint(d.relid, d.conname, &validated) == '\0')
					run_step(&d, "add it NOT VALID, as asked", add_sql, NULL);
				break;
			}
			add_and_validate(&d, d.conname, psprintf("%s NOT VALID", add_sql));
			break;
	}
	ereport(NOTICE, (errmsg("constraint %s on %s is in place", d.conname, d.relname)));
	SPI_finish();
	PG_RETURN_VOID();
}
