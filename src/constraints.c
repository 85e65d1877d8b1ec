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
 *	  From PostgreSQL 18 on (also ADD CONSTRAINT ... NOT NULL col): the NOT
 *	  NULL constraint itself is added NOT VALID, then validated.
 *	- UNIQUE, PRIMARY KEY: the unique index is built concurrently, then
 *	  attached with ADD CONSTRAINT ... USING INDEX; nullable primary key
 *	  columns are proved NOT NULL first, so that step does not scan either.
 * A violation found while validating drops what was added and reports how
 * many rows violate the constraint, with examples.  Each step looks at the
 * catalog first, so calling again after an interruption picks up where the
 * last call stopped.
 *
 * The table owner's code (the CHECK, the functions, casts and operators it
 * reaches) runs as the owner (owner.c): VALIDATE, and the queries that
 * count violations and list examples.  Examples are built in C from each
 * column's output function, never through a cast the owner may define
 * (to_jsonb() would call a cast to json), and show the table's primary key
 * and the constraint's columns only.  The user's statement is parsed and
 * every statement the recipe runs is rebuilt from the parse tree: nothing
 * is appended to the user's text, so a trailing comment cannot swallow a
 * NOT VALID.
 *
 *-------------------------------------------------------------------------
 */
#include "procedure.h"
#include "procs.h"
#include "recipes.h"
#include "versions.h"
#include "worker.h"
#include "schemashift.h"

#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/sysattr.h"
#include "access/table.h"
#include "catalog/pg_proc.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_index.h"
#include "catalog/pg_operator.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parse_coerce.h"
#include "parser/parse_collate.h"
#include "parser/parse_expr.h"
#include "parser/parse_relation.h"
#include "parser/parser.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/ruleutils.h"
#include "utils/syscache.h"
#include "utils/timeout.h"

PG_FUNCTION_INFO_V1(schemashift_add_constraint);
PG_FUNCTION_INFO_V1(schemashift_check_constraint_data);

#define SS_EXAMPLES 5

typedef struct ConstraintDef
{
	const char *definition;
	Oid			relid;
	Oid			owner;			/* the table's: its code runs as this role */
	char	   *relname;		/* qualified, quoted */
	char	   *rel_only;		/* "ONLY " or "" */
	char		kind;			/* c, f, u, p, n (SET NOT NULL, 18's NOT NULL
								 * constraint) */
	char	   *conname;		/* given or chosen */
	bool		named;
	bool		not_valid;		/* the user asked for NOT VALID only */
	char	   *body;			/* CHECK/FOREIGN KEY clause rebuilt from the
								 * parse tree, without NOT VALID */
	Node	   *raw_check;		/* the CHECK expression's parse tree */
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

/*
 * The user's text of an expression the parser accepted, to be placed inside
 * a statement we build: in parentheses, and on lines of its own when it
 * holds a line comment, so that nothing after it can be commented out.
 */
static char *
embedded_expression(const char *text)
{
	int			start = 0;
	int			end = strlen(text);

	while (start < end && isspace((unsigned char) text[start]))
		start++;
	while (end > start && isspace((unsigned char) text[end - 1]))
		end--;
	if (strstr(text, "--") != NULL)
		return psprintf("(\n%s\n)", pnstrdup(text + start, end - start));
	return psprintf("(%s)", pnstrdup(text + start, end - start));
}

static const char *
fk_action(char action)
{
	switch (action)
	{
		case FKCONSTR_ACTION_RESTRICT:
			return "RESTRICT";
		case FKCONSTR_ACTION_CASCADE:
			return "CASCADE";
		case FKCONSTR_ACTION_SETNULL:
			return "SET NULL";
		case FKCONSTR_ACTION_SETDEFAULT:
			return "SET DEFAULT";
		default:
			return "NO ACTION";
	}
}

/*
 * The names joined by sep, each after prefix; quoted as identifiers when
 * quoted (for SQL), as they are otherwise (for a constraint's name).
 */
static char *
join_names(List *names, const char *sep, const char *prefix, bool quoted)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, names)
	{
		const char *name = strVal(lfirst(lc));

		if (buf.len > 0)
			appendStringInfoString(&buf, sep);
		appendStringInfo(&buf, "%s%s", prefix, quoted ? quote_identifier(name) : name);
	}
	return buf.data;
}

/* "a, b" or, with prefix "t.", "t.a, t.b": a key's columns for SQL */
static char *
key_list(List *names, const char *prefix)
{
	return join_names(names, ", ", prefix, true);
}

/* "a_b": a key's columns in a constraint's name, as the server makes it */
static char *
joined_names(List *names)
{
	return join_names(names, "_", "", false);
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
				  "JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) i.indrelid "
				  "AND a.attnum OPERATOR(pg_catalog.=) ANY (i.indkey) "
				  "WHERE i.indrelid OPERATOR(pg_catalog.=) $1 AND i.indisprimary "
				  "ORDER BY pg_catalog.array_position(i.indkey::pg_catalog.int2[], a.attnum)",
				  1, types, values, NULL);
	for (i = 0; i < SPI_processed; i++)
		cols = lappend(cols, makeString(SPI_getvalue(SPI_tuptable->vals[i],
													 SPI_tuptable->tupdesc, 1)));
	return cols;
}

