/*-------------------------------------------------------------------------
 *
 * restore.h
 *		Restoring a dump under the guard (docs/operations.md).
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMASHIFT_RESTORE_H
#define SCHEMASHIFT_RESTORE_H

/* the session is set up the way pg_dump's output sets it up */
extern bool ss_session_replays_dump(void);

/*
 * In enforce mode, refuse the DDL of a session that replays a dump outside
 * a transaction block, before it loads any data: its keys and indexes,
 * which come after the data, would be refused.
 */
extern void ss_refuse_unsafe_restore(void);

#endif							/* SCHEMASHIFT_RESTORE_H */
