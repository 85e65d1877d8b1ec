/*-------------------------------------------------------------------------
 *
 * expand.c
 *		Expand/contract column changes: change a column's type, rename a
 *		column, or add a column with a volatile default or NOT NULL, while
 *		the application keeps reading and writing the table.
 *
 * Expand adds the new structure next to the old (a column, a trigger that
 * keeps it in sync on every write, a batched backfill, concurrent copies of
 * the indexes and constraints), so old and new code both work.  Contract
 * swaps it in, in one short transaction under lock_timeout; abort removes
 * it.  Every step is planned first and stamped done in the transaction that
 * did it, so an interrupted change can be resumed (by calling expand again)
 * or aborted from any point.
 *
 * The steps that evaluate the table owner's code (VALIDATE of the copied
 * CHECK constraints, an in-place ALTER COLUMN TYPE that re-checks them)
 * run as the owner (owner.c).  The caller's expressions (using_expr,
 * default_expr) must each be exactly one expression, and are placed into
 * the statements we build in parentheses, on lines of their own when they
 * hold a comment, so that they cannot end or comment out what follows.
 *
 *-------------------------------------------------------------------------
 */
#include "ledger.h"
#include "procedure.h"
#include "procs.h"
#include "recipes.h"
#include "worker.h"
#include "schemashift.h"

#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "compat.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_operator.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "parser/parse_coerce.h"
#include "parser/parse_func.h"
#include "parser/parse_type.h"
#include "parser/parser.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/ruleutils.h"
#include "utils/syscache.h"
#include "utils/timeout.h"
#include "utils/typcache.h"

PG_FUNCTION_INFO_V1(schemashift_expand_alter_column_type);
PG_FUNCTION_INFO_V1(schemashift_expand_rename_column);
PG_FUNCTION_INFO_V1(schemashift_expand_add_column);
PG_FUNCTION_INFO_V1(schemashift_contract);
PG_FUNCTION_INFO_V1(schemashift_abort);
PG_FUNCTION_INFO_V1(schemashift_contract_named);
PG_FUNCTION_INFO_V1(schemashift_abort_named);

#define SS_STEP_RETRIES 10

typedef enum ChangeKind
{
	CHANGE_ALTER_TYPE,
	CHANGE_RENAME,
	CHANGE_ADD_COLUMN
} ChangeKind;

static const char *const kind_names[] = {"alter_column_type", "rename_column", "add_column"};

typedef struct Change
{
	int64		id;
	ChangeKind	kind;
	Oid			relid;
	char	   *relname;		/* qualified, quoted */
	char	   *schema;
	char	   *table;
	char	   *column;
	char	   *new_column;
	char	   *new_type;		/* canonical */
	char	   *using_expr;
	char	   *default_expr;
	bool		not_null;
	SSChangeState state;
	bool		in_place;
	char	   *sync_function;	/* qualified, quoted */
	char	   *sync_trigger;	/* quoted */
	int			batch_size;
} Change;

/* ---------- small helpers ---------- */

/* the procedures' default batch_size */
#define SS_DEFAULT_BATCH_SIZE 5000

static int
batch_size_arg(FunctionCallInfo fcinfo, int argno)
{
	int			n = PG_ARGISNULL(argno) ? SS_DEFAULT_BATCH_SIZE : PG_GETARG_INT32(argno);

	if (n < 1 || n > 1000000)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("batch_size must be between 1 and 1000000")));
	return n;
}

/* "prefix" + name, clipped to a valid identifier length */
static char *
derived_name(const char *prefix, const char *name)
{
	char	   *s = psprintf("%s%s", prefix, name);
	int			len = pg_mbcliplen(s, strlen(s), NAMEDATALEN - 1);

	s[len] = '\0';
	return s;
}

static char *
dollar_quote(const char *body)
{
	char	   *tag = pstrdup("$ss$");
	int			n = 0;

	while (strstr(body, tag) != NULL)
		tag = psprintf("$ss%d$", ++n);
	return psprintf("%s%s%s", tag, body, tag);
}

/*
 * An expression argument must be one expression and nothing else: no
 * second statement, no clause of a SELECT, no comma.
 */
static void
require_one_expression(const char *text, const char *what)
{
	List	   *raw = schemashift_raw_parser(psprintf("SELECT %s", text));
	SelectStmt *sel;

	if (list_length(raw) == 1 && IsA(linitial_node(RawStmt, raw)->stmt, SelectStmt))
	{
		sel = (SelectStmt *) linitial_node(RawStmt, raw)->stmt;
		if (ss_bare_select(sel) && list_length(sel->targetList) == 1 &&
			linitial_node(ResTarget, sel->targetList)->name == NULL &&
			sel->whereClause == NULL)
			return;
	}
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s must be one expression, and nothing else", what)));
}

/*
 * The caller's expression (one, checked) inside a statement we build: in
 * parentheses, on lines of its own if it holds a line comment.
 */
static char *
embedded_expression(const char *text)
{
	if (strstr(text, "--") != NULL)
		return psprintf("(\n%s\n)", text);
	return psprintf("(%s)", text);
}

static char *
quoted_column(const char *name)
{
	return pstrdup(quote_identifier(name));
}

/*
 * Column references in text printed by pg_get_indexdef/pg_get_constraintdef
 * (from byte offset start to stop), renamed from old to new.  Names after a
 * '.' or '::', and before '(' or '.', are not column references.
 */
/* a name: an identifier, or a keyword used as one ("name", "type"...) */
static const char *
token_name(const SSToken *t)
{
	return t->kind == SS_TOK_IDENT ? t->ident : t->keyword;
}

static char *
rename_column_refs(const char *text, int start, int stop, const char *old,
				   const char *new)
{
	SSScanner  *sc = ss_scan_begin(text);
	SSToken		prev;
	SSToken		cur;
	SSToken		next;
	bool		have_cur = false;
	bool		more;
	StringInfoData out;
	int			copied = 0;

	memset(&prev, 0, sizeof(prev));
	memset(&cur, 0, sizeof(cur));
	initStringInfo(&out);
	do
	{
		const char *name;

		more = ss_scan_next(sc, &next);
		/* decide about the current token now that its successor is known */
		name = have_cur ? token_name(&cur) : NULL;
		if (name != NULL && cur.start >= start && cur.start < stop &&
			strcmp(name, old) == 0 && prev.tok != '.' && prev.kind != SS_TOK_TYPECAST &&
			!(more && (next.tok == '(' || next.tok == '.')))
		{
			int			end = more ? next.start : (int) strlen(text);

			while (end > cur.start && isspace((unsigned char) text[end - 1]))
				end--;
			appendBinaryStringInfo(&out, text + copied, cur.start - copied);
			appendStringInfoString(&out, quote_identifier(new));
			copied = end;
		}
		if (have_cur)
			prev = cur;
		cur = next;
		have_cur = more;
	} while (more);
	ss_scan_end(sc);
	appendStringInfoString(&out, text + copied);
	return out.data;
}

/* ---------- the change row and its steps ---------- */

static void
load_change(Change *c, int64 id)
{
	Oid			types[1] = {INT8OID};
	Datum		values[1];
	HeapTuple	tup;
	TupleDesc	desc;
	bool		isnull;
	char	   *kind;
	int			i;

	values[0] = Int64GetDatum(id);
	if (ss_state_exec("SELECT kind, relid, column_name, new_column, new_type, using_expr, "
					  "default_expr, not_null, state, in_place, sync_function, sync_trigger "
					  "FROM schemashift.changes WHERE id OPERATOR(pg_catalog.=) $1",
					  1, types, values, NULL) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("schemashift change %lld does not exist", (long long) id),
				 errhint("schemashift.changes lists them.")));
	tup = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	memset(c, 0, sizeof(*c));
	c->id = id;
	kind = SPI_getvalue(tup, desc, 1);
	for (i = 0; i < (int) lengthof(kind_names); i++)
		if (strcmp(kind, kind_names[i]) == 0)
			c->kind = (ChangeKind) i;
	c->relid = DatumGetObjectId(SPI_getbinval(tup, desc, 2, &isnull));
	c->column = SPI_getvalue(tup, desc, 3);
	c->new_column = SPI_getvalue(tup, desc, 4);
	c->new_type = SPI_getvalue(tup, desc, 5);
	c->using_expr = SPI_getvalue(tup, desc, 6);
	c->default_expr = SPI_getvalue(tup, desc, 7);
	c->not_null = DatumGetBool(SPI_getbinval(tup, desc, 8, &isnull));
	c->state = ss_ledger_parse(&ss_ledger_changes, SPI_getvalue(tup, desc, 9));
	c->in_place = DatumGetBool(SPI_getbinval(tup, desc, 10, &isnull));
	c->sync_function = SPI_getvalue(tup, desc, 11);
	c->sync_trigger = SPI_getvalue(tup, desc, 12);
	if (get_rel_name(c->relid) == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("the table of schemashift change %lld no longer exists", (long long) id)));
	c->relname = ss_qualified_relname(c->relid);
	c->schema = get_namespace_name(get_rel_namespace(c->relid));
	c->table = get_rel_name(c->relid);
}

/* ARRAY['contracted', 'aborted']: the states a change never leaves */
static char *
finished_states(void)
{
	return ss_ledger_array(&ss_ledger_changes, ss_ledger_finals(&ss_ledger_changes));
}

/* The unfinished change of this kind on this column, or 0. */
static int64
find_open_change(ChangeKind kind, Oid relid, const char *column)
{
	Oid			types[3] = {TEXTOID, OIDOID, TEXTOID};
	Datum		values[3];
	bool		isnull;

	values[0] = CStringGetTextDatum(kind_names[kind]);
	values[1] = ObjectIdGetDatum(relid);
	values[2] = CStringGetTextDatum(column);
	if (ss_state_exec(psprintf("SELECT id FROM schemashift.changes WHERE kind OPERATOR(pg_catalog.=) $1 AND relid OPERATOR(pg_catalog.=) $2 "
							   "AND column_name OPERATOR(pg_catalog.=) $3 AND state OPERATOR(pg_catalog.<>) ALL (%s) "
							   "ORDER BY id DESC LIMIT 1", finished_states()),
					  3, types, values, NULL) != 1)
		return 0;
	return DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

/* An unfinished change of another kind on the same column is in the way. */
static void
refuse_other_open_change(Oid relid, const char *column, const char *relname)
{
	Oid			types[2] = {OIDOID, TEXTOID};
	Datum		values[2];

	values[0] = ObjectIdGetDatum(relid);
	values[1] = CStringGetTextDatum(column);
	if (ss_state_exec(psprintf("SELECT id, kind FROM schemashift.changes WHERE relid OPERATOR(pg_catalog.=) $1 "
							   "AND (column_name OPERATOR(pg_catalog.=) $2 OR new_column OPERATOR(pg_catalog.=) $2) "
							   "AND state OPERATOR(pg_catalog.<>) ALL (%s)", finished_states()),
					  2, types, values, NULL) > 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("column \"%s\" of %s is already part of change %s (%s)",
						column, relname,
						SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1),
						SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2)),
				 errhint("Contract or abort that change first.")));
}

