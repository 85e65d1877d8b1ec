/*-------------------------------------------------------------------------
 *
 * worker.c
 *		Run one statement at top level in a dynamic background worker, for
 *		procedures that need what SPI cannot give: CREATE INDEX CONCURRENTLY,
 *		DROP INDEX CONCURRENTLY, REINDEX CONCURRENTLY.
 *
 * The caller commits first and waits with no snapshot: a CONCURRENTLY build
 * waits for every transaction with an older snapshot, so a caller that kept
 * one would wait for the worker while the worker waits for it, unseen by the
 * deadlock detector.  Messages travel back through a shm_mq, the way
 * parallel workers send theirs; the caller re-raises them.
 *
 *-------------------------------------------------------------------------
 */
#include "worker.h"
#include "schemashift.h"
#include "progress_lines.h"

#include "access/xact.h"
#include "commands/progress.h"
#include "executor/spi.h"
#include "libpq/pqformat.h"
#include "libpq/pqmq.h"
#include "miscadmin.h"
#include "parser/analyze.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "storage/dsm.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "storage/shm_mq.h"
#include "storage/shm_toc.h"
#include "tcop/dest.h"
#include "tcop/pquery.h"
#include "tcop/tcopprot.h"
#include "tcop/utility.h"
#include "utils/backend_status.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/portal.h"
#include "utils/ps_status.h"
#include "utils/snapmgr.h"
#include "utils/timeout.h"
#include "utils/wait_event.h"

#define SS_EXEC_MAGIC		0x53534558	/* "SSEX" */
#define SS_KEY_SHARED		1
#define SS_KEY_SQL			2
#define SS_KEY_QUEUE		3
#define SS_QUEUE_SIZE		65536
#define SS_POLL_MS			200

/* settings of the caller's session the worker takes over */
static const char *const inherited_gucs[] = {
	"search_path",
	"maintenance_work_mem",
	"max_parallel_maintenance_workers",
	"work_mem",
	"DateStyle",
	"IntervalStyle",
	"TimeZone",
	"standard_conforming_strings",
	"client_min_messages",
};
#define N_INHERITED (lengthof(inherited_gucs))
#define GUC_VALUE_LEN 1024

typedef struct SSExecShared
{
	Oid			database;
	Oid			session_user;
	Oid			current_user;
	int			lock_timeout_ms;
	int			statement_timeout_ms;
	SSExemption exempt;
	char		gucs[N_INHERITED][GUC_VALUE_LEN];
	/* set by the worker */
	bool		succeeded;
	uint64		processed;
} SSExecShared;

/* ---------- the caller ---------- */

static const char *const phase_names[] = {
	"initializing",
	"waiting for writers before build",
	"building index",
	"waiting for writers before validation",
	"index validation: scanning index",
	"index validation: sorting tuples",
	"index validation: scanning table",
	"waiting for old snapshots",
	"waiting for readers before marking dead",
	"waiting for readers before dropping",
};

typedef struct ProgressState
{
	int64		phase;
	TimestampTz phase_start;	/* for the rate within the phase */
	SSProgress	line;
} ProgressState;

/*
 * CREATE INDEX progress of the worker, read from shared memory: a query on
 * pg_stat_progress_create_index would take a snapshot, which the build
 * would then wait for.
 */
static void
report_progress(const char *label, pid_t pid, ProgressState *ps)
{
	int			n;
	int			i;
	TimestampTz now = GetCurrentTimestamp();

	pgstat_clear_backend_activity_snapshot();
	n = pgstat_fetch_stat_numbackends();
	for (i = 1; i <= n; i++)
	{
		LocalPgBackendStatus *l = schemashift_local_beentry(i);
		PgBackendStatus *be;
		int64		phase;
		int64		done = -1;
		int64		total = -1;
		const char *units = "blocks";
		long		ms;

		if (l == NULL || l->backendStatus.st_procpid != pid)
			continue;
		be = &l->backendStatus;
		if (be->st_progress_command != PROGRESS_COMMAND_CREATE_INDEX)
			break;
		/* a line at each new phase, and every progress_interval within one */
		phase = be->st_progress_param[PROGRESS_CREATEIDX_PHASE];
		if (phase == ps->phase && !ss_progress_due(&ps->line))
			break;
		if (phase != ps->phase)
		{
			ps->phase = phase;
			ps->phase_start = now;
		}
		if (be->st_progress_param[PROGRESS_SCAN_BLOCKS_TOTAL] > 0)
		{
			done = be->st_progress_param[PROGRESS_SCAN_BLOCKS_DONE];
			total = be->st_progress_param[PROGRESS_SCAN_BLOCKS_TOTAL];
		}
		else if (be->st_progress_param[PROGRESS_CREATEIDX_TUPLES_TOTAL] > 0)
		{
			done = be->st_progress_param[PROGRESS_CREATEIDX_TUPLES_DONE];
			total = be->st_progress_param[PROGRESS_CREATEIDX_TUPLES_TOTAL];
			units = "tuples";
		}
		ms = TimestampDifferenceMilliseconds(ps->phase_start, now);
		ss_progress_line(&ps->line, label,
						 (phase >= 0 && phase < (int64) lengthof(phase_names)) ?
						 phase_names[phase] : "working",
						 done, total, units,
						 ms > 0 && done > 0 ? done * 1000.0 / ms : 0, NULL);
		break;
	}
	pgstat_clear_backend_activity_snapshot();
}