/* The table of the ALTER TABLE: it must be a table; returns its bare name. */
static char *
definition_table(ConstraintDef *d, AlterTableStmt *stmt)
{
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
	d->owner = ss_table_owner(d->relid);
	d->rel_only = stmt->relation->inh ? "" : "ONLY ";
	d->deferrable = "";
	return get_rel_name(d->relid);
}

/* 'c', 'f', 'u' or 'p': the constraints add_constraint has a recipe for */
static char
constraint_kind(Constraint *con)
{
	if (con->indexname)
		refuse("a constraint USING INDEX needs no recipe",
			   "Run it with CALL schemashift.with_lock_retries(...).");
	if (con->options != NIL || con->indexspace != NULL)
		refuse("add_constraint does not support WITH (...) or USING INDEX TABLESPACE",
			   "Build the index with CALL schemashift.create_index(...), then add the constraint USING INDEX.");
	if (schemashift_constraint_has_18_clauses(con))
		refuse("add_constraint does not support NOT ENFORCED, WITHOUT OVERLAPS or PERIOD constraints",
			   "A NOT ENFORCED constraint checks no row: run it as it is.  Run the others with CALL schemashift.with_lock_retries(...).");
	switch (con->contype)
	{
		case CONSTR_CHECK:
			return 'c';
		case CONSTR_FOREIGN:
			return 'f';
		case CONSTR_UNIQUE:
			return 'u';
		case CONSTR_PRIMARY:
			return 'p';
		case CONSTR_NOTNULL:	/* ADD CONSTRAINT ... NOT NULL col: 18 */
			return 'n';
		default:
			refuse("add_constraint handles CHECK, FOREIGN KEY, UNIQUE, PRIMARY KEY and SET NOT NULL",
				   "An exclusion constraint has no online recipe: build its index in a quiet moment.");
	}
	return '\0';				/* not reached */
}

/*
 * The CHECK expression's own text in clause: from CHECK's "(" to its
 * matching ")", found by the server's scanner (a raw parse tree does not
 * say where an expression ends).
 */
static char *
check_expression_text(const char *clause)
{
	SSToken    *tok;
	int			ntok = ss_scan_tokens(clause, &tok);
	int			i = ss_find_keyword(tok, ntok, 0, "check");
	int			open;
	int			close;

	if (i < 0 || i + 1 >= ntok || tok[i + 1].tok != '(')
		elog(ERROR, "could not find the CHECK expression in \"%s\"", clause);
	open = i + 1;
	close = open + 1;
	while (close < ntok && !(tok[close].tok == ')' && tok[close].depth == 0))
		close++;
	if (close >= ntok)
		elog(ERROR, "unbalanced CHECK expression in \"%s\"", clause);
	return pnstrdup(clause + tok[open].start + 1,
					tok[close].start - tok[open].start - 1);
}

static void
parse_check(ConstraintDef *d, Constraint *con, const char *relname)
{
	char	   *col = NULL;
	char	   *expr = check_expression_text(d->definition + con->location);

	d->raw_check = con->raw_expr;
	d->body = psprintf("CHECK %s%s", embedded_expression(expr),
					   con->is_no_inherit ? " NO INHERIT" : "");
	(void) first_column_ref(con->raw_expr, &col);
	if (!d->named)
		d->conname = makeObjectName(relname, col, "check");
}

static void
parse_foreign_key(ConstraintDef *d, Constraint *con, const char *relname)
{
	StringInfoData body;

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

	initStringInfo(&body);
	appendStringInfo(&body, "FOREIGN KEY (%s) REFERENCES %s", key_list(con->fk_attrs, ""),
					 ss_qualified_relname(d->pk_relid));
	if (con->pk_attrs != NIL)
		appendStringInfo(&body, " (%s)", key_list(con->pk_attrs, ""));
	if (con->fk_matchtype == FKCONSTR_MATCH_FULL)
		appendStringInfoString(&body, " MATCH FULL");
	else if (con->fk_matchtype == FKCONSTR_MATCH_PARTIAL)
		appendStringInfoString(&body, " MATCH PARTIAL");
	if (con->fk_upd_action != FKCONSTR_ACTION_NOACTION)
		appendStringInfo(&body, " ON UPDATE %s", fk_action(con->fk_upd_action));
	if (con->fk_del_action != FKCONSTR_ACTION_NOACTION)
		appendStringInfo(&body, " ON DELETE %s", fk_action(con->fk_del_action));
	if (con->fk_del_set_cols != NIL)
		appendStringInfo(&body, " (%s)", key_list(con->fk_del_set_cols, ""));
	appendStringInfoString(&body, d->deferrable);
	d->body = body.data;
}