/*
 * schemashift.changes.next_call: what to run next on an open change, from
 * its row.  Ready: contract it by name; still expanding: the same expand
 * call, which resumes it; ended: nothing.
 */
static void
write_next_call(int64 id)
{
	Oid			types[1] = {INT8OID};
	Datum		values[1] = {Int64GetDatum(id)};

#define Q(col) "pg_catalog.quote_literal(" col ")"
#define CAT " OPERATOR(pg_catalog.||) "
	ss_state_exec(psprintf("UPDATE schemashift.changes SET next_call = CASE "
						   "WHEN state OPERATOR(pg_catalog.=) ANY (%s) THEN NULL "
						   "WHEN state OPERATOR(pg_catalog.=) %s THEN "
						   "'CALL schemashift.contract('" CAT Q("target") CAT "', '" CAT Q("column_name") CAT "')' "
						   "WHEN kind OPERATOR(pg_catalog.=) 'alter_column_type' THEN "
						   "'CALL schemashift.expand_alter_column_type('" CAT Q("target") CAT "', '" CAT Q("column_name")
						   CAT "', '" CAT Q("new_type") CAT "COALESCE(', ' " CAT Q("using_expr") ", '')" CAT "')' "
						   "WHEN kind OPERATOR(pg_catalog.=) 'rename_column' THEN "
						   "'CALL schemashift.expand_rename_column('" CAT Q("target") CAT "', '" CAT Q("column_name")
						   CAT "', '" CAT Q("new_column") CAT "')' "
						   "ELSE 'CALL schemashift.expand_add_column('" CAT Q("target") CAT "', '" CAT Q("column_name")
						   CAT "', '" CAT Q("new_type") CAT "', '" CAT "pg_catalog.quote_nullable(default_expr)"
						   CAT "', '" CAT "not_null::pg_catalog.text" CAT "')' END "
						   "WHERE id OPERATOR(pg_catalog.=) $1",
						   finished_states(), ss_ledger_literal(&ss_ledger_changes, SS_CHANGE_READY)),
				  1, types, values, NULL);
#undef Q
#undef CAT
}

/* Every change of state of a change goes through here. */
static void
set_state(Change *c, SSChangeState state)
{
	Oid			types[2] = {INT8OID, TEXTOID};
	Datum		values[2];

	values[0] = Int64GetDatum(c->id);
	values[1] = CStringGetTextDatum(ss_ledger_move(&ss_ledger_changes, c->state, state));
	ss_state_exec(psprintf("UPDATE schemashift.changes SET state = $2, "
						   "updated_at = pg_catalog.clock_timestamp(), "
						   "finished_at = CASE WHEN $2 OPERATOR(pg_catalog.=) ANY (%s) "
						   "THEN pg_catalog.clock_timestamp() END WHERE id OPERATOR(pg_catalog.=) $1",
						   finished_states()),
				  2, types, values, NULL);
	c->state = state;
	write_next_call(c->id);
}

typedef struct PlannedStep
{
	SSChangePhase phase;
	const char *action;
	const char *statement;
	const char *old_name;
	const char *new_name;
} PlannedStep;

static void
add_step(List **steps, const char *action, const char *statement,
		 const char *old_name, const char *new_name)
{
	PlannedStep *s = palloc0(sizeof(PlannedStep));

	s->phase = SS_PHASE_EXPAND;
	s->action = action;
	s->statement = statement;
	s->old_name = old_name;
	s->new_name = new_name;
	*steps = lappend(*steps, s);
}

/* Record the change and its plan, with a fresh id; commits. */
static void
create_change(Change *c, List *steps, SSChangeState state)
{
	Oid			types[14] = {TEXTOID, OIDOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID,
	TEXTOID, BOOLOID, TEXTOID, BOOLOID, TEXTOID, TEXTOID, TEXTOID};
	char	   *created_by = GetUserNameFromId(GetUserId(), false);
	Datum		values[14];
	char		nulls[14];
	bool		isnull;
	ListCell   *lc;
	int			n = 0;

#define OPT_TEXT(i, v) \
	do { values[i] = (v) ? CStringGetTextDatum(v) : (Datum) 0; nulls[i] = (v) ? ' ' : 'n'; } while (0)

	memset(nulls, ' ', sizeof(nulls));
	values[0] = CStringGetTextDatum(kind_names[c->kind]);
	values[1] = ObjectIdGetDatum(c->relid);
	values[2] = CStringGetTextDatum(c->relname);
	values[3] = CStringGetTextDatum(c->column);
	values[4] = CStringGetTextDatum(c->new_column);
	OPT_TEXT(5, c->new_type);
	OPT_TEXT(6, c->using_expr);
	OPT_TEXT(7, c->default_expr);
	values[8] = BoolGetDatum(c->not_null);
	values[9] = CStringGetTextDatum(ss_ledger_start(&ss_ledger_changes, state));
	values[10] = BoolGetDatum(c->in_place);
	OPT_TEXT(11, c->sync_function);
	OPT_TEXT(12, c->sync_trigger);
	values[13] = CStringGetTextDatum(created_by);

	/* ids without a sequence: lastval() of the session stays its own */
	ss_state_exec("LOCK TABLE schemashift.changes IN SHARE ROW EXCLUSIVE MODE", 0, NULL, NULL, NULL);
	if (ss_state_exec(psprintf("INSERT INTO schemashift.changes (id, kind, relid, target, column_name, "
							   "new_column, new_type, using_expr, default_expr, not_null, state, in_place, "
							   "sync_function, sync_trigger, created_by, finished_at) "
							   "SELECT COALESCE(pg_catalog.max(id), 0) OPERATOR(pg_catalog.+) 1, $1, $2, $3, $4, $5, $6, $7, $8, "
							   "$9, $10, $11, $12, $13, $14, CASE WHEN $10 OPERATOR(pg_catalog.=) ANY (%s) "
							   "THEN pg_catalog.clock_timestamp() END FROM schemashift.changes RETURNING id",
							   finished_states()),
					  14, types, values, nulls) != 1)
		elog(ERROR, "could not record the change");
	c->id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	c->state = state;
	write_next_call(c->id);

	foreach(lc, steps)
	{
		PlannedStep *s = lfirst(lc);
		Oid			stypes[8] = {INT8OID, INT4OID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, BOOLOID};
		Datum		svalues[8];
		char		snulls[8];

		memset(snulls, ' ', sizeof(snulls));
		svalues[0] = Int64GetDatum(c->id);
		svalues[1] = Int32GetDatum(++n);
		svalues[2] = CStringGetTextDatum(ss_ledger_word(&ss_ledger_change_phases, s->phase));
		svalues[3] = CStringGetTextDatum(s->action);
#define OPT_STEXT(i, v) \
	do { svalues[i] = (v) ? CStringGetTextDatum(v) : (Datum) 0; snulls[i] = (v) ? ' ' : 'n'; } while (0)
		OPT_STEXT(4, s->statement);
		OPT_STEXT(5, s->old_name);
		OPT_STEXT(6, s->new_name);
		svalues[7] = BoolGetDatum(ss_ledger_is_final(&ss_ledger_changes, state));
		ss_state_exec("INSERT INTO schemashift.change_steps (change_id, step, phase, action, "
					  "statement, old_name, new_name, done_at) VALUES ($1, $2, $3, $4, $5, $6, $7, "
					  "CASE WHEN $8 THEN pg_catalog.clock_timestamp() END)",
					  8, stypes, svalues, snulls);
	}
	SPI_commit();
}

typedef struct StepRef
{
	int64		change;
	int			step;
} StepRef;

static void
stamp_step(void *arg)
{
	StepRef    *r = (StepRef *) arg;
	Oid			types[2] = {INT8OID, INT4OID};
	Datum		values[2];

	values[0] = Int64GetDatum(r->change);
	values[1] = Int32GetDatum(r->step);
	/*
	 * The column an "add column" step added is remembered by number too:
	 * abort drops that column, not whatever holds its name by then.
	 */
	ss_state_exec("UPDATE schemashift.change_steps s SET done_at = pg_catalog.clock_timestamp(), "
				  "attnum = CASE WHEN s.action OPERATOR(pg_catalog.=) 'add column' THEN "
				  "(SELECT a.attnum FROM pg_catalog.pg_attribute a, schemashift.changes c "
				  "WHERE c.id OPERATOR(pg_catalog.=) s.change_id AND a.attrelid OPERATOR(pg_catalog.=) c.relid "
				  "AND a.attname OPERATOR(pg_catalog.=) s.new_name AND NOT a.attisdropped) END "
				  "WHERE s.change_id OPERATOR(pg_catalog.=) $1 AND s.step OPERATOR(pg_catalog.=) $2",
				  2, types, values, NULL);
}

/*
 * The column the change's "add column" step added, if it is still there
 * under its name: the same number as when it was added.  False when the
 * step never ran, or the name now belongs to another column.
 */
static bool
change_added_column(Change *c, const char *column)
{
	Oid			types[1] = {INT8OID};
	Datum		values[1] = {Int64GetDatum(c->id)};
	AttrNumber	now = get_attnum(c->relid, column);
	bool		isnull;
	Datum		d;

	if (now == InvalidAttrNumber)
		return false;
	if (ss_state_exec("SELECT attnum FROM schemashift.change_steps "
					  "WHERE change_id OPERATOR(pg_catalog.=) $1 AND action OPERATOR(pg_catalog.=) 'add column' "
					  "AND done_at IS NOT NULL", 1, types, values, NULL) != 1)
		return false;
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	return !isnull && DatumGetInt16(d) == now;
}

/* ---------- checks and plans ---------- */

static void
check_table(Change *c)
{
	char		kind = get_rel_relkind(c->relid);

	if (kind == RELKIND_PARTITIONED_TABLE || (kind == RELKIND_RELATION && has_subclass(c->relid)))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("expand/contract does not support partitioned or inherited tables: %s",
						c->relname)));
	if (kind != RELKIND_RELATION)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("%s is not a table", c->relname)));
	if (!schemashift_table_ownercheck(c->relid, GetUserId()))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("must be owner of table %s", c->relname)));
}

static AttrNumber
existing_column(Change *c, const char *column)
{
	HeapTuple	tup = SearchSysCacheAttName(c->relid, column);
	Form_pg_attribute att;
	AttrNumber	attnum;

	if (!HeapTupleIsValid(tup))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of relation %s does not exist", column, c->relname)));
	att = (Form_pg_attribute) GETSTRUCT(tup);
	if (att->attnum < 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot change system column \"%s\"", column)));
	/* a type change carries an identity over at contract (identity_carry) */
	if ((att->attidentity && c->kind != CHANGE_ALTER_TYPE) || att->attgenerated)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("expand/contract does not support %s column \"%s\"",
						att->attidentity ? "identity" : "generated", column),
				 att->attidentity ? errhint("Only a type change keeps an identity column's identity.") : 0));
	c->not_null = att->attnotnull;
	attnum = att->attnum;
	ReleaseSysCache(tup);
	return attnum;
}

