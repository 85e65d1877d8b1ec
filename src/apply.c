/*-------------------------------------------------------------------------
 *
 * apply.c
 *		CALL schemashift.apply(script, migration_id, ...): run a whole
 *		migration the safe way, recorded in the ledger, resumable;
 *		schemashift.plan(script, ...): how it would run, without running.
 *
 * The script is linted first, with the same engine and the same view of
 * the catalog as lint().  Each statement becomes a step:
 *	- nothing dangerous found: run as written, under lock retries;
 *	- a danger with a recipe: the recipe's procedure (online index build,
 *	  safe constraint, batched backfill, expand/contract);
 *	- a danger without one: refused, unless approved (approve => array[...]
 *	  or schemashift.approve() in the script), and then run together with
 *	  its approval so the guard and the audit log see it.
 * The plan is stored with the migration; every step is stamped when it
 * ends, so a run interrupted anywhere resumes at the step that did not
 * finish.  A step run as written commits together with its stamp; the
 * recipes are idempotent, so re-running an interrupted one is harmless.
 * A step that fails (also by a cancel) is stamped failed with its error
 * before the error goes on to the caller (fail_step); only a terminated or
 * crashed session leaves a step running.
 *
 *-------------------------------------------------------------------------
 */
#include "ledger.h"
#include "procs.h"
#include "approvals.h"
#include "worker.h"
#include "schemashift.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "parser/parse_type.h"
#include "parser/parser.h"
#include "tcop/utility.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
#include "utils/timeout.h"
#include "utils/timestamp.h"

PG_FUNCTION_INFO_V1(schemashift_plan);
PG_FUNCTION_INFO_V1(schemashift_apply);

/* rough rates behind the plan's estimates (docs/apply.md) */
#define SS_SCAN_BYTES_PER_S		(200.0 * 1024 * 1024)
#define SS_BUILD_BYTES_PER_S	(50.0 * 1024 * 1024)
#define SS_BACKFILL_ROWS_PER_S	50000.0


typedef struct Step
{
	int			number;
	int			line;
	int			col;
	char	   *statement;
	char	   *recipe;
	char	   *run;
	char	   *locks;
	int64		estimate_ms;	/* -1: none worth stating */
	char	   *notes;
	SSStepStatus status;
	int64		change_id;		/* expand recipes, once known */
	List	   *approved_objects;	/* what its approvals name (char *) ... */
	List	   *approved_relids;	/* ... and the relation each meant when
									 * planned (Oid), or InvalidOid */
} Step;

typedef struct MigrationPlan
{
	const char *script;
	const char *migration_id;
	List	   *approvals;		/* of SSApproval */
	List	   *names_given;	/* of NameGiven: relation names the script binds */
	bool		expand_types;
	List	   *steps;
	/* an open BEGIN ... COMMIT in the script */
	Step	   *block;
	StringInfoData block_sql;
	bool		block_approved;
	LOCKMODE	block_lock;
} MigrationPlan;

/* ---------- helpers ---------- */

static char *
trimmed(const char *script, int start, int end)
{
	while (end > start && (isspace((unsigned char) script[end - 1]) || script[end - 1] == ';'))
		end--;
	return pnstrdup(script + start, end - start);
}

static char *
literal_or_null(const char *s)
{
	return s ? quote_literal_cstr(s) : "NULL";
}

static bool
recipe_is_call(const char *recipe)
{
	return strcmp(recipe, "as is") != 0 && strcmp(recipe, "approved") != 0 &&
		strcmp(recipe, "transaction block") != 0 && strcmp(recipe, "approval") != 0;
}

static bool
recipe_is_expand(const char *recipe)
{
	return strncmp(recipe, "expand", 6) == 0;
}

static void
relation_size(Oid relid, double *bytes, double *rows)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));

	*bytes = *rows = 0;
	if (!HeapTupleIsValid(tup))
		return;
	*bytes = (double) ((Form_pg_class) GETSTRUCT(tup))->relpages * BLCKSZ;
	*rows = Max(((Form_pg_class) GETSTRUCT(tup))->reltuples, 0);
	ReleaseSysCache(tup);
}

static Oid
relation_of(RangeVar *rv)
{
	return rv ? RangeVarGetRelid(rv, NoLock, true) : InvalidOid;
}

/*
 * A relation name an earlier statement of the migration gives to a
 * relation (CREATE, RENAME TO, SET SCHEMA); nspid InvalidOid: the schema
 * is not known before the statement runs, so any.
 */
typedef struct NameGiven
{
	Oid			nspid;
	char	   *relname;
} NameGiven;

static void
note_name_given(MigrationPlan *p, RangeVar *rv, Oid nspid, const char *relname)
{
	NameGiven  *n = palloc(sizeof(NameGiven));

	if (!OidIsValid(nspid) && rv && rv->schemaname)
		nspid = get_namespace_oid(rv->schemaname, true);
	n->nspid = nspid;
	n->relname = pstrdup(relname);
	p->names_given = lappend(p->names_given, n);
}

/* Record the relation names a statement of the script gives. */
static void
note_names_given(MigrationPlan *p, Node *node)
{
	switch (nodeTag(node))
	{
		case T_CreateStmt:
			note_name_given(p, ((CreateStmt *) node)->relation, InvalidOid,
							((CreateStmt *) node)->relation->relname);
			break;
		case T_CreateTableAsStmt:
			note_name_given(p, ((CreateTableAsStmt *) node)->into->rel, InvalidOid,
							((CreateTableAsStmt *) node)->into->rel->relname);
			break;
		case T_ViewStmt:
			note_name_given(p, ((ViewStmt *) node)->view, InvalidOid,
							((ViewStmt *) node)->view->relname);
			break;
		case T_CreateSeqStmt:
			note_name_given(p, ((CreateSeqStmt *) node)->sequence, InvalidOid,
							((CreateSeqStmt *) node)->sequence->relname);
			break;
		case T_IndexStmt:
			{
				IndexStmt  *is = (IndexStmt *) node;
				Oid			relid = relation_of(is->relation);

				if (is->idxname)
					note_name_given(p, NULL, OidIsValid(relid) ? get_rel_namespace(relid) : InvalidOid,
									is->idxname);
				break;
			}
		case T_RenameStmt:
			{
				RenameStmt *rs = (RenameStmt *) node;
				Oid			relid = relation_of(rs->relation);

				if (rs->relation && rs->subname == NULL && rs->newname)
					note_name_given(p, rs->relation,
									OidIsValid(relid) ? get_rel_namespace(relid) : InvalidOid,
									rs->newname);
				break;
			}
		case T_AlterObjectSchemaStmt:
			{
				AlterObjectSchemaStmt *as = (AlterObjectSchemaStmt *) node;

				if (as->relation)
					note_name_given(p, NULL, get_namespace_oid(as->newschema, true),
									as->relation->relname);
				break;
			}
		default:
			break;
	}
}

