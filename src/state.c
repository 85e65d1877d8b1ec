/*-------------------------------------------------------------------------
 *
 * state.c
 *		schemashift's own tables, written as their owner (ss_state_exec),
 *		and the session-level advisory locks of long jobs.
 *
 *-------------------------------------------------------------------------
 */
#include "state.h"
#include "procs.h"

#include "catalog/namespace.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "storage/lock.h"
#include "utils/lsyscache.h"

static Oid
state_owner(void)
{
	Oid			nsp = get_namespace_oid("schemashift", false);
	Oid			relid = get_relname_relid("jobs", nsp);

	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("table schemashift.jobs is missing"),
				 errhint("Recreate the extension: DROP EXTENSION schemashift; CREATE EXTENSION schemashift;")));
	return ss_table_owner(relid);
}

typedef struct StateQuery
{
	const char *sql;
	int			nargs;
	Oid		   *argtypes;
	Datum	   *values;
	const char *nulls;
	int			rc;
} StateQuery;

static void
state_query(void *arg)
{
	StateQuery *q = (StateQuery *) arg;

	q->rc = SPI_execute_with_args(q->sql, q->nargs, q->argtypes, q->values, q->nulls,
								  false, 0);
}

uint64
ss_state_exec(const char *sql, int nargs, Oid *argtypes, Datum *values,
			  const char *nulls)
{
	StateQuery	q = {sql, nargs, argtypes, values, nulls, 0};

	/* the owner's rights, no object the caller planted on the search_path */
	ss_run_as(state_owner(), SECURITY_LOCAL_USERID_CHANGE, state_query, &q);
	if (q.rc < 0)
		elog(ERROR, "schemashift state query failed: %s", SPI_result_code_string(q.rc));
	return SPI_processed;
}

void
ss_lock_session(uint16 lockclass, uint32 key1, uint32 key2, const char *what)
{
	LOCKTAG		tag;

	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, key1, key2, lockclass);
	if (LockAcquire(&tag, ExclusiveLock, true, true) == LOCKACQUIRE_NOT_AVAIL)
		ereport(ERROR,
				(errcode(ERRCODE_LOCK_NOT_AVAILABLE),
				 errmsg("%s is running in another session", what),
				 errhint("Wait for it, or stop it (its PID is in schemashift.progress); a second run would do the same work twice.")));
}

void
ss_unlock_session(uint16 lockclass, uint32 key1, uint32 key2)
{
	LOCKTAG		tag;

	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, key1, key2, lockclass);
	(void) LockRelease(&tag, ExclusiveLock, true);
}