/* parsed: the caller's parse tree of the definition, or NULL */
static void
parse_definition(ConstraintDef *d, const char *definition, RawStmt *parsed)
{
	List	   *raw = parsed ? list_make1(parsed) : ss_parse_argument(definition, "definition");
	AlterTableStmt *stmt;
	AlterTableCmd *cmd;
	Constraint *con;
	char	   *relname;

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
	relname = definition_table(d, stmt);

	if (cmd->subtype == AT_SetNotNull)
	{
		d->kind = 'n';
		d->keys = list_make1(makeString(cmd->name));
		if (get_attnum(d->relid, cmd->name) == InvalidAttrNumber)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("column \"%s\" of relation \"%s\" does not exist",
							cmd->name, relname)));
		/* 18 keeps the constraint under the name the server would give it */
		d->conname = makeObjectName(relname, cmd->name,
									SCHEMASHIFT_HAS_NOT_NULL_NOT_VALID ? "not_null" : "ss_not_null");
		return;
	}
	if (cmd->subtype != AT_AddConstraint || !IsA(cmd->def, Constraint))
		refuse("add_constraint takes ADD CONSTRAINT or ALTER COLUMN ... SET NOT NULL",
			   "Other ALTER TABLE commands: CALL schemashift.with_lock_retries(...).");
	con = (Constraint *) cmd->def;
	d->kind = constraint_kind(con);
	d->named = con->conname != NULL;
	d->not_valid = con->skip_validation;
	d->keys = con->keys;
	d->including = con->including;
	d->nulls_not_distinct = con->nulls_not_distinct;
	if (con->deferrable)
		d->deferrable = con->initdeferred ? " DEFERRABLE INITIALLY DEFERRED" : " DEFERRABLE";

	if (d->kind == 'c')
		parse_check(d, con, relname);
	else if (d->kind == 'f')
		parse_foreign_key(d, con, relname);
	else if (d->kind == 'n' && !d->named)
		d->conname = makeObjectName(relname, strVal(linitial(con->keys)), "not_null");
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
	/* run as the owner */
	char	   *count_sql;
	char	   *examples_sql;
	char	   *nulls_sql;		/* PRIMARY KEY: NULL keys, counted apart */
	char	   *null_examples_sql;
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

/*
 * One value of an example, as JSON.  The text comes from the type's output
 * function (owners cannot define one: base types need a superuser), never
 * from a cast to json or text, which an owner can define on its own types.
 */
static void
append_json_value(StringInfo buf, SPITupleTable *tt, int row, int col)
{
	char	   *v = SPI_getvalue(tt->vals[row], tt->tupdesc, col);
	Oid			type = getBaseType(SPI_gettypeid(tt->tupdesc, col));

	if (v == NULL)
	{
		appendStringInfoString(buf, "null");
		return;
	}
	switch (type)
	{
		case BOOLOID:
			appendStringInfoString(buf, v[0] == 't' ? "true" : "false");
			return;
		case INT2OID:
		case INT4OID:
		case INT8OID:
		case FLOAT4OID:
		case FLOAT8OID:
		case NUMERICOID:
			/* NaN and Infinity are not JSON numbers */
			if (strspn(v, "0123456789.-+eE") == strlen(v) &&
				isdigit((unsigned char) v[v[0] == '-' ? 1 : 0]))
			{
				appendStringInfoString(buf, v);
				return;
			}
			break;
		default:
			break;
	}
	escape_json(buf, v);
}

/* The examples query's rows as a JSON array of objects, column -> value. */
static char *
examples_of(const char *sql)
{
	StringInfoData buf;
	SPITupleTable *tt;
	uint64		i;
	int			j;

	if (SPI_execute(sql, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not list examples: %s", sql);
	tt = SPI_tuptable;
	initStringInfo(&buf);
	appendStringInfoChar(&buf, '[');
	for (i = 0; i < SPI_processed; i++)
	{
		appendStringInfoString(&buf, i > 0 ? ", {" : "{");
		for (j = 1; j <= tt->tupdesc->natts; j++)
		{
			if (j > 1)
				appendStringInfoString(&buf, ", ");
			escape_json(&buf, NameStr(TupleDescAttr(tt->tupdesc, j - 1)->attname));
			appendStringInfoString(&buf, ": ");
			append_json_value(&buf, tt, i, j);
		}
		appendStringInfoChar(&buf, '}');
	}
	appendStringInfoChar(&buf, ']');
	/* through jsonb: the same key order and spacing as jsonb prints */
	return DatumGetCString(DirectFunctionCall1(jsonb_out,
											   DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data))));
}

/* The queries of check_data, as the table's owner. */
static void
run_data_queries(void *arg)
{
	DataCheck  *r = (DataCheck *) arg;

	r->violations = count_of(r->count_sql);
	r->examples = examples_of(r->examples_sql);
	if (r->nulls_sql)
	{
		int64		n = count_of(r->nulls_sql);

		if (n > 0 && strcmp(r->examples, "[]") == 0)
			r->examples = examples_of(r->null_examples_sql);
		r->violations += n;
	}
}

static List *
add_name(List *names, const char *name)
{
	ListCell   *lc;

	foreach(lc, names)
		if (strcmp(strVal(lfirst(lc)), name) == 0)
			return names;
	return lappend(names, makeString(pstrdup(name)));
}