/*
 * The approval that covers a finding.  Approvals name relations as they
 * are when apply() is called; once an earlier statement of the migration
 * has given an approved relation's name to a relation (renamed another one
 * into it, say), the name no longer means the relation approved, and the
 * statements after it are not covered: the guard, which resolves the name
 * again when the step runs, would otherwise find the other relation.
 */
static SSApproval *
approval_for(MigrationPlan *p, SSScriptFinding *f)
{
	SSApproval *a = ss_approval_find(p->approvals, f->rule, f->object);
	ListCell   *lc;

	if (a == NULL || !OidIsValid(a->relid))
		return a;
	foreach(lc, p->names_given)
	{
		NameGiven  *n = lfirst(lc);

		if ((!OidIsValid(n->nspid) || n->nspid == get_rel_namespace(a->relid)) &&
			strcmp(n->relname, get_rel_name(a->relid)) == 0)
			return NULL;
	}
	return a;
}

static bool
has_rule(List *findings, SSRuleId rule)
{
	ListCell   *lc;

	foreach(lc, findings)
		if (((SSScriptFinding *) lfirst(lc))->rule == rule)
			return true;
	return false;
}

static char *
findings_text(List *findings)
{
	StringInfoData buf;
	ListCell   *lc;

	if (findings == NIL)
		return NULL;
	initStringInfo(&buf);
	foreach(lc, findings)
	{
		SSScriptFinding *f = lfirst(lc);

		if (buf.len > 0)
			appendStringInfoString(&buf, "; ");
		appendStringInfo(&buf, "%s (%s): %s", schemashift_rules[f->rule].id,
						 schemashift_level_name(f->level), f->message);
	}
	return buf.data;
}

/* ---------- choosing a recipe ---------- */

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
				return trimmed(text, t[i + 1].start, t[j].start);
	}
	return trimmed(text, t[i + 1].start, strlen(text));
}

static const char *const column_stops[] = {"not", "null", "constraint", "check", "unique",
"primary", "references", "generated", "collate", "default", NULL};
static const char *const no_stops[] = {NULL};

/*
 * The recipe for a statement lint found dangerous, or NULL when it has
 * none.  Fills run, locks and the estimate.
 */
static const char *
choose_recipe(MigrationPlan *p, Step *s, Node *stmt, List *findings)
{
	double		bytes = 0;
	double		rows = 0;

	if (IsA(stmt, IndexStmt))
	{
		IndexStmt  *is = (IndexStmt *) stmt;
		Oid			relid = relation_of(is->relation);

		if (!is->concurrent && !has_rule(findings, SS_REQUIRE_CONCURRENT_INDEX_CREATION))
			return NULL;
		if (is->idxname == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("the index at line %d needs a name", s->line),
					 errhint("Name it (CREATE INDEX name ON ...): the online build finds an interrupted index by its name.")));
		if (OidIsValid(relid))
			relation_size(relid, &bytes, &rows);
		s->run = psprintf("CALL schemashift.create_index(%s)", quote_literal_cstr(s->statement));
		s->locks = "SHARE UPDATE EXCLUSIVE while it builds (reads and writes continue)";
		s->estimate_ms = (int64) (1000 * (1 + 2 * bytes / SS_BUILD_BYTES_PER_S));
		return "online index";
	}
	if (IsA(stmt, DropStmt) && ((DropStmt *) stmt)->removeType == OBJECT_INDEX)
	{
		DropStmt   *ds = (DropStmt *) stmt;

		if (list_length(ds->objects) != 1 || ds->behavior == DROP_CASCADE ||
			(!ds->concurrent && !has_rule(findings, SS_REQUIRE_CONCURRENT_INDEX_DELETION)))
			return NULL;
		s->run = psprintf("CALL schemashift.drop_index(%s)",
						  quote_literal_cstr(NameListToQuotedString(linitial(ds->objects))));
		s->locks = "SHARE UPDATE EXCLUSIVE (reads and writes continue)";
		s->estimate_ms = 1000;
		return "online drop index";
	}
	if (IsA(stmt, UpdateStmt) && has_rule(findings, SS_UNBATCHED_BACKFILL))
	{
		UpdateStmt *us = (UpdateStmt *) stmt;
		Oid			relid = relation_of(us->relation);
		SSToken    *t;
		int			n = ss_scan_tokens(s->statement, &t);
		int			set = ss_find_keyword(t, n, 0, "set");
		int			where = ss_find_keyword(t, n, set, "where");
		char	   *set_clause;
		char	   *where_clause = NULL;

		if (!OidIsValid(relid) || us->fromClause || us->returningList || us->withClause ||
			us->relation->alias || set < 0 || set + 1 >= n)
			return NULL;
		set_clause = trimmed(s->statement, t[set + 1].start, where >= 0 ? t[where].start : strlen(s->statement));
		if (where >= 0 && where + 1 < n)
			where_clause = trimmed(s->statement, t[where + 1].start, strlen(s->statement));
		relation_size(relid, &bytes, &rows);
		s->run = psprintf("CALL schemashift.backfill(%s, %s, %s)",
						  quote_literal_cstr(ss_qualified_relname(relid)),
						  quote_literal_cstr(set_clause), literal_or_null(where_clause));
		s->locks = "ROW EXCLUSIVE; row locks of one batch at a time, committed per batch";
		s->estimate_ms = (int64) (1000 * (1 + rows / SS_BACKFILL_ROWS_PER_S));
		return "backfill";
	}
	if (IsA(stmt, AlterTableStmt))
	{
		AlterTableStmt *at = (AlterTableStmt *) stmt;
		AlterTableCmd *cmd;
		Oid			relid = relation_of(at->relation);
		char	   *rel;

		if (list_length(at->cmds) != 1 || !OidIsValid(relid) || at->objtype != OBJECT_TABLE)
			return NULL;
		cmd = linitial_node(AlterTableCmd, at->cmds);
		rel = ss_qualified_relname(relid);
		relation_size(relid, &bytes, &rows);

		if ((cmd->subtype == AT_AddConstraint && IsA(cmd->def, Constraint) &&
			 (has_rule(findings, SS_CONSTRAINT_MISSING_NOT_VALID) ||
			  has_rule(findings, SS_ADDING_FOREIGN_KEY_CONSTRAINT) ||
			  has_rule(findings, SS_DISALLOWED_UNIQUE_CONSTRAINT))) ||
			(cmd->subtype == AT_SetNotNull && has_rule(findings, SS_ADDING_NOT_NULLABLE_FIELD)))
		{
			Constraint *con = cmd->subtype == AT_AddConstraint ? (Constraint *) cmd->def : NULL;

			if (con && (con->indexname || con->options || con->indexspace ||
						(con->contype != CONSTR_CHECK && con->contype != CONSTR_FOREIGN &&
						 con->contype != CONSTR_UNIQUE && con->contype != CONSTR_PRIMARY)))
				return NULL;
			s->run = psprintf("CALL schemashift.add_constraint(%s)", quote_literal_cstr(s->statement));
			if (con == NULL)
				s->locks = "ACCESS EXCLUSIVE for two instants; SHARE UPDATE EXCLUSIVE while validating (reads and writes continue)";
			else if (con->contype == CONSTR_FOREIGN)
				s->locks = "SHARE ROW EXCLUSIVE on both tables for an instant; SHARE UPDATE EXCLUSIVE while validating";
			else if (con->contype == CONSTR_CHECK)
				s->locks = "ACCESS EXCLUSIVE for an instant; SHARE UPDATE EXCLUSIVE while validating";
			else
				s->locks = "SHARE UPDATE EXCLUSIVE while the index builds; ACCESS EXCLUSIVE for an instant to attach it";
			s->estimate_ms = (int64) (1000 * (1 + bytes / SS_SCAN_BYTES_PER_S +
											  (con && (con->contype == CONSTR_UNIQUE || con->contype == CONSTR_PRIMARY) ?
											   2 * bytes / SS_BUILD_BYTES_PER_S : 0)));
			return "add constraint";
		}
		if (cmd->subtype == AT_AddColumn &&
			(has_rule(findings, SS_ADDING_FIELD_WITH_DEFAULT) ||
			 has_rule(findings, SS_ADDING_NOT_NULLABLE_FIELD) ||
			 has_rule(findings, SS_ADDING_REQUIRED_FIELD)))
		{
			ColumnDef  *cd = (ColumnDef *) cmd->def;
			bool		not_null = cd->is_not_null;
			bool		has_default = cd->raw_default != NULL;
			ListCell   *lc;
			char	   *def = NULL;

			foreach(lc, cd->constraints)
			{
				Constraint *c = lfirst_node(Constraint, lc);

				if (c->contype == CONSTR_NOTNULL)
					not_null = true;
				else if (c->contype == CONSTR_DEFAULT)
					has_default = true;
				else if (c->contype != CONSTR_NULL)
					return NULL;
			}
			if (cd->collClause || cd->identity || cd->generated)
				return NULL;
			if (has_default)
				def = clause_after(s->statement, "default", column_stops);
			if (has_default && def == NULL)
				return NULL;
			s->run = psprintf("CALL schemashift.expand_add_column(%s, %s, %s, %s, %s)",
							  quote_literal_cstr(rel), quote_literal_cstr(cd->colname),
							  quote_literal_cstr(type_text(cd->typeName)), literal_or_null(def),
							  not_null ? "true" : "false");
			s->locks = "ACCESS EXCLUSIVE for instants (add the column, contract); row locks of one batch at a time";
			s->estimate_ms = (int64) (1000 * (1 + rows / SS_BACKFILL_ROWS_PER_S));
			return "expand add column";
		}
		if (cmd->subtype == AT_AlterColumnType && p->expand_types &&
			(has_rule(findings, SS_CHANGING_COLUMN_TYPE) || has_rule(findings, SS_BAN_TABLE_REWRITE)))
		{
			ColumnDef  *cd = (ColumnDef *) cmd->def;
			char	   *using_expr = cd->raw_default ? clause_after(s->statement, "using", no_stops) : NULL;

			if (cd->collClause)
				return NULL;
			s->run = psprintf("CALL schemashift.expand_alter_column_type(%s, %s, %s, %s)",
							  quote_literal_cstr(rel), quote_literal_cstr(cmd->name),
							  quote_literal_cstr(type_text(cd->typeName)), literal_or_null(using_expr));
			s->locks = "ACCESS EXCLUSIVE for instants (add the shadow column, contract); row locks of one batch at a time; index copies built concurrently";
			s->estimate_ms = (int64) (1000 * (1 + rows / SS_BACKFILL_ROWS_PER_S + 2 * bytes / SS_BUILD_BYTES_PER_S));
			return "expand column type";
		}
	}
	return NULL;
}