static void
refuse_existing_column(Change *c, const char *column)
{
	if (get_attnum(c->relid, column) != InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_COLUMN),
				 errmsg("column \"%s\" of relation %s already exists", column, c->relname)));
}

/* Run sql with $1 the change's table and $2 its column attnum; the row count. */
static uint64
column_exec(Change *c, AttrNumber attnum, const char *sql)
{
	Oid			types[2] = {OIDOID, INT4OID};
	Datum		values[2];

	values[0] = ObjectIdGetDatum(c->relid);
	values[1] = Int32GetDatum(attnum);
	return ss_state_exec(sql, 2, types, values, NULL);
}

/*
 * Objects that depend on the column and that contract could not carry over
 * (views, triggers on it, policies, foreign keys of other tables...): DROP
 * COLUMN would fail on them, or take them along.
 */
static void
refuse_dependents(Change *c, AttrNumber attnum)
{
	uint64		n;
	uint64		i;
	StringInfoData list;

	n = column_exec(c, attnum, "SELECT pg_catalog.pg_describe_object(d.classid, d.objid, d.objsubid) "
					"FROM pg_catalog.pg_depend d "
					"WHERE d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass "
					"AND d.refobjid OPERATOR(pg_catalog.=) $1 AND d.refobjsubid OPERATOR(pg_catalog.=) $2 "
					"AND NOT (d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass AND ("
					"  EXISTS (SELECT 1 FROM pg_catalog.pg_index i WHERE i.indexrelid OPERATOR(pg_catalog.=) d.objid AND i.indrelid OPERATOR(pg_catalog.=) $1) OR "
					"  (d.deptype OPERATOR(pg_catalog.=) ANY (ARRAY['a', 'i']::pg_catalog.\"char\"[]) AND EXISTS (SELECT 1 FROM pg_catalog.pg_class s WHERE s.oid OPERATOR(pg_catalog.=) d.objid AND s.relkind OPERATOR(pg_catalog.=) 'S')))) "
					"AND NOT (d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_attrdef'::pg_catalog.regclass AND EXISTS ("
					"  SELECT 1 FROM pg_catalog.pg_attrdef ad WHERE ad.oid OPERATOR(pg_catalog.=) d.objid AND ad.adrelid OPERATOR(pg_catalog.=) $1 AND ad.adnum OPERATOR(pg_catalog.=) $2)) "
					"AND NOT (d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_constraint'::pg_catalog.regclass AND EXISTS ("
					"  SELECT 1 FROM pg_catalog.pg_constraint k WHERE k.oid OPERATOR(pg_catalog.=) d.objid AND k.conrelid OPERATOR(pg_catalog.=) $1 "
					"  AND k.contype OPERATOR(pg_catalog.=) ANY (ARRAY['c', 'f', 'n', 'p', 'u']::pg_catalog.\"char\"[]) "
					"  AND NOT (k.contype OPERATOR(pg_catalog.=) 'f' AND k.confrelid OPERATOR(pg_catalog.=) $1 AND $2 OPERATOR(pg_catalog.=) ANY (k.confkey)))) "
					"ORDER BY 1");
	if (n == 0)
		return;
	initStringInfo(&list);
	for (i = 0; i < n; i++)
		appendStringInfo(&list, "%s%s", i > 0 ? ", " : "",
						 SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1));
	ereport(ERROR,
			(errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
			 errmsg("cannot expand column \"%s\" of %s: other objects depend on it",
					c->column, c->relname),
			 errdetail("Depending objects: %s.", list.data),
			 errhint("Contract would have to drop them with the old column. Drop and recreate them around the change.")));
}

/*
 * A serial column's sequence, AS integer, would stop the bigint column at
 * 2^31 - 1: contract moves it to the new type with the column.  An
 * identity column's sequence goes with the old column: contract makes the
 * new column an identity that goes on from it (identity_carry).  Both are
 * steps without a statement while expanding, like the key swap.
 */
static void
plan_sequence_type(Change *c, AttrNumber attnum, List **steps)
{
	Oid			types[3] = {OIDOID, INT4OID, TEXTOID};
	Datum		values[3];
	uint64		n;
	uint64		i;

	if (c->kind != CHANGE_ALTER_TYPE)
		return;
	values[0] = ObjectIdGetDatum(c->relid);
	values[1] = Int32GetDatum(attnum);
	values[2] = CStringGetTextDatum(c->new_type);
	n = ss_state_exec("SELECT pg_catalog.quote_ident(sn.nspname) OPERATOR(pg_catalog.||) '.' "
					  "OPERATOR(pg_catalog.||) pg_catalog.quote_ident(s.relname), d.deptype, "
					  "st.typlen OPERATOR(pg_catalog.<) nt.typlen, "
					  "nt.oid OPERATOR(pg_catalog.=) ANY (ARRAY['pg_catalog.int2', 'pg_catalog.int4', 'pg_catalog.int8']::pg_catalog.regtype[]) "
					  "FROM pg_catalog.pg_depend d "
					  "JOIN pg_catalog.pg_class s ON s.oid OPERATOR(pg_catalog.=) d.objid "
					  "JOIN pg_catalog.pg_namespace sn ON sn.oid OPERATOR(pg_catalog.=) s.relnamespace "
					  "JOIN pg_catalog.pg_sequence q ON q.seqrelid OPERATOR(pg_catalog.=) s.oid "
					  "JOIN pg_catalog.pg_type st ON st.oid OPERATOR(pg_catalog.=) q.seqtypid "
					  "JOIN pg_catalog.pg_type nt ON nt.oid OPERATOR(pg_catalog.=) pg_catalog.to_regtype($3) "
					  "WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass "
					  "AND d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass "
					  "AND d.refobjid OPERATOR(pg_catalog.=) $1 AND d.refobjsubid OPERATOR(pg_catalog.=) $2 "
					  "AND d.deptype OPERATOR(pg_catalog.=) ANY (ARRAY['a', 'i']::pg_catalog.\"char\"[]) ORDER BY 1",
					  3, types, values, NULL);
	for (i = 0; i < n; i++)
	{
		char	   *seq = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
		bool		identity = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2)[0] == 'i';
		bool		wider = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 3)[0] == 't';
		bool		integer = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 4)[0] == 't';

		if (identity && !integer)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("identity column \"%s\" of %s cannot become %s", c->column, c->relname,
							c->new_type),
					 errdetail("An identity column is smallint, integer or bigint.")));
		if (!identity && !(wider && integer))
			continue;
		add_step(steps, identity ? "identity" : "sequence type", NULL, seq, c->new_type);
		ereport(NOTICE,
				(errmsg("change %lld: sequence %s %s at contract", (long long) c->id, seq,
						identity ? psprintf("is carried over to the new column, as %s,", c->new_type) :
						psprintf("becomes %s", c->new_type))));
	}
}

/* Plan concurrent copies of the indexes and constraints on the column. */
static void
plan_copies(Change *c, AttrNumber attnum, List **steps)
{
	uint64		n;
	uint64		i;
	SPITupleTable *tt;
	char	   *prefix = psprintf("ss%lld_", (long long) c->id);

	/* indexes: key, INCLUDE, expression or predicate columns */
	n = column_exec(c, attnum, "SELECT ic.relname, pg_catalog.pg_get_indexdef(i.indexrelid), "
					"k.conname, k.contype, i.indisvalid "
					"FROM pg_catalog.pg_index i "
					"JOIN pg_catalog.pg_class ic ON ic.oid OPERATOR(pg_catalog.=) i.indexrelid "
					"LEFT JOIN pg_catalog.pg_constraint k ON k.conindid OPERATOR(pg_catalog.=) i.indexrelid "
					"  AND k.conrelid OPERATOR(pg_catalog.=) i.indrelid AND k.contype OPERATOR(pg_catalog.=) ANY (ARRAY['p', 'u']::pg_catalog.\"char\"[]) "
					"WHERE i.indrelid OPERATOR(pg_catalog.=) $1 AND ($2 OPERATOR(pg_catalog.=) ANY (i.indkey::pg_catalog.int2[]) OR EXISTS ("
					"  SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass "
					"  AND d.objid OPERATOR(pg_catalog.=) i.indexrelid AND d.refobjid OPERATOR(pg_catalog.=) $1 AND d.refobjsubid OPERATOR(pg_catalog.=) $2)) "
					"ORDER BY 1");
	tt = SPI_tuptable;
	for (i = 0; i < n; i++)
	{
		char	   *name = SPI_getvalue(tt->vals[i], tt->tupdesc, 1);
		char	   *def = SPI_getvalue(tt->vals[i], tt->tupdesc, 2);
		char	   *conname = SPI_getvalue(tt->vals[i], tt->tupdesc, 3);
		char	   *contype = SPI_getvalue(tt->vals[i], tt->tupdesc, 4);
		char	   *valid = SPI_getvalue(tt->vals[i], tt->tupdesc, 5);
		char	   *newname = derived_name(prefix, name);
		char	   *using = strstr(def, " USING ");
		int			rest;
		char	   *copy;

		if (strcmp(valid, "t") != 0)
		{
			ereport(NOTICE,
					(errmsg("index %s is invalid: not copied, contract drops it with the old column",
							quote_identifier(name))));
			continue;
		}
		if (using == NULL)
			elog(ERROR, "unexpected index definition: %s", def);
		rest = using - def;
		copy = rename_column_refs(def, rest, strlen(def), c->column, c->new_column);
		copy = psprintf("CREATE %sINDEX %s ON %s%s",
						strncmp(def, "CREATE UNIQUE", 13) == 0 ? "UNIQUE " : "",
						quote_identifier(newname), c->relname, copy + rest);
		add_step(steps, "copy index", copy, name,
				 newname);
		if (conname)
			add_step(steps, contype[0] == 'p' ? "primary key" : "unique constraint",
					 NULL, conname, name);
	}

	/* CHECK constraints and foreign keys of this table */
	n = column_exec(c, attnum, "SELECT k.conname, pg_catalog.pg_get_constraintdef(k.oid), k.contype, k.convalidated "
					"FROM pg_catalog.pg_constraint k WHERE k.conrelid OPERATOR(pg_catalog.=) $1 "
					"AND k.contype OPERATOR(pg_catalog.=) ANY (ARRAY['c', 'f']::pg_catalog.\"char\"[]) AND $2 OPERATOR(pg_catalog.=) ANY (k.conkey) "
					"ORDER BY 1");
	tt = SPI_tuptable;
	for (i = 0; i < n; i++)
	{
		char	   *name = SPI_getvalue(tt->vals[i], tt->tupdesc, 1);
		char	   *def = SPI_getvalue(tt->vals[i], tt->tupdesc, 2);
		bool		fk = SPI_getvalue(tt->vals[i], tt->tupdesc, 3)[0] == 'f';
		bool		validated = SPI_getvalue(tt->vals[i], tt->tupdesc, 4)[0] == 't';
		char	   *newname = derived_name(prefix, name);
		char	   *refs = fk ? strstr(def, " REFERENCES ") : NULL;
		int			stop = refs ? refs - def : strlen(def);
		char	   *copy = rename_column_refs(def, 0, stop, c->column, c->new_column);

		if (validated)
			copy = psprintf("%s NOT VALID", copy);
		add_step(steps, "copy constraint",
				 psprintf("ALTER TABLE %s ADD CONSTRAINT %s %s", c->relname,
						  quote_identifier(newname), copy),
				 name, newname);
		if (validated)
			add_step(steps, "validate constraint",
					 psprintf("ALTER TABLE %s VALIDATE CONSTRAINT %s", c->relname,
							  quote_identifier(newname)),
					 name, newname);
	}

	/* NOT NULL: proved by a validated CHECK, so contract's SET NOT NULL skips its scan */
	if (c->not_null)
	{
		char	   *chk = derived_name(prefix, psprintf("%s_not_null", c->column));

		add_step(steps, "not null check",
				 psprintf("ALTER TABLE %s ADD CONSTRAINT %s CHECK (%s IS NOT NULL) NOT VALID",
						  c->relname, quote_identifier(chk), quoted_column(c->new_column)),
				 NULL, chk);
		add_step(steps, "validate constraint",
				 psprintf("ALTER TABLE %s VALIDATE CONSTRAINT %s", c->relname,
						  quote_identifier(chk)),
				 NULL, chk);
	}
	plan_sequence_type(c, attnum, steps);
}