/*
 * The columns an example shows: the table's primary key, then the
 * constraint's own columns; never the whole row.
 */
static char *
sample_columns(ConstraintDef *d, List *constraint_cols)
{
	List	   *cols = primary_key_columns(d->relid);
	ListCell   *lc;

	foreach(lc, constraint_cols)
		cols = add_name(cols, strVal(lfirst(lc)));
	if (cols == NIL)
		return pstrdup("");
	return key_list(cols, "t.");
}

/*
 * The CHECK expression as the server would store it: analysed against the
 * table with the caller's search_path (as ALTER TABLE ADD CONSTRAINT does),
 * then printed with every name qualified that pg_catalog, pg_temp does not
 * reach, so that it means the same under the owner's safe search_path.
 */
static char *
cooked_check(ConstraintDef *d, List **cols)
{
	ParseState *pstate = make_parsestate(NULL);
	Relation	rel = table_open(d->relid, AccessShareLock);
	ParseNamespaceItem *nsitem;
	Node	   *expr;
	Bitmapset  *attrs = NULL;
	char	   *text = NULL;
	int			x = -1;
	int			nest;

	nsitem = addRangeTableEntryForRelation(pstate, rel, AccessShareLock, NULL, false, true);
	addNSItemToQuery(pstate, nsitem, true, true, true);
	expr = transformExpr(pstate, copyObject(d->raw_check), EXPR_KIND_CHECK_CONSTRAINT);
	expr = coerce_to_boolean(pstate, expr, "CHECK");
	assign_expr_collations(pstate, expr);
	pull_varattnos(expr, 1, &attrs);
	*cols = NIL;
	while ((x = bms_next_member(attrs, x)) >= 0)
	{
		AttrNumber	attnum = x + FirstLowInvalidHeapAttributeNumber;

		if (attnum > 0)
			*cols = lappend(*cols, makeString(get_attname(d->relid, attnum, false)));
	}

	nest = NewGUCNestLevel();
	PG_TRY();
	{
		(void) set_config_option("search_path", "pg_catalog, pg_temp",
								 PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_SAVE, true, 0, false);
		text = deparse_expression(expr, deparse_context_for(RelationGetRelationName(rel), d->relid),
								  false, false);
	}
	PG_FINALLY();
	{
		AtEOXact_GUC(false, nest);
	}
	PG_END_TRY();
	table_close(rel, NoLock);
	return text;
}

/*
 * Find the unique index of the referenced table the foreign key would use
 * (as ALTER TABLE does: the primary key, or the unique index on exactly the
 * referenced columns), and for each column the equality operator the
 * constraint would get from the index's operator family: the operator the
 * server's own check uses, never one found through search_path.
 */
typedef struct FkEquality
{
	Oid			op;
	Oid			left_type;		/* the referenced column is cast to this */
	Oid			right_type;		/* the referencing column is cast to this */
} FkEquality;

/*
 * The server's foreign-key checks compare through the implicit cast between
 * the key types, and run as the owner of the referenced table: a cast
 * function a less privileged role wrote would run with those rights, for
 * the validation and for every later write.  Refuse to build such a key.
 */
static void
refuse_untrusted_cast(ConstraintDef *d, Oid from, Oid to)
{
	Oid			funcid = InvalidOid;
	Oid			owner;

	if (from == to ||
		find_coercion_pathway(to, from, COERCION_IMPLICIT, &funcid) != COERCION_PATH_FUNC ||
		!OidIsValid(funcid))
		return;
	{
		HeapTuple	tup = SearchSysCache1(PROCOID, ObjectIdGetDatum(funcid));

		if (!HeapTupleIsValid(tup))
			elog(ERROR, "cache lookup failed for function %u", funcid);
		owner = ((Form_pg_proc) GETSTRUCT(tup))->proowner;
		ReleaseSysCache(tup);
	}
	if (superuser_arg(owner) || owner == ss_table_owner(d->pk_relid))
		return;
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("foreign key constraint \"%s\" would compare %s with %s through function %s, owned by role %s",
					d->conname, format_type_be(from), format_type_be(to),
					get_func_name(funcid), GetUserNameFromId(owner, false)),
			 errdetail("The server checks foreign keys as the owner of the referenced table, which would run that function with its rights."),
			 errhint("Give the key columns the same type.")));
}

/* The attribute numbers of the key columns named in cols, or an error. */
static void
fk_key_attnums(Oid relid, List *cols, AttrNumber *att)
{
	ListCell   *lc;
	int			i = 0;

	foreach(lc, cols)
	{
		att[i] = get_attnum(relid, strVal(lfirst(lc)));
		if (att[i] == InvalidAttrNumber)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("column \"%s\" referenced in foreign key constraint does not exist",
							strVal(lfirst(lc)))));
		i++;
	}
}

/*
 * The operator classes of the referenced table's unique index on exactly
 * the keys pkatt (in any order), as the server picks it; false if none.
 */
