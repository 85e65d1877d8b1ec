/*-------------------------------------------------------------------------
 *
 * compat.h
 *		Differences between PostgreSQL major versions, written once.
 *
 * schemashift is built and tested on PostgreSQL 15, its floor: the hook
 * signatures, the catalog and the parse nodes it uses are 15's.  Every place
 * that depends on the server's major version goes through a macro defined
 * here, so that 16, 17 and 18 follow by editing this file alone.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMASHIFT_COMPAT_H
#define SCHEMASHIFT_COMPAT_H

#include "postgres.h"

#if PG_VERSION_NUM < 150000
#error "schemashift requires PostgreSQL 15 or later"
#endif

/* what the version-dependent macros below name */
#if PG_VERSION_NUM >= 160000
#include "catalog/pg_class.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_proc.h"
#include "utils/acl.h"
#endif
#if PG_VERSION_NUM >= 170000
#include "storage/procarray.h"
#endif

#define schemashift_init_srf(fcinfo) InitMaterializedSRF((fcinfo), 0)
#define schemashift_reserve_guc_prefix(p) MarkGUCPrefixReserved(p)

/* ALTER TABLE sub-command for ADD CONSTRAINT also had a Recurse twin up to 15 */
#if PG_VERSION_NUM < 160000
#define SCHEMASHIFT_IS_ADD_CONSTRAINT(t) \
	((t) == AT_AddConstraint || (t) == AT_AddConstraintRecurse)
#define SCHEMASHIFT_IS_VALIDATE_CONSTRAINT(t) \
	((t) == AT_ValidateConstraint || (t) == AT_ValidateConstraintRecurse)
#define SCHEMASHIFT_IS_DROP_CONSTRAINT(t) \
	((t) == AT_DropConstraint || (t) == AT_DropConstraintRecurse)
#define SCHEMASHIFT_IS_ADD_COLUMN(t) \
	((t) == AT_AddColumn || (t) == AT_AddColumnRecurse)
#define SCHEMASHIFT_IS_DROP_COLUMN(t) \
	((t) == AT_DropColumn || (t) == AT_DropColumnRecurse)
#else
#define SCHEMASHIFT_IS_ADD_CONSTRAINT(t) ((t) == AT_AddConstraint)
#define SCHEMASHIFT_IS_VALIDATE_CONSTRAINT(t) ((t) == AT_ValidateConstraint)
#define SCHEMASHIFT_IS_DROP_CONSTRAINT(t) ((t) == AT_DropConstraint)
#define SCHEMASHIFT_IS_ADD_COLUMN(t) ((t) == AT_AddColumn)
#define SCHEMASHIFT_IS_DROP_COLUMN(t) ((t) == AT_DropColumn)
#endif

/* every parse of a whole statement goes through here */
#define schemashift_raw_parser(s) raw_parser((s), RAW_PARSE_DEFAULT)

/*
 * The ProcessUtility hook's parameters, and passing them on (the signature
 * of 14, unchanged since).
 */
#define SCHEMASHIFT_PROCESS_UTILITY_PARAMS \
	PlannedStmt *pstmt, const char *queryString, bool readOnlyTree, \
	ProcessUtilityContext context, ParamListInfo params, \
	QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc
#define SCHEMASHIFT_PROCESS_UTILITY_ARGS \
	pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc

/*
 * The executor's range table took the permission infos in 16, and in 18 the
 * set of relations not pruned: every one of ours is opened.
 */
#if PG_VERSION_NUM >= 180000
#define schemashift_init_range_table(estate, rtable) \
	ExecInitRangeTable((estate), (rtable), NIL, \
					   bms_add_range(NULL, 1, list_length(rtable)))
#elif PG_VERSION_NUM >= 160000
#define schemashift_init_range_table(estate, rtable) \
	ExecInitRangeTable((estate), (rtable), NIL)
#else
#define schemashift_init_range_table(estate, rtable) \
	ExecInitRangeTable((estate), (rtable))
#endif

/* ACL checks of a schema became object-generic in 16 */
#if PG_VERSION_NUM >= 160000
#define schemashift_namespace_aclcheck(nspid, role, mode) \
	object_aclcheck(NamespaceRelationId, (nspid), (role), (mode))
