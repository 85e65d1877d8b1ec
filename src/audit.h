/*-------------------------------------------------------------------------
 *
 * audit.h
 *		The DDL audit log (audit.c) and the event trigger functions' rows.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMASHIFT_AUDIT_H
#define SCHEMASHIFT_AUDIT_H

#include "postgres.h"

#include "access/tupdesc.h"
#include "nodes/execnodes.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

/* The audit log's OID; InvalidOid when the extension is not installed here. */
extern Oid	ss_audit_log_relid(void);
extern void ss_audit_log_forget(void);

/*
 * Insert one audit row.  with_ddl_commands reads the objects from
 * pg_event_trigger_ddl_commands() (only in ddl_command_end); else object, if
 * not NULL, is the one object named.
 */
extern void ss_audit_write(const char *tag, const char *statement,
						   const char *findings, const char *approvals_json,
						   TimestampTz start, bool with_ddl_commands,
						   const char *object);

/*
 * Call one of the server's event trigger set-returning functions directly;
 * the caller frees the rows with FreeExprContext(*econtext, true).
 */
extern void ss_event_trigger_rows(Oid fnoid, Tuplestorestate **store,
								  TupleDesc *desc, ExprContext **econtext);
extern int	ss_event_trigger_column(TupleDesc desc, const char *name);

#endif							/* SCHEMASHIFT_AUDIT_H */
