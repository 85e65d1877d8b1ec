/*-------------------------------------------------------------------------
 *
 * procs.c
 *		Helpers shared by the CALL procedures (index_procs.c, backfill.c,
 *		expand.c): arguments, retries, schemashift's state tables, session
 *		locks and steps run in a subtransaction.
 *
 *-------------------------------------------------------------------------
 */
#include "procs.h"
#include "worker.h"
#include "schemashift.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_class.h"
#include "catalog/namespace.h"
#include "catalog/pg_operator.h"
#include "jit/jit.h"
#include "miscadmin.h"
#include "parser/gramparse.h"
#include "parser/scanner.h"
#include "common/keywords.h"
#include "storage/lmgr.h"
#include "storage/lock.h"
#include "tcop/pquery.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/syscache.h"
#include "utils/timeout.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"

#define SS_BACKOFF_FIRST_MS 1000
#define SS_BACKOFF_MAX_MS 60000

char *
ss_qualified_relname(Oid relid)
{
	char	   *rel = get_rel_name(relid);

	if (rel == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	return quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
									  rel);
}

/*
 * A SELECT with nothing but a target list and a WHERE clause: what
 * "SELECT expr" or "SELECT WHERE cond" parses to when the user's text is one
 * expression and nothing else.
 */
bool
ss_bare_select(SelectStmt *sel)
{
	return sel->op == SETOP_NONE && sel->fromClause == NIL &&
		sel->groupClause == NIL && sel->havingClause == NULL &&
		sel->windowClause == NIL && sel->sortClause == NIL &&
		sel->limitCount == NULL && sel->limitOffset == NULL &&
		sel->lockingClause == NIL && sel->withClause == NULL &&
		sel->distinctClause == NIL && sel->valuesLists == NIL &&
		sel->intoClause == NULL;
}

/* OPERATOR(schema.name), read from the catalog: nothing found by search_path */
char *
ss_qualified_operator(Oid op)
{
	HeapTuple	tup = SearchSysCache1(OPEROID, ObjectIdGetDatum(op));
	Form_pg_operator form;
	char	   *s;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for operator %u", op);
	form = (Form_pg_operator) GETSTRUCT(tup);
	s = psprintf("OPERATOR(%s.%s)", quote_identifier(get_namespace_name(form->oprnamespace)),
				 NameStr(form->oprname));
	ReleaseSysCache(tup);
	return s;
}

/*
 * SQL for "a differs from b" (IS DISTINCT FROM) that looks nothing up through
 * search_path, where a table's owner may have put an "=" of its own: the
 * type's own equality operator, schema-qualified; for a type without one
 * (point, json, xml), what the type's output function prints, through
 * format(), which calls no cast the owner could define.
 */
char *
ss_differs_sql(Oid type, const char *a, const char *b)
{
	TypeCacheEntry *tc = lookup_type_cache(type, TYPECACHE_EQ_OPR);

	if (!OidIsValid(tc->eq_opr))
		return psprintf("((%s IS NULL) OPERATOR(pg_catalog.<>) (%s IS NULL) OR "
						"pg_catalog.format('%%s', %s) OPERATOR(pg_catalog.<>) pg_catalog.format('%%s', %s))",
						a, b, a, b);
	return psprintf("((%s IS NULL) OPERATOR(pg_catalog.<>) (%s IS NULL) OR NOT (%s %s %s))",
					a, b, a, ss_qualified_operator(tc->eq_opr), b);
}

int
ss_interval_ms(Datum d, const char *name)
{
	Interval   *iv = DatumGetIntervalP(d);
	int64		us = iv->time + (int64) iv->day * USECS_PER_DAY +
		(int64) iv->month * DAYS_PER_MONTH * USECS_PER_DAY;

	if (us < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not be negative", name)));
	return (int) Min(us / 1000, (int64) INT_MAX);
}

int
ss_backoff_ms(int attempt)
{
	int64		ms = (int64) SS_BACKOFF_FIRST_MS << Min(attempt - 1, 10);

	return (int) Min(ms, SS_BACKOFF_MAX_MS);
}

bool
ss_sqlstate_retryable(int sqlerrcode)
{
	switch (sqlerrcode)
	{
		case ERRCODE_T_R_DEADLOCK_DETECTED:
		case ERRCODE_T_R_SERIALIZATION_FAILURE:
		case ERRCODE_LOCK_NOT_AVAILABLE:
			return true;
		default:
			return false;
	}
}

void
ss_require_arg(FunctionCallInfo fcinfo, int argno, const char *name)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", name)));
}

