/*-------------------------------------------------------------------------
 *
 * rules.c
 *		The rule registry: one table that the linter, the guard, the
 *		schemashift.rules() listing and docs/rules.md all read, so they can
 *		never disagree.  Also the parsing of level specifications
 *		("rule-a=error, rule-b=off") shared by the schemashift.rules setting
 *		and lint()'s rules argument.
 *
 * Ids are part of the interface (CI configurations and ignore comments name
 * them): never rename one.  Where squawk has the same concept we use its id.
 *
 *-------------------------------------------------------------------------
 */
#include "schemashift.h"

#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/tuplestore.h"
#include "utils/varlena.h"

#define AEL "AccessExclusiveLock"

const SSRule schemashift_rules[SS_NUM_RULES] = {
	[SS_REQUIRE_CONCURRENT_INDEX_CREATION] = {
		"require-concurrent-index-creation", SS_LEVEL_ERROR, "ShareLock", false,
		"CREATE INDEX without CONCURRENTLY on an existing table",
		"creating an index without CONCURRENTLY blocks writes to the table for the whole build",
		"Use CREATE INDEX CONCURRENTLY outside a transaction block.",
		"A plain CREATE INDEX takes a SHARE lock on the table: reads continue, but every INSERT, UPDATE and DELETE waits until the index is built, which takes minutes to hours on a large table. A CREATE INDEX on a partitioned table builds the index on every partition; ATTACH PARTITION of an existing table builds each index of the parent the table lacks, under an ACCESS EXCLUSIVE lock on the table.",
		"CREATE INDEX users_email_idx ON users (email);",
		"CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email_idx ON users (email);", SS_SIZE_LOCK, .family = SS_FAMILY_LOCK},
	[SS_REQUIRE_CONCURRENT_INDEX_DELETION] = {
		"require-concurrent-index-deletion", SS_LEVEL_ERROR, AEL, false,
		"DROP INDEX without CONCURRENTLY",
		"dropping an index without CONCURRENTLY blocks reads and writes of its table",
		"Use DROP INDEX CONCURRENTLY outside a transaction block.",
		"DROP INDEX takes an ACCESS EXCLUSIVE lock on the index's table. The drop itself is quick, but the lock request waits behind every running query on the table, and every later query waits behind it.",
		"DROP INDEX users_email_idx;",
		"DROP INDEX CONCURRENTLY IF EXISTS users_email_idx;", SS_SIZE_LOCK, .family = SS_FAMILY_LOCK},
	[SS_REQUIRE_CONCURRENT_REINDEX] = {
		"require-concurrent-reindex", SS_LEVEL_ERROR, AEL, false,
		"REINDEX without CONCURRENTLY",
		"REINDEX without CONCURRENTLY blocks writes to the table and reads that use the index",
		"Use REINDEX ... CONCURRENTLY outside a transaction block.",
		"REINDEX takes a SHARE lock on the table and an ACCESS EXCLUSIVE lock on each index it rebuilds, for the whole rebuild.",
		"REINDEX INDEX users_email_idx;",
		"REINDEX INDEX CONCURRENTLY users_email_idx;", SS_SIZE_LOCK, .family = SS_FAMILY_LOCK},
	[SS_REQUIRE_CONCURRENT_PARTITION_DETACH] = {
		"require-concurrent-partition-detach", SS_LEVEL_ERROR, AEL, false,
		"DETACH PARTITION without CONCURRENTLY",
		"detaching a partition without CONCURRENTLY blocks reads and writes of the partitioned table",
		"Use ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY outside a transaction block.",
		"A plain DETACH PARTITION takes an ACCESS EXCLUSIVE lock on the parent table; DETACH ... CONCURRENTLY takes only SHARE UPDATE EXCLUSIVE.",
		"ALTER TABLE measurements DETACH PARTITION measurements_2020;",
		"ALTER TABLE measurements DETACH PARTITION measurements_2020 CONCURRENTLY;", SS_SIZE_LOCK, .family = SS_FAMILY_LOCK},
	[SS_BAN_CONCURRENT_INDEX_CREATION_IN_TRANSACTION] = {
		"ban-concurrent-index-creation-in-transaction", SS_LEVEL_ERROR, NULL, false,
		"a CONCURRENTLY command inside a transaction block",
		"CONCURRENTLY cannot run inside a transaction block: this statement will fail",
		"Run the CONCURRENTLY command on its own, outside the migration's transaction.",
		"CREATE INDEX, DROP INDEX and REINDEX CONCURRENTLY and DETACH PARTITION CONCURRENTLY refuse to run inside a transaction block; a migration tool that wraps the script in one transaction makes the migration fail half way.",
		"BEGIN;\nCREATE INDEX CONCURRENTLY users_email_idx ON users (email);\nCOMMIT;",
		"CREATE INDEX CONCURRENTLY users_email_idx ON users (email);", .family = SS_FAMILY_CORRECTNESS},
	[SS_BAN_CONCURRENT_INDEX_ON_PARTITIONED_TABLE] = {
		"ban-concurrent-index-on-partitioned-table", SS_LEVEL_ERROR, NULL, false,
		"CREATE INDEX CONCURRENTLY on a partitioned table",
		"CREATE INDEX CONCURRENTLY is not supported on a partitioned table: this statement will fail",
		"Create the index concurrently on each partition, then CREATE INDEX ... ON ONLY the parent and ALTER INDEX ... ATTACH PARTITION each one.",
		"PostgreSQL 15 cannot build an index concurrently on a partitioned table; the statement errors out. Building it without CONCURRENTLY blocks writes to every partition for the whole build.",
		"CREATE INDEX CONCURRENTLY events_at_idx ON events (at);",
		"CREATE INDEX events_at_idx ON ONLY events (at);\nCREATE INDEX CONCURRENTLY events_2024_at_idx ON events_2024 (at);\nALTER INDEX events_at_idx ATTACH PARTITION events_2024_at_idx;", .family = SS_FAMILY_CORRECTNESS},
	[SS_REQUIRE_CONCURRENT_REFRESH] = {
		"require-concurrent-refresh", SS_LEVEL_WARNING, AEL, false,
		"REFRESH MATERIALIZED VIEW without CONCURRENTLY",
		"refreshing a materialized view without CONCURRENTLY blocks every read of it until the refresh ends",
		"Use REFRESH MATERIALIZED VIEW CONCURRENTLY (the view needs a unique index).",
		"A plain refresh takes an ACCESS EXCLUSIVE lock on the view for the whole time the query runs.",
		"REFRESH MATERIALIZED VIEW sales_summary;",
		"REFRESH MATERIALIZED VIEW CONCURRENTLY sales_summary;", .family = SS_FAMILY_LOCK},
	[SS_CONSTRAINT_MISSING_NOT_VALID] = {
		"constraint-missing-not-valid", SS_LEVEL_ERROR, AEL, false,
		"CHECK or FOREIGN KEY added without NOT VALID, or validated in the same transaction",
		"adding a constraint without NOT VALID scans the whole table while holding a lock that blocks writes",
		"Add the constraint with NOT VALID, then run ALTER TABLE ... VALIDATE CONSTRAINT in a separate transaction.",
		"Adding a CHECK takes ACCESS EXCLUSIVE (a FOREIGN KEY takes SHARE ROW EXCLUSIVE on both tables) and keeps it while every existing row is checked. NOT VALID skips the check; VALIDATE CONSTRAINT then checks under SHARE UPDATE EXCLUSIVE, which lets reads and writes continue. Validating in the same transaction as the NOT VALID add keeps the strong lock for the whole scan, which defeats the purpose.",
		"ALTER TABLE accounts ADD CONSTRAINT positive_balance CHECK (balance >= 0);",
		"ALTER TABLE accounts ADD CONSTRAINT positive_balance CHECK (balance >= 0) NOT VALID;\n-- in another transaction:\nALTER TABLE accounts VALIDATE CONSTRAINT positive_balance;", SS_SIZE_LOCK, .family = SS_FAMILY_LOCK},
	[SS_ADDING_FOREIGN_KEY_CONSTRAINT] = {
		"adding-foreign-key-constraint", SS_LEVEL_WARNING, "ShareRowExclusiveLock", false,
		"FOREIGN KEY added to an existing table without NOT VALID",
		"adding a foreign key blocks writes to both tables while every row is checked",
		"Add the foreign key with NOT VALID, then VALIDATE CONSTRAINT in a separate transaction.",
		"ADD FOREIGN KEY takes SHARE ROW EXCLUSIVE on the table and on the referenced table, and checks every existing row before it commits: writes to both tables stop for the whole scan.",
		"ALTER TABLE emails ADD CONSTRAINT fk_user FOREIGN KEY (user_id) REFERENCES users (id);",
		"ALTER TABLE emails ADD CONSTRAINT fk_user FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;\nALTER TABLE emails VALIDATE CONSTRAINT fk_user;", SS_SIZE_LOCK, .family = SS_FAMILY_LOCK},
	[SS_FOREIGN_KEY_WITHOUT_INDEX] = {
		"foreign-key-without-index", SS_LEVEL_WARNING, NULL, false,
		"foreign key whose referencing columns have no index",
		"the referencing columns of this foreign key have no index: every DELETE or key UPDATE on the referenced table scans this table",
		"Create an index on the referencing columns (CREATE INDEX CONCURRENTLY) before adding the foreign key.",
		"PostgreSQL does not index the referencing side of a foreign key by itself. Each delete or key update on the referenced table then scans the referencing table sequentially, while holding row locks.",
		"ALTER TABLE emails ADD CONSTRAINT fk_user FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;",
		"CREATE INDEX CONCURRENTLY emails_user_id_idx ON emails (user_id);\nALTER TABLE emails ADD CONSTRAINT fk_user FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;", .family = SS_FAMILY_LOCK},
	[SS_DISALLOWED_UNIQUE_CONSTRAINT] = {
		"disallowed-unique-constraint", SS_LEVEL_ERROR, AEL, false,
		"UNIQUE constraint added to an existing table without USING INDEX",
		"adding a UNIQUE constraint builds its index while blocking reads and writes of the table",
		"Build the unique index with CREATE UNIQUE INDEX CONCURRENTLY, then ALTER TABLE ... ADD CONSTRAINT ... UNIQUE USING INDEX.",
		"ADD UNIQUE builds a new index under an ACCESS EXCLUSIVE lock: nothing can read or write the table until the build ends.",
		"ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);",
		"CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email);\nALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key;", SS_SIZE_LOCK, .family = SS_FAMILY_LOCK},
	[SS_ADDING_SERIAL_PRIMARY_KEY_FIELD] = {
		"adding-serial-primary-key-field", SS_LEVEL_ERROR, AEL, false,
		"PRIMARY KEY added to an existing table without USING INDEX",
		"adding a primary key builds its index (and may scan for NULLs) while blocking reads and writes of the table",
		"Build a unique index with CREATE UNIQUE INDEX CONCURRENTLY, prove the columns NOT NULL with validated CHECKs, then ALTER TABLE ... ADD CONSTRAINT ... PRIMARY KEY USING INDEX.",
		"ADD PRIMARY KEY builds a unique index and sets the columns NOT NULL under an ACCESS EXCLUSIVE lock, for as long as the build and the scan take.",
		"ALTER TABLE items ADD PRIMARY KEY (id);",
		"CREATE UNIQUE INDEX CONCURRENTLY items_pkey ON items (id);\nALTER TABLE items ADD CONSTRAINT items_pkey PRIMARY KEY USING INDEX items_pkey;", SS_SIZE_LOCK, .family = SS_FAMILY_LOCK},
	[SS_ADDING_EXCLUSION_CONSTRAINT] = {
		"adding-exclusion-constraint", SS_LEVEL_ERROR, AEL, false,
		"EXCLUDE constraint added to an existing table",
		"adding an exclusion constraint builds its index and checks every row while blocking reads and writes of the table",
		"There is no online way to add an exclusion constraint: add it while the table is small, or to a new table that replaces the old one.",
		"EXCLUDE constraints support neither NOT VALID nor USING INDEX: the index build and the check of every row run under an ACCESS EXCLUSIVE lock.",
		"ALTER TABLE bookings ADD CONSTRAINT no_overlap EXCLUDE USING gist (room WITH =, during WITH &&);",
		NULL, SS_SIZE_LOCK, .family = SS_FAMILY_LOCK},
	[SS_ADDING_NOT_NULLABLE_FIELD] = {
		"adding-not-nullable-field", SS_LEVEL_ERROR, AEL, false,
		"SET NOT NULL on an existing column without a validated CHECK (col IS NOT NULL)",
		"SET NOT NULL scans the whole table while blocking reads and writes",
		"Add CHECK (col IS NOT NULL) NOT VALID, VALIDATE CONSTRAINT it in a separate transaction, then SET NOT NULL (no scan) and drop the check.",
		"SET NOT NULL holds an ACCESS EXCLUSIVE lock while it reads every row to prove there is no NULL, unless a validated CHECK (col IS NOT NULL) already proves it, in which case the scan is skipped.",
		"ALTER TABLE users ALTER COLUMN email SET NOT NULL;",
		"ALTER TABLE users ADD CONSTRAINT users_email_not_null CHECK (email IS NOT NULL) NOT VALID;\nALTER TABLE users VALIDATE CONSTRAINT users_email_not_null;\nALTER TABLE users ALTER COLUMN email SET NOT NULL;\nALTER TABLE users DROP CONSTRAINT users_email_not_null;", SS_SIZE_LOCK, .family = SS_FAMILY_LOCK},
	[SS_ADDING_REQUIRED_FIELD] = {
		"adding-required-field", SS_LEVEL_ERROR, AEL, false,
		"NOT NULL column without a default added to an existing table",
		"adding a NOT NULL column without a default fails on a table that has rows",
		"Add the column with a non-volatile DEFAULT, or add it nullable, backfill it, and prove NOT NULL with a validated CHECK.",
		"Existing rows would get NULL in a column that forbids it, so the statement fails as soon as the table has a row: the migration breaks in production although it passed on an empty development database.",
		"ALTER TABLE recipe ADD COLUMN public boolean NOT NULL;",
		"ALTER TABLE recipe ADD COLUMN public boolean NOT NULL DEFAULT true;", SS_SIZE_EMPTY, .family = SS_FAMILY_CORRECTNESS},
	[SS_ADDING_FIELD_WITH_DEFAULT] = {
		"adding-field-with-default", SS_LEVEL_ERROR, AEL, true,
		"column added with a volatile default or as a stored generated column",
		"adding a column with a volatile default or a stored generated column rewrites the whole table while blocking reads and writes",
		"Add the column without a default (or with a constant one), set the default for new rows with ALTER COLUMN ... SET DEFAULT, and backfill existing rows in batches.",
		"Since PostgreSQL 11 a non-volatile default is stored in the catalog and costs nothing. A volatile default (random(), clock_timestamp(), gen_random_uuid(), any function schemashift cannot find) or a stored generated column must be computed for every existing row: the table is rewritten under an ACCESS EXCLUSIVE lock.",
		"ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();",
		"ALTER TABLE users ADD COLUMN token uuid;\nALTER TABLE users ALTER COLUMN token SET DEFAULT gen_random_uuid();\n-- backfill existing rows in batches", SS_SIZE_LOCK, .family = SS_FAMILY_REWRITE},
	[SS_ADDING_SERIAL_COLUMN] = {
		"adding-serial-column", SS_LEVEL_ERROR, AEL, true,
		"serial or identity column added to an existing table",
		"adding a serial or identity column rewrites the whole table while blocking reads and writes",
		"Add a nullable bigint column, attach a sequence default for new rows, backfill existing rows in batches, then prove NOT NULL with a validated CHECK.",
		"A serial or identity column needs a fresh value for every existing row, so the table is rewritten under an ACCESS EXCLUSIVE lock.",
		"ALTER TABLE events ADD COLUMN seq bigserial;",
		NULL, SS_SIZE_LOCK, .family = SS_FAMILY_REWRITE},
	[SS_CHANGING_COLUMN_TYPE] = {
		"changing-column-type", SS_LEVEL_ERROR, AEL, true,
		"column type change that rewrites the table",
		"changing the column type rewrites the table and rebuilds its indexes while blocking reads and writes",
		"Add a new column of the new type, keep it in sync with a trigger, backfill in batches, then swap the columns in one short transaction.",
		"Unless the new type is binary-coercible from the old one (varchar(10) to varchar(20), varchar to text, numeric(10,2) to numeric(12,2)), ALTER COLUMN TYPE rewrites every row and rebuilds every index of the table under an ACCESS EXCLUSIVE lock. schemashift asks the server whether this change would rewrite, so binary-coercible changes are not reported, unless they rebuild an index on the column all the same: a new collation, an index on an expression of the column or with a predicate, another default operator class.",
		"ALTER TABLE orders ALTER COLUMN id TYPE bigint;",
		NULL, SS_SIZE_LOCK, .family = SS_FAMILY_REWRITE},
	[SS_BAN_TABLE_REWRITE] = {
		"ban-table-rewrite", SS_LEVEL_ERROR, AEL, true,
		"statement that rewrites a whole table (SET TABLESPACE, SET LOGGED/UNLOGGED, SET ACCESS METHOD, VACUUM FULL, CLUSTER)",
		"this statement rewrites the whole table while blocking reads and writes",
		"Use an online rewrite (pg_repack or pg_squeeze), or do it in a maintenance window.",
		"These statements copy every row into a new file under an ACCESS EXCLUSIVE lock: the table is unavailable for as long as the copy takes.",
		"VACUUM FULL orders;",
		NULL, SS_SIZE_LOCK, .family = SS_FAMILY_REWRITE},
	[SS_BAN_ALTER_DOMAIN_WITH_ADD_CONSTRAINT] = {
		"ban-alter-domain-with-add-constraint", SS_LEVEL_ERROR, "ShareLock", false,
		"ALTER DOMAIN ... ADD CONSTRAINT or SET NOT NULL",
		"adding a constraint to a domain checks every column of that domain in every table while blocking writes to them",
		"Add the constraint with NOT VALID and VALIDATE it separately, or put a CHECK on the tables instead of the domain.",
		"ALTER DOMAIN ... ADD CONSTRAINT scans every table that has a column of the domain, holding a SHARE lock on each; so does SET NOT NULL, looking for nulls. A domain no existing column uses, and a constraint added NOT VALID, check nothing: not reported (a constraint added to a domain the catalog does not have is).",
		"ALTER DOMAIN positive_int ADD CONSTRAINT positive CHECK (VALUE > 0);",
		NULL, .family = SS_FAMILY_LOCK},
	[SS_BAN_CREATE_DOMAIN_WITH_CONSTRAINT] = {
		"ban-create-domain-with-constraint", SS_LEVEL_WARNING, NULL, false,
		"CREATE DOMAIN with a constraint",
		"a domain with a constraint is hard to change later: altering the constraint checks every table that uses it",
		"Create the domain without a constraint and put CHECK constraints on the tables.",
		"Changing a domain constraint later means ALTER DOMAIN, which scans every table with a column of that domain under a SHARE lock.",
		"CREATE DOMAIN positive_int AS integer CHECK (VALUE > 0);",
		"CREATE DOMAIN positive_int AS integer;", .family = SS_FAMILY_STYLE},
	[SS_BAN_DROP_COLUMN] = {
		"ban-drop-column", SS_LEVEL_ERROR, AEL, false,
		"DROP COLUMN",
		"dropping a column loses its data and breaks code that still reads it",
		"Stop using the column in the application first, deploy, then drop it (with schemashift.approve if the guard enforces).",
		"The data is gone once the transaction commits, and every query of the running application that names the column fails. DROP COLUMN also needs an ACCESS EXCLUSIVE lock.",
		"ALTER TABLE users DROP COLUMN legacy_flag;",
		NULL, .family = SS_FAMILY_DATA_LOSS},
	[SS_BAN_DROP_TABLE] = {
		"ban-drop-table", SS_LEVEL_ERROR, AEL, false,
		"DROP TABLE",
		"dropping a table loses its data and breaks code that still uses it",
		"Stop using the table in the application first; rename it aside and drop it in a later release.",
		"The data is gone once the transaction commits, and every query that names the table fails. DROP OWNED BY a role drops every table the role owns at once: it is reported under this rule, with the role as the object. A table dropped by cascade (the partitions of a partitioned table, the children of DROP ... CASCADE) is reported too.",
		"DROP TABLE users;",
		NULL, SS_SIZE_EMPTY, .family = SS_FAMILY_DATA_LOSS},
	[SS_BAN_DROP_DATABASE] = {
		"ban-drop-database", SS_LEVEL_ERROR, NULL, false,
		"DROP DATABASE",
		"dropping a database loses all of its data",
		"Never drop a database from a migration.",
		"A migration should never remove a whole database. A database this server does not have is reported too, saying so: lint often runs on a server that lacks the production databases.",
		"DROP DATABASE shop;",
		NULL, .family = SS_FAMILY_DATA_LOSS},
	[SS_BAN_DROP_SCHEMA] = {
		"ban-drop-schema", SS_LEVEL_ERROR, AEL, false,
		"DROP SCHEMA of an existing schema",
		"dropping the schema drops every object in it, with the data of its tables",
		"Drop the objects one by one after the application stopped using them.",
		"DROP SCHEMA ... CASCADE removes every table, view and function in the schema at once; the finding counts the existing tables it would drop. Without CASCADE the statement fails while the schema holds tables. A schema the catalog does not have holds no data: not reported.",
		"DROP SCHEMA reporting CASCADE;",
		NULL, .family = SS_FAMILY_DATA_LOSS},
	[SS_BAN_DROP_EXTENSION] = {
		"ban-drop-extension", SS_LEVEL_ERROR, AEL, false,
		"DROP EXTENSION of an extension whose tables hold data",
		"dropping the extension deletes the rows of its tables",
		"Copy out what its tables hold first and finish its open work (for schemashift: contract or abort every open expand/contract change), then drop it.",
		"An extension's own tables (those pg_dump dumps with it, pg_extension_config_dump) hold data: schemashift's audit log, migration ledger, backfill jobs and expand/contract changes. DROP EXTENSION deletes them with it, and an open expand/contract change keeps a sync trigger on the application's table.",
		"DROP EXTENSION schemashift;",
		NULL, .family = SS_FAMILY_DATA_LOSS},
	[SS_BAN_DROP_NOT_NULL] = {
		"ban-drop-not-null", SS_LEVEL_WARNING, AEL, false,
		"DROP NOT NULL",
		"dropping NOT NULL lets NULLs in that code reading the column does not expect",
		"Make sure every reader handles NULL before relaxing the column.",
		"Code that was written for a NOT NULL column breaks on the first NULL it reads; the change cannot be undone cheaply once NULLs exist.",
		"ALTER TABLE users ALTER COLUMN email DROP NOT NULL;",
		NULL, .family = SS_FAMILY_COMPATIBILITY},
	[SS_BAN_TRUNCATE] = {
		"ban-truncate", SS_LEVEL_ERROR, AEL, false,
		"TRUNCATE of an existing table",
		"truncating a table deletes all of its rows",
		"Delete the rows you mean to delete in batches, or approve the truncate explicitly.",
		"TRUNCATE removes every row at once under an ACCESS EXCLUSIVE lock; it cannot be undone after commit.",
		"TRUNCATE audit_events;",
		NULL, SS_SIZE_LOCK, .family = SS_FAMILY_DATA_LOSS},
	[SS_BAN_TRUNCATE_CASCADE] = {
		"ban-truncate-cascade", SS_LEVEL_ERROR, AEL, false,
		"TRUNCATE ... CASCADE",
		"TRUNCATE CASCADE also empties every table that references these tables, recursively",
		"Truncate the tables you mean explicitly, without CASCADE.",
		"CASCADE follows foreign keys and truncates tables the author may not have had in mind.",
		"TRUNCATE users CASCADE;",
		"TRUNCATE users, sessions;", SS_SIZE_LOCK, .family = SS_FAMILY_DATA_LOSS},
	[SS_BAN_REASSIGN_OWNED] = {
		"ban-reassign-owned", SS_LEVEL_WARNING, AEL, false,
		"REASSIGN OWNED",
		"REASSIGN OWNED gives every object the role owns in this database to another role, locking each of its tables",
		"Change the owner of the objects you mean one by one (ALTER TABLE ... OWNER TO), or run REASSIGN OWNED outside the migration.",
		"REASSIGN OWNED changes the owner of every table, sequence, view, function, type and schema the role owns in this database (and of its databases and tablespaces). The owner decides who may alter, drop and grant on an object, so this moves that right wholesale, including for objects the migration never names; and it takes an ACCESS EXCLUSIVE lock on each table it changes, all in one transaction. It destroys no data, so it is a warning, not an error.",
		"REASSIGN OWNED BY app_old TO app_new;",
		"ALTER TABLE users OWNER TO app_new;", .family = SS_FAMILY_LOCK},
	[SS_RENAMING_COLUMN] = {
		"renaming-column", SS_LEVEL_ERROR, AEL, false,
		"RENAME COLUMN",
		"renaming a column breaks the running application that still uses the old name",
		"Add a new column, sync both, move the application over, then drop the old one (expand/contract).",
		"Code deployed before the migration keeps using the old name and fails from the moment the rename commits.",
		"ALTER TABLE users RENAME COLUMN email TO email_address;",
		NULL, .family = SS_FAMILY_COMPATIBILITY},
	[SS_RENAMING_TABLE] = {
		"renaming-table", SS_LEVEL_ERROR, AEL, false,
		"RENAME or SET SCHEMA of a table, or RENAME of the schema that holds it",
		"renaming a table breaks the running application that still uses the old name",
		"Create the new table (or a view with the new name), move the application over, then drop the old name.",
		"Code deployed before the migration keeps using the old name and fails from the moment the rename commits.",
		"ALTER TABLE users RENAME TO accounts;",
		NULL, .family = SS_FAMILY_COMPATIBILITY},
	[SS_UNBATCHED_BACKFILL] = {
		"unbatched-backfill", SS_LEVEL_WARNING, "RowExclusiveLock", false,
		"UPDATE or DELETE over an existing table in a single statement",
		"updating or deleting many rows in one statement locks them all until commit and bloats the table",
		"Backfill in batches of a few thousand rows by key range, committing after each batch.",
		"One big UPDATE holds a row lock on every row it touched until it commits (writers of those rows wait), generates WAL and dead tuples all at once, and cannot be resumed if it fails. Rows picked by equality to constants on every column of a unique index (or the primary key) are a few index lookups and are not reported; equality on other columns, indexed or not, can pick any number of rows and read the whole table to find them.",
		"UPDATE users SET email_normalized = lower(email);",
		"-- batches by key, each in its own transaction:\nUPDATE users SET email_normalized = lower(email) WHERE id BETWEEN 1 AND 5000;", SS_SIZE_LOCK, .family = SS_FAMILY_LOCK},
	[SS_EXCLUSIVE_LOCK_HELD_ACROSS_STATEMENTS] = {
		"exclusive-lock-held-across-statements", SS_LEVEL_WARNING, AEL, false,
		"a slow statement runs while the transaction holds a lock that blocks writes (or reads) on an existing table",
		"this statement is slow while the transaction still holds a lock taken earlier that blocks the table: it stays blocked until commit",
		"Commit right after the statement that takes the ACCESS EXCLUSIVE lock, or move the slow statements into their own transaction.",
		"A lock is held until the end of the transaction. A slow statement (a scan, a rewrite, an index build, a batch of rows, a wait) that runs after a statement locked an existing table (ALTER TABLE, DROP INDEX, DROP TRIGGER, LOCK TABLE...) extends the time nobody can write it, or read it under ACCESS EXCLUSIVE. Cheap statements in between do not count: catalog-only changes, and an UPDATE or DELETE of rows picked by every column of a unique key. Each slow statement is reported, naming the locked table and the line that took the lock: each is a wait of its own to move out of the transaction.",
		"BEGIN;\nALTER TABLE users ADD COLUMN note text;\nUPDATE users SET note = '';\nCOMMIT;",
		NULL, .family = SS_FAMILY_SCRIPT},
	[SS_REQUIRE_LOCK_TIMEOUT] = {
		"require-lock-timeout", SS_LEVEL_WARNING, NULL, false,
		"a lock that blocks writes on an existing table, without a lock_timeout set earlier in the script",
		"no lock_timeout is set before this statement: waiting for its lock stalls every query behind it",
		"SET lock_timeout = '1s' (or less) at the top of the migration and retry on timeout.",
		"A statement waiting for a lock of SHARE or stronger blocks every later write (or read) of the table queued behind it, even when the change itself is instant. lock_timeout bounds that wait. Tables the script created and the CONCURRENTLY forms (SHARE UPDATE EXCLUSIVE) queue nobody.",
		"ALTER TABLE users ADD COLUMN note text;",
		"SET lock_timeout = '1s';\nALTER TABLE users ADD COLUMN note text;", .family = SS_FAMILY_SCRIPT},
	[SS_REQUIRE_STATEMENT_TIMEOUT] = {
		"require-statement-timeout", SS_LEVEL_WARNING, NULL, false,
		"a slow statement while writes to an existing table wait, without a statement_timeout set earlier in the script",
		"no statement_timeout is set before this statement: a slow statement can hold its locks for as long as it runs",
		"SET statement_timeout = '5s' (or what the migration can afford) at the top of the migration.",
		"A statement_timeout bounds how long a migration statement can hold its locks when it turns out slower than expected. It is not asked for before CREATE INDEX CONCURRENTLY, which blocks no writes and which a timeout would cancel, leaving an INVALID index.",
		"CREATE INDEX users_email_idx ON users (email);",
		"SET statement_timeout = '5s';\nCREATE INDEX users_email_idx ON users (email);", .family = SS_FAMILY_SCRIPT},
	[SS_PREFER_ROBUST_STMTS] = {
		"prefer-robust-stmts", SS_LEVEL_WARNING, NULL, false,
		"statement that cannot be re-run after a partial failure",
		"this statement is not idempotent and runs outside a transaction: the migration cannot be re-run if it fails part way",
		"Use IF [NOT] EXISTS, or run the migration in a transaction.",
		"A migration that is not wrapped in a transaction and fails half way leaves the first statements applied; re-running it then fails on them. IF NOT EXISTS / IF EXISTS make each statement safe to repeat.",
		"CREATE INDEX CONCURRENTLY users_email_idx ON users (email);",
		"CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email_idx ON users (email);", .family = SS_FAMILY_SCRIPT},
	[SS_TRANSACTION_NESTING] = {
		"transaction-nesting", SS_LEVEL_WARNING, NULL, false,
		"BEGIN inside a transaction, or COMMIT/ROLLBACK outside one or of the migration tool's transaction",
		"this transaction statement does not match the transaction the script is in",
		"Remove the statement, or let the migration tool manage the transaction.",
		"BEGIN inside a transaction only warns, so the author believes a transaction starts where it does not; COMMIT inside a migration tool's transaction ends the tool's transaction early.",
		"BEGIN;\nBEGIN;\nSELECT 1;\nCOMMIT;",
		NULL, .family = SS_FAMILY_SCRIPT},
	[SS_BAN_UNCOMMITTED_TRANSACTION] = {
		"ban-uncommitted-transaction", SS_LEVEL_WARNING, NULL, false,
		"BEGIN without a matching COMMIT",
		"the script opens a transaction and never commits it",
		"Add COMMIT at the end of the script.",
		"The migration's changes are rolled back when the session ends, or stay uncommitted and keep their locks.",
		"BEGIN;\nCREATE TABLE users (id bigint);",
		"BEGIN;\nCREATE TABLE users (id bigint);\nCOMMIT;", .family = SS_FAMILY_SCRIPT},
	[SS_PREFER_TEXT_FIELD] = {
		"prefer-text-field", SS_LEVEL_WARNING, NULL, false,
		"varchar(n) column",
		"varchar(n) limits the length in a way that needs an ACCESS EXCLUSIVE lock to relax",
		"Use text with a CHECK (length(col) <= n) constraint, which can be changed with NOT VALID/VALIDATE.",
		"Raising a varchar limit is cheap, but lowering it rewrites the table, and any change takes an ACCESS EXCLUSIVE lock. A CHECK on a text column can be replaced without blocking.",
		"CREATE TABLE users (email varchar(255));",
		"CREATE TABLE users (email text CHECK (length(email) <= 255));", .family = SS_FAMILY_STYLE},
	[SS_PREFER_BIGINT_OVER_INT] = {
		"prefer-bigint-over-int", SS_LEVEL_WARNING, NULL, false,
		"integer (int4) column",
		"a 32-bit integer column can run out of values; changing it later rewrites the table",
		"Use bigint (or bigserial / bigint GENERATED ... AS IDENTITY).",
		"int4 ids overflow at 2^31; moving to bigint later means rewriting the table and every index on it.",
		"CREATE TABLE users (id serial);",
		"CREATE TABLE users (id bigint GENERATED BY DEFAULT AS IDENTITY);", .family = SS_FAMILY_STYLE},
	[SS_PREFER_BIGINT_OVER_SMALLINT] = {
		"prefer-bigint-over-smallint", SS_LEVEL_WARNING, NULL, false,
		"smallint (int2) column",
		"a 16-bit integer column runs out of values quickly; changing it later rewrites the table",
		"Use bigint.",
		"int2 overflows at 32767; widening it later rewrites the table.",
		"CREATE TABLE users (score smallint);",
		"CREATE TABLE users (score bigint);", .family = SS_FAMILY_STYLE},
	[SS_PREFER_IDENTITY] = {
		"prefer-identity", SS_LEVEL_WARNING, NULL, false,
		"serial column",
		"serial types have surprising permission and ownership behaviour; identity columns are the standard replacement",
		"Use bigint GENERATED BY DEFAULT AS IDENTITY.",
		"A serial column's sequence is a separate object with its own privileges and owner; identity columns follow the column (type changes included).",
		"CREATE TABLE users (id bigserial);",
		"CREATE TABLE users (id bigint GENERATED BY DEFAULT AS IDENTITY);", .family = SS_FAMILY_STYLE},
	[SS_PREFER_TIMESTAMP_TZ] = {
		"prefer-timestamp-tz", SS_LEVEL_WARNING, NULL, false,
		"timestamp without time zone column",
		"timestamp without time zone loses the time zone; comparisons across zones and DST go wrong",
		"Use timestamptz (timestamp with time zone).",
		"timestamp stores wall-clock time with no zone; timestamptz stores an instant. Converting later rewrites the table unless the session time zone is UTC.",
		"CREATE TABLE events (at timestamp);",
		"CREATE TABLE events (at timestamptz);", .family = SS_FAMILY_STYLE},
	[SS_PREFER_JSONB] = {
		"prefer-jsonb", SS_LEVEL_WARNING, NULL, false,
		"json column",
		"json stores text and re-parses it on every access, and has no equality operator or index support",
		"Use jsonb.",
		"json cannot be indexed with GIN, cannot be compared with =, and is re-parsed on every access; moving to jsonb later rewrites the table.",
		"CREATE TABLE events (payload json);",
		"CREATE TABLE events (payload jsonb);", .family = SS_FAMILY_STYLE},
	[SS_BAN_CHAR_FIELD] = {
		"ban-char-field", SS_LEVEL_WARNING, NULL, false,
		"char(n) column",
		"char(n) pads values with spaces and is no faster than text",
		"Use text (or varchar).",
		"char(n) pads with blanks, compares with padding rules that surprise, and is stored no more compactly than text.",
		"CREATE TABLE users (code char(2));",
		"CREATE TABLE users (code text);", .family = SS_FAMILY_STYLE},
	[SS_REQUIRE_ENUM_VALUE_ORDERING] = {
		"require-enum-value-ordering", SS_LEVEL_WARNING, NULL, false,
		"ALTER TYPE ... ADD VALUE without BEFORE or AFTER",
		"the new enum value is placed last: say where it belongs with BEFORE or AFTER",
		"Add BEFORE 'value' or AFTER 'value' to place the new label.",
		"Enum values sort in the order they were declared; a value appended at the end sorts after all the others, which is rarely what ORDER BY should do.",
		"ALTER TYPE mood ADD VALUE 'content';",
		"ALTER TYPE mood ADD VALUE 'content' AFTER 'ok';", .family = SS_FAMILY_STYLE},
	[SS_IDENTIFIER_TOO_LONG] = {
		"identifier-too-long", SS_LEVEL_WARNING, NULL, false,
		"identifier longer than the server's limit (63 bytes)",
		"this identifier is longer than 63 bytes and will be truncated",
		"Use a shorter name.",
		"PostgreSQL truncates identifiers to NAMEDATALEN-1 bytes (63) with only a NOTICE: two long names can become the same name, and the object is not called what the migration says.",
		"CREATE TABLE a_table_name_that_is_far_too_long_to_be_kept_by_postgresql_as_it_is (id bigint);",
		NULL, .family = SS_FAMILY_CORRECTNESS},
	[SS_BAN_DUPLICATE_COLUMN_ASSIGNMENTS] = {
		"ban-duplicate-column-assignments", SS_LEVEL_ERROR, NULL, false,
		"the same column named twice in one statement",
		"the same column is named twice: this statement will fail",
		"Name each column once.",
		"PostgreSQL rejects a column assigned or declared twice (multiple assignments to same column, column specified more than once).",
		"UPDATE users SET a = 1, a = 2;",
		NULL, .family = SS_FAMILY_CORRECTNESS},
	[SS_REQUIRE_TABLE_SCHEMA] = {
		"require-table-schema", SS_LEVEL_OFF, NULL, false,
		"table referenced without a schema",
		"the table is not schema-qualified: which table this means depends on search_path",
		"Qualify the table with its schema.",
		"An unqualified name resolves through search_path, which can differ between the session that ran the migration and the one that reviewed it.",
		"CREATE TABLE users (id bigint);",
		"CREATE TABLE public.users (id bigint);", .family = SS_FAMILY_STYLE},
	[SS_SYNTAX_ERROR] = {
		"syntax-error", SS_LEVEL_ERROR, NULL, false,
		"statement the server's parser rejects",
		"syntax error",
		"Fix the statement; the server would reject it.",
		"The statement does not parse with this server's grammar, so the migration would fail here.",
		"ALTER TABLE users ADD COLUMN;",
		NULL, .family = SS_FAMILY_CORRECTNESS},
	[SS_UNUSED_IGNORE] = {
		"unused-ignore", SS_LEVEL_WARNING, NULL, false,
		"ignore comment naming an unknown rule",
		"unknown rule in an ignore comment",
		"Use one of the ids listed by schemashift.rules().",
		"An ignore comment with a misspelled rule id silences nothing, so the finding it was meant for still fires, or the comment hides a typo.",
		"-- schemashift:ignore ban-drop-colum\nALTER TABLE users DROP COLUMN legacy;",
		NULL, .family = SS_FAMILY_SCRIPT},
};

