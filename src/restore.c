/*-------------------------------------------------------------------------
 *
 * restore.c
 *		Restoring a dump under the guard.
 *
 * A dump creates its tables, loads their rows, and only then adds primary
 * keys, unique constraints, indexes and foreign keys, each in its own
 * transaction unless restored as one (pg_restore --single-transaction).
 * In enforce mode the guard would refuse those last statements on tables
 * that now hold data, and the restore would end with data and no keys.  So
 * a session replaying a dump is refused at its first guarded statement,
 * before any row is loaded, and the error names the documented way:
 * schemashift.mode = restore, which only a superuser can set.  Inside a
 * transaction block nothing is refused early: every table the restore
 * creates is new to that transaction, and if anything is refused, all of
 * it rolls back.
 *
 * A dump replay is recognised by what pg_dump's output and pg_restore set
 * before anything else: an empty search_path, check_function_bodies off
 * and row_security off.  Recognising it only ever refuses more; an
 * ordinary role gains nothing by imitating it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "utils/guc.h"

#include "restore.h"
#include "schemashift.h"

bool
ss_session_replays_dump(void)
{
	const char *search_path = GetConfigOption("search_path", false, false);
	const char *bodies = GetConfigOption("check_function_bodies", false, false);
	const char *row_security = GetConfigOption("row_security", false, false);

	return search_path && (search_path[0] == '\0' || strcmp(search_path, "\"\"") == 0) &&
		bodies && strcmp(bodies, "off") == 0 &&
		row_security && strcmp(row_security, "off") == 0;
}

void
ss_refuse_unsafe_restore(void)
{
	if (schemashift_mode != SS_MODE_ENFORCE || IsTransactionBlock() ||
		!ss_session_replays_dump())
		return;
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("schemashift enforce mode refuses to restore a dump statement by statement"),
			 errdetail("The dump's keys, indexes and foreign keys come after its data, and enforce mode would refuse them on the filled tables."),
			 errhint("Restore as a superuser with schemashift.mode = restore, for example PGOPTIONS='-c schemashift.mode=restore' pg_restore ..., or restore as one transaction (pg_restore --single-transaction, psql --single-transaction); see docs/operations.md.")));
}