/*
 * The new value, as an expression over the row.  Without USING it is the
 * old column itself, converted on assignment as ALTER COLUMN TYPE would: a
 * value too long for varchar(5) is an error, not cut short.
 */
static char *
conversion_expr(Change *c)
{
	if (c->using_expr)
		return psprintf("CAST((\n%s\n) AS %s)", c->using_expr, c->new_type);
	return quoted_column(c->column);
}

static void
check_conversion(void *arg)
{
	Change	   *c = (Change *) arg;
	char	   *sql = psprintf("SELECT %s FROM %s", conversion_expr(c), c->relname);

	if (SPI_prepare(sql, 0, NULL) == NULL)
		elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
}

/* Without USING, the old type must convert on assignment, as for ALTER TYPE. */
static void
check_assignment_cast(Change *c)
{
	Oid			from = get_atttype(c->relid, get_attnum(c->relid, c->column));
	Oid			to;
	int32		typmod;

	schemashift_parse_type_string(c->new_type, &to, &typmod);
	if (!can_coerce_type(1, &from, &to, COERCION_ASSIGNMENT))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("column \"%s\" cannot be cast automatically to type %s",
						c->column, c->new_type),
				 errhint("Give using_expr, for example '%s::%s'.",
						 quote_identifier(c->column), c->new_type)));
}

/*
 * "new differs from old" for the column's type, with the type's own equality
 * operator named by its schema: IS DISTINCT FROM would look "=" up through
 * search_path, where the table's owner may have put one of its own.
 */
static char *
differs_sql(Change *c, const char *newv, const char *oldv)
{
	return ss_differs_sql(get_atttype(c->relid, get_attnum(c->relid, c->column)),
						  newv, oldv);
}

static char *
sync_function_sql(Change *c)
{
	StringInfoData body;

	initStringInfo(&body);
	appendStringInfoString(&body, "\n#variable_conflict use_column\nBEGIN\n");
	if (c->kind == CHANGE_ALTER_TYPE)
	{
		if (c->using_expr)
			appendStringInfo(&body, "  NEW.%s := (SELECT %s FROM (SELECT NEW.*) AS %s);\n",
							 quoted_column(c->new_column), conversion_expr(c),
							 quote_identifier(c->table));
		else
			appendStringInfo(&body, "  NEW.%s := NEW.%s;\n",
							 quoted_column(c->new_column), quoted_column(c->column));
	}
	else
	{
		const char *o = quoted_column(c->column);
		const char *n = quoted_column(c->new_column);

		/* writes through either name are seen through both; the new name wins a tie */
		appendStringInfo(&body,
						 "  IF TG_OP OPERATOR(pg_catalog.=) 'INSERT' THEN\n"
						 "    IF NEW.%s IS NULL THEN NEW.%s := NEW.%s; ELSE NEW.%s := NEW.%s; END IF;\n"
						 "  ELSIF %s THEN\n"
						 "    NEW.%s := NEW.%s;\n"
						 "  ELSE\n"
						 "    NEW.%s := NEW.%s;\n"
						 "  END IF;\n",
						 n, n, o, o, n,
						 differs_sql(c, psprintf("NEW.%s", n), psprintf("OLD.%s", n)),
						 o, n,
						 n, o);
	}
	appendStringInfoString(&body, "  RETURN NEW;\nEND\n");
	/*
	 * The function depends on the extension: DROP EXTENSION refuses while
	 * the change is open, and with CASCADE takes the function and its
	 * trigger along, leaving nothing behind on the table.
	 */
	return psprintf("CREATE FUNCTION %s() RETURNS pg_catalog.trigger LANGUAGE plpgsql "
					"SET search_path FROM CURRENT AS %s;\n"
					"ALTER FUNCTION %s() DEPENDS ON EXTENSION schemashift;\n"
					"CREATE TRIGGER %s BEFORE INSERT OR UPDATE ON %s "
					"FOR EACH ROW EXECUTE FUNCTION %s()",
					c->sync_function, dollar_quote(body.data), c->sync_function,
					c->sync_trigger, c->relname, c->sync_function);
}

/*
 * An error in the SQL we wrapped around the caller's expression
 * ("SELECT CAST((\n" expr ...), shown at its place in the expression.
 */
static void
throw_in_expression(ErrorData *edata, const char *expr)
{
	int			prefix = strlen("SELECT CAST((\n");
	int			pos = edata->cursorpos > 0 ? edata->cursorpos : edata->internalpos;
	int			len = pg_mbstrlen(expr);

	edata->cursorpos = 0;
	if (pos > prefix && pos <= prefix + len + 2)
	{
		edata->internalquery = pstrdup(expr);
		edata->internalpos = Min(pos - prefix, len + 1);
	}
	ReThrowError(edata);
}

/* ---------- running a change ---------- */

typedef struct OpenStep
{
	int			step;
	char	   *action;
	char	   *statement;
} OpenStep;

/*
 * Columns of the change's expand steps (only those not done yet when
 * open_only), in their order, into SPI_tuptable; their number.
 */
static uint64
expand_steps(Change *c, const char *columns, bool open_only)
{
	Oid			types[1] = {INT8OID};
	Datum		values[1];

	values[0] = Int64GetDatum(c->id);
	return ss_state_exec(psprintf("SELECT %s FROM schemashift.change_steps "
								  "WHERE change_id OPERATOR(pg_catalog.=) $1 AND phase OPERATOR(pg_catalog.=) %s%s ORDER BY step",
								  columns,
								  ss_ledger_literal(&ss_ledger_change_phases, SS_PHASE_EXPAND),
								  open_only ? " AND done_at IS NULL" : ""),
						 1, types, values, NULL);
}

static List *
open_steps(Change *c)
{
	uint64		n = expand_steps(c, "step, action, statement", true);
	uint64		i;
	List	   *result = NIL;

	for (i = 0; i < n; i++)
	{
		OpenStep   *s = palloc(sizeof(OpenStep));

		s->step = atoi(SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1));
		s->action = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2);
		s->statement = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 3);
		result = lappend(result, s);
	}
	return result;
}

static void
run_backfill_step(Change *c)
{
	SSBackfillSpec spec;

	memset(&spec, 0, sizeof(spec));
	spec.relid = c->relid;
	spec.batch_size = c->batch_size;
	spec.max_lag_ms = -1;
	spec.lock_timeout_ms = 2000;
	spec.batch_timeout_ms = 60000;
	spec.retries = SS_STEP_RETRIES;
	spec.change_id = c->id;
	if (c->kind == CHANGE_ADD_COLUMN)
	{
		spec.set_clause = psprintf("%s = %s", quoted_column(c->column),
								   embedded_expression(c->default_expr));
		spec.where_clause = psprintf("%s IS NULL", quoted_column(c->column));
	}
	else if (c->kind == CHANGE_ALTER_TYPE)
		spec.set_clause = psprintf("%s = %s", quoted_column(c->new_column), conversion_expr(c));
	else
		spec.set_clause = psprintf("%s = %s", quoted_column(c->new_column), quoted_column(c->column));
	(void) schemashift_backfill_run(&spec);
}

static void
run_steps(Change *c)
{
	List	   *steps = open_steps(c);
	ListCell   *lc;

	SPI_commit();
	foreach(lc, steps)
	{
		OpenStep   *s = lfirst(lc);
		StepRef		ref = {c->id, s->step};

		if (strcmp(s->action, "backfill") == 0)
		{
			if (c->state != SS_CHANGE_BACKFILLING)
			{
				set_state(c, SS_CHANGE_BACKFILLING);
				SPI_commit();
			}
			run_backfill_step(c);
			stamp_step(&ref);
			SPI_commit();
		}
		else if (strcmp(s->action, "copy index") == 0)
		{
			schemashift_build_index(s->statement, SS_STEP_RETRIES);
			stamp_step(&ref);
			SPI_commit();
		}
		else if (s->statement == NULL)
		{
			/* done by contract: nothing to do while expanding */
			stamp_step(&ref);
			SPI_commit();
		}
		else
		{
			/* VALIDATE evaluates the owner's CHECK constraints: as the owner */
			Oid			run_as = InvalidOid;

			if (strcmp(s->action, "validate constraint") == 0 ||
				strcmp(s->action, "add column") == 0)
			{
				/*
				 * ADD COLUMN evaluates the default of the column's type (an
				 * owner's domain may have one, and CHECKs that a rewrite
				 * runs): as the owner too.  The owner may have changed
				 * since the last transaction.
				 */
				check_table(c);
				run_as = ss_table_owner(c->relid);
			}
			else if (strcmp(s->action, "copy constraint") == 0)
			{
				/*
				 * The definition was printed under search_path pg_catalog,
				 * pg_temp (names outside it qualified): run it under the
				 * same path, as the caller, for it to mean the same.
				 */
				run_as = GetUserId();
			}

			ereport(NOTICE,
					(errmsg("change %lld: %s", (long long) c->id, s->action),
					 errdetail("Statement: %s", s->statement)));
			ss_run_locked_as(run_as, psprintf("change %lld: %s", (long long) c->id, s->action),
							 s->statement, SS_STEP_RETRIES, &ss_no_exemption, stamp_step, &ref);
		}
	}
	set_state(c, SS_CHANGE_READY);
	SPI_commit();
}

