/*-------------------------------------------------------------------------
 *
 * guc.c
 *		schemashift's settings.
 *
 * Everything that decides what the rules report or what the guard lets
 * through is PGC_SUSET, so that an ordinary role can neither loosen nor
 * silence it (not with SET, ALTER ROLE/DATABASE SET, PGOPTIONS or
 * set_config()), and the "schemashift" prefix is reserved so that a
 * misspelt setting is an error, not a silent placeholder.  When the library
 * loads late and the server refuses a placeholder an ordinary role set, the
 * session gets the administrator's value back (fail_closed()).
 *
 *-------------------------------------------------------------------------
 */
#include "schemashift.h"
#include "progress_lines.h"

#include <limits.h>

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/pg_db_role_setting.h"
#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/guc_tables.h"
#include "utils/rel.h"

char	   *schemashift_rules_setting = NULL;
int			schemashift_lint_profile = SS_PROFILE_SCHEMASHIFT;
int			schemashift_mode = SS_MODE_WARN;
int			schemashift_lock_timeout = 5000;
bool		schemashift_progress_notices = true;
int			schemashift_progress_interval = 10000;
int			schemashift_progress_level = NOTICE;
int			schemashift_min_table_size = 0;

static const struct config_enum_entry mode_options[] = {
	{"off", SS_MODE_OFF, false},
	{"warn", SS_MODE_WARN, false},
	{"enforce", SS_MODE_ENFORCE, false},
	{"restore", SS_MODE_RESTORE, false},
	{NULL, 0, false}
};

static const struct config_enum_entry lint_profile_options[] = {
	{"schemashift", SS_PROFILE_SCHEMASHIFT, false},
	{"squawk", SS_PROFILE_SQUAWK, false},
	{NULL, 0, false}
};

/* the levels a progress line may go out at: what a runner's log shows */
static const struct config_enum_entry progress_level_options[] = {
	{"info", INFO, false},
	{"notice", NOTICE, false},
	{"warning", WARNING, false},
	{"log", LOG, false},
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

/*
 * The settings that enforce policy.  Loaded late (not preloaded), the
 * library may find a placeholder for one of them that a role without the
 * right to set it set, with PGOPTIONS: the server refuses it when the real
 * setting is defined, but then falls back to the built-in default, not to
 * what the administrator configured, since the placeholder's value from
 * PGOPTIONS replaced the configured one.  (A placeholder from SET is
 * different: the configured value stays underneath and holds.)  Such a
 * refusal must not loosen anything: see fail_closed().
 */
static const char *const policy_settings[] = {
	"schemashift.mode",
	"schemashift.rules",
	"schemashift.lock_timeout",
	"schemashift.min_table_size",
};

#define NUM_POLICY_SETTINGS lengthof(policy_settings)

/* the source of a setting's (or a placeholder's) current value */
static GucSource
setting_source(const char *name)
{
	int			n;
	struct config_generic **vars = schemashift_guc_variables(&n);
	int			i;

	for (i = 0; i < n; i++)
	{
		if (pg_strcasecmp(vars[i]->name, name) == 0)
			return vars[i]->source;
	}
	return PGC_S_DEFAULT;
}

/* name's value in one row of pg_db_role_setting, or NULL */
static char *
db_role_value(Relation rel, Oid dbid, Oid roleid, const char *name)
{
	ScanKeyData keys[2];
	SysScanDesc scan;
	HeapTuple	tup;
	char	   *value = NULL;

	ScanKeyInit(&keys[0], Anum_pg_db_role_setting_setdatabase,
				BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(dbid));
	ScanKeyInit(&keys[1], Anum_pg_db_role_setting_setrole,
				BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(roleid));
	scan = systable_beginscan(rel, DbRoleSettingDatidRolidIndexId, true, NULL, 2, keys);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		bool		isnull;
		Datum		d = heap_getattr(tup, Anum_pg_db_role_setting_setconfig,
									 RelationGetDescr(rel), &isnull);
		Datum	   *elems;
		int			nelems;
		int			i;

		if (isnull)
			continue;
		deconstruct_array(DatumGetArrayTypeP(d), TEXTOID, -1, false, TYPALIGN_INT,
						  &elems, NULL, &nelems);
		for (i = 0; i < nelems; i++)
		{
			char	   *item = TextDatumGetCString(elems[i]);
			char	   *n;
			char	   *v;

			ParseLongOption(item, &n, &v);
			if (v && pg_strcasecmp(n, name) == 0)
				value = v;
		}
	}
	systable_endscan(scan);
	return value;
}