/* Alternative spellings accepted in settings and ignore comments. */
static const struct
{
	const char *alias;
	SSRuleId	rules[2];
	int			nrules;
}			rule_aliases[] = {
	{"prefer-timestamptz", {SS_PREFER_TIMESTAMP_TZ}, 1},
	{"require-timeout-settings", {SS_REQUIRE_LOCK_TIMEOUT, SS_REQUIRE_STATEMENT_TIMEOUT}, 2},
};

/*
 * eugene's rule ids (kaaveland/eugene, hint_data.rs), for its ignore
 * comments: the rules of ours that find the same thing, or why none does.
 * eugene knows E1 to E11, W12 to W14 and E15, and accepts them without
 * their letter too.
 */
static const struct
{
	const char *id;
	SSRuleId	rules[SS_EUGENE_MAX_RULES];
	int			nrules;
	const char *none;			/* nrules 0: why there is no rule */
}			eugene_ids[] = {
	{"E1", {SS_CONSTRAINT_MISSING_NOT_VALID, SS_ADDING_FOREIGN_KEY_CONSTRAINT}, 2},
	{"E2", {SS_ADDING_NOT_NULLABLE_FIELD}, 1},
	{"E3", {SS_PREFER_JSONB}, 1},
	{"E4", {SS_EXCLUSIVE_LOCK_HELD_ACROSS_STATEMENTS}, 1},
	{"E5", {SS_CHANGING_COLUMN_TYPE}, 1},
	{"E6", {SS_REQUIRE_CONCURRENT_INDEX_CREATION}, 1},
	{"E7", {SS_DISALLOWED_UNIQUE_CONSTRAINT, SS_ADDING_SERIAL_PRIMARY_KEY_FIELD}, 2},
	{"E8", {SS_ADDING_EXCLUSION_CONSTRAINT}, 1},
	{"E9", {SS_REQUIRE_LOCK_TIMEOUT}, 1},
	/* a rewrite under a lock that blocks: each of our rewrite rules */
	{"E10", {SS_BAN_TABLE_REWRITE, SS_CHANGING_COLUMN_TYPE,
	SS_ADDING_FIELD_WITH_DEFAULT, SS_ADDING_SERIAL_COLUMN}, 4},
	{"E11", {SS_ADDING_SERIAL_COLUMN, SS_ADDING_FIELD_WITH_DEFAULT}, 2},
	{"W12", {0}, 0, "schemashift has no rule against several ALTER TABLE statements on one table"},
	{"W13", {0}, 0, "schemashift has no rule against creating an enum"},
	/* ADD PRIMARY KEY USING INDEX on nullable columns scans for NULLs */
	{"W14", {SS_ADDING_NOT_NULLABLE_FIELD}, 1},
	{"E15", {SS_FOREIGN_KEY_WITHOUT_INDEX}, 1},
};

