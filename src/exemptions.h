/*-------------------------------------------------------------------------
 *
 * exemptions.h
 *		What the guard may take as given while a schemashift recipe step
 *		runs: nothing else than the rules the recipe handles, for exactly
 *		the statement the recipe generated.
 *
 * There is no switch that turns the guard off.  A step runner arms an
 * exemption with the SQL it generated and the rules its recipe answers;
 * the guard, analysing a statement at the depth the step runs at, claims
 * it when the statement's parse tree equals one of the armed statements
 * (each is claimed once), and lets findings of those rules pass for that
 * statement alone.  Whatever runs inside it (a function called by a CHECK,
 * a trigger, a DO body) is deeper and guarded as if run directly; so is
 * every statement apply() runs as written.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMASHIFT_EXEMPTIONS_H
#define SCHEMASHIFT_EXEMPTIONS_H

#include "schemashift.h"

#define SS_EXEMPT_MAX_RULES 4

/* Plain data: it travels to a background worker in shared memory. */
typedef struct SSExemption
{
	int			nrules;
	SSRuleId	rules[SS_EXEMPT_MAX_RULES];
	int			nstatements;	/* how many statements the armed SQL must
								 * hold: 1 when it was built around user
								 * text (more means the text ended it
								 * early), 0 when the recipe built every
								 * statement from catalog names itself */
	Oid			relid;			/* the table the recipe acts on: a statement
								 * whose relation's name now means another
								 * one is not the recipe's (InvalidOid: any) */
} SSExemption;

/* An exemption from no rule: the step is guarded like any statement. */
extern const SSExemption ss_no_exemption;

/* An exemption from one rule, or two. */
extern SSExemption ss_exempt_from(SSRuleId rule);
extern SSExemption ss_exempt_from2(SSRuleId rule1, SSRuleId rule2);
/* the same, for a script of statements built from catalog names only */
#define SS_ANY_STATEMENTS(ex) ((ex).nstatements = 0)

extern bool ss_exemption_covers(const SSExemption *ex, SSRuleId rule);

/*
 * Arm ex for the statements of sql (the recipe's own text) for the duration
 * of one attempt; returns the state to give back to ss_exemption_restore(),
 * in a PG_FINALLY block.  An empty exemption arms nothing.
 */
typedef struct SSArmedExemption SSArmedExemption;
extern SSArmedExemption *ss_exemption_arm(const SSExemption *ex, const char *sql);
extern void ss_exemption_restore(SSArmedExemption *previous);

/*
 * The guard: the rules the statement about to run at guard depth `depth`
 * is exempt from (none when it is not an armed recipe statement).
 */
extern SSExemption ss_exemption_claim(Node *stmt, int depth);

/*
 * Relations created by the migration apply() is running, in earlier steps
 * and their transactions: the guard counts them as new, as lint did when it
 * planned the migration.  Set by apply for the duration of the run.
 */
extern void ss_migration_relations_set(List *relids);
extern void ss_migration_relations_add(Oid relid);
extern void ss_migration_relations_clear(void);
extern bool ss_relid_made_by_migration(Oid relid);

#endif							/* SCHEMASHIFT_EXEMPTIONS_H */