/*
 * What the administrator configured for name, with the source the server
 * gives it: the configuration files (postgresql.conf, then
 * postgresql.auto.conf from ALTER SYSTEM), then pg_db_role_setting, in the
 * server's order of precedence.  Returns false when that cannot be read
 * (no transaction to read the catalog in); *value is NULL when nothing is
 * configured.  Command-line options of the server are not seen.
 */
static bool
configured_value(const char *name, char **value, GucSource *source)
{
	ConfigVariable *head = NULL;
	ConfigVariable *tail = NULL;
	ConfigVariable *item;
	static const struct
	{
		bool		db;
		bool		role;
		GucSource	source;
	}			rows[] = {
		{false, false, PGC_S_GLOBAL},
		{true, false, PGC_S_DATABASE},
		{false, true, PGC_S_USER},
		{true, true, PGC_S_DATABASE_USER},
	};
	Relation	rel;
	int			i;

	*value = NULL;
	*source = PGC_S_DEFAULT;
	if (!IsTransactionState())
		return false;
	if (ConfigFileName &&
		ParseConfigFile(ConfigFileName, true, NULL, 0, 0, DEBUG1, &head, &tail) &&
		DataDir)
		(void) ParseConfigFile(PG_AUTOCONF_FILENAME, false, NULL, 0, 0, DEBUG1,
							   &head, &tail);
	for (item = head; item; item = item->next)
	{
		if (pg_strcasecmp(item->name, name) == 0)
		{
			*value = pstrdup(item->value);
			*source = PGC_S_FILE;
		}
	}
	FreeConfigVariables(head);

	rel = table_open(DbRoleSettingRelationId, AccessShareLock);
	for (i = 0; i < lengthof(rows); i++)
	{
		char	   *v = db_role_value(rel, rows[i].db ? MyDatabaseId : InvalidOid,
									  rows[i].role ? GetSessionUserId() : InvalidOid,
									  name);

		if (v)
		{
			*value = v;
			*source = rows[i].source;
		}
	}
	table_close(rel, AccessShareLock);
	return true;
}

/*
 * A placeholder of a policy setting was refused: this session gets the
 * administrator's value back; when that cannot be read, or does not apply,
 * the strictest value instead (enforce; every rule at level error; the
 * built-in lock_timeout; min_table_size 0), never the looser built-in
 * default.
 */
static void
fail_closed(const char *name, const char *refused)
{
	char	   *value;
	GucSource	source;
	const char *strict;

	if (configured_value(name, &value, &source))
	{
		if (value == NULL ||
			set_config_option(name, value, PGC_SUSET, source, GUC_ACTION_SET,
							  true, WARNING, false) > 0)
		{
			ereport(WARNING,
					(errmsg("%s = \"%s\" was refused; this session keeps the configured value \"%s\"",
							name, refused, GetConfigOption(name, false, false)),
					 errhint("Only superusers and roles granted SET on %s can change it.", name)));
			return;
		}
	}

	if (strcmp(name, "schemashift.mode") == 0)
		strict = "enforce";
	else if (strcmp(name, "schemashift.rules") == 0)
	{
		StringInfoData buf;
		int			i;

		initStringInfo(&buf);
		for (i = 0; i < SS_NUM_RULES; i++)
			appendStringInfo(&buf, "%s%s=error", i ? ", " : "", schemashift_rules[i].id);
		strict = buf.data;
	}
	else
		strict = NULL;			/* the built-in default stays */
	if (strict)
		(void) set_config_option(name, strict, PGC_SUSET, PGC_S_SESSION,
								 GUC_ACTION_SET, true, 0, false);
	ereport(WARNING,
			(errmsg("%s = \"%s\" was refused; this session runs with %s = \"%s\"",
					name, refused, name, GetConfigOption(name, false, false)),
			 errhint("Only superusers and roles granted SET on %s can change it.", name)));
}