#else
#define schemashift_namespace_aclcheck(nspid, role, mode) \
	pg_namespace_aclcheck((nspid), (role), (mode))
#endif

/* so did the EXECUTE check of a function */
#if PG_VERSION_NUM >= 160000
#define schemashift_proc_aclcheck(funcid, role, mode) \
	object_aclcheck(ProcedureRelationId, (funcid), (role), (mode))
#else
#define schemashift_proc_aclcheck(funcid, role, mode) \
	pg_proc_aclcheck((funcid), (role), (mode))
#endif

/* ownership checks became object-generic in 16 */
#if PG_VERSION_NUM >= 160000
#define schemashift_table_ownercheck(relid, role) \
	object_ownercheck(RelationRelationId, (relid), (role))
#else
#define schemashift_table_ownercheck(relid, role) pg_class_ownercheck((relid), (role))
#endif

/* type-string parsing took a soft-error context in 16 */
#if PG_VERSION_NUM >= 160000
#define schemashift_parse_type_string(s, typid, typmod) \
	(void) parseTypeString((s), (typid), (typmod), NULL)
#define schemashift_type_string_to_typename(s) typeStringToTypeName((s), NULL)
#else
#define schemashift_parse_type_string(s, typid, typmod) \
	parseTypeString((s), (typid), (typmod), false)
#define schemashift_type_string_to_typename(s) typeStringToTypeName(s)
#endif

/* a backend's PGPROC from a virtual transaction id; the status of the
 * i-th backend of the local activity snapshot (renamed in 16 and 17) */
#if PG_VERSION_NUM >= 170000
#define schemashift_vxid_proc(vxid) ProcNumberGetProc((vxid).procNumber)
#define schemashift_local_beentry(i) pgstat_get_local_beentry_by_index(i)
#elif PG_VERSION_NUM >= 160000
#define schemashift_vxid_proc(vxid) BackendIdGetProc((vxid).backendId)
#define schemashift_local_beentry(i) pgstat_get_local_beentry_by_index(i)
#else
#define schemashift_vxid_proc(vxid) BackendIdGetProc((vxid).backendId)
#define schemashift_local_beentry(i) pgstat_fetch_stat_local_beentry(i)
#endif

/* PGPROC's local transaction id moved into its vxid in 17 */
#if PG_VERSION_NUM >= 170000
#define schemashift_proc_lxid(proc) ((proc)->vxid.lxid)
#else
#define schemashift_proc_lxid(proc) ((proc)->lxid)
#endif

/* a portal ran with a run_once flag up to 17 */
#if PG_VERSION_NUM >= 180000
#define schemashift_portal_run(portal, count, dest, qc) \
	PortalRun((portal), (count), true, (dest), (dest), (qc))
#else
#define schemashift_portal_run(portal, count, dest, qc) \
	PortalRun((portal), (count), true, true, (dest), (dest), (qc))
#endif

/* INSERT/UPDATE/DELETE/MERGE's RETURNING became a clause node in 18 */
#if PG_VERSION_NUM >= 180000
#define schemashift_has_returning(stmt) ((stmt)->returningClause != NULL)
#else
#define schemashift_has_returning(stmt) ((stmt)->returningList != NIL)
#endif

/* the array of settings returns its length since 16 (utils/guc_tables.h) */
#if PG_VERSION_NUM >= 160000
#define schemashift_guc_variables(n) get_guc_variables(n)
#else
#define schemashift_guc_variables(n) \
	(*(n) = GetNumConfigOptions(), get_guc_variables())
#endif

/* a primary key may be deferrable for the caller since 18: ours is not */
#if PG_VERSION_NUM >= 180000
#define schemashift_primary_key_index(rel) RelationGetPrimaryKeyIndex((rel), false)
#else
#define schemashift_primary_key_index(rel) RelationGetPrimaryKeyIndex(rel)
#endif

/* an index scan takes instrumentation since 18: none here */
#if PG_VERSION_NUM >= 180000
#define schemashift_index_beginscan(heap, index, snapshot, nkeys, norderbys) \
	index_beginscan((heap), (index), (snapshot), NULL, (nkeys), (norderbys))
