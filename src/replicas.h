/*-------------------------------------------------------------------------
 *
 * replicas.h
 *		How far behind the standbys a batched job waits for are, and the
 *		wait itself (backfill's max_replication_lag).
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMASHIFT_REPLICAS_H
#define SCHEMASHIFT_REPLICAS_H

#include "datatype/timestamp.h"

typedef struct SSStandby
{
	char	   *name;			/* slot name, or application_name */
	int64		position;		/* replay position (or the slot's restart
								 * position), bytes since 0/0 */
	TimestampTz advanced_at;	/* when that position last moved */
	int64		behind;			/* bytes behind the primary at the last look */
	int64		lag_ms;			/* at the last look */
	bool		connected;
} SSStandby;

typedef struct SSStandbys
{
	int			max_lag_ms;
	char	   *what;			/* names the job in messages */
	bool		paused;			/* waiting until the lag halves (hysteresis) */
	int			n;
	SSStandby  *standbys;
} SSStandbys;

/*
 * The standbys to wait for: those streaming now and those with a physical
 * replication slot.  Refuses when there is none.  Allocates in the current
 * memory context, which must last as long as the job.
 */
extern void ss_standbys_begin(SSStandbys *s, int max_lag_ms, const char *what);

/* Return once every standby is within the allowed lag. */
extern void ss_standbys_wait(SSStandbys *s);

#endif							/* SCHEMASHIFT_REPLICAS_H */