/* One protocol message from the worker: notices pass on, errors are kept. */
static void
handle_message(StringInfo msg, SSExecResult *res)
{
	char		type = pq_getmsgbyte(msg);
	ErrorData	edata;

	if (type != 'E' && type != 'N')
		return;					/* row descriptions, command tags... */

	memset(&edata, 0, sizeof(edata));
	pq_parse_errornotice(msg, &edata);
	if (type == 'N' || edata.elevel < ERROR)
	{
		if (edata.elevel > WARNING)
			edata.elevel = WARNING;
		ThrowErrorData(&edata);
		return;
	}
	/* the first error is the one that counts; FATAL came from exiting */
	if (res->error == NULL)
	{
		res->error = palloc(sizeof(ErrorData));
		*res->error = edata;
		res->error->elevel = ERROR;
	}
}

/*
 * The segment the worker reads: its settings, the statement and the queue
 * its messages come back through (attached here as the receiver).
 */
static SSExecShared *
make_segment(const char *sql, const SSExecOptions *opts, dsm_segment **segp,
			 shm_mq_handle **mqhp)
{
	shm_toc_estimator e;
	Size		segsize;
	dsm_segment *seg;
	shm_toc    *toc;
	SSExecShared *shared;
	char	   *sqlcopy;
	shm_mq	   *mq;
	int			i;

	shm_toc_initialize_estimator(&e);
	shm_toc_estimate_chunk(&e, sizeof(SSExecShared));
	shm_toc_estimate_chunk(&e, strlen(sql) + 1);
	shm_toc_estimate_chunk(&e, SS_QUEUE_SIZE);
	shm_toc_estimate_keys(&e, 3);
	segsize = shm_toc_estimate(&e);

	seg = dsm_create(segsize, 0);
	toc = shm_toc_create(SS_EXEC_MAGIC, dsm_segment_address(seg), segsize);

	shared = shm_toc_allocate(toc, sizeof(SSExecShared));
	memset(shared, 0, sizeof(SSExecShared));
	shared->database = MyDatabaseId;
	shared->session_user = GetSessionUserId();
	shared->current_user = GetUserId();
	shared->lock_timeout_ms = opts->lock_timeout_ms;
	shared->statement_timeout_ms = opts->statement_timeout_ms;
	shared->exempt = opts->exempt;
	for (i = 0; i < (int) N_INHERITED; i++)
	{
		const char *v = GetConfigOption(inherited_gucs[i], true, false);

		if (v && strlen(v) >= GUC_VALUE_LEN)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("setting \"%s\" is too long to pass to the schemashift executor",
							inherited_gucs[i])));
		strlcpy(shared->gucs[i], v ? v : "", GUC_VALUE_LEN);
	}
	shm_toc_insert(toc, SS_KEY_SHARED, shared);

	sqlcopy = shm_toc_allocate(toc, strlen(sql) + 1);
	strcpy(sqlcopy, sql);
	shm_toc_insert(toc, SS_KEY_SQL, sqlcopy);

	mq = shm_mq_create(shm_toc_allocate(toc, SS_QUEUE_SIZE), SS_QUEUE_SIZE);
	shm_toc_insert(toc, SS_KEY_QUEUE, mq);
	shm_mq_set_receiver(mq, MyProc);
	*mqhp = shm_mq_attach(mq, seg, NULL);
	*segp = seg;
	return shared;
}

static BackgroundWorkerHandle *
start_worker(dsm_segment *seg)
{
	BackgroundWorker worker;
	BackgroundWorkerHandle *handle;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_ConsistentState;
	worker.bgw_restart_time = BGW_NEVER_RESTART;
	strlcpy(worker.bgw_library_name, "schemashift", BGW_MAXLEN);
	strlcpy(worker.bgw_function_name, "schemashift_executor_main", BGW_MAXLEN);
	snprintf(worker.bgw_name, BGW_MAXLEN, "schemashift executor for PID %d", MyProcPid);
	strlcpy(worker.bgw_type, "schemashift executor", BGW_MAXLEN);
	worker.bgw_main_arg = UInt32GetDatum(dsm_segment_handle(seg));
	worker.bgw_notify_pid = MyProcPid;

	if (!RegisterDynamicBackgroundWorker(&worker, &handle))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_RESOURCES),
				 errmsg("could not start a schemashift executor"),
				 errdetail("All background worker slots are in use."),
				 errhint("Raise max_worker_processes (now %d), or try again when fewer workers run.",
						 max_worker_processes)));
	return handle;
}

