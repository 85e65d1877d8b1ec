/*-------------------------------------------------------------------------
 *
 * replicas.c
 *		The standbys a batched job waits for, and how far behind they are.
 *
 * pg_stat_replication alone misleads: its lag columns are NULL once a
 * standby has caught up and stay at their last value when replay stops
 * (pg_wal_replay_pause(), a long query on the standby), and a standby that
 * stopped is not in it at all.  So the standbys are fixed when the job
 * starts (every one streaming, and every physical replication slot), and at
 * each look a standby's lag is the longest of its replay_lag and the time
 * since its replay position last moved while it is behind the primary.  A
 * standby no longer connected, without a slot that says where it is, has
 * not moved since it was last seen.  The job pauses when a lag passes the
 * limit and goes on when every lag is back under half of it, so that it
 * does not start and stop at every look.
 *
 * The catalog views are read as the extension's owner (ss_state_exec), who
 * sees every standby; only the figures reach the caller's messages.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "procs.h"
#include "replicas.h"
#include "worker.h"

#define SS_STANDBY_POLL_MS		500
#define SS_STANDBY_NOTICE_MS	10000

/* every streaming standby and every physical slot, one row each */
static const char *const standbys_sql =
"SELECT COALESCE(r.slot_name, s.application_name, s.pid::pg_catalog.text), "
"       s.pid IS NOT NULL, "
"       pg_catalog.pg_wal_lsn_diff(COALESCE(s.replay_lsn, r.restart_lsn), '0/0')::pg_catalog.int8, "
"       pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_lsn(), "
"                                  COALESCE(s.replay_lsn, r.restart_lsn))::pg_catalog.int8, "
"       (pg_catalog.date_part('epoch', s.replay_lag) OPERATOR(pg_catalog.*) 1000)::pg_catalog.int8 "
"FROM pg_catalog.pg_stat_replication s "
"FULL JOIN (SELECT slot_name, active_pid, restart_lsn FROM pg_catalog.pg_replication_slots "
"           WHERE slot_type OPERATOR(pg_catalog.=) 'physical') r "
"       ON r.active_pid OPERATOR(pg_catalog.=) s.pid "
"ORDER BY 1";

static int64
int8_or(int row, int col, int64 otherwise)
{
	bool		isnull;
	Datum		d = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col, &isnull);

	return isnull ? otherwise : DatumGetInt64(d);
}

/* Look at the standbys once: their positions, how far behind, their lags. */
static void
look(SSStandbys *s)
{
	TimestampTz now = GetCurrentTimestamp();
	uint64		rows = ss_state_exec(standbys_sql, 0, NULL, NULL, NULL);
	int			i;

	for (i = 0; i < s->n; i++)
	{
		SSStandby  *sb = &s->standbys[i];
		uint64		r;
		long		secs;
		int			usecs;
		bool		isnull;

		sb->connected = false;
		for (r = 0; r < rows; r++)
		{
			char	   *name = SPI_getvalue(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1);
			int64		position = int8_or(r, 3, -1);

			if (name == NULL || strcmp(name, sb->name) != 0)
				continue;
			sb->connected = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[r],
													   SPI_tuptable->tupdesc, 2, &isnull));
			if (position > sb->position)
			{
				sb->position = position;
				sb->advanced_at = now;
			}
			sb->behind = int8_or(r, 4, sb->behind);
			sb->lag_ms = int8_or(r, 5, 0);
			break;
		}
		if (sb->connected && sb->behind <= 0)
		{
			/* caught up: replay_lag still shows how long the last catch-up took */
			sb->lag_ms = 0;
			continue;
		}
		/* behind and still: the time since it last moved */
		TimestampDifference(sb->advanced_at, now, &secs, &usecs);
		if (secs * 1000 + usecs / 1000 > sb->lag_ms)
			sb->lag_ms = secs * 1000 + usecs / 1000;
	}
}

void
ss_standbys_begin(SSStandbys *s, int max_lag_ms, const char *what)
{
	uint64		rows = ss_state_exec(standbys_sql, 0, NULL, NULL, NULL);
	TimestampTz now = GetCurrentTimestamp();
	uint64		r;

	s->max_lag_ms = max_lag_ms;
	s->what = pstrdup(what);
	s->paused = false;
	s->n = 0;
	s->standbys = palloc0(sizeof(SSStandby) * Max(rows, 1));
	for (r = 0; r < rows; r++)
	{
		char	   *name = SPI_getvalue(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1);
		SSStandby  *sb;

		if (name == NULL)
			continue;
		sb = &s->standbys[s->n++];
		sb->name = pstrdup(name);
		sb->position = int8_or(r, 3, -1);
		sb->advanced_at = now;
	}
	if (s->n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("%s: max_replication_lag was given, but no standby is streaming and no physical replication slot exists", what),
				 errdetail("There is no standby whose lag could be watched."),
				 errhint("Leave max_replication_lag NULL on a server without standbys.")));
	look(s);
}

/* the standby furthest behind */
static SSStandby *
furthest(SSStandbys *s)
{
	SSStandby  *worst = &s->standbys[0];
	int			i;

	for (i = 1; i < s->n; i++)
		if (s->standbys[i].lag_ms > worst->lag_ms)
			worst = &s->standbys[i];
	return worst;
}

void
ss_standbys_wait(SSStandbys *s)
{
	const char *what = s->what;

	TimestampTz last_notice = 0;

	for (;;)
	{
		SSStandby  *worst;

		CHECK_FOR_INTERRUPTS();
		look(s);
		worst = furthest(s);
		if (worst->lag_ms <= (s->paused ? s->max_lag_ms / 2 : s->max_lag_ms))
			break;
		if (!s->paused || TimestampDifferenceExceeds(last_notice, GetCurrentTimestamp(),
													 SS_STANDBY_NOTICE_MS))
		{
			ereport(NOTICE,
					(errmsg("%s: pausing, standby \"%s\" is %lld ms and %lld bytes behind%s (at most %d ms allowed)",
							what, worst->name, (long long) worst->lag_ms,
							(long long) Max(worst->behind, 0),
							worst->connected ? "" : ", not connected", s->max_lag_ms)));
			last_notice = GetCurrentTimestamp();
		}
		s->paused = true;
		schemashift_exec_sleep(SS_STANDBY_POLL_MS);
	}
	if (s->paused)
		ereport(NOTICE,
				(errmsg("%s: resuming, every standby is within %d ms", what, s->max_lag_ms / 2)));
	s->paused = false;
}