/*
 * The rules an eugene id stands for, in out[SS_EUGENE_MAX_RULES]: how
 * many, 0 with *none saying why when we have no such rule, -1 when eugene
 * has no such id.
 */
int
schemashift_eugene_expand(const char *id, SSRuleId *out, const char **none)
{
	int			i;
	int			k;

	*none = NULL;
	for (i = 0; i < lengthof(eugene_ids); i++)
	{
		if (pg_strcasecmp(eugene_ids[i].id, id) != 0 &&
			strcmp(eugene_ids[i].id + 1, id) != 0)
			continue;
		for (k = 0; k < eugene_ids[i].nrules; k++)
			out[k] = eugene_ids[i].rules[k];
		*none = eugene_ids[i].none;
		return eugene_ids[i].nrules;
	}
	return -1;
}

const char *
schemashift_level_name(SSLevel level)
{
	switch (level)
	{
		case SS_LEVEL_OFF:
			return "off";
		case SS_LEVEL_INFO:
			return "info";
		case SS_LEVEL_WARNING:
			return "warning";
		case SS_LEVEL_ERROR:
			return "error";
	}
	return "off";
}

const char *
schemashift_family_name(SSFamily family)
{
	switch (family)
	{
		case SS_FAMILY_LOCK:
			return "lock";
		case SS_FAMILY_REWRITE:
			return "rewrite";
		case SS_FAMILY_DATA_LOSS:
			return "data loss";
		case SS_FAMILY_COMPATIBILITY:
			return "compatibility";
		case SS_FAMILY_CORRECTNESS:
			return "correctness";
		case SS_FAMILY_SCRIPT:
			return "script";
		case SS_FAMILY_STYLE:
			return "style";
	}
	return "style";
}