/* ---------- state tables ---------- */

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

/* ---------- session locks ---------- */

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

/* ---------- steps ---------- */

ErrorData *
ss_try(SSStepFn fn, void *arg, bool rethrow_cancel)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	ErrorData  *edata = NULL;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(oldcxt);
	PG_TRY();
	{
		fn(arg);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(oldcxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
		if (edata->sqlerrcode == ERRCODE_OUT_OF_MEMORY ||
			(rethrow_cancel && edata->sqlerrcode == ERRCODE_QUERY_CANCELED))
			ReThrowError(edata);
	}
	PG_END_TRY();
	return edata;
}

/*
 * What PostgresMain does after an error, less what only the main loop may
 * do (report the error, reset the protocol, stop every timeout), and what
 * _SPI_rollback does, less what an aborted transaction cannot run:
 *	- no HoldPinnedPortals(): it would run the portals' queries in a failed
 *	  transaction.  A portal pinned before the procedure's last commit was
 *	  held by that commit; one pinned since is unpinned and dropped by the
 *	  abort, as at top level (whoever pinned it is unwinding).
 *	- no ForgetPortalSnapshots(): the failed code may have left snapshots of
 *	  its own on the active stack, which would not match the portals' and
 *	  make it raise.  The abort empties the stack; the CALL's portal still
 *	  points at its last snapshot (EnsurePortalSnapshotExists set it), so
 *	  that pointer is cleared here, as PreCommit_Portals does on a commit.
 *	- the SPI connections: AtEOXact_SPI() pops every entry not marked by an
 *	  SPI_commit/SPI_rollback in progress, so the failed procedure's
 *	  connections go, and the caller's with them (its entry cannot be marked
 *	  from outside spi.c).  Their memory lives under the CALL's portal (or
 *	  the transaction, for atomic ones) and is not freed here: cxt, which
 *	  must be such a context, outlives the abort.  Nothing above the caller
 *	  can catch the re-thrown error without a subtransaction, in which the
 *	  procedure could not have committed, so an outer PL's popped entry is
 *	  never used again, as after any error at top level.
 * Resource owners, locks (but session-level advisory locks), buffer pins,
 * LWLocks, GUC nesting, the user id and transaction memory are the abort's
 * business, exactly as for an error at top level.  Interrupts are held while
 * no transaction is open; a cancel arriving later interrupts the caller's
 * SQL in the new transaction, like any statement, and a terminate (or a
 * crash) ends the session as ever.
 */
ErrorData *
ss_abort_failed_transaction(MemoryContext cxt)
{
	ErrorData  *edata;

	MemoryContextSwitchTo(cxt);
	if (IsSubTransaction() || IsTransactionBlock())
		return NULL;
	edata = CopyErrorData();
	FlushErrorState();

	HOLD_INTERRUPTS();

	/*
	 * A batch's statement_timeout may still be armed, and a timeout or a
	 * second cancel that came after the error would stop the caller's
	 * bookkeeping instead of the work; the error is thrown on anyway.  Other
	 * timeouts (client_connection_check_interval) stay.
	 */
	{
		DisableTimeoutParams timeouts[2];

		timeouts[0].id = STATEMENT_TIMEOUT;
		timeouts[0].keep_indicator = false;
		timeouts[1].id = LOCK_TIMEOUT;
		timeouts[1].keep_indicator = false;
		disable_timeouts(timeouts, 2);
	}
	QueryCancelPending = false;

	AbortCurrentTransaction();
	if (ActivePortal)
		ActivePortal->portalSnapshot = NULL;
	jit_reset_after_error();
	StartTransactionCommand();
	MemoryContextSwitchTo(cxt);
	RESUME_INTERRUPTS();
	return edata;
}

void
ss_spi_exec(const char *sql, int expected)
{
	int			rc = SPI_execute(sql, false, 0);

	if (rc != expected)
		elog(ERROR, "unexpected result %s of: %s", SPI_result_code_string(rc), sql);
}

typedef struct LockedStep
{
	const char *sql;
	const SSExemption *exempt;
	SSStepFn	then;
	void	   *then_arg;
	Oid			run_as;
} LockedStep;

