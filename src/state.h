/*-------------------------------------------------------------------------
 *
 * state.h
 *		schemashift's own state: its tables (jobs, changes, migrations,
 *		lock_attempts...) written as their owner, and the session-level
 *		advisory locks that keep one long job from running twice.
 *
 * The procedures run as their caller and commit between steps, so they
 * cannot be SECURITY DEFINER; the state tables are written here as their
 * owner, in a security-restricted operation, with fixed SQL and parameters.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMASHIFT_STATE_H
#define SCHEMASHIFT_STATE_H

#include "postgres.h"

/*
 * Session-level advisory locks of long jobs: the fourth key (objsubid in
 * pg_locks) tells them from the SQL functions' locks, which use 1 and 2.
 */
#define SS_ADVISORY_JOB		11	/* relid, hash of the backfill */
#define SS_ADVISORY_CHANGE	12	/* 0, change id */
#define SS_ADVISORY_MIGRATION 13	/* 0, hash of the migration id */

/*
 * Run SQL against schemashift's own tables as their owner.  Returns
 * SPI_processed; rows (if any) are in SPI_tuptable.
 */
extern uint64 ss_state_exec(const char *sql, int nargs, Oid *argtypes,
							Datum *values, const char *nulls);

/* Session-level advisory lock, or an error naming who holds it. */
extern void ss_lock_session(uint16 lockclass, uint32 key1, uint32 key2,
							const char *what);
extern void ss_unlock_session(uint16 lockclass, uint32 key1, uint32 key2);

#endif							/* SCHEMASHIFT_STATE_H */