/*
 * Does the guard report this family by default?  What matters while DDL
 * runs: locks, rewrites, lost data, a running application broken, a
 * statement that fails.  Style is lint's business in CI, and the script
 * rules need a whole script.
 */
bool
ss_family_guarded(SSFamily family)
{
	return family != SS_FAMILY_STYLE && family != SS_FAMILY_SCRIPT;
}

void
ss_text_or_null(const char *s, Datum *value, bool *isnull)
{
	*isnull = (s == NULL);
	*value = s ? CStringGetTextDatum(s) : (Datum) 0;
}

static bool
parse_level(const char *s, SSLevel *level)
{
	if (pg_strcasecmp(s, "off") == 0)
		*level = SS_LEVEL_OFF;
	else if (pg_strcasecmp(s, "info") == 0)
		*level = SS_LEVEL_INFO;
	else if (pg_strcasecmp(s, "warning") == 0 || pg_strcasecmp(s, "warn") == 0)
		*level = SS_LEVEL_WARNING;
	else if (pg_strcasecmp(s, "error") == 0)
		*level = SS_LEVEL_ERROR;
	else
		return false;
	return true;
}

int
schemashift_rule_lookup(const char *id)
{
	int			i;

	for (i = 0; i < SS_NUM_RULES; i++)
	{
		if (pg_strcasecmp(schemashift_rules[i].id, id) == 0)
			return i;
	}
	return -1;
}