/* ---------- planning ---------- */

static Step *
new_step(MigrationPlan *p, SSScriptStatement *st, const char *text)
{
	Step	   *s = palloc0(sizeof(Step));

	s->number = list_length(p->steps) + 1;
	s->line = st->line;
	s->col = st->col;
	s->statement = pstrdup(text);
	s->estimate_ms = -1;
	s->status = SS_STEP_PENDING;
	p->steps = lappend(p->steps, s);
	return s;
}

static char *
approval_calls(MigrationPlan *p, Step *s, List *findings)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, findings)
	{
		SSScriptFinding *f = lfirst(lc);
		SSApproval *a;

		if (f->level != SS_LEVEL_ERROR || (a = approval_for(p, f)) == NULL)
			continue;
		if (a->object || f->object)
		{
			const char *object = a->object ? a->object : f->object;

			s->approved_objects = lappend(s->approved_objects, pstrdup(object));
			s->approved_relids = lappend_oid(s->approved_relids,
											 ss_approval_object_relid(object));
		}
		appendStringInfo(&buf, "SELECT schemashift.approve(%s, %s, %s);\n",
						 quote_literal_cstr(schemashift_rules[f->rule].id),
						 literal_or_null(a->object ? a->object : f->object),
						 quote_literal_cstr(a->reason ? a->reason :
											psprintf("approved for migration %s", p->migration_id)));
	}
	return buf.data;
}

static void
refuse_statement(MigrationPlan *p, SSScriptStatement *st, List *blocking, const char *why)
{
	StringInfoData detail;
	ListCell   *lc;
	SSScriptFinding *first = linitial(blocking);

	initStringInfo(&detail);
	foreach(lc, blocking)
	{
		SSScriptFinding *f = lfirst(lc);

		appendStringInfo(&detail, "%sline %d, column %d: %s [%s]", detail.len ? "\n" : "",
						 f->line, f->col, f->message, schemashift_rules[f->rule].id);
	}
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("statement %d at line %d %s", st->number, st->line, why),
			 errdetail("%s", detail.data),
			 errhint("%s%sIf it is safe here, approve it: apply(..., approve => array['%s']) or SELECT schemashift.approve('%s', ..., reason => '...') earlier in the script.",
					 first->hint ? first->hint : "", first->hint ? " " : "",
					 schemashift_rules[first->rule].id, schemashift_rules[first->rule].id)));
}

/* "AccessExclusiveLock" as SQL spells it: "ACCESS EXCLUSIVE" */
static char *
lock_sql_name(LOCKMODE mode)
{
	const char *name = ss_lock_name(mode);
	StringInfoData buf;
	const char *c;

	if (name == NULL)
		return NULL;
	initStringInfo(&buf);
	for (c = name; *c && strcmp(c, "Lock") != 0; c++)
	{
		if (isupper((unsigned char) *c) && c != name)
			appendStringInfoChar(&buf, ' ');
		appendStringInfoChar(&buf, toupper((unsigned char) *c));
	}
	return buf.data;
}

static void
close_block(MigrationPlan *p)
{
	Step	   *s = p->block;

	s->run = p->block_approved ? s->run : pstrdup(p->block_sql.data);
	if (p->block_approved)
		s->run = psprintf("%s%s", s->run, p->block_sql.data);
	s->recipe = p->block_approved ? "approved" : "transaction block";
	s->locks = p->block_lock != NoLock ? psprintf("%s until the block commits", lock_sql_name(p->block_lock)) : NULL;
	p->block = NULL;
}

