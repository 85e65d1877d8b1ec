/*-------------------------------------------------------------------------
 *
 * worker.h
 *		Run one SQL statement at top level, outside any transaction block,
 *		from a procedure: what CREATE INDEX CONCURRENTLY and the other
 *		commands that refuse to run in a function need.
 *
 * The statement runs in a dynamic background worker connected to the same
 * database as the caller's session user with the caller's current role,
 * search_path and the settings that shape a build.  Its errors and notices
 * come back to the caller with their SQLSTATE, detail and hint.
 *
 * The caller must hold no snapshot and no lock the statement could wait for
 * while it waits (a CONCURRENTLY build waits for every older snapshot):
 * schemashift_exec_step() commits the procedure's transaction first.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMASHIFT_WORKER_H
#define SCHEMASHIFT_WORKER_H

#include "postgres.h"

#include "fmgr.h"

#include "exemptions.h"

typedef struct SSExecOptions
{
	int			lock_timeout_ms;	/* 0: none */
	int			statement_timeout_ms;	/* 0: none */
	SSExemption exempt;			/* the rules the recipe handles, for this
								 * statement only */
	const char *progress_label; /* report CREATE INDEX progress as NOTICEs */
} SSExecOptions;

typedef struct SSExecResult
{
	bool		ok;
	uint64		processed;		/* rows, for DML */
	ErrorData  *error;			/* when !ok: the worker's error */
	bool		canceled_by_caller; /* the caller's own cancel stopped it */
} SSExecResult;

/*
 * Commit the procedure's transaction, run sql at top level in a worker, and
 * start a fresh transaction that sees what it did.  The procedure must have
 * connected to SPI with SPI_OPT_NONATOMIC.
 */
extern void schemashift_exec_step(const char *sql, const SSExecOptions *opts,
								  SSExecResult *res);

/* Commit and sleep without holding a snapshot; interruptible. */
extern void schemashift_exec_sleep(int ms);

extern PGDLLEXPORT void schemashift_executor_main(Datum main_arg);

#endif							/* SCHEMASHIFT_WORKER_H */
