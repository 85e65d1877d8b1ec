/*-------------------------------------------------------------------------
 *
 * approvals.c
 *		Approvals: the one store and the one matcher behind
 *		schemashift.approve() (the live guard) and apply()'s planner.
 *
 * An approval names a rule (or an alias of several) and optionally one
 * object.  The object is resolved when the approval is given, the way SQL
 * resolves the name then: a relation becomes its OID ("t", "public.t" and
 * "T" are the same table, "\"T\"" another), "t.col" that relation's column
 * (by name, and by number when the column exists).  Objects of the rules
 * about schemas, databases and types, and names that resolve to no
 * relation, are kept as their identifier parts and match only the same
 * parts.  A finding then matches an approval of its rule when its object
 * is that relation (a table approval covers that table's columns, nothing
 * else), that column, or exactly that name: never a name the approved one
 * is a prefix of, a same-named object elsewhere, or a relation that took
 * the name after the approval was given.  Multi-object statements report
 * one finding per object, so each object needs its own approval.
 *
 * The guard's approvals live in TopTransactionContext and end with the
 * transaction; ROLLBACK TO SAVEPOINT takes back those given after the
 * savepoint.  apply()'s planner keeps its own list for one migration.
 *
 *-------------------------------------------------------------------------
 */
#include "approvals.h"
#include "preconditions.h"
#include "audit.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/varlena.h"

PG_FUNCTION_INFO_V1(schemashift_approve);

static List *xact_approvals = NIL; /* of SSApproval, in TopTransactionContext */

/* ---------- resolving names ---------- */

/* what an approval or a finding names, resolved against the catalog */
typedef struct Target
{
	Oid			relid;
	char	   *column;
	AttrNumber	attnum;
	List	   *name;
} Target;

/* Rules whose objects are schemas, databases or types, never relations. */
static bool
rule_names_relations(SSRuleId rule)
{
	switch (rule)
	{
		case SS_BAN_DROP_SCHEMA:
		case SS_BAN_DROP_DATABASE:
		case SS_BAN_CREATE_DOMAIN_WITH_CONSTRAINT:
		case SS_BAN_ALTER_DOMAIN_WITH_ADD_CONSTRAINT:
		case SS_REQUIRE_ENUM_VALUE_ORDERING:
			return false;
		default:
			return true;
	}
}

/*
 * Resolve "rel", "schema.rel", "db.schema.rel" or any of them followed by
 * ".column", like SQL: the whole name as a relation first, then all but
 * the last part.  A name that does not parse as identifiers keeps its text
 * as its only part.
 */
static void
resolve(const char *text, bool relations, Target *t)
{
	char	   *copy = pstrdup(text);
	List	   *parts;
	int			ncol;

	memset(t, 0, sizeof(*t));
	if (!SplitIdentifierString(copy, '.', &parts) || parts == NIL)
	{
		t->name = list_make1(pstrdup(text));
		return;
	}
	t->name = parts;
	if (!relations)
		return;
	for (ncol = 0; ncol <= 1; ncol++)
	{
		int			nrel = list_length(parts) - ncol;
		RangeVar   *rv;
		Oid			relid;

		if (nrel < 1 || nrel > 3)
			continue;
		/* SplitIdentifierString gives plain strings, not String nodes */
		rv = makeRangeVar(nrel >= 2 ? list_nth(parts, nrel - 2) : NULL,
						  list_nth(parts, nrel - 1), -1);
		if (nrel == 3)
			rv->catalogname = linitial(parts);
		relid = ss_lookup_relation(NULL, rv);
		if (!OidIsValid(relid))
			continue;
		t->relid = relid;
		if (ncol)
		{
			t->column = llast(parts);
			t->attnum = get_attnum(relid, t->column);
		}
		t->name = NIL;
		return;
	}
}

/* The relation an approval's object names now (or its column's table). */
Oid
ss_approval_object_relid(const char *object)
{
	return ss_approval_object_target(object, NULL);
}

/* The same, and the column it names after the relation, or NULL. */
Oid
ss_approval_object_target(const char *object, char **column)
{
	Target		t;

	if (column)
		*column = NULL;
	if (object == NULL)
		return InvalidOid;
	resolve(object, true, &t);
	if (column && OidIsValid(t.relid))
		*column = t.column;
	return t.relid;
}

static bool
same_name(List *a, List *b)
{
	ListCell   *la;
	ListCell   *lb;

	if (list_length(a) != list_length(b))
		return false;
	forboth(la, a, lb, b)
	{
		if (strcmp(lfirst(la), lfirst(lb)) != 0)
			return false;
	}
	return true;
}