/*
 * Findings about what apply itself takes care of: each step runs under
 * lock retries with its own lock_timeout, and an interrupted migration
 * resumes where it stopped.
 */
static List *
relevant_findings(List *findings)
{
	List	   *out = NIL;
	ListCell   *lc;

	foreach(lc, findings)
	{
		SSScriptFinding *f = lfirst(lc);

		if (f->rule != SS_REQUIRE_LOCK_TIMEOUT && f->rule != SS_REQUIRE_STATEMENT_TIMEOUT &&
			f->rule != SS_PREFER_ROBUST_STMTS)
			out = lappend(out, f);
	}
	return out;
}

static void
plan_script(MigrationPlan *p)
{
	int			n;
	int			i;
	SSScriptStatement *stmts = schemashift_lint_statements(p->script, NULL, &n);
	bool		need_approver = false;
	Node	   *previous = NULL;

	for (i = 0; i < n; i++)
	{
		SSScriptStatement *st = &stmts[i];
		char	   *text = trimmed(p->script, st->start, st->end);
		List	   *raw;
		Node	   *node;
		List	   *blocking = NIL;
		List	   *approved = NIL;
		ListCell   *lc;
		char	   *a_rule;
		char	   *a_object;
		char	   *a_reason;
		const char *recipe;
		Step	   *s;

		if (!st->syntax_error)
			st->findings = relevant_findings(st->findings);
		else
		{
			SSScriptFinding *f = linitial(st->findings);

			ereport(ERROR,
					(errcode(ERRCODE_SYNTAX_ERROR),
					 errmsg("%s at line %d, column %d of the migration", f->message, f->line, f->col)));
		}
		raw = schemashift_raw_parser(text);
		if (raw == NIL)
			continue;
		if (list_length(raw) != 1)
			elog(ERROR, "statement %d holds %d statements", st->number, list_length(raw));
		node = linitial_node(RawStmt, raw)->stmt;
		/* names the statement before gave, for the approvals of this one */
		if (previous)
			note_names_given(p, previous);
		previous = node;

		if (IsA(node, TransactionStmt))
		{
			TransactionStmt *ts = (TransactionStmt *) node;

			if (ts->kind == TRANS_STMT_BEGIN || ts->kind == TRANS_STMT_START)
			{
				if (p->block)
					ereport(ERROR,
							(errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
							 errmsg("BEGIN at line %d inside the transaction block opened at line %d",
									st->line, p->block->line)));
				p->block = new_step(p, st, text);
				initStringInfo(&p->block_sql);
				p->block_approved = false;
				p->block_lock = NoLock;
				continue;
			}
			if (ts->kind == TRANS_STMT_COMMIT && p->block)
			{
				p->block->statement = psprintf("%s\n...\n%s", p->block->statement, text);
				close_block(p);
				continue;
			}
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("apply does not run %s (line %d)", CreateCommandName(node), st->line),
					 errhint("apply runs each step in its own transaction; group statements with BEGIN ... COMMIT.")));
		}
		if (ss_approval_call(node, &a_rule, &a_object, &a_reason))
		{
			p->approvals = ss_approval_add(p->approvals, a_rule, a_object, a_reason,
										   "schemashift.approve()");
			if (a_reason == NULL)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("the approval at line %d needs a reason", st->line)));
			s = new_step(p, st, text);
			s->recipe = "approval";
			s->run = psprintf("-- approves %s on %s for the statements after it", a_rule,
							  a_object ? a_object : "any object");
			need_approver = true;
			continue;
		}

		foreach(lc, st->findings)
		{
			SSScriptFinding *f = lfirst(lc);

			if (f->level != SS_LEVEL_ERROR)
				continue;
			if (approval_for(p, f))
				approved = lappend(approved, f);
			else
				blocking = lappend(blocking, f);
		}

		if (p->block)
		{
			if (blocking)
				refuse_statement(p, st, blocking,
								 "is refused inside a transaction block: its recipe, if it has one, runs in several transactions");
			if (approved)
			{
				p->block_approved = true;
				p->block->run = psprintf("%s%s", p->block->run ? p->block->run : "",
										 approval_calls(p, p->block, st->findings));
				need_approver = true;
			}
			appendStringInfo(&p->block_sql, "%s;\n", text);
			p->block->notes = findings_text(st->findings) ?
				psprintf("%s%s%s", p->block->notes ? p->block->notes : "",
						 p->block->notes ? "; " : "", findings_text(st->findings)) : p->block->notes;
			p->block_lock = Max(p->block_lock, st->lock);
			continue;
		}

		s = new_step(p, st, text);
		s->notes = findings_text(st->findings);
		recipe = choose_recipe(p, s, node, st->findings);
		if (recipe)
			s->recipe = (char *) recipe;
		else if (IsA(node, VacuumStmt) || IsA(node, ReindexStmt) ||
				 (IsA(node, IndexStmt) && ((IndexStmt *) node)->concurrent) ||
				 (IsA(node, DropStmt) && ((DropStmt *) node)->concurrent))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("apply cannot run %s (line %d) as written", CreateCommandName(node), st->line),
					 errhint("%s", IsA(node, ReindexStmt) ? "Use CALL schemashift.reindex(...) outside the migration." :
							 "It cannot run inside a transaction: run it outside the migration.")));
		else if (blocking)
			refuse_statement(p, st, blocking, "has no safe recipe");
		else if (approved)
		{
			s->recipe = "approved";
			s->run = psprintf("%s%s", approval_calls(p, s, st->findings), text);
			need_approver = true;
		}
		else
		{
			s->recipe = "as is";
			s->run = text;
		}
		if (!recipe)
		{
			s->locks = lock_sql_name(st->lock);
			if (st->lock >= ShareLock)
			{
				ListCell   *fl;

				/* a rewrite or a scan under the lock: say how long */
				foreach(fl, st->findings)
				{
					SSScriptFinding *f = lfirst(fl);

					if (schemashift_rules[f->rule].rewrites)
					{
						double		bytes,
									rows;
						Oid			relid = InvalidOid;

						if (IsA(node, AlterTableStmt))
							relid = relation_of(((AlterTableStmt *) node)->relation);
						if (OidIsValid(relid))
						{
							relation_size(relid, &bytes, &rows);
							s->estimate_ms = (int64) (1000 * (bytes / SS_BUILD_BYTES_PER_S));
						}
						break;
					}
				}
			}
		}
	}
	if (p->block)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TRANSACTION_STATE),
				 errmsg("the transaction block opened at line %d is never committed", p->block->line)));

	if (need_approver)
		ss_require_approver("The migration approves findings; only superusers and members of schemashift_approver can approve.");
}