static void
lock_change(int64 id)
{
	ss_lock_session(SS_ADVISORY_CHANGE, 0, (uint32) id,
					psprintf("schemashift change %lld", (long long) id));
}

static void
unlock_change(int64 id)
{
	ss_unlock_session(SS_ADVISORY_CHANGE, 0, (uint32) id);
}

/* Run the change's open steps under its lock, and tell what comes next. */
static void
expand(Change *c)
{
	lock_change(c->id);
	PG_TRY();
	{
		run_steps(c);
	}
	PG_FINALLY();
	{
		unlock_change(c->id);
	}
	PG_END_TRY();
	ereport(NOTICE,
			(errmsg("change %lld is ready: %s", (long long) c->id,
					c->kind == CHANGE_RENAME ?
					psprintf("columns %s and %s of %s are kept in sync",
							 quoted_column(c->column), quoted_column(c->new_column), c->relname) :
					c->kind == CHANGE_ALTER_TYPE ?
					psprintf("column %s of %s has its %s copy, kept in sync",
							 quoted_column(c->column), c->relname, c->new_type) :
					psprintf("column %s of %s is filled", quoted_column(c->column), c->relname)),
			 errhint("Deploy the code that uses the new structure, then CALL schemashift.contract(%lld); or CALL schemashift.abort(%lld).",
					 (long long) c->id, (long long) c->id)));
}

static Datum
change_result(FunctionCallInfo fcinfo, int64 id)
{
	TupleDesc	desc = CreateTemplateTupleDesc(1);
	Datum		values[1];
	bool		nulls[1] = {false};

	TupleDescInitEntry(desc, 1, "change", INT8OID, -1, 0);
	desc = BlessTupleDesc(desc);
	values[0] = Int64GetDatum(id);
	return HeapTupleGetDatum(heap_form_tuple(desc, values, nulls));
}

/* The same call again resumes its change; different arguments are refused. */
static bool
resume_if_open(Change *c, ChangeKind kind, const char *other, const char *other_name)
{
	int64		id = find_open_change(kind, c->relid, c->column);
	Change		old;

	if (id == 0)
		return false;
	load_change(&old, id);
	if ((other && old.new_type && kind == CHANGE_ALTER_TYPE && strcmp(old.new_type, other) != 0) ||
		(kind == CHANGE_RENAME && strcmp(old.new_column, other) != 0) ||
		(kind == CHANGE_ALTER_TYPE && ((old.using_expr == NULL) != (c->using_expr == NULL) ||
									   (old.using_expr && strcmp(old.using_expr, c->using_expr) != 0))) ||
		(kind == CHANGE_ADD_COLUMN && (strcmp(old.new_type, other) != 0 ||
									   old.not_null != c->not_null ||
									   (old.default_expr == NULL) != (c->default_expr == NULL) ||
									   (old.default_expr && strcmp(old.default_expr, c->default_expr) != 0))))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("column \"%s\" of %s has unfinished change %lld with other arguments",
						c->column, c->relname, (long long) id),
				 errdetail("Change %lld: %s %s.", (long long) id, kind_names[kind],
						   other_name ? other_name : ""),
				 errhint("Finish it with CALL schemashift.contract(%lld), or undo it with CALL schemashift.abort(%lld).",
						 (long long) id, (long long) id)));
	old.batch_size = c->batch_size;
	*c = old;
	ereport(NOTICE,
			(errmsg("resuming change %lld (%s) on %s", (long long) id,
					ss_ledger_word(&ss_ledger_changes, c->state), c->relname)));
	return true;
}

/* the text of an argument the procedure's preamble found not null */
#define TEXT_ARG(n) text_to_cstring(PG_GETARG_TEXT_PP(n))

