/*-------------------------------------------------------------------------
 *
 * schemashift.c
 *		Entry point of the schemashift library: settings and hooks are
 *		installed here, everything else lives in one file per concern.
 *
 *-------------------------------------------------------------------------
 */
#include "schemashift.h"

#include "fmgr.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

void
_PG_init(void)
{
	schemashift_define_gucs();
}