static void
init_plan(MigrationPlan *p, FunctionCallInfo fcinfo, int approve_arg, int expand_arg)
{
	memset(p, 0, sizeof(*p));
	ss_require_arg(fcinfo, 0, "script");
	p->script = text_to_cstring(PG_GETARG_TEXT_PP(0));
	p->expand_types = !PG_ARGISNULL(expand_arg) && PG_GETARG_BOOL(expand_arg);
	if (!PG_ARGISNULL(approve_arg))
	{
		Datum	   *elems;
		bool	   *nulls;
		int			n;
		int			i;

		deconstruct_array(PG_GETARG_ARRAYTYPE_P(approve_arg), TEXTOID, -1, false, TYPALIGN_INT,
						  &elems, &nulls, &n);
		for (i = 0; i < n; i++)
		{
			char	   *e;
			char	   *colon;

			if (nulls[i])
				continue;
			e = TextDatumGetCString(elems[i]);
			colon = strchr(e, ':');
			if (colon)
				*colon = '\0';
			p->approvals = ss_approval_add(p->approvals, e, colon ? colon + 1 : NULL,
										   NULL, "approve");
		}
	}
}

static Datum
interval_ms(int64 ms)
{
	Interval   *iv = palloc0(sizeof(Interval));

	iv->time = ms * 1000;
	return IntervalPGetDatum(iv);
}

