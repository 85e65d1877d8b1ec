/*-------------------------------------------------------------------------
 *
 * hints.h
 *		The hint of a finding: schemashift's own CALL for the statement,
 *		built from it, then the registry's plain-SQL recipe.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMASHIFT_HINTS_H
#define SCHEMASHIFT_HINTS_H

#include "schemashift.h"

/*
 * A hint copies at most this many bytes of the user's statement (or of the
 * clauses cut from it); a longer CALL is named, not printed.
 */
#define SS_HINT_MAX_CALL 400

/*
 * A statement longer than this gets no CALL built from its text (only a
 * sub-command of it could be short enough to print): reading it again for
 * its hint would make lint's time grow with the statement's size times its
 * findings.
 */
#define SS_HINT_MAX_STATEMENT 65536

extern const char *ss_finding_hint(SSContext *cxt, SSRuleId rule, const char *plain);

#endif							/* SCHEMASHIFT_HINTS_H */