static bool
fk_unique_index(Oid pk_relid, const AttrNumber *pkatt, int nkeys, Oid *opclass)
{
	Relation	pkrel = table_open(pk_relid, AccessShareLock);
	List	   *indexes = RelationGetIndexList(pkrel);
	bool		found = false;
	ListCell   *lc;

	foreach(lc, indexes)
	{
		HeapTuple	tup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(lfirst_oid(lc)));
		Form_pg_index idx;
		oidvector  *indclass;
		bool		isnull;
		int			i;
		int			j;

		if (!HeapTupleIsValid(tup))
			continue;
		idx = (Form_pg_index) GETSTRUCT(tup);
		indclass = (oidvector *) DatumGetPointer(SysCacheGetAttr(INDEXRELID, tup,
																 Anum_pg_index_indclass, &isnull));
		if (idx->indnkeyatts == nkeys && idx->indisunique && idx->indimmediate &&
			heap_attisnull(tup, Anum_pg_index_indpred, NULL) &&
			heap_attisnull(tup, Anum_pg_index_indexprs, NULL))
		{
			found = true;
			for (i = 0; i < nkeys && found; i++)
			{
				found = false;
				for (j = 0; j < nkeys; j++)
					if (idx->indkey.values[j] == pkatt[i])
					{
						opclass[i] = indclass->values[j];
						found = true;
						break;
					}
			}
		}
		ReleaseSysCache(tup);
		if (found)
			break;
	}
	table_close(pkrel, NoLock);
	return found;
}

static void
fk_equalities(ConstraintDef *d, FkEquality *eq)
{
	int			nkeys = list_length(d->pk_attrs);
	AttrNumber	fkatt[INDEX_MAX_KEYS];
	AttrNumber	pkatt[INDEX_MAX_KEYS];
	Oid			opclass[INDEX_MAX_KEYS];
	int			i;

	if (nkeys > INDEX_MAX_KEYS || nkeys != list_length(d->keys))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_FOREIGN_KEY),
				 errmsg("number of referencing and referenced columns for foreign key disagree")));
	fk_key_attnums(d->relid, d->keys, fkatt);
	fk_key_attnums(d->pk_relid, d->pk_attrs, pkatt);
	if (!fk_unique_index(d->pk_relid, pkatt, nkeys, opclass))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_FOREIGN_KEY),
				 errmsg("there is no unique constraint matching given keys for referenced table \"%s\"",
						get_rel_name(d->pk_relid))));

	for (i = 0; i < nkeys; i++)
	{
		Oid			family = get_opclass_family(opclass[i]);
		Oid			opcintype = get_opclass_input_type(opclass[i]);
		Oid			pktype = get_atttype(d->pk_relid, pkatt[i]);
		Oid			fktype = get_atttype(d->relid, fkatt[i]);
		Oid			fktyped = getBaseType(fktype);
		Oid			ppeqop = get_opfamily_member(family, opcintype, opcintype, BTEqualStrategyNumber);
		Oid			pfeqop = get_opfamily_member(family, opcintype, fktyped, BTEqualStrategyNumber);
		Oid			ffeqop = OidIsValid(pfeqop) ?
			get_opfamily_member(family, fktyped, fktyped, BTEqualStrategyNumber) : InvalidOid;

		eq[i].left_type = opcintype;
		eq[i].right_type = fktyped;
		eq[i].op = pfeqop;
		if (!(OidIsValid(pfeqop) && OidIsValid(ffeqop)))
		{
			Oid			input[2] = {pktype, fktype};
			Oid			target[2] = {opcintype, opcintype};

			if (!OidIsValid(ppeqop) || !can_coerce_type(2, input, target, COERCION_IMPLICIT))
				ereport(ERROR,
						(errcode(ERRCODE_DATATYPE_MISMATCH),
						 errmsg("foreign key constraint \"%s\" cannot be implemented", d->conname),
						 errdetail("Key columns \"%s\" and \"%s\" are of incompatible types: %s and %s.",
								   strVal(list_nth(d->keys, i)), strVal(list_nth(d->pk_attrs, i)),
								   format_type_be(fktype), format_type_be(pktype))));
			refuse_untrusted_cast(d, fktype, opcintype);
			refuse_untrusted_cast(d, pktype, opcintype);
			eq[i].op = ppeqop;
			eq[i].right_type = opcintype;
		}
	}
}

/* (expr)::type, unless expr is of that type already or type is polymorphic */
static char *
cast_to(const char *expr, Oid from, Oid to)
{
	if (from == to || IsPolymorphicType(to))
		return pstrdup(expr);
	return psprintf("%s::%s", expr, format_type_be_qualified(to));
}

/*
 * Count the rows that violate the constraint, with examples, by plain
 * SELECTs (ACCESS SHARE: writers are not blocked).  The statements are
 * built here, as the caller; they run as the table's owner, since they
 * evaluate the owner's code.
 */
static void require_owner(ConstraintDef *d);