/* schemashift.plan(script, approve, expand_type_changes) */
Datum
schemashift_plan(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MigrationPlan		p;
	ListCell   *lc;

	init_plan(&p, fcinfo, 1, 2);
	p.migration_id = "(plan)";
	schemashift_init_srf(fcinfo);
	plan_script(&p);
	foreach(lc, p.steps)
	{
		Step	   *s = lfirst(lc);
		Datum		values[9];
		bool		nulls[9] = {0};

		values[0] = Int32GetDatum(s->number);
		values[1] = Int32GetDatum(s->line);
		values[2] = Int32GetDatum(s->col);
		values[3] = CStringGetTextDatum(s->statement);
		values[4] = CStringGetTextDatum(s->recipe);
		values[5] = CStringGetTextDatum(s->run);
		nulls[6] = s->locks == NULL;
		if (s->locks)
			values[6] = CStringGetTextDatum(s->locks);
		nulls[7] = s->estimate_ms < 0;
		if (s->estimate_ms >= 0)
			values[7] = interval_ms(s->estimate_ms);
		nulls[8] = s->notes == NULL;
		if (s->notes)
			values[8] = CStringGetTextDatum(s->notes);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* ---------- the ledger ---------- */

static char *
checksum_of(const char *script)
{
	Oid			types[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(script)};

	if (SPI_execute_with_args("SELECT pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to($1, 'UTF8')), 'hex')",
							  1, types, values, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not compute the script's checksum");
	return SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
}

static void
record_plan(MigrationPlan *p, const char *checksum)
{
	Oid			mtypes[3] = {TEXTOID, TEXTOID, INT4OID};
	Datum		mvalues[3];
	Oid			types[12] = {TEXTOID, INT4OID, INT4OID, INT4OID, TEXTOID, TEXTOID,
	TEXTOID, TEXTOID, INT8OID, TEXTOID, TEXTARRAYOID, OIDARRAYOID};
	ListCell   *lc;

	mvalues[0] = CStringGetTextDatum(p->migration_id);
	mvalues[1] = CStringGetTextDatum(checksum);
	mvalues[2] = Int32GetDatum(list_length(p->steps));
	ss_state_exec(psprintf("INSERT INTO schemashift.migrations (id, checksum, status, steps, run_by) "
						   "VALUES ($1, $2, %s, $3, pg_catalog.current_user())",
						   quote_literal_cstr(ss_ledger_start(&ss_ledger_migrations, SS_MIGRATION_RUNNING))),
				  3, mtypes, mvalues, NULL);
	foreach(lc, p->steps)
	{
		Step	   *s = lfirst(lc);
		Datum		values[12];
		char		nulls[12];

		memset(nulls, ' ', sizeof(nulls));
		values[0] = CStringGetTextDatum(p->migration_id);
		values[1] = Int32GetDatum(s->number);
		values[2] = Int32GetDatum(s->line);
		values[3] = Int32GetDatum(s->col);
		values[4] = CStringGetTextDatum(s->statement);
		values[5] = CStringGetTextDatum(s->recipe);
		values[6] = CStringGetTextDatum(s->run);
		if (s->locks)
			values[7] = CStringGetTextDatum(s->locks);
		else
			nulls[7] = 'n';
		values[8] = Int64GetDatum(s->estimate_ms);
		if (s->estimate_ms < 0)
			nulls[8] = 'n';
		if (s->notes)
			values[9] = CStringGetTextDatum(s->notes);
		else
			nulls[9] = 'n';
		nulls[10] = nulls[11] = 'n';
		if (s->approved_objects != NIL)
		{
			int			n = list_length(s->approved_objects);
			Datum	   *objects = palloc(sizeof(Datum) * n);
			Datum	   *relids = palloc(sizeof(Datum) * n);
			int			i;

			for (i = 0; i < n; i++)
			{
				objects[i] = CStringGetTextDatum(list_nth(s->approved_objects, i));
				relids[i] = ObjectIdGetDatum(list_nth_oid(s->approved_relids, i));
			}
			values[10] = PointerGetDatum(construct_array(objects, n, TEXTOID, -1, false,
														 TYPALIGN_INT));
			values[11] = PointerGetDatum(construct_array(relids, n, OIDOID, sizeof(Oid), true,
														 TYPALIGN_INT));
			nulls[10] = nulls[11] = ' ';
		}
		ss_state_exec(psprintf("INSERT INTO schemashift.migration_steps (migration_id, step, line, col, "
							   "statement, recipe, run, locks, estimate, status, approved_objects, approved_relations) "
							   "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
							   "$9 OPERATOR(pg_catalog.*) '1 ms'::pg_catalog.interval, %s, $11, $12)",
							   quote_literal_cstr(ss_ledger_start(&ss_ledger_migration_steps, s->status))),
					  12, types, values, nulls);
	}
}

static List *
load_steps(const char *id)
{
	Oid			types[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(id)};
	List	   *steps = NIL;
	uint64		i;

	ss_state_exec("SELECT step, line, col, statement, recipe, run, status, change_id, "
				  "approved_objects, approved_relations "
				  "FROM schemashift.migration_steps WHERE migration_id = $1 ORDER BY step",
				  1, types, values, NULL);
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	td = SPI_tuptable->tupdesc;
		Step	   *s = palloc0(sizeof(Step));
		char	   *change = SPI_getvalue(tup, td, 8);

		s->number = atoi(SPI_getvalue(tup, td, 1));
		s->line = atoi(SPI_getvalue(tup, td, 2));
		s->col = atoi(SPI_getvalue(tup, td, 3));
		s->statement = SPI_getvalue(tup, td, 4);
		s->recipe = SPI_getvalue(tup, td, 5);
		s->run = SPI_getvalue(tup, td, 6);
		s->status = ss_ledger_parse(&ss_ledger_migration_steps, SPI_getvalue(tup, td, 7));
		s->change_id = change ? strtoi64(change, NULL, 10) : 0;
		{
			bool		null1,
						null2;
			Datum		objects = SPI_getbinval(tup, td, 9, &null1);
			Datum		relids = SPI_getbinval(tup, td, 10, &null2);

			if (!null1 && !null2)
			{
				Datum	   *o;
				Datum	   *r;
				int			no;
				int			nr;
				int			k;

				deconstruct_array(DatumGetArrayTypeP(objects), TEXTOID, -1, false,
								  TYPALIGN_INT, &o, NULL, &no);
				deconstruct_array(DatumGetArrayTypeP(relids), OIDOID, sizeof(Oid), true,
								  TYPALIGN_INT, &r, NULL, &nr);
				for (k = 0; k < no && k < nr; k++)
				{
					s->approved_objects = lappend(s->approved_objects, TextDatumGetCString(o[k]));
					s->approved_relids = lappend_oid(s->approved_relids, DatumGetObjectId(r[k]));
				}
			}
		}
		steps = lappend(steps, s);
	}
	return steps;
}

/*
 * The relations earlier steps of the migration created, for the guard
 * (exemptions.h): the ones still there, under the same OID.
 */
static void
load_created_relations(const char *id)
{
	Oid			types[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(id)};
	List	   *relids = NIL;
	uint64		i;

	ss_state_exec(psprintf("SELECT DISTINCT r.relid FROM schemashift.migration_steps s, "
						   "pg_catalog.unnest(s.created_relations) AS r(relid) "
						   "WHERE s.migration_id OPERATOR(pg_catalog.=) $1 "
						   "AND s.status OPERATOR(pg_catalog.=) %s",
						   ss_ledger_literal(&ss_ledger_migration_steps, SS_STEP_DONE)),
				  1, types, values, NULL);
	for (i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		Oid			relid = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[i],
														   SPI_tuptable->tupdesc, 1, &isnull));

		if (!isnull && SearchSysCacheExists1(RELOID, ObjectIdGetDatum(relid)))
			relids = lappend_oid(relids, relid);
	}
	ss_migration_relations_set(relids);
}

typedef struct StepMark
{
	const char *id;
	Step	   *step;
	SSStepStatus status;
	int			attempts;
	const char *error;
} StepMark;

/* The relation a statement creates, or NULL (as lint's remember_created). */
static RangeVar *
created_by(Node *stmt)
{
	switch (nodeTag(stmt))
	{
		case T_CreateStmt:
			return ((CreateStmt *) stmt)->relation;
		case T_CreateForeignTableStmt:
			return ((CreateForeignTableStmt *) stmt)->base.relation;
		case T_CreateTableAsStmt:
			return ((CreateTableAsStmt *) stmt)->into->rel;
		case T_SelectStmt:
			return ((SelectStmt *) stmt)->intoClause ?
				((SelectStmt *) stmt)->intoClause->rel : NULL;
		case T_ViewStmt:
			return ((ViewStmt *) stmt)->view;
		case T_CreateSeqStmt:
			return ((CreateSeqStmt *) stmt)->sequence;
		default:
			return NULL;
	}
}

/*
 * The relations a step run as written has just created, in the transaction
 * that is about to stamp it: resolved in the catalog and really created by
 * this transaction, so that neither IF NOT EXISTS on an existing table nor
 * another schema's table of the same name counts.  Later steps' statements
 * are guarded with these counted as new, as lint counted them.
 */
static Datum
step_created_relations(Step *s, bool *isnull)
{
	List	   *raw = schemashift_raw_parser(s->run);
	ListCell   *lc;
	Datum	   *elems = palloc(sizeof(Datum) * Max(list_length(raw), 1));
	int			n = 0;

	foreach(lc, raw)
	{
		RangeVar   *rv = created_by(lfirst_node(RawStmt, lc)->stmt);
		Oid			relid;

		if (rv == NULL)
			continue;
		relid = RangeVarGetRelid(rv, NoLock, true);
		if (!OidIsValid(relid) || !ss_relid_is_new(relid))
			continue;
		ss_migration_relations_add(relid);
		elems[n++] = ObjectIdGetDatum(relid);
	}
	*isnull = (n == 0);
	if (n == 0)
		return (Datum) 0;
	return PointerGetDatum(construct_array(elems, n, OIDOID, sizeof(Oid), true,
										   TYPALIGN_INT));
}

static void
mark_step(void *arg)
{
	StepMark   *m = (StepMark *) arg;
	Oid			types[7] = {TEXTOID, INT4OID, TEXTOID, INT4OID, TEXTOID, OIDARRAYOID, BOOLOID};
	Datum		values[7];
	char		nulls[7] = {' ', ' ', ' ', ' ', ' ', 'n', ' '};
	bool		none = true;

	values[0] = CStringGetTextDatum(m->id);
	values[1] = Int32GetDatum(m->step->number);
	values[2] = CStringGetTextDatum(ss_ledger_move(&ss_ledger_migration_steps, m->step->status, m->status));
	values[3] = Int32GetDatum(m->attempts);
	if (m->error)
		values[4] = CStringGetTextDatum(m->error);
	else
		nulls[4] = 'n';
	values[6] = BoolGetDatum(m->status == SS_STEP_RUNNING);
	if (m->status == SS_STEP_DONE && !recipe_is_call(m->step->recipe) &&
		strcmp(m->step->recipe, "approval") != 0)
	{
		values[5] = step_created_relations(m->step, &none);
		nulls[5] = none ? 'n' : ' ';
	}
	ss_state_exec("UPDATE schemashift.migration_steps SET status = $3, error = $5, "
				  "created_relations = COALESCE($6, created_relations), "
				  "attempts = attempts + $4, "
				  "started_at = CASE WHEN $7 THEN pg_catalog.clock_timestamp() ELSE started_at END, "
				  "finished_at = CASE WHEN $7 THEN NULL ELSE pg_catalog.clock_timestamp() END, "
				  "duration = CASE WHEN $7 THEN NULL ELSE pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-) started_at END "
				  "WHERE migration_id = $1 AND step = $2",
				  7, types, values, nulls);
	if (m->status == SS_STEP_FAILED)
	{
		Oid			mtypes[3] = {TEXTOID, TEXTOID, TEXTOID};
		Datum		mvalues[3] = {values[0], values[4],
		CStringGetTextDatum(ss_ledger_move(&ss_ledger_migrations, SS_MIGRATION_RUNNING, SS_MIGRATION_FAILED))};
		char		mnulls[3] = {' ', nulls[4], ' '};

		ss_state_exec("UPDATE schemashift.migrations SET status = $3, error = $2, "
					  "finished_at = pg_catalog.clock_timestamp() WHERE id = $1",
					  3, mtypes, mvalues, mnulls);
	}
}

static void
mark(const char *id, Step *s, SSStepStatus status, int attempts, const char *error)
{
	StepMark	m = {id, s, status, attempts, error};

	mark_step(&m);
	SPI_commit();
	s->status = status;
}

static void
record_change(const char *id, Step *s)
{
	Oid			types[3] = {TEXTOID, INT4OID, INT8OID};
	Datum		values[3] = {CStringGetTextDatum(id), Int32GetDatum(s->number),
	Int64GetDatum(s->change_id)};

	ss_state_exec("UPDATE schemashift.migration_steps SET change_id = $3 "
				  "WHERE migration_id = $1 AND step = $2", 3, types, values, NULL);
	SPI_commit();
}

/* ---------- running ---------- */

static void
call_recipe(const char *sql)
{
	SPIExecuteOptions opts;
	int			rc;

	memset(&opts, 0, sizeof(opts));
	opts.allow_nonatomic = true;
	rc = SPI_execute_extended(sql, &opts);
	if (rc < 0)
		elog(ERROR, "SPI_execute_extended failed: %s", SPI_result_code_string(rc));
}

/* An SSChangeState, or -1 when there is no such change. */
static int
change_state(int64 change)
{
	Oid			types[1] = {INT8OID};
	Datum		values[1] = {Int64GetDatum(change)};

	if (ss_state_exec("SELECT state FROM schemashift.changes WHERE id = $1", 1, types, values, NULL) != 1)
		return -1;
	return ss_ledger_parse(&ss_ledger_changes,
						   SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1));
}

