/*-------------------------------------------------------------------------
 *
 * plan.c
 *		apply()'s planner: a migration script becomes steps;
 *		schemashift.plan(script, ...) shows them without running anything.
 *
 * The script is linted first, with the same engine and the same view of
 * the catalog as lint().  Each statement becomes a step:
 *	- a danger a recipe takes (recipes.h): that recipe, planned by it;
 *	- nothing dangerous found: run as written, under lock retries;
 *	- a danger without a recipe: refused, unless approved (approve =>
 *	  array[...] or schemashift.approve() in the script), and then run
 *	  together with its approval so the guard and the audit log see it;
 *	- BEGIN ... COMMIT: one step, run as written.
 *
 *-------------------------------------------------------------------------
 */
#include "procs.h"
#include "approvals.h"
#include "migration.h"
#include "recipes.h"
#include "schemashift.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "parser/parser.h"
#include "tcop/utility.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

PG_FUNCTION_INFO_V1(schemashift_plan);

static char *
literal_or_null(const char *s)
{
	return s ? quote_literal_cstr(s) : "NULL";
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
				Oid			relid = ss_relation_of(is->relation);

				if (is->idxname)
					note_name_given(p, NULL, OidIsValid(relid) ? get_rel_namespace(relid) : InvalidOid,
									is->idxname);
				break;
			}
		case T_RenameStmt:
			{
				RenameStmt *rs = (RenameStmt *) node;
				Oid			relid = ss_relation_of(rs->relation);

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

/* ARRAY['rule', ...] of the blocking findings' rules, each once */
static char *
blocking_rules(List *blocking, bool as_array)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, blocking)
	{
		const char *id = schemashift_rules[((SSScriptFinding *) lfirst(lc))->rule].id;
		ListCell   *earlier;
		bool		seen = false;

		foreach(earlier, blocking)
		{
			if (earlier == lc)
				break;
			seen = seen || strcmp(schemashift_rules[((SSScriptFinding *) lfirst(earlier))->rule].id, id) == 0;
		}
		if (!seen)
			appendStringInfo(&buf, "%s%s", buf.len ? ", " : "",
							 as_array ? quote_literal_cstr(id) : id);
	}
	return as_array ? psprintf("array[%s]", buf.data) : buf.data;
}

/*
 * The recipe option that would take a refused statement: a recipe that
 * matches once the option is on.  NULL when none would.
 */
static char *
option_that_takes(MigrationPlan *p, SSScriptStatement *st, RawStmt *raw, const char *text)
{
	SSRecipeInput in = {raw->stmt, text, st->findings, st->line, true};
	Step		scratch;
	const SSRecipe *r;

	if (p->expand_types)
		return NULL;
	memset(&scratch, 0, sizeof(scratch));
	scratch.statement = (char *) text;
	r = ss_recipe_for(&in, &scratch);
	return r ? psprintf("expand_type_changes => true (recipe \"%s\")", r->name) : NULL;
}

/*
 * The ways through a refusal, as plan() shows them and apply()'s error
 * hints them: the recipe option that takes the statement, a rewrite as
 * the first rule's hint says, or an approval of every rule that refuses it.
 */
static char *
way_through(MigrationPlan *p, SSScriptStatement *st, RawStmt *raw, const char *text,
			List *blocking)
{
	SSScriptFinding *first = linitial(blocking);
	char	   *option = raw ? option_that_takes(p, st, raw, text) : NULL;
	StringInfoData buf;

	initStringInfo(&buf);
	if (option)
		appendStringInfo(&buf, "Pass %s: the recipe takes it. ", option);
	if (first->hint)
		appendStringInfo(&buf, "%s ", first->hint);
	appendStringInfo(&buf, "If it is safe here, approve it: apply(..., approve => %s) or SELECT schemashift.approve('%s', ..., reason => '...') earlier in the script.",
					 blocking_rules(blocking, true), schemashift_rules[first->rule].id);
	return buf.data;
}

/*
 * A statement the planner refuses: apply() stops with an error that names
 * the ways through; plan() marks the step and goes on.
 */
static void
refuse_statement(MigrationPlan *p, SSScriptStatement *st, RawStmt *raw, const char *text,
				 Step *s, List *blocking, const char *why)
{
	StringInfoData detail;
	ListCell   *lc;
	char	   *way = way_through(p, st, raw, text, blocking);

	if (p->show_all)
	{
		s->refused = s->refused ? psprintf("%s, %s", s->refused, blocking_rules(blocking, false)) :
			blocking_rules(blocking, false);
		s->way_through = s->way_through ? psprintf("%s\n%s", s->way_through, way) : way;
		return;
	}
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
			 errhint("%s", way)));
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
	if (s->refused == NULL)
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