static void
init_change(Change *c, Oid relid, const char *column, ChangeKind kind)
{
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	c->relid = relid;
	c->column = pstrdup(column);
	if (get_rel_name(c->relid) == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", c->relid)));
	c->relname = ss_qualified_relname(c->relid);
	c->schema = get_namespace_name(get_rel_namespace(c->relid));
	c->table = get_rel_name(c->relid);
}

static char *
canonical_type(const char *type_text)
{
	Oid			typid;
	int32		typmod;

	schemashift_parse_type_string(type_text, &typid, &typmod);
	/* qualified: the statements built with it run under other search_paths */
	return format_type_extended(typid, typmod,
								FORMAT_TYPE_TYPEMOD_GIVEN | FORMAT_TYPE_FORCE_QUALIFY);
}

/* the sync trigger's function (a name no function has yet) and name */
static void
name_sync_objects(Change *c, int64 id)
{
	char	   *fname = derived_name(psprintf("ss%lld_sync_", (long long) id), c->table);
	int			n = 0;

	while (OidIsValid(LookupFuncName(list_make2(makeString(c->schema), makeString(fname)),
									 0, NULL, true)))
		fname = derived_name(psprintf("ss%lld_sync%d_", (long long) id, ++n), c->table);
	c->sync_function = quote_qualified_identifier(c->schema, fname);
	c->sync_trigger = pstrdup(quote_identifier(psprintf("zz_schemashift_%lld_sync", (long long) id)));
}

/* The next change id, for names planned before the row exists. */
static int64
next_change_id(void)
{
	bool		isnull;

	ss_state_exec("LOCK TABLE schemashift.changes IN SHARE ROW EXCLUSIVE MODE", 0, NULL, NULL, NULL);
	ss_state_exec("SELECT COALESCE(pg_catalog.max(id), 0) OPERATOR(pg_catalog.+) 1 FROM schemashift.changes",
				  0, NULL, NULL, NULL);
	return DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

/*
 * Plan change id of a column type change or rename through a shadow column
 * c->new_column of type c->new_type (with collation, a COLLATE clause or
 * ""): add it, keep it in sync by a trigger, backfill it, copy the indexes
 * and constraints of column attnum onto it.
 */
static void
plan_shadow_column(Change *c, int64 id, AttrNumber attnum, const char *collation)
{
	List	   *steps = NIL;

	name_sync_objects(c, id);
	add_step(&steps, "add column",
			 psprintf("ALTER TABLE %s ADD COLUMN %s %s%s", c->relname,
					  quoted_column(c->new_column), c->new_type, collation),
			 NULL, c->new_column);
	add_step(&steps, "sync trigger", sync_function_sql(c), NULL, c->sync_trigger);
	add_step(&steps, "backfill", NULL, NULL, NULL);
	plan_copies(c, attnum, &steps);
	create_change(c, steps, SS_CHANGE_EXPANDING);
	if (c->id != id)
		elog(ERROR, "change id moved from %lld to %lld", (long long) id, (long long) c->id);
}

/*
 * CALL schemashift.expand_alter_column_type(tbl, col, new_type, using_expr,
 *											 batch_size, INOUT change)
 */
Datum
schemashift_expand_alter_column_type(PG_FUNCTION_ARGS)
{
	static const char *const required[] = {"tbl", "col", "new_type"};
	int64		id;

	ss_procedure_begin(fcinfo, "expand_alter_column_type", lengthof(required), required);
	id = ss_expand_alter_column_type(PG_GETARG_OID(0), TEXT_ARG(1), TEXT_ARG(2),
									 PG_ARGISNULL(3) ? NULL : TEXT_ARG(3),
									 batch_size_arg(fcinfo, 4));
	PG_RETURN_DATUM(change_result(fcinfo, id));
}

/* expand_alter_column_type's work: returns the change's id */
int64
ss_expand_alter_column_type(Oid relid, const char *col, const char *new_type_text,
							const char *using_expr, int batch_size)
{
	Change		c;
	AttrNumber	attnum;

	ss_procedure_connect();
	init_change(&c, relid, col, CHANGE_ALTER_TYPE);
	c.using_expr = using_expr ? pstrdup(using_expr) : NULL;
	c.batch_size = batch_size;
	check_table(&c);
	c.new_type = canonical_type(new_type_text);

	if (!resume_if_open(&c, CHANGE_ALTER_TYPE, c.new_type, c.new_type))
	{
		List	   *steps = NIL;
		ErrorData  *edata;
		TypeName   *tn;
		Node	   *using_node = NULL;
		char	   *why;
		int64		id;

		refuse_other_open_change(c.relid, c.column, c.relname);
		attnum = existing_column(&c, c.column);
		if (c.using_expr == NULL)
			check_assignment_cast(&c);
		edata = ss_try(check_conversion, &c, true);
		if (edata)
			throw_in_expression(edata, c.using_expr ? c.using_expr : "");
		if (c.using_expr)
			require_one_expression(c.using_expr, "using_expr");

		tn = schemashift_type_string_to_typename(new_type_text);
		if (c.using_expr)
		{
			List	   *raw = schemashift_raw_parser(psprintf("SELECT %s", c.using_expr));

			using_node = linitial_node(ResTarget,
									   ((SelectStmt *) linitial_node(RawStmt, raw)->stmt)->targetList)->val;
		}
		if (ss_type_change_in_place(c.relid, c.column, tn, using_node, &why))
		{
			char	   *sql = psprintf("ALTER TABLE %s ALTER COLUMN %s TYPE %s%s%s",
									   c.relname, quoted_column(c.column), c.new_type,
									   c.using_expr ? " USING " : "",
									   c.using_expr ? embedded_expression(c.using_expr) : "");

			c.new_column = c.column;
			c.in_place = true;
			add_step(&steps, "alter in place", sql, c.column, c.column);
			ereport(NOTICE,
					(errmsg("changing %s of %s to %s needs no rewrite: altering in place",
							quoted_column(c.column), c.relname, c.new_type)));
			/* re-checks the owner's CHECK constraints on the column: as the owner */
			ss_run_locked_as(ss_table_owner(c.relid), "alter column type", sql,
							 SS_STEP_RETRIES, &ss_no_exemption, NULL, NULL);
			create_change(&c, steps, SS_CHANGE_CONTRACTED);
			SPI_finish();
			return c.id;
		}

		refuse_dependents(&c, attnum);
		id = next_change_id();
		c.id = id;
		c.new_column = derived_name(psprintf("ss%lld_", (long long) id), c.column);
		refuse_existing_column(&c, c.new_column);
		plan_shadow_column(&c, id, attnum, "");
		ereport(NOTICE,
				(errmsg("change %lld: %s of %s becomes %s through shadow column %s",
						(long long) c.id, quoted_column(c.column), c.relname, c.new_type,
						quoted_column(c.new_column))));
	}
	expand(&c);
	SPI_finish();
	return c.id;
}

/*
 * CALL schemashift.expand_rename_column(tbl, col, new_name, batch_size,
 *										 INOUT change)
 */
Datum
schemashift_expand_rename_column(PG_FUNCTION_ARGS)
{
	static const char *const required[] = {"tbl", "col", "new_name"};
	Change		c;
	AttrNumber	attnum;
	char	   *new_name;

	ss_procedure_begin(fcinfo, "expand_rename_column", lengthof(required), required);
	ss_procedure_connect();
	init_change(&c, PG_GETARG_OID(0), TEXT_ARG(1), CHANGE_RENAME);
	new_name = TEXT_ARG(2);
	c.batch_size = batch_size_arg(fcinfo, 3);
	check_table(&c);
	if (strlen(new_name) >= NAMEDATALEN)
		ereport(ERROR,
				(errcode(ERRCODE_NAME_TOO_LONG),
				 errmsg("column name \"%s\" is too long", new_name)));

	if (!resume_if_open(&c, CHANGE_RENAME, new_name, new_name))
	{
		HeapTuple	tup;
		Form_pg_attribute att;
		char	   *type;
		char	   *collation = "";
		int64		id;

		refuse_other_open_change(c.relid, c.column, c.relname);
		attnum = existing_column(&c, c.column);
		refuse_existing_column(&c, new_name);
		refuse_dependents(&c, attnum);
		tup = SearchSysCacheAttName(c.relid, c.column);
		att = (Form_pg_attribute) GETSTRUCT(tup);
		type = format_type_extended(att->atttypid, att->atttypmod,
									FORMAT_TYPE_TYPEMOD_GIVEN | FORMAT_TYPE_FORCE_QUALIFY);
		if (OidIsValid(att->attcollation) && att->attcollation != get_typcollation(att->atttypid))
			collation = psprintf(" COLLATE %s", generate_collation_name(att->attcollation));
		ReleaseSysCache(tup);

		id = next_change_id();
		c.id = id;
		c.new_column = new_name;
		c.new_type = type;
		plan_shadow_column(&c, id, attnum, collation);
		ereport(NOTICE,
				(errmsg("change %lld: %s of %s is renamed %s, both names in sync until contract",
						(long long) c.id, quoted_column(c.column), c.relname,
						quoted_column(c.new_column))));
	}
	expand(&c);
	SPI_finish();
	PG_RETURN_DATUM(change_result(fcinfo, c.id));
}

static void
check_default(void *arg)
{
	Change	   *c = (Change *) arg;
	char	   *sql = psprintf("SELECT CAST((\n%s\n) AS %s)", c->default_expr, c->new_type);

	if (SPI_prepare(sql, 0, NULL) == NULL)
		elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
}

/*
 * CALL schemashift.expand_add_column(tbl, col, type, default_expr, not_null,
 *									  batch_size, INOUT change)
 */
Datum
schemashift_expand_add_column(PG_FUNCTION_ARGS)
{
	static const char *const required[] = {"tbl", "col", "type"};
	int64		id;

	ss_procedure_begin(fcinfo, "expand_add_column", lengthof(required), required);
	id = ss_expand_add_column(PG_GETARG_OID(0), TEXT_ARG(1), TEXT_ARG(2),
							  PG_ARGISNULL(3) ? NULL : TEXT_ARG(3),
							  PG_ARGISNULL(4) ? false : PG_GETARG_BOOL(4),
							  batch_size_arg(fcinfo, 5));
	PG_RETURN_DATUM(change_result(fcinfo, id));
}

/* expand_add_column's work: returns the change's id */
int64
ss_expand_add_column(Oid relid, const char *col, const char *type_text,
					 const char *default_expr, bool not_null, int batch_size)
{
	Change		c;

	ss_procedure_connect();
	init_change(&c, relid, col, CHANGE_ADD_COLUMN);
	c.default_expr = default_expr ? pstrdup(default_expr) : NULL;
	c.not_null = not_null;
	c.batch_size = batch_size;
	check_table(&c);
	c.new_type = canonical_type(type_text);
	c.new_column = c.column;

	if (!resume_if_open(&c, CHANGE_ADD_COLUMN, c.new_type, c.new_type))
	{
		List	   *steps = NIL;
		char	   *col = quoted_column(c.column);
		bool		volatile_default = false;
		char	   *chk;
		int64		id;

		if (c.not_null && c.default_expr == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("a NOT NULL column needs default_expr to fill the existing rows")));
		refuse_other_open_change(c.relid, c.column, c.relname);
		refuse_existing_column(&c, c.column);
		if (c.default_expr)
		{
			ErrorData  *edata = ss_try(check_default, &c, true);
			List	   *raw;

			if (edata)
				throw_in_expression(edata, c.default_expr);
			require_one_expression(c.default_expr, "default_expr");
			raw = schemashift_raw_parser(psprintf("SELECT %s", c.default_expr));
			volatile_default = list_length(raw) != 1 ||
				ss_expr_is_volatile(linitial_node(ResTarget,
												  ((SelectStmt *) linitial_node(RawStmt, raw)->stmt)->targetList)->val);
		}

		if (!volatile_default)
		{
			/* a constant default is stored once in the catalog: no rewrite, no scan */
			char	   *sql = psprintf("ALTER TABLE %s ADD COLUMN %s %s%s%s%s", c.relname, col,
									   c.new_type,
									   c.default_expr ? " DEFAULT " : "",
									   c.default_expr ? embedded_expression(c.default_expr) : "",
									   c.not_null ? " NOT NULL" : "");

			c.in_place = true;
			add_step(&steps, "add column in place", sql, NULL, c.column);
			ereport(NOTICE,
					(errmsg("adding %s to %s needs no rewrite: %s", col, c.relname,
							c.default_expr ? "its default is not volatile" : "it has no default")));
			/* evaluates the default once, which may call the owner's functions */
			ss_run_locked_as(ss_table_owner(c.relid), "add column", sql,
							 SS_STEP_RETRIES, &ss_no_exemption, NULL, NULL);
			create_change(&c, steps, SS_CHANGE_CONTRACTED);
			SPI_finish();
			return c.id;
		}

		id = next_change_id();
		c.id = id;
		add_step(&steps, "add column",
				 psprintf("ALTER TABLE %s ADD COLUMN %s %s;\nALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s",
						  c.relname, col, c.new_type, c.relname, col,
						  embedded_expression(c.default_expr)),
				 NULL, c.column);
		add_step(&steps, "backfill", NULL, NULL, NULL);
		if (c.not_null)
		{
			chk = derived_name(psprintf("ss%lld_", (long long) id), psprintf("%s_not_null", c.column));
			add_step(&steps, "not null check",
					 psprintf("ALTER TABLE %s ADD CONSTRAINT %s CHECK (%s IS NOT NULL) NOT VALID",
							  c.relname, quote_identifier(chk), col),
					 NULL, chk);
			add_step(&steps, "validate constraint",
					 psprintf("ALTER TABLE %s VALIDATE CONSTRAINT %s", c.relname,
							  quote_identifier(chk)),
					 NULL, chk);
		}
		create_change(&c, steps, SS_CHANGE_EXPANDING);
		if (c.id != id)
			elog(ERROR, "change id moved from %lld to %lld", (long long) id, (long long) c.id);
	}
	expand(&c);
	SPI_finish();
	return c.id;
}

/* ---------- contract and abort ---------- */

typedef struct Finish
{
	Change	   *c;
	SSChangeState state;
	SSChangePhase phase;
	const char *sql;
} Finish;

static void
record_finish(void *arg)
{
	Finish	   *f = (Finish *) arg;
	Oid			types[4] = {INT8OID, TEXTOID, TEXTOID, TEXTOID};
	Datum		values[4];

	values[0] = Int64GetDatum(f->c->id);
	values[1] = CStringGetTextDatum(ss_ledger_word(&ss_ledger_change_phases, f->phase));
	values[2] = values[1];
	values[3] = CStringGetTextDatum(f->sql);
	ss_state_exec("INSERT INTO schemashift.change_steps (change_id, step, phase, action, statement, done_at) "
				  "SELECT $1, COALESCE(pg_catalog.max(step), 0) OPERATOR(pg_catalog.+) 1, $2, $3, $4, pg_catalog.clock_timestamp() "
				  "FROM schemashift.change_steps WHERE change_id OPERATOR(pg_catalog.=) $1",
				  4, types, values, NULL);
	/* the change's unfinished backfill jobs end with it */
	if (f->state == SS_CHANGE_ABORTED)
		ss_state_exec(ss_ledger_cancel_jobs_sql("change_id"), 1, types, values, NULL);
	set_state(f->c, f->state);
}

/*
 * What the old column carries over to the final one: the sequences it owns
 * (appended to s now; of the new type when the change has a "sequence
 * type" step), its default and comment (returned, for after the swap).
 */
static List *
old_column_extras(Change *c, const char *final, StringInfo s)
{
	Oid			types[2] = {OIDOID, TEXTOID};
	Datum		values[2];
	uint64		n;
	uint64		i;
	List	   *tail = NIL;
	Datum		change = Int64GetDatum(c->id);
	Oid			int8type = INT8OID;
	char	   *as = "";

	/* the change's "sequence type" step: they become the new type too */
	if (ss_state_exec("SELECT 1 FROM schemashift.change_steps WHERE change_id OPERATOR(pg_catalog.=) $1 "
					  "AND action OPERATOR(pg_catalog.=) 'sequence type'",
					  1, &int8type, &change, NULL) > 0)
		as = psprintf(" AS %s", c->new_type);
	values[0] = ObjectIdGetDatum(c->relid);
	values[1] = CStringGetTextDatum(c->column);
	n = ss_state_exec("SELECT pg_catalog.quote_ident(sn.nspname) OPERATOR(pg_catalog.||) '.' "
					  "OPERATOR(pg_catalog.||) pg_catalog.quote_ident(s.relname) "
					  "FROM pg_catalog.pg_depend d "
					  "JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) d.refobjid AND a.attnum OPERATOR(pg_catalog.=) d.refobjsubid "
					  "JOIN pg_catalog.pg_class s ON s.oid OPERATOR(pg_catalog.=) d.objid AND s.relkind OPERATOR(pg_catalog.=) 'S' "
					  "JOIN pg_catalog.pg_namespace sn ON sn.oid OPERATOR(pg_catalog.=) s.relnamespace "
					  "WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass AND d.deptype OPERATOR(pg_catalog.=) 'a' "
					  "AND d.refobjid OPERATOR(pg_catalog.=) $1 AND a.attname OPERATOR(pg_catalog.=) $2", 2, types, values, NULL);
	for (i = 0; i < n; i++)
		appendStringInfo(s, "ALTER SEQUENCE %s%s OWNED BY %s.%s;\n",
						 SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1), as,
						 c->relname, quoted_column(c->new_column));
	n = ss_state_exec("SELECT pg_catalog.pg_get_expr(ad.adbin, ad.adrelid), "
					  "pg_catalog.col_description(a.attrelid, a.attnum) "
					  "FROM pg_catalog.pg_attribute a LEFT JOIN pg_catalog.pg_attrdef ad "
					  "ON ad.adrelid OPERATOR(pg_catalog.=) a.attrelid AND ad.adnum OPERATOR(pg_catalog.=) a.attnum "
					  "WHERE a.attrelid OPERATOR(pg_catalog.=) $1 AND a.attname OPERATOR(pg_catalog.=) $2", 2, types, values, NULL);
	if (n == 1)
	{
		char	   *def = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
		char	   *comment = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);

		if (def)
			tail = lappend(tail, psprintf("ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s;\n",
										  c->relname, final, def));
		if (comment)
			tail = lappend(tail, psprintf("COMMENT ON COLUMN %s.%s IS %s;\n",
										  c->relname, final, quote_literal_cstr(comment)));
	}
	return tail;
}