static void
check_data(ConstraintDef *d, DataCheck *r)
{
	char	   *rows;
	char	   *from = psprintf("%s%s AS t", d->rel_only, d->relname);
	char	   *cols;

	memset(r, 0, sizeof(*r));
	require_owner(d);
	switch (d->kind)
	{
		case 'n':
			r->kind = "not null";
			rows = psprintf("FROM %s WHERE %s", from, not_null_filter(d->keys, "t.", "IS NULL", " OR "));
			cols = sample_columns(d, d->keys);
			break;
		case 'c':
			{
				List	   *check_cols;
				char	   *expr = cooked_check(d, &check_cols);

				r->kind = "check";
				rows = psprintf("FROM %s WHERE NOT (%s)", from, expr);
				cols = sample_columns(d, check_cols);
				break;
			}
		case 'f':
			{
				StringInfoData match;
				FkEquality	eq[INDEX_MAX_KEYS];
				int			i;

				r->kind = "foreign key";
				fk_equalities(d, eq);
				initStringInfo(&match);
				for (i = 0; i < list_length(d->keys); i++)
				{
					const char *pk = strVal(list_nth(d->pk_attrs, i));
					const char *fk = strVal(list_nth(d->keys, i));

					if (match.len > 0)
						appendStringInfoString(&match, " AND ");
					appendStringInfo(&match, "%s %s %s",
									 cast_to(psprintf("p.%s", quote_identifier(pk)),
											 get_atttype(d->pk_relid, get_attnum(d->pk_relid, pk)),
											 eq[i].left_type),
									 ss_qualified_operator(eq[i].op),
									 cast_to(psprintf("t.%s", quote_identifier(fk)),
											 get_atttype(d->relid, get_attnum(d->relid, fk)),
											 eq[i].right_type));
				}
				rows = psprintf("FROM %s WHERE (%s AND NOT EXISTS (SELECT 1 FROM %s%s AS p WHERE %s))%s",
								from, not_null_filter(d->keys, "t.", "IS NOT NULL", " AND "),
								get_rel_relkind(d->pk_relid) == RELKIND_PARTITIONED_TABLE ? "" : "ONLY ",
								ss_qualified_relname(d->pk_relid), match.data,
								d->matchtype == FKCONSTR_MATCH_FULL && list_length(d->keys) > 1 ?
								psprintf(" OR (pg_catalog.num_nulls(%s) OPERATOR(pg_catalog.>=) 1"
										 " AND pg_catalog.num_nulls(%s) OPERATOR(pg_catalog.<=) %d)",
										 key_list(d->keys, "t."), key_list(d->keys, "t."),
										 list_length(d->keys) - 1) : "");
				cols = sample_columns(d, d->keys);
				break;
			}
		default:
			{
				char	   *keys = key_list(d->keys, "t.");
				char	   *groups = psprintf("SELECT %s, pg_catalog.count(*) AS rows FROM %s%s%s GROUP BY %s HAVING pg_catalog.count(*) OPERATOR(pg_catalog.>) 1",
											  keys, from,
											  d->nulls_not_distinct ? "" : " WHERE ",
											  d->nulls_not_distinct ? "" : not_null_filter(d->keys, "t.", "IS NOT NULL", " AND "),
											  keys);

				r->kind = d->kind == 'p' ? "primary key" : "unique";
				r->count_sql = psprintf("SELECT pg_catalog.sum(rows)::pg_catalog.int8 FROM (%s) AS d", groups);
				r->examples_sql = psprintf("%s ORDER BY pg_catalog.count(*) DESC LIMIT %d",
										   groups, SS_EXAMPLES);
				r->query = r->count_sql;
				if (d->kind == 'p')
				{
					/* a primary key also refuses NULLs */
					char	   *where = not_null_filter(d->keys, "t.", "IS NULL", " OR ");

					r->nulls_sql = psprintf("SELECT pg_catalog.count(*) FROM %s WHERE %s", from, where);
					r->null_examples_sql = psprintf("SELECT %s FROM %s WHERE %s LIMIT %d",
													sample_columns(d, d->keys), from, where,
													SS_EXAMPLES);
					r->query = psprintf("%s;\n%s", r->count_sql, r->nulls_sql);
				}
				ss_run_as_owner(d->owner, run_data_queries, r);
				return;
			}
	}
	r->count_sql = psprintf("SELECT pg_catalog.count(*) %s", rows);
	r->examples_sql = psprintf("SELECT %s %s LIMIT %d", cols, rows, SS_EXAMPLES);
	r->query = r->count_sql;
	ss_run_as_owner(d->owner, run_data_queries, r);
}

/*
 * Only who may act for the owner: its code then runs as the owner.  Read
 * again before each step that switches, as the owner may have changed
 * between two of the recipe's transactions.
 */
