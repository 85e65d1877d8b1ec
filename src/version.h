/*-------------------------------------------------------------------------
 *
 * version.h
 *		The library's version against the version of the SQL objects a
 *		database has (pg_extension.extversion): between installing a new
 *		library and ALTER EXTENSION schemashift UPDATE, they differ.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMASHIFT_VERSION_H
#define SCHEMASHIFT_VERSION_H

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

#endif							/* SCHEMASHIFT_VERSION_H */
