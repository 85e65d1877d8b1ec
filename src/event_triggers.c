/*-------------------------------------------------------------------------
 *
 * event_triggers.c
 *		The four event trigger functions of the live guard: they check the
 *		protocol, read what the server hands an event trigger, and pass it
 *		to the guard (guard.c), which decides.
 *
 * ddl_command_start analyses the statement before it takes its locks;
 * ddl_command_end writes its audit row; table_rewrite catches rewrites no
 * finding predicted; sql_drop sees what a DROP removed by cascade.  All four
 * are ENABLE ALWAYS, so session_replication_role = replica does not silence
 * them (src/sql/schemashift--0.4.0.sql).
 *
 *-------------------------------------------------------------------------
 */
#include "schemashift.h"

#include "commands/event_trigger.h"
#include "fmgr.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"

PG_FUNCTION_INFO_V1(schemashift_guard_ddl_start);
PG_FUNCTION_INFO_V1(schemashift_guard_ddl_end);
PG_FUNCTION_INFO_V1(schemashift_guard_table_rewrite);
PG_FUNCTION_INFO_V1(schemashift_guard_sql_drop);

static void
check_event_trigger(FunctionCallInfo fcinfo)
{
	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_EVENT_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"%s\" must be fired as an event trigger",
						get_func_name(fcinfo->flinfo->fn_oid))));
}

Datum
schemashift_guard_ddl_start(PG_FUNCTION_ARGS)
{
	check_event_trigger(fcinfo);
	if (schemashift_guard_applies())
		schemashift_guard_statement(((EventTriggerData *) fcinfo->context)->parsetree,
									false);
	PG_RETURN_NULL();
}

Datum
schemashift_guard_ddl_end(PG_FUNCTION_ARGS)
{
	check_event_trigger(fcinfo);
	schemashift_guard_statement_end(GetCommandTagName(((EventTriggerData *) fcinfo->context)->tag));
	PG_RETURN_NULL();
}

Datum
schemashift_guard_table_rewrite(PG_FUNCTION_ARGS)
{
	check_event_trigger(fcinfo);
	if (schemashift_guard_applies())
		schemashift_guard_rewrite(DatumGetObjectId(OidFunctionCall0Coll(F_PG_EVENT_TRIGGER_TABLE_REWRITE_OID,
																		InvalidOid)),
								  DatumGetInt32(OidFunctionCall0Coll(F_PG_EVENT_TRIGGER_TABLE_REWRITE_REASON,
																	 InvalidOid)));
	PG_RETURN_NULL();
}

Datum
schemashift_guard_sql_drop(PG_FUNCTION_ARGS)
{
	check_event_trigger(fcinfo);
	schemashift_guard_dropped();
	PG_RETURN_NULL();
}