static void
require_owner(ConstraintDef *d)
{
	if (!schemashift_table_ownercheck(d->relid, GetUserId()))
		aclcheck_error(ACLCHECK_NOT_OWNER, get_relkind_objtype(get_rel_relkind(d->relid)),
					   get_rel_name(d->relid));
	d->owner = ss_table_owner(d->relid);
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
	MemoryContext caller = CurrentMemoryContext;

	ss_require_arg(fcinfo, 0, "definition");
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	parse_definition(&d, text_to_cstring(PG_GETARG_TEXT_PP(0)), NULL);
	require_owner(&d);
	check_data(&d, &r);
	/* the row outlives SPI_finish, which frees SPI's memory */
	MemoryContextSwitchTo(caller);
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

/*
 * One step under lock retries; run_as: InvalidOid for the caller, or the
 * table's owner for a step that evaluates the owner's code.
 */
static void
run_step_as(ConstraintDef *d, Oid run_as, const char *what, const char *sql,
			ErrorData **error)
{
	SSRetryRun	run;

	memset(&run, 0, sizeof(run));
	ss_retry_schedule_default(&run.schedule);
	run.label = psprintf("constraint %s: %s", d->conname, what);
	run.sql = sql;
	run.run_as = run_as;
	run.exempt = ss_no_exemption;
	ereport(NOTICE,
			(errmsg("constraint %s on %s: %s", d->conname, d->relname, what),
			 errdetail("Statement: %s", sql)));
	(void) ss_with_lock_retries(&run, error);
}

static void
run_step(ConstraintDef *d, const char *what, const char *sql, ErrorData **error)
{
	run_step_as(d, InvalidOid, what, sql, error);
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
					  "WHERE conrelid OPERATOR(pg_catalog.=) $1 AND conname OPERATOR(pg_catalog.=) $2::pg_catalog.name",
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
	/* 18: attnotnull is also set by a NOT VALID NOT NULL constraint */
	return r && ss_not_null_is_validated(relid, get_attnum(relid, col));
}

/*
 * The violation a VALIDATE found: drop what was added, then report the
 * offending rows.
 */
typedef struct CheckDataArgs
{
	ConstraintDef *d;
	DataCheck  *r;
} CheckDataArgs;

static void
check_data_step(void *arg)
{
	CheckDataArgs *a = (CheckDataArgs *) arg;

	check_data(a->d, a->r);
}

static void
report_violation(ConstraintDef *d, ErrorData *edata, List *drop_names)
{
	DataCheck	r;
	CheckDataArgs args = {d, &r};
	ErrorData  *count_error;
	ListCell   *lc;

	SPI_commit();

	/*
	 * Counting runs as the owner, who may lack what the caller has (SELECT
	 * on a referenced table): what was added is dropped all the same.
	 */
	count_error = ss_try(check_data_step, &args, true);
	foreach(lc, drop_names)
		run_step(d, "drop it again",
				 psprintf("ALTER TABLE %s DROP CONSTRAINT IF EXISTS %s", d->relname,
						  quote_identifier(strVal(lfirst(lc)))), NULL);
	if (count_error)
		ereport(ERROR,
				(errcode(edata->sqlerrcode),
				 errmsg("existing rows of %s violate constraint \"%s\"", d->relname, d->conname),
				 errdetail("Nothing was changed: what add_constraint added is dropped again (%s). Counting the violating rows as the table's owner failed: %s.",
						   edata->message, count_error->message),
				 errhint("Fix those rows, then call add_constraint again.")));
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
	/* VALIDATE evaluates the owner's CHECK or the key's operators: as the owner */
	require_owner(d);
	run_step_as(d, d->owner, "validate it (SHARE UPDATE EXCLUSIVE: reads and writes continue)",
			 psprintf("ALTER TABLE %s VALIDATE CONSTRAINT %s", d->relname, quote_identifier(name)),
			 &edata);
	if (edata)
	{
		if (edata->sqlerrcode == ERRCODE_CHECK_VIOLATION ||
			edata->sqlerrcode == ERRCODE_FOREIGN_KEY_VIOLATION ||
			edata->sqlerrcode == ERRCODE_NOT_NULL_VIOLATION)
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

/*
 * 18: the NOT NULL constraint itself, NOT VALID, then validated; a NOT VALID
 * one the column already has is validated (the server allows one a column)
 */
static void
add_not_null_constraint(ConstraintDef *d, const char *col)
{
	bool		validated;
	char	   *existing = ss_not_null_constraint_name(d->relid, get_attnum(d->relid, col),
													   &validated);
	char	   *add_sql;
	bool		present;

	if (existing && !d->named)
		d->conname = existing;
	add_sql = psprintf("ALTER TABLE %s%s ADD CONSTRAINT %s NOT NULL %s NOT VALID",
					   d->rel_only, d->relname, quote_identifier(d->conname),
					   quote_identifier(col));
	if (!d->not_valid)
	{
		add_and_validate(d, d->conname, add_sql);
		return;
	}
	if (existing_constraint(d->relid, d->conname, &present) == '\0')
		run_step(d, "add it NOT VALID, as asked", add_sql, NULL);
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
	if (SCHEMASHIFT_HAS_NOT_NULL_NOT_VALID)
	{
		add_not_null_constraint(d, col);
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
	static const char *const required[] = {"definition"};

	ss_procedure_begin(fcinfo, "add_constraint", lengthof(required), required);
	ss_add_constraint(text_to_cstring(PG_GETARG_TEXT_PP(0)), NULL);
	PG_RETURN_VOID();
}

/* add_constraint's work; parsed: the definition's parse tree, or NULL */
void
ss_add_constraint(const char *definition, RawStmt *parsed)
{
	ConstraintDef d;
	char	   *add_sql;

	ss_procedure_connect();
	parse_definition(&d, definition, parsed);
	/* the ALTER's own privilege check would come later, after the scans */
	require_owner(&d);

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
			if (d.kind == 'f')
			{
				FkEquality	eq[INDEX_MAX_KEYS];

				/* refuses keys compared through an untrusted cast */
				fk_equalities(&d, eq);
			}
			/* rebuilt from the parse tree: the user's text is never extended */
			add_sql = psprintf("ALTER TABLE %s%s ADD CONSTRAINT %s %s", d.rel_only, d.relname,
							   quote_identifier(d.conname), d.body);
			if (d.not_valid)
			{
				bool		validated;

				if (existing_constraint(d.relid, d.conname, &validated) == '\0')
					run_step(&d, "add it NOT VALID, as asked",
							 psprintf("%s NOT VALID", add_sql), NULL);
				break;
			}
			add_and_validate(&d, d.conname, psprintf("%s NOT VALID", add_sql));
			break;
	}
	ereport(NOTICE, (errmsg("constraint %s on %s is in place", d.conname, d.relname)));
	SPI_finish();
}

/* ---------- as an apply() recipe (recipes.h) ---------- */

/*
 * "add constraint": ADD CONSTRAINT that would scan or build under a long
 * lock, and SET NOT NULL
 */
static bool
recipe_add_constraint_match(const SSRecipeInput *in)
{
	Oid			relid;
	AlterTableCmd *cmd = ss_single_alter_table_cmd(in, &relid);

	if (cmd == NULL)
		return false;
	return (cmd->subtype == AT_AddConstraint && IsA(cmd->def, Constraint) &&
			(ss_has_rule(in->findings, SS_CONSTRAINT_MISSING_NOT_VALID) ||
			 ss_has_rule(in->findings, SS_ADDING_FOREIGN_KEY_CONSTRAINT) ||
			 ss_has_rule(in->findings, SS_DISALLOWED_UNIQUE_CONSTRAINT) ||
			 ss_has_rule(in->findings, SS_ADDING_NOT_NULLABLE_FIELD) ||
			 ss_has_rule(in->findings, SS_ADDING_SERIAL_PRIMARY_KEY_FIELD))) ||
		(cmd->subtype == AT_SetNotNull &&
		 ss_has_rule(in->findings, SS_ADDING_NOT_NULLABLE_FIELD));
}

static bool
recipe_add_constraint_plan(const SSRecipeInput *in, Step *s)
{
	Oid			relid;
	AlterTableCmd *cmd = ss_single_alter_table_cmd(in, &relid);
	Constraint *con = cmd->subtype == AT_AddConstraint ? (Constraint *) cmd->def : NULL;
	double		bytes = 0;
	double		rows = 0;

	if (con && (con->indexname || con->options || con->indexspace ||
				schemashift_constraint_has_18_clauses(con) ||
				(con->contype != CONSTR_CHECK && con->contype != CONSTR_FOREIGN &&
				 con->contype != CONSTR_UNIQUE && con->contype != CONSTR_PRIMARY &&
				 con->contype != CONSTR_NOTNULL)))
		return false;
	ss_relation_size(relid, &bytes, &rows);
	ss_recipe_call(s, list_make1(ss_recipe_text(in->text)));
	if (con == NULL || con->contype == CONSTR_NOTNULL)
		s->locks = pstrdup(ss_not_null_recipe_locks());
	else if (con->contype == CONSTR_FOREIGN)
		s->locks = "SHARE ROW EXCLUSIVE on both tables for an instant; SHARE UPDATE EXCLUSIVE while validating";
	else if (con->contype == CONSTR_CHECK)
		s->locks = "ACCESS EXCLUSIVE for an instant; SHARE UPDATE EXCLUSIVE while validating";
	else
		s->locks = "SHARE UPDATE EXCLUSIVE while the index builds; ACCESS EXCLUSIVE for an instant to attach it";
	s->estimate_ms = (int64) (1000 * (1 + bytes / SS_SCAN_BYTES_PER_S +
									  (con && (con->contype == CONSTR_UNIQUE || con->contype == CONSTR_PRIMARY) ?
									   2 * bytes / SS_BUILD_BYTES_PER_S : 0)));
	return true;
}

static int64
recipe_add_constraint_run(Step *s)
{
	/* the planner's tree is the statement's, which is the definition */
	ss_add_constraint(ss_recipe_arg_text(s, 0), (RawStmt *) s->parsed);
	return 0;
}

/* its entry in the recipe table (recipes.c) */
const SSRecipe ss_recipe_add_constraint = {
	"add constraint", SS_RECIPE_PROCEDURE, "add_constraint",
	recipe_add_constraint_match, recipe_add_constraint_plan, recipe_add_constraint_run
};