/*
 * Where progress lines go is the session's choice (a runner's, with SET,
 * ALTER ROLE ... SET or PGOPTIONS), not policy: a line allows nothing and
 * hides nothing, and LOG lines are no more than a role's own RAISE LOG
 * could write.
 */
static void
define_progress_settings(void)
{
	DefineCustomIntVariable("schemashift.progress_interval",
							"How often long schemashift procedures print a progress line.",
							"Backfills and index builds print done, total, rate and time left this often; 0 turns the lines off, -1 prints one after every batch.",
							&schemashift_progress_interval,
							10000,
							SS_PROGRESS_EVERY_BATCH, INT_MAX,
							PGC_USERSET,
							GUC_UNIT_MS,
							NULL, NULL, NULL);

	DefineCustomEnumVariable("schemashift.progress_level",
							 "The message level of progress lines: info, notice, warning or log.",
							 "Choose the level your migration runner shows: most drop NOTICEs; log writes to the server log.",
							 &schemashift_progress_level,
							 NOTICE,
							 progress_level_options,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);
}

void
schemashift_define_gucs(void)
{
	char	   *before[NUM_POLICY_SETTINGS];
	GucSource	before_source[NUM_POLICY_SETTINGS];
	int			i;

	/* the placeholders an earlier SET, ALTER ... SET or PGOPTIONS made */
	for (i = 0; i < NUM_POLICY_SETTINGS; i++)
	{
		const char *v = GetConfigOption(policy_settings[i], true, false);

		before[i] = v ? pstrdup(v) : NULL;
		before_source[i] = v ? setting_source(policy_settings[i]) : PGC_S_DEFAULT;
	}

	DefineCustomEnumVariable("schemashift.mode",
							 "What the guard does with dangerous DDL: off, warn, enforce or restore.",
							 "warn reports findings as warnings; enforce raises an error for findings at level error; restore, for restoring a dump, blocks nothing and audits everything.",
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

	/* 0, the strict value, is also where a refused placeholder falls back */
	DefineCustomIntVariable("schemashift.min_table_size",
							"Tables under this size do not block on rules about how long a lock is held.",
							"Findings of those rules on a smaller table are reported at level info; rules about breaking the application still apply. 0 turns this off.",
							&schemashift_min_table_size,
							0,
							0, INT_MAX,
							PGC_SUSET,
							GUC_UNIT_BYTE,
							NULL, NULL, NULL);

	DefineCustomBoolVariable("schemashift.progress_notices",
							 "Report the progress of long schemashift procedures.",
							 "Off silences every progress line, whatever schemashift.progress_level says.",
							 &schemashift_progress_notices,
							 true,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);

	define_progress_settings();

	/*
	 * Not policy either: it moves lint()'s timeout findings, which any role
	 * can already turn off with lint()'s rules argument; the guard, apply()
	 * and plan() never read it.
	 */
	DefineCustomEnumVariable("schemashift.lint_profile",
							 "Whose policy lint() follows where a finding's placement is a choice: schemashift or squawk.",
							 "squawk asks for lock_timeout and statement_timeout before any DDL and lets a file of one CONCURRENTLY statement run outside in_transaction's transaction, as squawk does; schemashift asks for the timeouts only where a lock wait or a slow statement blocks other sessions.",
							 &schemashift_lint_profile,
							 SS_PROFILE_SCHEMASHIFT,
							 lint_profile_options,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);

	schemashift_reserve_guc_prefix("schemashift");

	/*
	 * A placeholder that had a value and left the setting at its built-in
	 * default was refused.  Preloading the library avoids the question: the
	 * settings are then checked when the session starts.
	 */
	for (i = 0; i < NUM_POLICY_SETTINGS; i++)
	{
		if (before[i] && before_source[i] != PGC_S_DEFAULT &&
			setting_source(policy_settings[i]) == PGC_S_DEFAULT)
			fail_closed(policy_settings[i], before[i]);
		if (before[i])
			pfree(before[i]);
	}
}
