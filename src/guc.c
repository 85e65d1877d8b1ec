/*-------------------------------------------------------------------------
 *
 * guc.c
 *		schemashift's settings.
 *
 * Everything that decides what the rules report or what the guard lets
 * through is PGC_SUSET, so that an ordinary role can neither loosen nor
 * silence it (not with SET, ALTER ROLE/DATABASE SET, PGOPTIONS or
 * set_config()), and the "schemashift" prefix is reserved so that a
 * misspelt setting is an error, not a silent placeholder.
 *
 *-------------------------------------------------------------------------
 */
#include "schemashift.h"

#include <limits.h>

#include "utils/guc.h"

char	   *schemashift_rules_setting = NULL;
int			schemashift_mode = SS_MODE_WARN;
int			schemashift_lock_timeout = 5000;
bool		schemashift_progress_notices = true;

static const struct config_enum_entry mode_options[] = {
	{"off", SS_MODE_OFF, false},
	{"warn", SS_MODE_WARN, false},
	{"enforce", SS_MODE_ENFORCE, false},
	{NULL, 0, false}
};

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
	/*
	 * Loaded late (not preloaded), the library may find a placeholder an
	 * ordinary role set, e.g. with PGOPTIONS.  The server refuses it when
	 * the real setting is defined, but then falls back to the built-in
	 * default, not to what the administrator configured.  Remember the
	 * placeholder to notice that below.
	 */
	const char *placeholder = GetConfigOption("schemashift.mode", true, false);
	char	   *before = placeholder ? pstrdup(placeholder) : NULL;
	const char *after;

	DefineCustomEnumVariable("schemashift.mode",
							 "What the guard does with dangerous DDL: off, warn or enforce.",
							 "warn reports findings as warnings; enforce raises an error for findings at level error.",
							 &schemashift_mode,
							 SS_MODE_WARN,
							 mode_options,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);

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

	DefineCustomIntVariable("schemashift.lock_timeout",
							"Longest lock wait for DDL that blocks reads or writes of an existing table.",
							"DDL taking a lock stronger than SHARE UPDATE EXCLUSIVE runs under this lock_timeout when the session's is unset or longer; 0 leaves lock_timeout alone.",
							&schemashift_lock_timeout,
							5000,
							0, INT_MAX,
							PGC_SUSET,
							GUC_UNIT_MS,
							NULL, NULL, NULL);

	DefineCustomBoolVariable("schemashift.progress_notices",
							 "Report the phases of long schemashift procedures as NOTICEs.",
							 "Index builds report each phase, and their figures every 10 seconds.",
							 &schemashift_progress_notices,
							 true,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);

	schemashift_reserve_guc_prefix("schemashift");

	/*
	 * A refused placeholder: fail closed.  This session enforces, whatever
	 * the configured mode was; preloading the library avoids the question
	 * (the setting is then checked when the session starts).
	 */
	after = GetConfigOption("schemashift.mode", false, false);
	if (before && pg_strcasecmp(before, after) != 0)
	{
		(void) set_config_option("schemashift.mode", "enforce", PGC_SUSET,
								 PGC_S_SESSION, GUC_ACTION_SET, true, 0, false);
		ereport(WARNING,
				(errmsg("schemashift.mode = \"%s\" was refused; this session runs in enforce mode", before),
				 errhint("Only superusers can change schemashift.mode.")));
	}
	if (before)
		pfree(before);
}