/*
 * Rules an id or alias stands for; returns how many were stored in out[2].
 */
int
schemashift_rule_expand(const char *id, SSRuleId *out)
{
	int			r = schemashift_rule_lookup(id);
	int			i;

	if (r >= 0)
	{
		out[0] = (SSRuleId) r;
		return 1;
	}
	for (i = 0; i < lengthof(rule_aliases); i++)
	{
		if (pg_strcasecmp(rule_aliases[i].alias, id) == 0)
		{
			out[0] = rule_aliases[i].rules[0];
			out[1] = rule_aliases[i].rules[1];
			return rule_aliases[i].nrules;
		}
	}
	return 0;
}

/* The closest known id, for "did you mean" hints; NULL if none is close. */
const char *
schemashift_rule_suggest(const char *id)
{
	int			best = -1;
	int			best_dist = 5;
	int			i;

	for (i = 0; i < SS_NUM_RULES; i++)
	{
		int			d = varstr_levenshtein_less_equal(id, strlen(id),
													  schemashift_rules[i].id,
													  strlen(schemashift_rules[i].id),
													  1, 1, 1, best_dist, true);

		if (d < best_dist)
		{
			best_dist = d;
			best = i;
		}
	}
	return best >= 0 ? schemashift_rules[best].id : NULL;
}