/*
 * The copies the expand steps made take the names of the originals (and
 * the NOT NULL check becomes NOT NULL, first: a primary key needs it, and
 * the check proves it).
 */
static void
swap_copies(Change *c, const char *final, StringInfo s)
{
	uint64		n = expand_steps(c, "action, old_name, new_name", false);
	uint64		i;
	char	   *nn_check = NULL;

	for (i = 0; i < n; i++)
	{
		char	   *action = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);

		if (strcmp(action, "not null check") == 0)
			nn_check = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 3);
	}
	if (nn_check)
		appendStringInfo(s, "ALTER TABLE %s ALTER COLUMN %s SET NOT NULL;\n"
						 "ALTER TABLE %s DROP CONSTRAINT %s;\n",
						 c->relname, final, c->relname, quote_identifier(nn_check));
	for (i = 0; i < n; i++)
	{
		char	   *action = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
		char	   *old_name = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2);
		char	   *new_name = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 3);

		if (strcmp(action, "copy index") == 0)
			appendStringInfo(s, "ALTER INDEX %s RENAME TO %s;\n",
							 quote_qualified_identifier(c->schema, new_name),
							 quote_identifier(old_name));
		else if (strcmp(action, "primary key") == 0 || strcmp(action, "unique constraint") == 0)
			appendStringInfo(s, "ALTER TABLE %s ADD CONSTRAINT %s %s USING INDEX %s;\n",
							 c->relname, quote_identifier(old_name),
							 action[0] == 'p' ? "PRIMARY KEY" : "UNIQUE",
							 quote_identifier(new_name));
		else if (strcmp(action, "copy constraint") == 0)
			appendStringInfo(s, "ALTER TABLE %s RENAME CONSTRAINT %s TO %s;\n",
							 c->relname, quote_identifier(new_name), quote_identifier(old_name));
	}
}

/*
 * An identity column's "identity" step: before the old column (and its
 * sequence) is dropped, the new column becomes an identity of the same
 * kind whose sequence (named after the old one, with the change's prefix)
 * goes on from the old one's value; appended to s.  The old sequence is
 * found in the catalog as it is now, not by the name planned.  Returns
 * what renames the sequence to the old name once the old one is gone, or
 * NULL when the change has no such step.
 */
static char *
identity_carry(Change *c, const char *newcol, StringInfo s)
{
	Oid			types[3] = {INT8OID, OIDOID, TEXTOID};
	Datum		values[3] = {Int64GetDatum(c->id), ObjectIdGetDatum(c->relid),
	CStringGetTextDatum(c->column)};
	char	   *nsp;
	char	   *old;
	char	   *tmp;

	if (ss_state_exec("SELECT 1 FROM schemashift.change_steps WHERE change_id OPERATOR(pg_catalog.=) $1 "
					  "AND action OPERATOR(pg_catalog.=) 'identity'", 1, types, values, NULL) == 0)
		return NULL;
	if (ss_state_exec("SELECT n.nspname, r.relname, q.seqincrement, q.seqcache, q.seqcycle, "
					  "a.attidentity OPERATOR(pg_catalog.=) 'a' "
					  "FROM pg_catalog.pg_attribute a "
					  "JOIN pg_catalog.pg_depend d ON d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass "
					  "AND d.refobjid OPERATOR(pg_catalog.=) $2 AND d.refobjsubid OPERATOR(pg_catalog.=) a.attnum "
					  "AND d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass "
					  "AND d.deptype OPERATOR(pg_catalog.=) 'i' "
					  "JOIN pg_catalog.pg_class r ON r.oid OPERATOR(pg_catalog.=) d.objid "
					  "JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) r.relnamespace "
					  "JOIN pg_catalog.pg_sequence q ON q.seqrelid OPERATOR(pg_catalog.=) r.oid "
					  "WHERE a.attrelid OPERATOR(pg_catalog.=) $2 AND a.attname OPERATOR(pg_catalog.=) $3 "
					  "AND a.attidentity OPERATOR(pg_catalog.<>) ''", 3, types, values, NULL) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("column %s of %s is no longer an identity column", quoted_column(c->column),
						c->relname),
				 errdetail("Change %lld was planned to carry its identity over to the new column.",
						   (long long) c->id),
				 errhint("Abort the change: CALL schemashift.abort(%lld).", (long long) c->id)));
#define COL(i) SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, (i))
	nsp = pstrdup(quote_identifier(COL(1)));
	old = psprintf("%s.%s", nsp, quote_identifier(COL(2)));
	tmp = psprintf("%s.%s", nsp, quote_identifier(derived_name(psprintf("ss%lld_", (long long) c->id), COL(2))));
	appendStringInfo(s, "ALTER TABLE %s ALTER COLUMN %s SET NOT NULL;\n"
					 "ALTER TABLE %s ALTER COLUMN %s ADD GENERATED %s AS IDENTITY "
					 "(SEQUENCE NAME %s INCREMENT BY %s CACHE %s%s);\n"
					 "SELECT pg_catalog.setval(%s::pg_catalog.regclass, s.last_value, s.is_called) FROM %s s;\n",
					 c->relname, newcol, c->relname, newcol,
					 COL(6)[0] == 't' ? "ALWAYS" : "BY DEFAULT",
					 tmp, COL(3), COL(4), COL(5)[0] == 't' ? " CYCLE" : "",
					 quote_literal_cstr(tmp), old);
	return psprintf("ALTER SEQUENCE %s RENAME TO %s;\n", tmp, quote_identifier(COL(2)));
#undef COL
}

/* The statements that swap the new structure in, as one transaction. */
static char *
contract_sql(Change *c)
{
	StringInfoData s;
	const char *col = quoted_column(c->column);
	const char *newcol = quoted_column(c->new_column);
	const char *final = c->kind == CHANGE_ALTER_TYPE ? col : newcol;
	List	   *tail;
	ListCell   *lc;
	char	   *identity_rename;

	initStringInfo(&s);
	appendStringInfo(&s, "LOCK TABLE %s IN ACCESS EXCLUSIVE MODE;\n", c->relname);
	if (c->kind == CHANGE_ADD_COLUMN)
	{
		Oid			types[1] = {INT8OID};
		Datum		values[1] = {Int64GetDatum(c->id)};

		if (ss_state_exec("SELECT new_name FROM schemashift.change_steps WHERE change_id OPERATOR(pg_catalog.=) $1 "
						  "AND action OPERATOR(pg_catalog.=) 'not null check'", 1, types, values, NULL) == 1)
			appendStringInfo(&s, "ALTER TABLE %s ALTER COLUMN %s SET NOT NULL;\n"
							 "ALTER TABLE %s DROP CONSTRAINT %s;\n",
							 c->relname, col, c->relname,
							 quote_identifier(SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1)));
		return s.data;
	}

	appendStringInfo(&s, "DROP TRIGGER %s ON %s;\nDROP FUNCTION %s();\n",
					 c->sync_trigger, c->relname, c->sync_function);
	tail = old_column_extras(c, final, &s);
	identity_rename = identity_carry(c, newcol, &s);
	appendStringInfo(&s, "ALTER TABLE %s DROP COLUMN %s;\n", c->relname, col);
	if (c->kind == CHANGE_ALTER_TYPE)
		appendStringInfo(&s, "ALTER TABLE %s RENAME COLUMN %s TO %s;\n", c->relname, newcol, col);
	if (identity_rename)
		appendStringInfoString(&s, identity_rename);
	foreach(lc, tail)
		appendStringInfoString(&s, lfirst(lc));
	swap_copies(c, final, &s);
	return s.data;
}

/*
 * How contract or abort ends a change: the state and phase it ends in, a
 * check that errors out unless the change's state allows this ending, the
 * script that does it (which also arms the guard's exemption for it).
 */
typedef struct Ending
{
	const char *verb;
	SSChangeState state;
	SSChangePhase phase;
	void		(*refuse) (const Change *c);
	char	   *(*script) (Change *c, SSExemption *exempt);
} Ending;

/* contract and abort: lock the change, then end it as e says unless it is */
static void
end_change(int64 id, int retries, const Ending *e)
{
	Change		c;

	ss_procedure_connect();
	lock_change(id);
	PG_TRY();
	{
		load_change(&c, id);
		if (c.state == e->state)
			ereport(NOTICE,
					(errmsg("change %lld is already %s, skipping", (long long) id,
							ss_ledger_word(&ss_ledger_changes, e->state))));
		else
		{
			Finish		f = {&c, e->state, e->phase, NULL};
			SSExemption exempt;

			e->refuse(&c);
			check_table(&c);
			f.sql = e->script(&c, &exempt);
			SPI_commit();
			SS_ANY_STATEMENTS(exempt);
			exempt.relid = c.relid;

			/*
			 * As the caller, under search_path pg_catalog, pg_temp: the
			 * script re-sets the old column's default as pg_get_expr()
			 * printed it there (pg_catalog's functions and operators
			 * unqualified), which a caller's path that lists pg_catalog
			 * after another schema would resolve to someone else's.
			 */
			ss_run_locked_as(GetUserId(), psprintf("%s change %lld", e->verb, (long long) id),
							 f.sql, retries, &exempt, record_finish, &f);
			if (e->state == SS_CHANGE_CONTRACTED)
				ereport(NOTICE,
						(errmsg("change %lld contracted on %s", (long long) id, c.relname)));
			else
				ereport(NOTICE,
						(errmsg("change %lld aborted: %s is as before", (long long) id, c.relname)));
		}
	}
	PG_FINALLY();
	{
		unlock_change(id);
	}
	PG_END_TRY();
	SPI_finish();
}

static void
contract_refuse(const Change *c)
{
	if (c->state != SS_CHANGE_READY)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("change %lld is %s, not ready to contract", (long long) c->id,
						ss_ledger_word(&ss_ledger_changes, c->state)),
				 c->state == SS_CHANGE_ABORTED ? 0 :
				 errhint("Finish its expansion first: call the same expand procedure again, or CALL schemashift.abort(%lld).",
						 (long long) c->id)));
}

static char *
contract_script(Change *c, SSExemption *exempt)
{
	/*
	 * Dropping the old column and renaming the new one into its place is
	 * what this recipe is for; the script is built from catalog names only.
	 */
	*exempt = ss_exempt_from2(SS_BAN_DROP_COLUMN, SS_RENAMING_COLUMN);
	return contract_sql(c);
}

static const Ending contract_ending = {
	"contract", SS_CHANGE_CONTRACTED, SS_PHASE_CONTRACT,
	contract_refuse, contract_script
};

