/*-------------------------------------------------------------------------
 *
 * fence.h
 *		Analysis that runs nobody's code: functions someone created are
 *		refused while it runs (fence.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMASHIFT_FENCE_H
#define SCHEMASHIFT_FENCE_H

#include "txn.h"

extern void ss_fence_init(void);
extern void ss_without_user_code(SSStepFn fn, void *arg);

#endif
