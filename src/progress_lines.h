/*-------------------------------------------------------------------------
 *
 * progress_lines.h
 *		The progress lines of long procedures (backfills, index builds):
 *		done, total, rate and time left, at the level and interval the
 *		session chose (schemashift.progress_level, .progress_interval), so
 *		that they reach a migration runner's log and not only psql.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMASHIFT_PROGRESS_LINES_H
#define SCHEMASHIFT_PROGRESS_LINES_H

#include "postgres.h"

#include "utils/timestamp.h"

/* the settings (guc.c) */
extern int	schemashift_progress_interval;	/* ms; 0 off, -1 every batch */
extern int	schemashift_progress_level;		/* an elevel: INFO, NOTICE... */

/* progress_interval's value meaning "at every batch" */
#define SS_PROGRESS_EVERY_BATCH (-1)

typedef struct SSProgress
{
	TimestampTz last;			/* when the last line was printed */
} SSProgress;

/* Start counting the interval now. */
extern void ss_progress_begin(SSProgress *p);

/*
 * Is a line due: the interval passed since the last one (or the setting
 * asks for every batch), and progress lines are on at all.
 */
extern bool ss_progress_due(SSProgress *p);

/*
 * Print one line at the configured level: "what: phase, done of total
 * units (pct%), extra" with the rate and time left (rate in units per
 * second, 0 when unknown) as its detail; phase and extra may be NULL,
 * total < 0 when unknown, done < 0 when there is nothing to count.  Never
 * row data.
 */
extern void ss_progress_line(SSProgress *p, const char *what, const char *phase,
							 int64 done, int64 total, const char *units,
							 double rate, const char *extra);

#endif							/* SCHEMASHIFT_PROGRESS_LINES_H */