static void
run_expand(const char *id, Step *s)
{
	int			state = s->change_id ? change_state(s->change_id) : -1;

	if (state != SS_CHANGE_READY && state != SS_CHANGE_CONTRACTED)
	{
		bool		isnull;

		call_recipe(s->run);
		if (SPI_tuptable == NULL || SPI_processed != 1)
			elog(ERROR, "%s returned no change", s->recipe);
		s->change_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc,
												   1, &isnull));
		record_change(id, s);
		state = change_state(s->change_id);
	}
	if (state == SS_CHANGE_READY)
		call_recipe(psprintf("CALL schemashift.contract(%lld)", (long long) s->change_id));
}

/*
 * A step run as written: its attempts under lock retries, the last one
 * committed together with the step's stamp.  An error that ends it is
 * recorded here, in a clean transaction (the attempt rolled back), then
 * raised; *recorded says so.  Returns the attempts it took.
 */
static int
run_as_written(const char *id, Step *s, volatile bool *recorded)
{
	StepMark	done = {id, s, SS_STEP_DONE, 0, NULL};
	SSRetryRun	run;
	ErrorData  *edata = NULL;
	int			attempts;

	memset(&run, 0, sizeof(run));
	ss_retry_schedule_default(&run.schedule);
	run.label = psprintf("migration %s, step %d", id, s->number);
	run.sql = s->run;
	run.statement = s->statement;
	/* as written: guarded like any statement, nothing exempt */
	run.exempt = ss_no_exemption;
	run.then = mark_step;
	run.then_arg = &done;
	run.migration_id = id;
	run.step = s->number;
	/* the attempt and the step's stamp commit together */
	attempts = ss_with_lock_retries(&run, &edata);
	if (edata)
	{
		mark(id, s, SS_STEP_FAILED, attempts, edata->message);
		*recorded = true;
		ReThrowError(edata);
	}
	s->status = SS_STEP_DONE;
	return attempts;
}

/*
 * The step failed with an error that is still being thrown, and nothing
 * recorded it: the recipes commit inside, so no subtransaction could hold
 * them.  End the failed transaction without leaving the CALL, stamp the
 * step failed with the error in a new one, and throw the error on.  A
 * cancel is an error like the others here (the step is failed, "canceling
 * statement due to user request"); a terminate or a crash never gets here
 * and leaves the step running, which migration_status reports as
 * interrupted.  Does not return.
 */
static void
fail_step(const char *id, Step *s, MemoryContext cxt)
{
	ErrorData  *edata = ss_abort_failed_transaction(cxt);

	if (edata == NULL)
		PG_RE_THROW();
	if (SPI_connect_ext(SPI_OPT_NONATOMIC) != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	PG_TRY();
	{
		/* a recipe's attempts count its runs; lock_attempts has the rest */
		mark(id, s, SS_STEP_FAILED, recipe_is_call(s->recipe) ? 1 : 0, edata->message);
	}
	PG_CATCH();
	{
		ErrorData  *record_error;

		MemoryContextSwitchTo(cxt);
		record_error = CopyErrorData();
		FlushErrorState();
		ereport(WARNING,
				(errmsg("could not record the failure of migration %s, step %d: %s",
						id, s->number, record_error->message),
				 errdetail("The step stays running in schemashift.migration_steps; migration_status() reports it as interrupted.")));
	}
	PG_END_TRY();
	ReThrowError(edata);
}

/*
 * An approval was reviewed for the relations its object named when the
 * migration was planned; the step gives it again by name in its own
 * transaction, perhaps much later.  Refuse the step if a name now means
 * another relation (SET SCHEMA, RENAME, DROP and CREATE), rather than let
 * the approval cover a table nobody approved.
 */
static void
check_approved_relations(Step *s)
{
	ListCell   *lo;
	ListCell   *lr;

	forboth(lo, s->approved_objects, lr, s->approved_relids)
	{
		const char *object = lfirst(lo);
		Oid			then = lfirst_oid(lr);

		if (ss_approval_object_relid(object) != then)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("\"%s\" no longer names the relation approved when migration step %d was planned",
							object, s->number),
					 errdetail("The approval covers only what was reviewed."),
					 errhint("Review the change again and approve it in a new migration.")));
	}
}

static void
run_step(const char *id, Step *s, int nsteps)
{
	MemoryContext cxt;
	volatile int attempts = 0;
	volatile bool recorded = false;

	ereport(NOTICE,
			(errmsg("migration %s, step %d of %d (line %d): %s", id, s->number, nsteps, s->line,
					s->recipe),
			 errdetail("Statement: %s", s->statement)));
	if (strcmp(s->recipe, "approval") == 0)
	{
		mark(id, s, SS_STEP_DONE, 0, NULL);
		return;
	}
	mark(id, s, SS_STEP_RUNNING, 0, NULL);

	/* apply's SPI procedure context: it lives as long as the CALL */
	cxt = CurrentMemoryContext;
	PG_TRY();
	{
		ss_current_migration_id = id;
		ss_current_migration_step = s->number;
		check_approved_relations(s);
		if (!recipe_is_call(s->recipe))
			attempts = run_as_written(id, s, &recorded);
		else if (recipe_is_expand(s->recipe))
			run_expand(id, s);
		else
			call_recipe(s->run);
		ss_current_migration_id = NULL;
	}
	PG_CATCH();
	{
		ss_current_migration_id = NULL;
		if (recorded)
			PG_RE_THROW();
		fail_step(id, s, cxt);
	}
	PG_END_TRY();

	if (recipe_is_call(s->recipe))
		mark(id, s, SS_STEP_DONE, 1, NULL);
	else
	{
		/* attempts of the successful run */
		Oid			types[3] = {TEXTOID, INT4OID, INT4OID};
		Datum		values[3] = {CStringGetTextDatum(id), Int32GetDatum(s->number),
		Int32GetDatum(attempts)};

		ss_state_exec("UPDATE schemashift.migration_steps SET attempts = $3 "
					  "WHERE migration_id = $1 AND step = $2", 3, types, values, NULL);
		SPI_commit();
	}
}

