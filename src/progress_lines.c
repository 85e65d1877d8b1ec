/*-------------------------------------------------------------------------
 *
 * progress_lines.c
 *		Progress lines of long procedures at schemashift.progress_level,
 *		every schemashift.progress_interval.
 *
 * NOTICEs reach psql, but most migration runners drop them (their drivers
 * keep or ignore notices); a WARNING reaches more of them, LOG the server's
 * log.  A line carries counts and times only, never row data: key values
 * and the statement stay in schemashift.progress, where privileges apply.
 *
 *-------------------------------------------------------------------------
 */
#include "progress_lines.h"
#include "schemashift.h"

#include "lib/stringinfo.h"

/* "40 s", "12 min", "3.5 h": the time left, as a person reads it */
static char *
duration_text(double seconds)
{
	if (seconds < 90)
		return psprintf("%.0f s", seconds);
	if (seconds < 90 * 60)
		return psprintf("%.0f min", seconds / 60);
	return psprintf("%.1f h", seconds / 3600);
}

void
ss_progress_begin(SSProgress *p)
{
	p->last = GetCurrentTimestamp();
}

bool
ss_progress_due(SSProgress *p)
{
	if (!schemashift_progress_notices || schemashift_progress_interval == 0)
		return false;
	if (schemashift_progress_interval == SS_PROGRESS_EVERY_BATCH)
		return true;
	return TimestampDifferenceExceeds(p->last, GetCurrentTimestamp(),
									  schemashift_progress_interval);
}

void
ss_progress_line(SSProgress *p, const char *what, const char *phase,
				 int64 done, int64 total, const char *units, double rate,
				 const char *extra)
{
	StringInfoData msg;
	char	   *left = "";

	initStringInfo(&msg);
	appendStringInfo(&msg, "%s:", what);
	if (phase)
		appendStringInfo(&msg, " %s%s", phase, done >= 0 ? "," : "");
	/* a stale estimate (reltuples) must not show more than 100% */
	if (total >= 0 && done > total)
		total = done;
	if (done < 0)
		rate = 0;
	else if (total > 0)
		appendStringInfo(&msg, " %lld of %lld %s (%.1f%%)", (long long) done,
						 (long long) total, units, 100.0 * done / total);
	else
		appendStringInfo(&msg, " %lld %s", (long long) done, units);
	if (extra)
		appendStringInfo(&msg, ", %s", extra);
	if (rate > 0 && total >= 0)
		left = psprintf(", about %s left", duration_text((total - done) / rate));

	/* the rate and time left vary from run to run: the detail holds them */
	ereport(schemashift_progress_level,
			(errmsg_internal("%s", msg.data),
			 rate > 0 ? errdetail("%.0f %s/s%s.", rate, units, left) : 0));
	pfree(msg.data);
	p->last = GetCurrentTimestamp();
}
