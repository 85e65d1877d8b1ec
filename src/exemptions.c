/*-------------------------------------------------------------------------
 *
 * exemptions.c
 *		Per-statement exemptions of recipe steps, and the relations the
 *		running migration created (see exemptions.h).
 *
 * State: at most a few armed exemptions, innermost first, in their own
 * memory context under TopMemoryContext (a step's attempt may commit, and
 * a worker's statement outlives its transaction); each is given back by
 * the runner that armed it, whatever happens.  The migration's relations
 * are a list of OIDs in TopMemoryContext, set and cleared by apply().
 *
 *-------------------------------------------------------------------------
 */
#include "exemptions.h"
#include "compat.h"

#include "catalog/namespace.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "parser/parser.h"
#include "utils/memutils.h"

struct SSArmedExemption
{
	SSExemption rules;
	int			depth;			/* guard depth the step's statements run at */
	List	   *stmts;			/* raw parse trees of the recipe's SQL */
	bool	   *claimed;
	MemoryContext cxt;
	SSArmedExemption *previous;
};

const SSExemption ss_no_exemption = {0};

static SSArmedExemption *armed = NULL;
static List *migration_relids = NIL;

SSExemption
ss_exempt_from(SSRuleId rule)
{
	SSExemption ex = {0};

	ex.rules[ex.nrules++] = rule;
	ex.nstatements = 1;
	return ex;
}

SSExemption
ss_exempt_from2(SSRuleId rule1, SSRuleId rule2)
{
	SSExemption ex = ss_exempt_from(rule1);

	ex.rules[ex.nrules++] = rule2;
	return ex;
}


bool
ss_exemption_covers(const SSExemption *ex, SSRuleId rule)
{
	int			i;

	for (i = 0; i < ex->nrules; i++)
		if (ex->rules[i] == rule)
			return true;
	return false;
}

SSArmedExemption *
ss_exemption_arm(const SSExemption *ex, const char *sql)
{
	SSArmedExemption *previous = armed;
	MemoryContext cxt;
	MemoryContext old;
	SSArmedExemption *a;
	List	   *raw;
	ListCell   *lc;

	if (ex == NULL || ex->nrules == 0)
		return previous;

	cxt = AllocSetContextCreate(TopMemoryContext, "schemashift exemption",
								ALLOCSET_SMALL_SIZES);
	old = MemoryContextSwitchTo(cxt);
	a = palloc0(sizeof(SSArmedExemption));
	a->rules = *ex;
	a->depth = schemashift_guard_depth();
	a->cxt = cxt;
	a->previous = previous;
	raw = schemashift_raw_parser(sql);
	MemoryContextSwitchTo(old);

	/*
	 * More statements than the recipe generated means that user text it was
	 * built from ended a statement early: run nothing.
	 */
	if (ex->nstatements > 0 && list_length(raw) != ex->nstatements)
	{
		int			n = list_length(raw);

		MemoryContextDelete(cxt);
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("a schemashift recipe step must be %d statement, not %d",
						ex->nstatements, n),
				 errdetail("Step: %s", sql),
				 errhint("Text given to the procedure must not end the statement it is part of.")));
	}
	old = MemoryContextSwitchTo(cxt);
	a->claimed = palloc0(sizeof(bool) * Max(list_length(raw), 1));
	foreach(lc, raw)
		a->stmts = lappend(a->stmts, lfirst_node(RawStmt, lc)->stmt);
	MemoryContextSwitchTo(old);
	armed = a;
	return previous;
}

void
ss_exemption_restore(SSArmedExemption *previous)
{
	while (armed != NULL && armed != previous)
	{
		SSArmedExemption *a = armed;

		armed = a->previous;
		MemoryContextDelete(a->cxt);
	}
}

/*
 * The relation an ALTER TABLE or a RENAME names, resolved now: the recipe
 * built its statements from names, and a name can be handed to another
 * table between the build and the run (SET SCHEMA, RENAME).
 */
static bool
names_the_recipes_table(Node *stmt, Oid relid)
{
	RangeVar   *rv = NULL;

	if (!OidIsValid(relid))
		return true;
	if (IsA(stmt, AlterTableStmt))
		rv = ((AlterTableStmt *) stmt)->relation;
	else if (IsA(stmt, RenameStmt))
		rv = ((RenameStmt *) stmt)->relation;
	if (rv == NULL)
		return true;
	return RangeVarGetRelid(rv, NoLock, true) == relid;
}

SSExemption
ss_exemption_claim(Node *stmt, int depth)
{
	ListCell   *lc;
	int			i = 0;

	if (armed == NULL || stmt == NULL || armed->depth != depth)
		return ss_no_exemption;
	foreach(lc, armed->stmts)
	{
		/* equal() ignores locations: the same statement, however spelt */
		if (!armed->claimed[i] && equal(lfirst(lc), stmt) &&
			names_the_recipes_table(stmt, armed->rules.relid))
		{
			armed->claimed[i] = true;
			return armed->rules;
		}
		i++;
	}
	return ss_no_exemption;
}

/* ---------- the running migration's own relations ---------- */

void
ss_migration_relations_set(List *relids)
{
	MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

	list_free(migration_relids);
	migration_relids = list_copy(relids);
	MemoryContextSwitchTo(old);
}

void
ss_migration_relations_add(Oid relid)
{
	MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

	migration_relids = list_append_unique_oid(migration_relids, relid);
	MemoryContextSwitchTo(old);
}

void
ss_migration_relations_clear(void)
{
	list_free(migration_relids);
	migration_relids = NIL;
}

bool
ss_relid_made_by_migration(Oid relid)
{
	return list_member_oid(migration_relids, relid);
}