/*
 * Pass the worker's messages on until it has stopped and its queue is
 * drained; forward the caller's cancel, report progress meanwhile.
 */
static void
wait_for_worker(shm_mq_handle *mqh, BackgroundWorkerHandle *handle,
				const SSExecOptions *opts, SSExecResult *res)
{
	pid_t		pid = 0;
	bool		cancel_sent = false;
	bool		detached = false;
	ProgressState ps = {-1, 0, {0}};
	bool		forward_cancel = (QueryCancelHoldoffCount == 0);

	/*
	 * A cancel is ours to forward, not to act on: reading the progress or
	 * sending a notice may check for interrupts, and an error thrown there
	 * would leave the worker building and its INVALID index behind.
	 */
	HOLD_CANCEL_INTERRUPTS();

	for (;;)
	{
		Size		nbytes;
		void	   *data;
		shm_mq_result r;

		if (!detached)
		{
			r = shm_mq_receive(mqh, &nbytes, &data, true);
			if (r == SHM_MQ_SUCCESS)
			{
				StringInfoData msg;

				initStringInfo(&msg);
				appendBinaryStringInfo(&msg, data, nbytes);
				handle_message(&msg, res);
				pfree(msg.data);
				continue;
			}
			if (r == SHM_MQ_DETACHED)
				detached = true;
		}

		if (GetBackgroundWorkerPid(handle, &pid) == BGWH_STOPPED)
		{
			if (detached)
				break;
			/* it is gone: drain what it left in the queue, then stop */
			detached = shm_mq_receive(mqh, &nbytes, &data, true) == SHM_MQ_DETACHED;
			if (!detached)
				continue;
			break;
		}

		/*
		 * The caller's cancel (or statement timeout) stops the worker's
		 * statement; the caller cleans up after it.  A clean-up step (run
		 * with cancel held off) is not cancelled: the cancel waits for it.
		 */
		if (QueryCancelPending && forward_cancel && !cancel_sent && pid != 0)
		{
			kill(pid, SIGINT);
			cancel_sent = true;
			res->canceled_by_caller = true;
		}
		if (ProcDiePending)
		{
			TerminateBackgroundWorker(handle);
			CHECK_FOR_INTERRUPTS();
		}

		if (opts->progress_label && schemashift_progress_notices && pid != 0)
			report_progress(opts->progress_label, pid, &ps);

		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 SS_POLL_MS, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}

	RESUME_CANCEL_INTERRUPTS();
}

static void
run_in_worker(const char *sql, const SSExecOptions *opts, SSExecResult *res)
{
	dsm_segment *seg;
	shm_mq_handle *mqh;
	SSExecShared *shared;
	BackgroundWorkerHandle *handle;

	memset(res, 0, sizeof(*res));
	shared = make_segment(sql, opts, &seg, &mqh);
	handle = start_worker(seg);
	shm_mq_set_handle(mqh, handle);

	/* nothing of ours may be older than the worker's snapshots */
	InvalidateCatalogSnapshot();

	wait_for_worker(mqh, handle, opts, res);

	res->ok = shared->succeeded && res->error == NULL;
	res->processed = shared->processed;
	if (!res->ok && res->error == NULL)
	{
		/* died without a word: terminated, or could not start */
		res->error = palloc0(sizeof(ErrorData));
		res->error->elevel = ERROR;
		res->error->sqlerrcode = ERRCODE_ADMIN_SHUTDOWN;
		res->error->message = pstrdup("the schemashift executor stopped before the statement completed");
	}
	dsm_detach(seg);
}

void
schemashift_exec_step(const char *sql, const SSExecOptions *opts,
					  SSExecResult *res)
{
	/* the caller's snapshot and locks go, so the worker never waits for us */
	SPI_commit();
	run_in_worker(sql, opts, res);
	/* a new transaction sees the worker's commits in the caches */
	SPI_commit();
}

void
schemashift_exec_sleep(int ms)
{
	TimestampTz end;

	SPI_commit();
	InvalidateCatalogSnapshot();
	end = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), ms);
	for (;;)
	{
		long		left;

		CHECK_FOR_INTERRUPTS();
		left = TimestampDifferenceMilliseconds(GetCurrentTimestamp(), end);
		if (left <= 0)
			break;
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 left, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}

/* ---------- the worker ---------- */