/* CALL schemashift.contract(change, retries) and abort(change, retries) */
static void
end_change_call(FunctionCallInfo fcinfo, const Ending *e)
{
	static const char *const required[] = {"change"};

	ss_procedure_begin(fcinfo, e->verb, lengthof(required), required);
	end_change(PG_GETARG_INT64(0), ss_retries_arg(fcinfo, 1, SS_STEP_RETRIES), e);
}

Datum
schemashift_contract(PG_FUNCTION_ARGS)
{
	end_change_call(fcinfo, &contract_ending);
	PG_RETURN_VOID();
}

/* contract's work */
void
ss_contract(int64 id, int retries)
{
	end_change(id, retries, &contract_ending);
}

static void
abort_refuse(const Change *c)
{
	if (c->state == SS_CHANGE_CONTRACTED)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("change %lld is contracted and cannot be aborted", (long long) c->id),
				 errdetail("The old structure is gone.")));
}

static char *
abort_script(Change *c, SSExemption *exempt)
{
	const char *added = c->kind == CHANGE_ADD_COLUMN ? c->column : c->new_column;

	if (!change_added_column(c, added))
	{
		/* nothing of it to drop: never drop a column by its name alone */
		ereport(NOTICE,
				(errmsg("change %lld did not add a column %s to %s: no column is dropped",
						(long long) c->id, quoted_column(added), c->relname)));
		added = NULL;
	}
	/* dropping the column this change added is what abort is for */
	*exempt = ss_exempt_from(SS_BAN_DROP_COLUMN);
	if (c->kind == CHANGE_ADD_COLUMN)
		return added ? psprintf("ALTER TABLE %s DROP COLUMN IF EXISTS %s",
								c->relname, quoted_column(added)) :
			psprintf("LOCK TABLE %s IN SHARE UPDATE EXCLUSIVE MODE", c->relname);
	return psprintf("DROP TRIGGER IF EXISTS %s ON %s;\n"
					"DROP FUNCTION IF EXISTS %s()%s%s%s%s",
					c->sync_trigger, c->relname, c->sync_function,
					added ? ";\nALTER TABLE " : "", added ? c->relname : "",
					added ? " DROP COLUMN IF EXISTS " : "",
					added ? quoted_column(added) : "");
}

static const Ending abort_ending = {
	"abort", SS_CHANGE_ABORTED, SS_PHASE_ABORT,
	abort_refuse, abort_script
};

Datum
schemashift_abort(PG_FUNCTION_ARGS)
{
	end_change_call(fcinfo, &abort_ending);
	PG_RETURN_VOID();
}

/*
 * CALL schemashift.contract(tbl, col, retries) and abort(tbl, col,
 * retries): the open change whose old or new column is col, else the
 * latest one that ended (so that a second call skips, as by id).
 */
static void
end_named_change_call(FunctionCallInfo fcinfo, const Ending *e)
{
	static const char *const required[] = {"tbl", "col"};
	Oid			relid;
	char	   *relname;
	const char *column;
	Oid			types[2] = {OIDOID, TEXTOID};
	Datum		values[2];
	int64		id;
	bool		isnull;

	ss_procedure_begin(fcinfo, e->verb, lengthof(required), required);
	relid = PG_GETARG_OID(0);
	/* a regclass may name no relation (999::regclass): an error, not a crash */
	relname = ss_qualified_relname(relid);
	column = NameStr(*PG_GETARG_NAME(1));
	values[0] = ObjectIdGetDatum(relid);
	values[1] = CStringGetTextDatum(column);
	ss_procedure_connect();
	if (ss_state_exec(psprintf("SELECT id FROM schemashift.changes WHERE relid OPERATOR(pg_catalog.=) $1 "
							   "AND (column_name OPERATOR(pg_catalog.=) $2 OR new_column OPERATOR(pg_catalog.=) $2) "
							   "ORDER BY state OPERATOR(pg_catalog.<>) ALL (%s) DESC, id DESC LIMIT 1",
							   finished_states()),
					  2, types, values, NULL) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("no expand/contract change on column \"%s\" of %s", column, relname),
				 errhint("schemashift.changes lists the changes and the call to run next on each open one.")));
	id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	SPI_finish();
	end_change(id, ss_retries_arg(fcinfo, 2, SS_STEP_RETRIES), e);
}

Datum
schemashift_contract_named(PG_FUNCTION_ARGS)
{
	end_named_change_call(fcinfo, &contract_ending);
	PG_RETURN_VOID();
}

Datum
schemashift_abort_named(PG_FUNCTION_ARGS)
{
	end_named_change_call(fcinfo, &abort_ending);
	PG_RETURN_VOID();
}

/* ---------- as apply() recipes (recipes.h) ---------- */

static char *
type_text(TypeName *tn)
{
	Oid			typid;
	int32		typmod;

	typenameTypeIdAndMod(NULL, tn, &typid, &typmod);
	return format_type_with_typemod(typid, typmod);
}

/* text of what follows keyword kw (at depth 0) up to one of the stops */
static char *
clause_after(const char *text, const char *kw, const char *const *stops)
{
	SSToken    *t;
	int			n = ss_scan_tokens(text, &t);
	int			i = ss_find_keyword(t, n, 0, kw);
	int			j;

	if (i < 0 || i + 1 >= n)
		return NULL;
	for (j = i + 2; j < n; j++)
	{
		const char *const *s;

		if (t[j].depth != 0 || t[j].keyword == NULL)
			continue;
		for (s = stops; *s; s++)
			if (strcmp(t[j].keyword, *s) == 0)
				return ss_trimmed(text, t[i + 1].start, t[j].start);
	}
	return ss_trimmed(text, t[i + 1].start, strlen(text));
}

static const char *const column_stops[] = {"not", "null", "constraint", "check", "unique",
"primary", "references", "generated", "collate", "default", NULL};
static const char *const no_stops[] = {NULL};

/* Is the statement one ALTER TABLE command of this subtype? */
static bool
single_cmd_is(const SSRecipeInput *in, AlterTableType subtype)
{
	Oid			relid;
	AlterTableCmd *cmd = ss_single_alter_table_cmd(in, &relid);

	return cmd && cmd->subtype == subtype;
}

/* "expand add column": ADD COLUMN with a default or NOT NULL on a big table */
static bool
recipe_expand_add_column_match(const SSRecipeInput *in)
{
	return single_cmd_is(in, AT_AddColumn) &&
		(ss_has_rule(in->findings, SS_ADDING_FIELD_WITH_DEFAULT) ||
		 ss_has_rule(in->findings, SS_ADDING_NOT_NULLABLE_FIELD) ||
		 ss_has_rule(in->findings, SS_ADDING_REQUIRED_FIELD));
}

static bool
recipe_expand_add_column_plan(const SSRecipeInput *in, Step *s)
{
	Oid			relid;
	AlterTableCmd *cmd = ss_single_alter_table_cmd(in, &relid);
	ColumnDef  *cd = (ColumnDef *) cmd->def;
	bool		not_null = cd->is_not_null;
	bool		has_default = cd->raw_default != NULL;
	ListCell   *lc;
	char	   *def = NULL;
	double		bytes = 0;
	double		rows = 0;

	foreach(lc, cd->constraints)
	{
		Constraint *c = lfirst_node(Constraint, lc);

		if (c->contype == CONSTR_NOTNULL)
			not_null = true;
		else if (c->contype == CONSTR_DEFAULT)
			has_default = true;
		else if (c->contype != CONSTR_NULL)
			return false;
	}
	if (cd->collClause || cd->identity || cd->generated)
		return false;
	if (has_default)
		def = clause_after(in->text, "default", column_stops);
	if (has_default && def == NULL)
		return false;
	ss_relation_size(relid, &bytes, &rows);
	ss_recipe_call(s, list_make5(ss_recipe_text(ss_qualified_relname(relid)),
								 ss_recipe_text(cd->colname),
								 ss_recipe_text(type_text(cd->typeName)),
								 ss_recipe_text(def), ss_recipe_bool(not_null)));
	s->locks = "ACCESS EXCLUSIVE for instants (add the column, contract); row locks of one batch at a time";
	s->estimate_ms = (int64) (1000 * (1 + rows / SS_BACKFILL_ROWS_PER_S));
	return true;
}

static int64
recipe_expand_add_column_run(Step *s)
{
	return ss_expand_add_column(ss_recipe_arg_relation(s, 0), ss_recipe_arg_text(s, 1),
								ss_recipe_arg_text(s, 2), ss_recipe_arg_text(s, 3),
								ss_recipe_arg_bool(s, 4), SS_DEFAULT_BATCH_SIZE);
}

/*
 * "expand column type": ALTER COLUMN TYPE that rewrites, when the caller
 * asked for expand/contract (expand_type_changes => true)
 */
static bool
recipe_expand_column_type_match(const SSRecipeInput *in)
{
	return single_cmd_is(in, AT_AlterColumnType) && in->expand_types &&
		(ss_has_rule(in->findings, SS_CHANGING_COLUMN_TYPE) ||
		 ss_has_rule(in->findings, SS_BAN_TABLE_REWRITE));
}

static bool
recipe_expand_column_type_plan(const SSRecipeInput *in, Step *s)
{
	Oid			relid;
	AlterTableCmd *cmd = ss_single_alter_table_cmd(in, &relid);
	ColumnDef  *cd = (ColumnDef *) cmd->def;
	char	   *using_expr = cd->raw_default ? clause_after(in->text, "using", no_stops) : NULL;
	double		bytes = 0;
	double		rows = 0;

	if (cd->collClause)
		return false;
	ss_relation_size(relid, &bytes, &rows);
	ss_recipe_call(s, list_make4(ss_recipe_text(ss_qualified_relname(relid)),
								 ss_recipe_text(cmd->name),
								 ss_recipe_text(type_text(cd->typeName)),
								 ss_recipe_text(using_expr)));
	s->locks = "ACCESS EXCLUSIVE for instants (add the shadow column, contract); row locks of one batch at a time; index copies built concurrently";
	s->estimate_ms = (int64) (1000 * (1 + rows / SS_BACKFILL_ROWS_PER_S + 2 * bytes / SS_BUILD_BYTES_PER_S));
	return true;
}

static int64
recipe_expand_column_type_run(Step *s)
{
	return ss_expand_alter_column_type(ss_recipe_arg_relation(s, 0), ss_recipe_arg_text(s, 1),
									   ss_recipe_arg_text(s, 2), ss_recipe_arg_text(s, 3),
									   SS_DEFAULT_BATCH_SIZE);
}

/* their entries in the recipe table (recipes.c) */
const SSRecipe ss_recipe_expand_add_column = {
	"expand add column", SS_RECIPE_CHANGE, "expand_add_column",
	recipe_expand_add_column_match, recipe_expand_add_column_plan, recipe_expand_add_column_run
};

const SSRecipe ss_recipe_expand_column_type = {
	"expand column type", SS_RECIPE_CHANGE, "expand_alter_column_type",
	recipe_expand_column_type_match, recipe_expand_column_type_plan, recipe_expand_column_type_run
};