/*
 * Apply "id=level, id=level" to levels.  On a malformed or unknown entry
 * return false with a message and hint (palloc'd) and leave levels partly
 * updated; callers work on a copy.
 */
bool
schemashift_parse_levels(const char *spec, SSLevels *levels,
						 char **errmsg_out, char **errhint_out)
{
	char	   *copy;
	char	   *item;
	char	   *saveptr = NULL;

	*errmsg_out = NULL;
	*errhint_out = NULL;
	if (spec == NULL)
		return true;

	copy = pstrdup(spec);
	for (item = strtok_r(copy, ",", &saveptr); item != NULL;
		 item = strtok_r(NULL, ",", &saveptr))
	{
		char	   *eq = strchr(item, '=');
		char	   *id;
		char	   *lvl;
		SSLevel		level;
		SSRuleId	ids[2];
		int			n;
		int			i;

		id = item;
		while (*id == ' ' || *id == '\t' || *id == '\n')
			id++;
		if (*id == '\0' && eq == NULL)
			continue;			/* empty entry, as in a trailing comma */
		if (eq == NULL)
		{
			*errmsg_out = psprintf("rule setting \"%s\" has no level", id);
			*errhint_out = pstrdup("Write rule=level, where level is off, info, warning or error.");
			return false;
		}
		*eq = '\0';
		lvl = eq + 1;
		/* trim */
		for (i = strlen(id) - 1; i >= 0 && (id[i] == ' ' || id[i] == '\t' || id[i] == '\n'); i--)
			id[i] = '\0';
		while (*lvl == ' ' || *lvl == '\t' || *lvl == '\n')
			lvl++;
		for (i = strlen(lvl) - 1; i >= 0 && (lvl[i] == ' ' || lvl[i] == '\t' || lvl[i] == '\n'); i--)
			lvl[i] = '\0';

		n = schemashift_rule_expand(id, ids);
		if (n == 0)
		{
			const char *s = schemashift_rule_suggest(id);

			*errmsg_out = psprintf("unknown schemashift rule \"%s\"", id);
			*errhint_out = s ? psprintf("Did you mean \"%s\"? SELECT id FROM schemashift.rules() lists them all.", s)
				: pstrdup("SELECT id FROM schemashift.rules() lists the rules.");
			return false;
		}
		if (!parse_level(lvl, &level))
		{
			*errmsg_out = psprintf("invalid level \"%s\" for rule \"%s\"", lvl, id);
			*errhint_out = pstrdup("Valid levels are off, info, warning and error.");
			return false;
		}
		for (i = 0; i < n; i++)
			levels->level[ids[i]] = level;
	}
	pfree(copy);
	return true;
}

