/*-------------------------------------------------------------------------
 *
 * schemashift.c
 *		Entry point of the schemashift library: settings and hooks are
 *		installed here, everything else lives in one file per concern.
 *
 *-------------------------------------------------------------------------
 */
#include "schemashift.h"
#include "fence.h"
#include "lock_report.h"

#include "fmgr.h"
#include "miscadmin.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

PG_FUNCTION_INFO_V1(schemashift_is_preloaded);

void
_PG_init(void)
{
	schemashift_define_gucs();
	schemashift_guard_init();
	ss_lock_report_init();
	ss_fence_init();

	/* the utility hook only when every backend has it from the start */
	if (process_shared_preload_libraries_in_progress)
	{
		schemashift_preloaded = true;
		schemashift_hooks_init();
	}
}

/* schemashift.preloaded(): is the ProcessUtility hook in place? */
Datum
schemashift_is_preloaded(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(schemashift_preloaded);
}