static void
locked_step(void *arg)
{
	LockedStep *s = (LockedStep *) arg;
	char		buf[32];
	SSArmedExemption *previous;

	snprintf(buf, sizeof(buf), "%dms",
			 schemashift_lock_timeout > 0 ? schemashift_lock_timeout : SS_SHORT_LOCK_TIMEOUT_MS);
	(void) set_config_option("lock_timeout", buf, PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_LOCAL, true, 0, false);
	previous = ss_exemption_arm(s->exempt, s->sql);
	PG_TRY();
	{
		ss_execute_as(s->run_as, s->sql);
	}
	PG_FINALLY();
	{
		ss_exemption_restore(previous);
	}
	PG_END_TRY();
	if (s->then)
		s->then(s->then_arg);
}

void
ss_run_locked(const char *label, const char *sql, int retries,
			  const SSExemption *exempt, SSStepFn then, void *then_arg)
{
	ss_run_locked_as(InvalidOid, label, sql, retries, exempt, then, then_arg);
}

void
ss_run_locked_as(Oid run_as, const char *label, const char *sql, int retries,
				 const SSExemption *exempt, SSStepFn then, void *then_arg)
{
	LockedStep	s = {sql, exempt, then, then_arg, run_as};
	int			attempt;

	for (attempt = 1;; attempt++)
	{
		ErrorData  *edata = ss_try(locked_step, &s, true);

		if (edata == NULL)
		{
			SPI_commit();
			return;
		}
		if (!ss_sqlstate_retryable(edata->sqlerrcode) || attempt > retries)
			ReThrowError(edata);
		ereport(NOTICE,
				(errmsg("%s: attempt %d of %d failed: %s", label, attempt,
						retries + 1, edata->message),
				 errhint("Retrying in %d ms.", ss_backoff_ms(attempt))));
		schemashift_exec_sleep(ss_backoff_ms(attempt));
	}
}

/* ---------- tokens ---------- */

int
ss_scan_tokens(const char *sql, SSToken **tokens)
{
	core_yy_extra_type yyext;
	core_yyscan_t scanner;
	core_YYSTYPE lval;
	YYLTYPE		loc;
	int			n = 0;
	int			cap = 64;
	int			depth = 0;
	SSToken    *t = palloc(sizeof(SSToken) * cap);

	scanner = scanner_init(sql, &yyext, &ScanKeywords, ScanKeywordTokens);
	for (;;)
	{
		int			tok;

		lval.str = NULL;		/* punctuation leaves it alone */
		tok = core_yylex(&lval, &loc, scanner);
		if (tok == 0)
			break;
		if (n >= cap)
		{
			cap *= 2;
			t = repalloc(t, sizeof(SSToken) * cap);
		}
		if (tok == ')' || tok == ']')
			depth--;
		t[n].tok = tok;
		t[n].start = loc;
		t[n].depth = depth;
		t[n].keyword = NULL;
		if (tok >= 256 && tok != ICONST && tok != PARAM && lval.str)
		{
			/* a keyword token, not an identifier spelled like one */
			int			kw = ScanKeywordLookup(lval.str, &ScanKeywords);

			if (kw >= 0 && ScanKeywordTokens[kw] == tok)
				t[n].keyword = GetScanKeyword(kw, &ScanKeywords);
		}
		if (tok == '(' || tok == '[')
			depth++;
		n++;
	}
	scanner_finish(scanner);
	*tokens = t;
	return n;
}

int
ss_find_keyword(SSToken *t, int n, int from, const char *kw)
{
	int			i;

	for (i = Max(from, 0); i < n; i++)
		if (t[i].depth == 0 && t[i].keyword && strcmp(t[i].keyword, kw) == 0)
			return i;
	return -1;
}

List *
ss_parse_argument(const char *sql, const char *what)
{
	MemoryContext cxt = CurrentMemoryContext;
	List	   *raw = NIL;

	PG_TRY();
	{
		raw = schemashift_raw_parser(sql);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		if (edata->sqlerrcode != ERRCODE_SYNTAX_ERROR)
			PG_RE_THROW();
		FlushErrorState();
		ereport(ERROR,
				(errcode(edata->sqlerrcode),
				 errmsg("invalid %s: %s", what, edata->message),
				 edata->cursorpos > 0 ?
				 errdetail("At character %d of the %s.", edata->cursorpos, what) : 0));
	}
	PG_END_TRY();
	return raw;
}
