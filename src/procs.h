/*-------------------------------------------------------------------------
 *
 * procs.h
 *		What the CALL procedures share, in one include: their arguments
 *		(args.h), the step runner (retry.h), schemashift's state tables and
 *		session locks (state.h), subtransactions and recovery (txn.h), the
 *		SQL the recipes build (sql_build.h), the scanner (scan.h), running a
 *		table owner's code (owner.c), building an index (index_procs.c) and
 *		the batched backfill (backfill.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMASHIFT_PROCS_H
#define SCHEMASHIFT_PROCS_H

#include "postgres.h"

#include "executor/spi.h"
#include "fmgr.h"
#include "nodes/parsenodes.h"

#include "args.h"
#include "exemptions.h"
#include "retry.h"
#include "scan.h"
#include "sql_build.h"
#include "state.h"
#include "txn.h"

/* CREATE INDEX ... built concurrently, idempotently (index_procs.c). */
extern void schemashift_build_index(const char *definition, int retries);

/*
 * A table owner's code, run as the owner (owner.c): fn(arg) with the
 * owner's identity in a security-restricted operation, search_path
 * pg_catalog, pg_temp, every setting restored afterwards.  The caller must
 * have checked, as itself, that it may act for the owner.
 */
extern Oid	ss_table_owner(Oid relid);
extern void ss_run_as(Oid role, int extra_sec, SSStepFn fn, void *arg);
extern void ss_run_as_owner(Oid owner, SSStepFn fn, void *arg);
/* SPI_execute(sql) as run_as that way, or as the caller if InvalidOid */
extern void ss_execute_as(Oid run_as, const char *sql);

/* ---------- batched backfill (backfill.c) ---------- */

typedef struct SSBackfillSpec
{
	Oid			relid;
	const char *set_clause;
	const char *where_clause;	/* NULL: every row */
	int			batch_size;
	int			pause_ms;
	int			max_lag_ms;		/* -1: replicas are not watched */
	int			target_ms;		/* 0: the batch size stays as given */
	int			lock_timeout_ms;
	int			batch_timeout_ms;	/* 0: none */
	int			retries;

	/*
	 * What the job serves, part of its identity with relid, set_clause and
	 * where_clause: a call finds the latest job of the same backfill and
	 * resumes it, or, when it is done, does nothing (unless rerun).
	 */
	int64		change_id;		/* the expand/contract change, or 0 */
	const char *migration_id;	/* the apply() step, or NULL */
	int			migration_step;
	bool		rerun;			/* a done job: run it again, as a new job */
} SSBackfillSpec;

/*
 * Run (or resume) a backfill job to its end; returns the job's id.  A job
 * already done is not run again (a NOTICE says so) unless spec->rerun.
 */
extern int64 schemashift_backfill_run(const SSBackfillSpec *spec);

#endif							/* SCHEMASHIFT_PROCS_H */