/* Default levels overridden by the schemashift.rules setting. */
void
schemashift_current_levels(SSLevels *levels)
{
	int			i;
	char	   *msg;
	char	   *hint;

	for (i = 0; i < SS_NUM_RULES; i++)
		levels->level[i] = schemashift_rules[i].default_level;

	/* the check hook validated the setting already */
	if (schemashift_rules_setting && schemashift_rules_setting[0] != '\0')
		(void) schemashift_parse_levels(schemashift_rules_setting, levels,
										&msg, &hint);
}

/*
 * The levels the guard judges by: a rule of a family the guard does not
 * report (ss_family_guarded) is off, unless the schemashift.rules setting
 * names it, which a superuser does on purpose.
 */
void
schemashift_guard_levels(SSLevels *levels)
{
	int			i;
	char	   *msg;
	char	   *hint;

	for (i = 0; i < SS_NUM_RULES; i++)
		levels->level[i] = ss_family_guarded(schemashift_rules[i].family) ?
			schemashift_rules[i].default_level : SS_LEVEL_OFF;
	if (schemashift_rules_setting && schemashift_rules_setting[0] != '\0')
		(void) schemashift_parse_levels(schemashift_rules_setting, levels,
										&msg, &hint);
}

/* ---------- schemashift.rules(): the registry as a table ---------- */

PG_FUNCTION_INFO_V1(schemashift_rules_list);

Datum
schemashift_rules_list(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	SSLevels	levels;
	int			i;

	schemashift_init_srf(fcinfo);
	schemashift_current_levels(&levels);

	for (i = 0; i < SS_NUM_RULES; i++)
	{
		const SSRule *r = &schemashift_rules[i];
		Datum		values[12];
		bool		nulls[12];

		memset(nulls, 0, sizeof(nulls));
		values[0] = CStringGetTextDatum(r->id);
		values[1] = CStringGetTextDatum(schemashift_level_name(levels.level[i]));
		values[2] = CStringGetTextDatum(schemashift_level_name(r->default_level));
		ss_text_or_null(r->lock, &values[3], &nulls[3]);
		values[4] = BoolGetDatum(r->rewrites);
		values[5] = CStringGetTextDatum(r->summary);
		values[6] = CStringGetTextDatum(r->message);
		values[7] = CStringGetTextDatum(r->hint);
		values[8] = CStringGetTextDatum(r->why);
		values[9] = CStringGetTextDatum(r->bad);
		ss_text_or_null(r->good, &values[10], &nulls[10]);
		values[11] = CStringGetTextDatum(schemashift_family_name(r->family));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
