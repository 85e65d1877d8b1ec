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

extern const char *ss_finding_hint(SSContext *cxt, SSRuleId rule);

#endif							/* SCHEMASHIFT_HINTS_H */