static void
run_statement(const char *sql, SSExecShared *shared)
{
	MemoryContext keep;
	MemoryContext old;
	List	   *raw;
	RawStmt    *parsetree;
	List	   *querytrees;
	List	   *plantrees;
	bool		snapshot_set = false;
	CommandTag	tag;
	Portal		portal;
	DestReceiver *receiver;
	QueryCompletion qc;

	/* CONCURRENTLY commits inside: the trees must outlive the transaction */
	keep = AllocSetContextCreate(TopMemoryContext, "schemashift executor statement",
								 ALLOCSET_DEFAULT_SIZES);

	StartTransactionCommand();
	old = MemoryContextSwitchTo(keep);
	raw = pg_parse_query(sql);
	if (list_length(raw) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the schemashift executor runs exactly one statement, not %d",
						list_length(raw))));
	parsetree = linitial_node(RawStmt, raw);
	tag = CreateCommandTag(parsetree->stmt);
	set_ps_display(GetCommandTagName(tag));
	pgstat_report_activity(STATE_RUNNING, sql);

	if (analyze_requires_snapshot(parsetree))
	{
		PushActiveSnapshot(GetTransactionSnapshot());
		snapshot_set = true;
	}
	querytrees = pg_analyze_and_rewrite_fixedparams(parsetree, sql, NULL, 0, NULL);
	plantrees = pg_plan_queries(querytrees, sql, CURSOR_OPT_PARALLEL_OK, NULL);
	if (snapshot_set)
		PopActiveSnapshot();

	portal = CreatePortal("", true, true);
	portal->visible = false;
	PortalDefineQuery(portal, NULL, sql, tag, plantrees, NULL);
	PortalStart(portal, NULL, 0, InvalidSnapshot);
	receiver = CreateDestReceiver(DestNone);
	MemoryContextSwitchTo(old);

	if (shared->statement_timeout_ms > 0)
		enable_timeout_after(STATEMENT_TIMEOUT, shared->statement_timeout_ms);
	(void) schemashift_portal_run(portal, FETCH_ALL, receiver, &qc);
	if (shared->statement_timeout_ms > 0)
		disable_timeout(STATEMENT_TIMEOUT, false);

	receiver->rDestroy(receiver);
	PortalDrop(portal, false);
	CommitTransactionCommand();

	shared->processed = qc.nprocessed;
	shared->succeeded = true;
	pgstat_report_activity(STATE_IDLE, NULL);
	MemoryContextDelete(keep);
}

void
schemashift_executor_main(Datum main_arg)
{
	dsm_segment *seg;
	shm_toc    *toc;
	SSExecShared *shared;
	char	   *sql;
	shm_mq	   *mq;
	shm_mq_handle *mqh;
	char		buf[32];
	int			i;

	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();

	CurrentResourceOwner = ResourceOwnerCreate(NULL, "schemashift executor");
	seg = dsm_attach(DatumGetUInt32(main_arg));
	if (seg == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("could not map the schemashift executor's shared memory")));
	toc = shm_toc_attach(SS_EXEC_MAGIC, dsm_segment_address(seg));
	if (toc == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("bad magic number in the schemashift executor's shared memory")));
	shared = shm_toc_lookup(toc, SS_KEY_SHARED, false);
	sql = shm_toc_lookup(toc, SS_KEY_SQL, false);
	mq = shm_toc_lookup(toc, SS_KEY_QUEUE, false);
	shm_mq_set_sender(mq, MyProc);
	mqh = shm_mq_attach(mq, seg, NULL);
	/* from here on, errors and notices go to the caller */
	pq_redirect_to_shm_mq(seg, mqh);

	/*
	 * Connect as the session user (who could log in) and act as the caller's
	 * current role, as SET ROLE would: a NOLOGIN migration role works.
	 */
	BackgroundWorkerInitializeConnectionByOid(shared->database, shared->session_user, 0);

	StartTransactionCommand();
	if (shared->current_user != shared->session_user)
		SetCurrentRoleId(shared->current_user, superuser_arg(shared->current_user));
	for (i = 0; i < (int) N_INHERITED; i++)
		if (shared->gucs[i][0] != '\0')
			(void) set_config_option(inherited_gucs[i], shared->gucs[i],
									 PGC_USERSET, PGC_S_SESSION,
									 GUC_ACTION_SET, true, 0, false);
	snprintf(buf, sizeof(buf), "%dms", shared->lock_timeout_ms);
	(void) set_config_option("lock_timeout", buf, PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SET, true, 0, false);
	(void) set_config_option("application_name", "schemashift executor",
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SET, true, 0, false);
	CommitTransactionCommand();

	/* the recipe's own statement, and nothing it runs, is exempt */
	(void) ss_exemption_arm(&shared->exempt, sql);
	run_statement(sql, shared);

	dsm_detach(seg);
	proc_exit(0);
}
