/*-------------------------------------------------------------------------
 *
 * approvals.h
 *		Approvals: what lets a finding at level error through, for the live
 *		guard (schemashift.approve()) and for apply()'s planner (approve =>
 *		array[...] and approve() calls in a script).  One store, one matcher
 *		(approvals.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMASHIFT_APPROVALS_H
#define SCHEMASHIFT_APPROVALS_H

#include "schemashift.h"

/*
 * One approval of one rule.  The object is resolved when the approval is
 * given: a relation by OID (and a column by name, and by number when it
 * exists), anything else by its name.  It then matches exactly that
 * relation (a table approval also covers that table's own columns), that
 * column, or an object of exactly that name: never by a prefix of the name,
 * never a relation that took the name afterwards.
 */
typedef struct SSApproval
{
	SSRuleId	rule;
	char	   *object;			/* as given; NULL: every object of the rule */
	Oid			relid;			/* the relation it named, or InvalidOid */
	char	   *column;			/* the column it named, or NULL */
	AttrNumber	attnum;			/* that column's number then, or 0 */
	List	   *name;			/* the name's parts, when no relation */
	char	   *reason;			/* NULL: none given (apply's approve =>) */
	int			nest_level;		/* transaction nest level that gave it */
} SSApproval;

/* approvals.c */
/* the relation an approval's object names now, or InvalidOid */
extern Oid	ss_approval_object_relid(const char *object);
extern Oid	ss_approval_object_target(const char *object, char **column);
extern List *ss_approval_add(List *approvals, const char *rule_id,
							 const char *object, const char *reason,
							 const char *origin);
extern SSApproval *ss_approval_find(List *approvals, SSRuleId rule,
									const char *object);
extern SSApproval *ss_approval_find_dropped(List *approvals, SSRuleId rule,
											const char *object, Oid relid,
											AttrNumber attnum);
extern bool ss_approval_call(Node *stmt, char **rule_id, char **object,
							 char **reason);
extern void ss_require_approver(const char *detail);

/* the approvals of the current transaction, for the live guard */
extern void schemashift_approvals_init(void);
extern SSApproval *schemashift_approval_for(SSRuleId rule, const char *object);
extern SSApproval *schemashift_approval_for_dropped(SSRuleId rule,
													const char *object,
													Oid relid, AttrNumber attnum);

#endif							/* SCHEMASHIFT_APPROVALS_H */
