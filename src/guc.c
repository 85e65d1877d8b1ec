/*-------------------------------------------------------------------------
 *
 * guc.c
 *		schemashift's settings.
 *
 * Everything that decides what the rules report is PGC_SUSET, so that an
 * ordinary role can neither loosen nor silence it, and the "schemashift"
 * prefix is reserved so that a misspelt setting is an error, not a silent
 * placeholder.
 *
 *-------------------------------------------------------------------------
 */
#include "schemashift.h"

#include "utils/guc.h"

char	   *schemashift_rules_setting = NULL;

static bool
check_rules_setting(char **newval, void **extra, GucSource source)
{
	SSLevels	levels;
	char	   *msg;
	char	   *hint;

	if (*newval == NULL || (*newval)[0] == '\0')
		return true;
	if (!schemashift_parse_levels(*newval, &levels, &msg, &hint))
	{
		GUC_check_errmsg("%s", msg);
		GUC_check_errhint("%s", hint);
		return false;
	}
	return true;
}

void
schemashift_define_gucs(void)
{
	DefineCustomStringVariable("schemashift.rules",
							   "Per-rule levels, as \"rule-id=level, ...\".",
							   "Levels are off, info, warning and error; rules not named keep their default level.",
							   &schemashift_rules_setting,
							   "",
							   PGC_SUSET,
							   GUC_LIST_INPUT,
							   check_rules_setting,
							   NULL,
							   NULL);

	schemashift_reserve_guc_prefix("schemashift");
}