/* The one matcher; t is NULL for a finding about no object in particular. */
static bool
approval_matches(const SSApproval *a, const Target *t)
{
	if (a->object == NULL)
		return true;
	if (t == NULL)
		return false;
	if (OidIsValid(a->relid))
	{
		if (t->relid != a->relid)
			return false;
		if (a->column == NULL)
			return true;		/* the table, or one of its own columns */
		if (t->column == NULL || strcmp(a->column, t->column) != 0)
			return false;
		/* a column that existed: the same one, not one renamed to its name */
		return a->attnum == InvalidAttrNumber || a->attnum == t->attnum;
	}
	return !OidIsValid(t->relid) && same_name(a->name, t->name);
}

static SSApproval *
find(List *approvals, SSRuleId rule, const Target *t)
{
	ListCell   *lc;

	foreach(lc, approvals)
	{
		SSApproval *a = lfirst(lc);

		if (a->rule == rule && approval_matches(a, t))
			return a;
	}
	return NULL;
}

/* ---------- the store ---------- */

/*
 * Add an approval of rule_id (an id or an alias) on object (NULL: any) to
 * a list, in the current memory context; unknown rules are an error, named
 * with origin when it is not NULL.
 */
List *
ss_approval_add(List *approvals, const char *rule_id, const char *object,
				const char *reason, const char *origin)
{
	SSRuleId	ids[SS_NUM_RULES];
	int			n = schemashift_rule_expand(rule_id, ids);
	int			i;

	if (n == 0)
	{
		const char *s = schemashift_rule_suggest(rule_id);

		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 origin ? errmsg("unknown schemashift rule \"%s\" in %s", rule_id, origin) :
				 errmsg("unknown schemashift rule \"%s\"", rule_id),
				 s ? errhint("Did you mean \"%s\"?", s) : 0));
	}
	for (i = 0; i < n; i++)
	{
		SSApproval *a = palloc0(sizeof(SSApproval));

		a->rule = ids[i];
		a->object = object ? pstrdup(object) : NULL;
		a->reason = reason ? pstrdup(reason) : NULL;
		a->nest_level = GetCurrentTransactionNestLevel();
		if (object)
		{
			Target		t;

			resolve(object, rule_names_relations(ids[i]), &t);
			a->relid = t.relid;
			a->column = t.column ? pstrdup(t.column) : NULL;
			a->attnum = t.attnum;
			a->name = t.name;
		}
		approvals = lappend(approvals, a);
	}
	return approvals;
}

/* The approval of rule that covers the object a finding names, or NULL. */
SSApproval *
ss_approval_find(List *approvals, SSRuleId rule, const char *object)
{
	Target		t;
	ListCell   *lc;
	bool		any = false;

	/* resolve the object only when some approval of the rule could match */
	foreach(lc, approvals)
		any |= ((SSApproval *) lfirst(lc))->rule == rule;
	if (!any)
		return NULL;
	if (object == NULL)
		return find(approvals, rule, NULL);
	resolve(object, rule_names_relations(rule), &t);
	return find(approvals, rule, &t);
}

/*
 * The same for a relation or column already dropped (sql_drop), which the
 * catalog no longer resolves: by its OID and column number; object is its
 * identity ("schema.table" or "schema.table.column").
 */
SSApproval *
ss_approval_find_dropped(List *approvals, SSRuleId rule, const char *object,
						 Oid relid, AttrNumber attnum)
{
	Target		t;

	if (approvals == NIL)
		return NULL;
	resolve(object, false, &t);
	t.relid = relid;
	t.attnum = attnum;
	t.column = attnum != InvalidAttrNumber && t.name != NIL ? llast(t.name) : NULL;
	t.name = NIL;
	return find(approvals, rule, &t);
}

/*
 * "SELECT schemashift.approve('rule', 'object', reason => '...')" as a
 * statement of a script, with constant arguments: its arguments.
 */
bool
ss_approval_call(Node *node, char **rule_id, char **object, char **reason)
{
	SelectStmt *sel = (SelectStmt *) node;
	ResTarget  *rt;
	FuncCall   *fc;
	char	   *args[3] = {NULL, NULL, NULL};
	static const char *const names[3] = {"rule", "object", "reason"};
	ListCell   *lc;
	int			pos = 0;

	if (!IsA(node, SelectStmt) || sel->fromClause || sel->whereClause ||
		list_length(sel->targetList) != 1)
		return false;
	rt = linitial_node(ResTarget, sel->targetList);
	if (!IsA(rt->val, FuncCall))
		return false;
	fc = (FuncCall *) rt->val;
	if (strcmp(strVal(llast(fc->funcname)), "approve") != 0 ||
		(list_length(fc->funcname) == 2 && strcmp(strVal(linitial(fc->funcname)), "schemashift") != 0) ||
		list_length(fc->funcname) > 2)
		return false;
	foreach(lc, fc->args)
	{
		Node	   *arg = lfirst(lc);
		int			slot = pos++;

		if (IsA(arg, NamedArgExpr))
		{
			NamedArgExpr *na = (NamedArgExpr *) arg;
			int			i;

			slot = -1;
			for (i = 0; i < 3; i++)
				if (strcmp(na->name, names[i]) == 0)
					slot = i;
			arg = (Node *) na->arg;
		}
		if (slot < 0 || slot > 2 || !IsA(arg, A_Const))
			return false;
		if (((A_Const *) arg)->isnull)
			continue;
		if (!IsA(&((A_Const *) arg)->val, String))
			return false;
		args[slot] = pstrdup(strVal(&((A_Const *) arg)->val));
	}
	if (args[0] == NULL)
		return false;
	*rule_id = args[0];
	*object = args[1];
	*reason = args[2];
	return true;
}

