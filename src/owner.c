/*-------------------------------------------------------------------------
 *
 * owner.c
 *		Run a table owner's code as the table owner.
 *
 * A procedure that validates a constraint, counts the rows violating it or
 * lists examples evaluates code the table's owner wrote: CHECK expressions,
 * the functions they call, casts and operators on the owner's types, index
 * expressions, triggers.  Run with the caller's privileges, that code would
 * let the owner act as a more privileged caller (a superuser running
 * add_constraint on an application's table).  The server guards its own
 * maintenance commands the same way (CREATE INDEX, VACUUM, REFRESH
 * MATERIALIZED VIEW since the CVE-2022-1552 fix): the owner's identity, in
 * a security-restricted operation (no SET ROLE, no temporary objects, no
 * cursors left open), with a search_path of pg_catalog and pg_temp that
 * the caller's own path cannot widen, every setting restored afterwards.
 *
 * Callers check first, in their own identity, that the caller may act for
 * the owner (ownership or membership): switching to the owner is then never
 * a gain of privileges for the caller.
 *
 *-------------------------------------------------------------------------
 */
#include "procs.h"

#include "miscadmin.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
#include "catalog/pg_class.h"
#include "access/htup_details.h"

Oid
ss_table_owner(Oid relid)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Oid			owner;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for relation %u", relid);
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
	return owner;
}

/*
 * fn(arg) as role, in a security-restricted operation with extra_sec added,
 * search_path pg_catalog and pg_temp, every setting put back afterwards.
 */
void
ss_run_as(Oid role, int extra_sec, SSStepFn fn, void *arg)
{
	Oid			save_uid;
	int			save_sec;
	int			nest;

	Assert(OidIsValid(role));
	GetUserIdAndSecContext(&save_uid, &save_sec);
	SetUserIdAndSecContext(role, save_sec | SECURITY_RESTRICTED_OPERATION | extra_sec);
	nest = NewGUCNestLevel();
	PG_TRY();
	{
		(void) set_config_option("search_path", "pg_catalog, pg_temp",
								 PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_SAVE, true, 0, false);
		fn(arg);
	}
	PG_FINALLY();
	{
		AtEOXact_GUC(false, nest);
		SetUserIdAndSecContext(save_uid, save_sec);
	}
	PG_END_TRY();
}

void
ss_run_as_owner(Oid owner, SSStepFn fn, void *arg)
{
	/*
	 * SECURITY_NOFORCE_RLS: the owner's own FORCE ROW LEVEL SECURITY does
	 * not hide rows from a count that VALIDATE (which ignores row security)
	 * must agree with, and runs no policy expression; as the server's
	 * foreign-key checks do.
	 */
	ss_run_as(owner, SECURITY_NOFORCE_RLS, fn, arg);
}

static void
execute_sql(void *arg)
{
	int			rc = SPI_execute((const char *) arg, false, 0);

	if (rc < 0)
		elog(ERROR, "SPI_execute failed: %s", SPI_result_code_string(rc));
}

void
ss_execute_as(Oid run_as, const char *sql)
{
	if (OidIsValid(run_as))
		ss_run_as_owner(run_as, execute_sql, (void *) sql);
	else
		execute_sql((void *) sql);
}
