/*-------------------------------------------------------------------------
 *
 * errcodes.h
 *		schemashift's own SQLSTATEs, in a private class "SS", so that a
 *		client can tell "schemashift refused this" from a server error.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMASHIFT_ERRCODES_H
#define SCHEMASHIFT_ERRCODES_H

#include "utils/elog.h"

/* a statement the guard blocked in enforce mode */
#define ERRCODE_SCHEMASHIFT_BLOCKED		MAKE_SQLSTATE('S','S','0','0','1')

#endif							/* SCHEMASHIFT_ERRCODES_H */