/* Only superusers and members of schemashift_approver approve. */
void
ss_require_approver(const char *detail)
{
	Oid			approver = get_role_oid("schemashift_approver", true);

	if (!superuser() &&
		!(OidIsValid(approver) && has_privs_of_role(GetUserId(), approver)))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to approve schemashift findings"),
				 errdetail("%s", detail)));
}

/* ---------- the approvals of the current transaction ---------- */

static void
approvals_xact_callback(XactEvent event, void *arg)
{
	/* the memory goes with TopTransactionContext */
	if (ss_top_xact_ends(event))
		xact_approvals = NIL;
}

static void
approvals_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
						   SubTransactionId parentSubid, void *arg)
{
	int			level = GetCurrentTransactionNestLevel();
	ListCell   *lc;

	if (event == SUBXACT_EVENT_ABORT_SUB)
	{
		/* ROLLBACK TO SAVEPOINT takes back the approvals made after it */
		foreach(lc, xact_approvals)
		{
			if (((SSApproval *) lfirst(lc))->nest_level >= level)
				xact_approvals = foreach_delete_current(xact_approvals, lc);
		}
	}
	else if (event == SUBXACT_EVENT_COMMIT_SUB)
	{
		/* RELEASE hands them to the parent, which may still roll back */
		foreach(lc, xact_approvals)
		{
			SSApproval *a = lfirst(lc);

			if (a->nest_level >= level)
				a->nest_level = level - 1;
		}
	}
}

void
schemashift_approvals_init(void)
{
	RegisterXactCallback(approvals_xact_callback, NULL);
	RegisterSubXactCallback(approvals_subxact_callback, NULL);
}

SSApproval *
schemashift_approval_for(SSRuleId rule, const char *object)
{
	return ss_approval_find(xact_approvals, rule, object);
}

SSApproval *
schemashift_approval_for_dropped(SSRuleId rule, const char *object, Oid relid,
								 AttrNumber attnum)
{
	return ss_approval_find_dropped(xact_approvals, rule, object, relid, attnum);
}

/*
 * schemashift.approve(rule, object, reason): let findings of one rule (on
 * one object, or any) through for the rest of the transaction.
 */
Datum
schemashift_approve(PG_FUNCTION_ARGS)
{
	char	   *rule_id;
	char	   *object;
	char	   *reason;
	MemoryContext old;
	StringInfoData js;

	ss_refuse_on_standby("schemashift.approve()");
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("rule must not be null")));
	rule_id = text_to_cstring(PG_GETARG_TEXT_PP(0));
	object = PG_ARGISNULL(1) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(1));
	reason = PG_ARGISNULL(2) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(2));

	ss_require_approver("Only superusers and members of schemashift_approver can approve.");
	if (reason == NULL || reason[strspn(reason, " \t\n\r\f\v")] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("an approval needs a reason"),
				 errhint("Say why the change is safe: schemashift.approve('%s', ..., reason => '...').", rule_id)));
	/* an unknown rule is an error before the warning below */
	old = MemoryContextSwitchTo(TopTransactionContext);
	{
		List	   *added = ss_approval_add(NIL, rule_id, object, reason, NULL);

		MemoryContextSwitchTo(old);
		if (!IsTransactionBlock())
			ereport(WARNING,
					(errmsg("approval outside a transaction block ends with this statement"),
					 errhint("Run schemashift.approve() after BEGIN, in the transaction that runs the change.")));
		old = MemoryContextSwitchTo(TopTransactionContext);
		xact_approvals = list_concat(xact_approvals, added);
	}
	MemoryContextSwitchTo(old);

	ereport(LOG,
			(errmsg("schemashift approval by role \"%s\": rule \"%s\" on %s: %s",
					GetUserNameFromId(GetUserId(), false), rule_id,
					object ? object : "any object", reason)));
	initStringInfo(&js);
	appendStringInfoString(&js, "[{\"rule\":");
	escape_json(&js, rule_id);
	appendStringInfoString(&js, ",\"outcome\":\"approval\"}]");
	ss_audit_write("schemashift.approve", reason, js.data, "[]",
						  GetCurrentTimestamp(), false, object);
	PG_RETURN_VOID();
}