/* BEGIN opens the script's transaction block, COMMIT closes it */
static void
plan_transaction(MigrationPlan *p, SSScriptStatement *st, const char *text, TransactionStmt *ts)
{
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
		return;
	}
	if (ts->kind == TRANS_STMT_COMMIT && p->block)
	{
		p->block->statement = psprintf("%s\n...\n%s", p->block->statement, text);
		close_block(p);
		return;
	}
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("apply does not run %s (line %d)", CreateCommandName((Node *) ts), st->line),
			 errhint("apply runs each step in its own transaction; group statements with BEGIN ... COMMIT.")));
}

/* schemashift.approve(...) in the script: a step of its own; false if not one */
static bool
plan_approval(MigrationPlan *p, SSScriptStatement *st, const char *text, Node *node)
{
	char	   *a_rule;
	char	   *a_object;
	char	   *a_reason;
	Step	   *s;

	if (!ss_approval_call(node, &a_rule, &a_object, &a_reason))
		return false;
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
	p->need_approver = true;
	return true;
}

/* a statement between BEGIN and COMMIT joins the block's step */
static void
plan_in_block(MigrationPlan *p, SSScriptStatement *st, const char *text, List *blocking,
			  List *approved)
{
	if (blocking)
	{
		/* no recipe runs inside a block: no option takes it there */
		refuse_statement(p, st, NULL, text, p->block, blocking,
						 "is refused inside a transaction block: its recipe, if it has one, runs in several transactions");
		p->block->recipe = "refused";
	}
	if (approved)
	{
		p->block_approved = true;
		p->block->run = psprintf("%s%s", p->block->run ? p->block->run : "",
								 approval_calls(p, p->block, st->findings));
		p->need_approver = true;
	}
	appendStringInfo(&p->block_sql, "%s;\n", text);
	p->block->notes = findings_text(st->findings) ?
		psprintf("%s%s%s", p->block->notes ? p->block->notes : "",
				 p->block->notes ? "; " : "", findings_text(st->findings)) : p->block->notes;
	p->block_lock = Max(p->block_lock, st->lock);
}

/* a step run as written: a rewrite or a scan under its lock, how long */
static void
estimate_as_written(Step *s, SSScriptStatement *st, Node *node)
{
	ListCell   *fl;

	s->locks = lock_sql_name(st->lock);
	if (st->lock < ShareLock)
		return;
	foreach(fl, st->findings)
	{
		SSScriptFinding *f = lfirst(fl);

		if (schemashift_rules[f->rule].rewrites)
		{
			double		bytes,
						rows;
			Oid			relid = InvalidOid;

			if (IsA(node, AlterTableStmt))
				relid = ss_relation_of(((AlterTableStmt *) node)->relation);
			if (OidIsValid(relid))
			{
				ss_relation_size(relid, &bytes, &rows);
				s->estimate_ms = (int64) (1000 * (bytes / SS_BUILD_BYTES_PER_S));
			}
			break;
		}
	}
}

/*
 * A statement of its own: the recipe that takes it, or run as written
 * (with its approvals), or refused.
 */
static void
plan_statement(MigrationPlan *p, SSScriptStatement *st, char *text, RawStmt *raw,
			   List *blocking, List *approved)
{
	Node	   *node = raw->stmt;
	Step	   *s = new_step(p, st, text);
	SSRecipeInput in = {node, s->statement, st->findings, st->line, p->expand_types};
	const SSRecipe *recipe;

	s->notes = findings_text(st->findings);
	recipe = ss_recipe_for(&in, s);
	if (recipe)
	{
		s->recipe = (char *) recipe->name;
		s->parsed = (Node *) raw;
		return;
	}
	if (IsA(node, VacuumStmt) || IsA(node, ReindexStmt) ||
		(IsA(node, IndexStmt) && ((IndexStmt *) node)->concurrent) ||
		(IsA(node, DropStmt) && ((DropStmt *) node)->concurrent))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("apply cannot run %s (line %d) as written", CreateCommandName(node), st->line),
				 errhint("%s", IsA(node, ReindexStmt) ? "Use CALL schemashift.reindex(...) outside the migration." :
						 "It cannot run inside a transaction: run it outside the migration.")));
	else if (blocking)
	{
		refuse_statement(p, st, raw, text, s, blocking, "has no safe recipe");
		/* plan(): what approving it would run */
		s->recipe = "refused";
		s->run = text;
	}
	else if (approved)
	{
		s->recipe = "approved";
		s->run = psprintf("%s%s", approval_calls(p, s, st->findings), text);
		p->need_approver = true;
	}
	else
	{
		s->recipe = "as is";
		s->run = text;
	}
	estimate_as_written(s, st, node);
}