static void
step_context(void *arg)
{
	Step	   *s = (Step *) arg;

	errcontext("migration step %d (line %d, column %d): %s", s->number, s->line, s->col,
			   s->statement);
}

static void
print_plan(MigrationPlan *p)
{
	ListCell   *lc;

	foreach(lc, p->steps)
	{
		Step	   *s = lfirst(lc);
		StringInfoData d;

		initStringInfo(&d);
		appendStringInfo(&d, "Statement: %s\nRuns: %s", s->statement, s->run);
		if (s->locks)
			appendStringInfo(&d, "\nLocks: %s", s->locks);
		if (s->estimate_ms >= 0)
			appendStringInfo(&d, "\nEstimate: %.0f s", s->estimate_ms / 1000.0);
		if (s->notes)
			appendStringInfo(&d, "\nFindings: %s", s->notes);
		ereport(NOTICE,
				(errmsg("step %d (line %d): %s", s->number, s->line, s->recipe),
				 errdetail_internal("%s", d.data)));
	}
}

/* CALL schemashift.apply(script, migration_id, approve, dry_run, expand_type_changes) */
Datum
schemashift_apply(PG_FUNCTION_ARGS)
{
	MigrationPlan		p;
	char	   *checksum;
	uint32		key;
	bool		dry_run;
	TimestampTz start = GetCurrentTimestamp();

	schemashift_require_nonatomic(fcinfo, "apply");
	init_plan(&p, fcinfo, 2, 4);
	dry_run = !PG_ARGISNULL(3) && PG_GETARG_BOOL(3);
	if (SPI_connect_ext(SPI_OPT_NONATOMIC) != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	disable_timeout(STATEMENT_TIMEOUT, false);
	checksum = checksum_of(p.script);
	p.migration_id = PG_ARGISNULL(1) ? psprintf("sha256:%.16s", checksum)
		: text_to_cstring(PG_GETARG_TEXT_PP(1));
	if (p.migration_id[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("migration_id must not be empty")));

	if (dry_run)
	{
		plan_script(&p);
		ereport(NOTICE,
				(errmsg_plural("migration %s: %d step (dry run: nothing runs)",
							   "migration %s: %d steps (dry run: nothing runs)",
							   list_length(p.steps), p.migration_id, list_length(p.steps))));
		print_plan(&p);
		SPI_finish();
		PG_RETURN_VOID();
	}

	key = DatumGetUInt32(hash_any((const unsigned char *) p.migration_id, strlen(p.migration_id)));
	ss_lock_session(SS_ADVISORY_MIGRATION, 0, key, psprintf("migration %s", p.migration_id));
	PG_TRY();
	{
		Oid			types[2] = {TEXTOID, TEXTOID};
		Datum		values[2] = {CStringGetTextDatum(p.migration_id), CStringGetTextDatum(checksum)};
		List	   *steps;
		ListCell   *lc;
		bool		skip = false;

		if (ss_state_exec("SELECT checksum, status FROM schemashift.migrations WHERE id = $1",
						  1, types, values, NULL) == 1)
		{
			char	   *old = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
			SSMigrationStatus status = ss_ledger_parse(&ss_ledger_migrations,
													   SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2));

			if (strcmp(old, checksum) != 0)
				ereport(ERROR,
						(errcode(ERRCODE_DATA_EXCEPTION),
						 errmsg("migration \"%s\" was %s with a different script", p.migration_id,
								status == SS_MIGRATION_DONE ? "applied" : "started"),
						 errdetail("Its checksum was %s; this script's is %s.", old, checksum),
						 errhint("A migration must not change after it ran: put the change in a new migration.")));
			if (status == SS_MIGRATION_DONE)
			{
				ereport(NOTICE,
						(errmsg("migration %s is already applied, skipping", p.migration_id)));
				skip = true;
			}
			else
			{
				values[1] = CStringGetTextDatum(ss_ledger_move(&ss_ledger_migrations, status,
															   SS_MIGRATION_RUNNING));
				ss_state_exec("UPDATE schemashift.migrations SET status = $2, runs = runs + 1, "
							  "error = NULL, finished_at = NULL WHERE id = $1",
							  2, types, values, NULL);
				SPI_commit();
				steps = load_steps(p.migration_id);
				load_created_relations(p.migration_id);
				foreach(lc, steps)
					if (((Step *) lfirst(lc))->status != SS_STEP_DONE)
						break;
				ereport(NOTICE,
						(errmsg("resuming migration %s at step %d of %d", p.migration_id,
								lc ? ((Step *) lfirst(lc))->number : list_length(steps) + 1,
								list_length(steps))));
			}
		}
		else
		{
			plan_script(&p);
			record_plan(&p, checksum);
			SPI_commit();
			steps = load_steps(p.migration_id);
			ereport(NOTICE,
					(errmsg_plural("migration %s: %d step", "migration %s: %d steps",
								   list_length(steps), p.migration_id, list_length(steps))));
		}

		if (!skip)
		{
			foreach(lc, steps)
			{
				Step	   *s = lfirst(lc);
				ErrorContextCallback cb;

				if (s->status == SS_STEP_DONE)
					continue;
				cb.callback = step_context;
				cb.arg = s;
				cb.previous = error_context_stack;
				error_context_stack = &cb;
				run_step(p.migration_id, s, list_length(steps));
				error_context_stack = cb.previous;
			}
			ss_state_exec("UPDATE schemashift.migrations SET status = $3, "
						  "finished_at = pg_catalog.clock_timestamp(), "
						  "duration = COALESCE(duration, '0') OPERATOR(pg_catalog.+) (pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-) $2::pg_catalog.timestamptz) "
						  "WHERE id = $1",
						  3, (Oid[]) {TEXTOID, TIMESTAMPTZOID, TEXTOID},
						  (Datum[]) {CStringGetTextDatum(p.migration_id), TimestampTzGetDatum(start),
						  CStringGetTextDatum(ss_ledger_move(&ss_ledger_migrations, SS_MIGRATION_RUNNING, SS_MIGRATION_DONE))}, NULL);
			SPI_commit();
			ereport(NOTICE,
					(errmsg_plural("migration %s applied: %d step", "migration %s applied: %d steps",
								   list_length(steps), p.migration_id, list_length(steps))));
		}
	}
	PG_FINALLY();
	{
		ss_migration_relations_clear();
		ss_unlock_session(SS_ADVISORY_MIGRATION, 0, key);
	}
	PG_END_TRY();
	SPI_finish();
	PG_RETURN_VOID();
}
