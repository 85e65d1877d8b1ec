/*-------------------------------------------------------------------------
 *
 * preconditions.h
 *		What must hold of the server before schemashift writes anything: a
 *		primary, not a standby; SQL objects of the library's own version
 *		(pg_extension.extversion), which differ between installing a new
 *		library and ALTER EXTENSION schemashift UPDATE.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMASHIFT_PRECONDITIONS_H
#define SCHEMASHIFT_PRECONDITIONS_H

/* the SQL objects' version in this database; NULL: no extension here */
extern char *ss_sql_version(void);

/* true when this database's SQL objects are older than the library */
extern bool ss_sql_outdated(void);

/*
 * What writes schemashift's own tables (the procedures, apply(), plan())
 * refuses while the SQL objects are older than the library: their tables
 * lack the columns it writes.  Lint and the guard keep working.
 */
extern void ss_require_current_sql(const char *what);

/*
 * What writes (the procedures, approve()) refuses on a standby at once,
 * rather than halfway with "read-only transaction".
 */
extern void ss_refuse_on_standby(const char *what);

/* both, for a procedure named what ("schemashift.apply()") */
extern void ss_require_writable_server(const char *what);

#endif							/* SCHEMASHIFT_PRECONDITIONS_H */
