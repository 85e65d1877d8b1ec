/*-------------------------------------------------------------------------
 *
 * lock_report.h
 *		When the lock_timeout the guard set ends a statement, the error
 *		says so and names who held the lock.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMASHIFT_LOCK_REPORT_H
#define SCHEMASHIFT_LOCK_REPORT_H

#include "storage/lockdefs.h"

/* the guard set lock_timeout for a statement locking relid in mode */
extern void ss_lock_report_arm(Oid relid, LOCKMODE mode, int timeout_ms);
/* it runs again under that timeout (utility commands the hook guards) */
extern void ss_lock_report_resume(void);
extern void ss_lock_report_disarm(void);

extern void ss_lock_report_init(void);

#endif							/* SCHEMASHIFT_LOCK_REPORT_H */