/* the statement's one parse tree, or NULL for none (a comment) */
static RawStmt *
parse_statement(SSScriptStatement *st)
{
	List	   *raw;

	if (st->syntax_error)
	{
		SSScriptFinding *f = linitial(st->findings);

		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("%s at line %d, column %d of the migration", f->message, f->line, f->col)));
	}
	st->findings = relevant_findings(st->findings);
	/* as lint parsed it: the statement is parsed once */
	raw = st->parsed;
	if (raw == NIL)
		return NULL;
	if (list_length(raw) != 1)
		elog(ERROR, "statement %d holds %d statements", st->number, list_length(raw));
	return linitial_node(RawStmt, raw);
}

void
ss_plan_script(MigrationPlan *p)
{
	int			n;
	int			i;
	SSScriptStatement *stmts = schemashift_lint_statements(p->script, NULL, &n);
	Node	   *previous = NULL;

	for (i = 0; i < n; i++)
	{
		SSScriptStatement *st = &stmts[i];
		char	   *text = ss_trimmed(p->script, st->start, st->end);
		RawStmt    *raw = parse_statement(st);
		List	   *blocking = NIL;
		List	   *approved = NIL;
		ListCell   *lc;

		if (raw == NULL)
			continue;
		/* names the statement before gave, for the approvals of this one */
		if (previous)
			note_names_given(p, previous);
		previous = raw->stmt;

		if (IsA(raw->stmt, TransactionStmt))
		{
			plan_transaction(p, st, text, (TransactionStmt *) raw->stmt);
			continue;
		}
		if (plan_approval(p, st, text, raw->stmt))
			continue;

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
			plan_in_block(p, st, text, blocking, approved);
		else
			plan_statement(p, st, text, raw, blocking, approved);
	}
	if (p->block)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TRANSACTION_STATE),
				 errmsg("the transaction block opened at line %d is never committed", p->block->line)));

	if (p->need_approver && p->show_all)
		ereport(NOTICE,
				(errmsg("plan() checks no approver rights"),
				 errdetail("apply() runs the approvals of this plan only for superusers and members of schemashift_approver."),
				 errhint("Run the plan with apply() as such a role.")));
	else if (p->need_approver)
		ss_require_approver("The migration approves findings; only superusers and members of schemashift_approver can approve.");
}
void
ss_init_plan(MigrationPlan *p, FunctionCallInfo fcinfo, int approve_arg, int expand_arg)
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

void
ss_step_datums(const Step *s, Datum *values, bool *isnull)
{
	memset(isnull, 0, sizeof(bool) * SS_STEP_COLUMNS);
	values[0] = Int32GetDatum(s->number);
	values[1] = Int32GetDatum(s->line);
	values[2] = Int32GetDatum(s->col);
	values[7] = Int64GetDatum(s->estimate_ms);
	isnull[7] = s->estimate_ms < 0;
	values[3] = CStringGetTextDatum(s->statement);
	values[4] = CStringGetTextDatum(s->recipe);
	values[5] = CStringGetTextDatum(s->run);
	ss_text_or_null(s->locks, &values[6], &isnull[6]);
	ss_text_or_null(s->notes, &values[8], &isnull[8]);
}

static Datum
interval_ms(int64 ms)
{
	Interval   *iv = palloc0(sizeof(Interval));

	iv->time = ms * 1000;
	return IntervalPGetDatum(iv);
}

/*
 * schemashift.plan(script, approve, expand_type_changes): every step, the
 * refused ones too (their rules and the ways through), without approver
 * rights.
 */
Datum
schemashift_plan(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MigrationPlan p;
	ListCell   *lc;

	ss_init_plan(&p, fcinfo, 1, 2);
	p.migration_id = "(plan)";
	p.show_all = true;
	schemashift_init_srf(fcinfo);
	ss_plan_script(&p);
	foreach(lc, p.steps)
	{
		Step	   *s = lfirst(lc);
		Datum		values[SS_STEP_COLUMNS + 2];
		bool		nulls[SS_STEP_COLUMNS + 2];

		ss_step_datums(s, values, nulls);
		if (!nulls[7])
			values[7] = interval_ms(s->estimate_ms);
		ss_text_or_null(s->refused, &values[SS_STEP_COLUMNS], &nulls[SS_STEP_COLUMNS]);
		ss_text_or_null(s->way_through, &values[SS_STEP_COLUMNS + 1], &nulls[SS_STEP_COLUMNS + 1]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

void
ss_print_plan(MigrationPlan *p)
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