#else
#define schemashift_index_beginscan(heap, index, snapshot, nkeys, norderbys) \
	index_beginscan((heap), (index), (snapshot), (nkeys), (norderbys))
#endif

/* ---------- answers that differ by version (versions.c, docs/versions.md) ---------- */

/* ALTER TABLE ... ALTER COLUMN ... SET EXPRESSION came in 17 */
#if PG_VERSION_NUM >= 170000
#define SCHEMASHIFT_IS_SET_EXPRESSION(t) ((t) == AT_SetExpression)
#else
#define SCHEMASHIFT_IS_SET_EXPRESSION(t) false
#endif

/*
 * 18: NOT NULL constraints live in pg_constraint and may be NOT VALID
 * (pg_attribute.attnotnull is then set although rows may hold NULLs), and
 * generated columns may be virtual, the kind GENERATED ALWAYS AS (...)
 * without STORED gives.  CHECK and FOREIGN KEY constraints may be NOT
 * ENFORCED.
 */
#if PG_VERSION_NUM >= 180000
#define SCHEMASHIFT_HAS_NOT_NULL_NOT_VALID 1
#define SCHEMASHIFT_HAS_NOT_ENFORCED 1
/* 18's clauses add_constraint's recipes do not rebuild (is_enforced is
 * set for CHECK and FOREIGN KEY only) */
#define schemashift_constraint_has_18_clauses(con) \
	((((con)->contype == CONSTR_CHECK || (con)->contype == CONSTR_FOREIGN) && \
	  !(con)->is_enforced) || (con)->without_overlaps || \
	 (con)->fk_with_period || (con)->pk_with_period)
/* ALTER CONSTRAINT name ENFORCED: the constraint's name, else NULL */
#define schemashift_constraint_to_enforce(cmd) \
	(IsA((cmd)->def, ATAlterConstraint) && \
	 ((ATAlterConstraint *) (cmd)->def)->alterEnforceability && \
	 ((ATAlterConstraint *) (cmd)->def)->is_enforced ? \
	 ((ATAlterConstraint *) (cmd)->def)->conname : NULL)
/* ALTER CONSTRAINT name INHERIT: the constraint's name, else NULL */
#define schemashift_constraint_to_inherit(cmd) \
	(IsA((cmd)->def, ATAlterConstraint) && \
	 ((ATAlterConstraint *) (cmd)->def)->alterInheritability && \
	 !((ATAlterConstraint *) (cmd)->def)->noinherit ? \
	 ((ATAlterConstraint *) (cmd)->def)->conname : NULL)
/* a constraint NOT ENFORCED (table constraint), or that clause after a column's */
#define schemashift_constraint_not_enforced(con) \
	(((con)->contype == CONSTR_CHECK || (con)->contype == CONSTR_FOREIGN) && \
	 !(con)->is_enforced)
#define schemashift_constraint_attr_not_enforced(con) \
	((con)->contype == CONSTR_ATTR_NOT_ENFORCED)
#define schemashift_generated_is_virtual(con) \
	((con)->generated_kind == ATTRIBUTE_GENERATED_VIRTUAL)
#define schemashift_attgenerated_is_virtual(g) ((g) == ATTRIBUTE_GENERATED_VIRTUAL)
#else
#define SCHEMASHIFT_HAS_NOT_NULL_NOT_VALID 0
#define SCHEMASHIFT_HAS_NOT_ENFORCED 0
#define schemashift_constraint_has_18_clauses(con) ((void) (con), false)
#define schemashift_constraint_to_enforce(cmd) ((void) (cmd), (char *) NULL)
#define schemashift_constraint_to_inherit(cmd) ((void) (cmd), (char *) NULL)
#define schemashift_constraint_not_enforced(con) ((void) (con), false)
#define schemashift_constraint_attr_not_enforced(con) ((void) (con), false)
#define schemashift_generated_is_virtual(con) ((void) (con), false)
#define schemashift_attgenerated_is_virtual(g) ((void) (g), false)
#endif

#endif							/* SCHEMASHIFT_COMPAT_H */
