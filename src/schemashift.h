/*-------------------------------------------------------------------------
 *
 * schemashift.h
 *		What each part of schemashift offers the others.
 *
 * The rule engine works on raw parse trees.  A caller (lint() for a
 * script, the guard for a statement that is about to run) builds an
 * SSContext, feeds it statements with schemashift_analyze_statement(), and
 * receives findings through the context's emit callback.  Rules live in a
 * single registry (rules.c); each rule family file (rules_*.c) offers
 * checkers dispatched by node tag.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMASHIFT_H
#define SCHEMASHIFT_H

#include "compat.h"

#include "nodes/parsenodes.h"
#include "storage/lockdefs.h"
#include "utils/hsearch.h"
#include "utils/relcache.h"
#include "utils/timestamp.h"

/* ---------- levels ---------- */

typedef enum SSLevel
{
	SS_LEVEL_OFF = 0,
	SS_LEVEL_INFO,
	SS_LEVEL_WARNING,
	SS_LEVEL_ERROR
} SSLevel;

extern const char *schemashift_level_name(SSLevel level);
/* a text column of a result row: the string, or SQL NULL (rules.c) */
extern void ss_text_or_null(const char *s, Datum *value, bool *isnull);

/* ---------- the rule registry (rules.c) ---------- */

/* Stable rule ids; the order here is the order of the registry. */
typedef enum SSRuleId
{
	SS_REQUIRE_CONCURRENT_INDEX_CREATION,
	SS_REQUIRE_CONCURRENT_INDEX_DELETION,
	SS_REQUIRE_CONCURRENT_REINDEX,
	SS_REQUIRE_CONCURRENT_PARTITION_DETACH,
	SS_BAN_CONCURRENT_INDEX_CREATION_IN_TRANSACTION,
	SS_BAN_CONCURRENT_INDEX_ON_PARTITIONED_TABLE,
	SS_REQUIRE_CONCURRENT_REFRESH,
	SS_CONSTRAINT_MISSING_NOT_VALID,
	SS_ADDING_FOREIGN_KEY_CONSTRAINT,
	SS_FOREIGN_KEY_WITHOUT_INDEX,
	SS_DISALLOWED_UNIQUE_CONSTRAINT,
	SS_ADDING_SERIAL_PRIMARY_KEY_FIELD,
	SS_ADDING_EXCLUSION_CONSTRAINT,
	SS_ADDING_NOT_NULLABLE_FIELD,
	SS_ADDING_REQUIRED_FIELD,
	SS_ADDING_FIELD_WITH_DEFAULT,
	SS_ADDING_SERIAL_COLUMN,
	SS_CHANGING_COLUMN_TYPE,
	SS_BAN_TABLE_REWRITE,
	SS_BAN_ALTER_DOMAIN_WITH_ADD_CONSTRAINT,
	SS_BAN_CREATE_DOMAIN_WITH_CONSTRAINT,
	SS_BAN_DROP_COLUMN,
	SS_BAN_DROP_TABLE,
	SS_BAN_DROP_DATABASE,
	SS_BAN_DROP_SCHEMA,
	SS_BAN_DROP_EXTENSION,
	SS_BAN_DROP_NOT_NULL,
	SS_BAN_TRUNCATE,
	SS_BAN_TRUNCATE_CASCADE,
	SS_BAN_REASSIGN_OWNED,
	SS_RENAMING_COLUMN,
	SS_RENAMING_TABLE,
	SS_UNBATCHED_BACKFILL,
	SS_EXCLUSIVE_LOCK_HELD_ACROSS_STATEMENTS,
	SS_REQUIRE_LOCK_TIMEOUT,
	SS_REQUIRE_STATEMENT_TIMEOUT,
	SS_PREFER_ROBUST_STMTS,
	SS_TRANSACTION_NESTING,
	SS_BAN_UNCOMMITTED_TRANSACTION,
	SS_PREFER_TEXT_FIELD,
	SS_PREFER_BIGINT_OVER_INT,
	SS_PREFER_BIGINT_OVER_SMALLINT,
	SS_PREFER_IDENTITY,
	SS_PREFER_TIMESTAMP_TZ,
	SS_PREFER_JSONB,
	SS_BAN_CHAR_FIELD,
	SS_REQUIRE_ENUM_VALUE_ORDERING,
	SS_IDENTIFIER_TOO_LONG,
	SS_BAN_DUPLICATE_COLUMN_ASSIGNMENTS,
	SS_REQUIRE_TABLE_SCHEMA,
	SS_SYNTAX_ERROR,
	SS_UNUSED_IGNORE,
	SS_NUM_RULES
} SSRuleId;

/*
 * What the size of the table a finding is about does to it, under
 * schemashift.min_table_size (table_size.c): the rules about how long a
 * lock is held do not matter on a table the work takes milliseconds on;
 * the rules about breaking the running application always do.
 */
typedef enum SSSizeRule
{
	SS_SIZE_ALWAYS = 0,			/* whatever the size */
	SS_SIZE_LOCK,				/* lock duration only: info under the size */
	SS_SIZE_EMPTY				/* data loss or failure only: info when the
								 * table holds no data at all */
} SSSizeRule;

/*
 * What kind of harm a rule is about.  The guard reports the families that
 * matter while DDL runs (ss_family_guarded); the others are for lint in CI.
 */
typedef enum SSFamily
{
	SS_FAMILY_LOCK = 0,			/* blocks reads or writes while it runs */
	SS_FAMILY_REWRITE,			/* copies the whole table under its lock */
	SS_FAMILY_DATA_LOSS,		/* destroys data */
	SS_FAMILY_COMPATIBILITY,	/* breaks the application that is running */
	SS_FAMILY_CORRECTNESS,		/* the statement fails, or does not do what
								 * it says */
	SS_FAMILY_SCRIPT,			/* the migration script as a whole: its
								 * transactions, timeouts, re-runs */
	SS_FAMILY_STYLE				/* a design preference (types, names) */
} SSFamily;

extern const char *schemashift_family_name(SSFamily family);
extern bool ss_family_guarded(SSFamily family);

typedef struct SSRule
{
	const char *id;				/* stable kebab-case id */
	SSLevel		default_level;
	const char *lock;			/* lock taken, for the docs; NULL if none */
	bool		rewrites;		/* does the flagged statement rewrite? */
	const char *summary;		/* one line */
	const char *message;		/* default finding message */
	const char *hint;			/* the safe recipe */
	const char *why;			/* docs: why it is dangerous */
	const char *bad;			/* docs: an example that is flagged */
	const char *good;			/* docs: the safe way, or NULL */
	SSSizeRule	size_rule;		/* under schemashift.min_table_size */
	SSFamily	family;
} SSRule;

extern const SSRule schemashift_rules[SS_NUM_RULES];

extern int	schemashift_rule_lookup(const char *id);
extern int	schemashift_rule_expand(const char *id, SSRuleId *out);
extern const char *schemashift_rule_suggest(const char *id);
/* eugene's ids in its ignore comments: up to 4 rules of ours each */
#define SS_EUGENE_MAX_RULES 4
extern int	schemashift_eugene_expand(const char *id, SSRuleId *out,
									  const char **none);

/*
 * Per-rule levels: the defaults, overridden by the schemashift.rules
 * setting, overridden again by a lint() call's own rules argument.
 */
typedef struct SSLevels
{
	SSLevel		level[SS_NUM_RULES];
} SSLevels;

extern bool schemashift_parse_levels(const char *spec, SSLevels *levels,
									 char **errmsg_out, char **errhint_out);
extern void schemashift_current_levels(SSLevels *levels);
extern void schemashift_guard_levels(SSLevels *levels);

/* ---------- settings (guc.c) ---------- */

typedef enum SSMode
{
	SS_MODE_OFF,
	SS_MODE_WARN,
	SS_MODE_ENFORCE,
	SS_MODE_RESTORE				/* restoring a dump: report nothing, block
								 * nothing, audit everything */
} SSMode;

/*
 * Whose policy lint() follows where a rule's placement is a policy choice
 * (schemashift.lint_profile).  Only lint() reads it: the guard, apply() and
 * plan() always judge by the default.
 */
typedef enum SSLintProfile
{
	SS_PROFILE_SCHEMASHIFT,		/* where the server makes a finding matter */
	SS_PROFILE_SQUAWK			/* squawk's placement, for teams replacing it */
} SSLintProfile;

extern char *schemashift_rules_setting;
extern int	schemashift_lint_profile;
extern int	schemashift_mode;
extern int	schemashift_lock_timeout;
extern bool schemashift_progress_notices;
extern int	schemashift_min_table_size;
extern void schemashift_define_gucs(void);

/* ---------- the live guard (guard.c, hooks.c) ---------- */

extern bool schemashift_preloaded;
extern void schemashift_guard_init(void);
extern void schemashift_hooks_init(void);
extern bool schemashift_guard_applies(void);
extern void schemashift_guard_statement(Node *stmt, bool from_hook);
/* how many guarded statements are in progress (DDL nests) */
extern int	schemashift_guard_depth(void);
/* what the event triggers report (event_triggers.c) */
extern void schemashift_guard_statement_end(const char *tag);
extern void schemashift_guard_rewrite(Oid relid, int reason);
extern void schemashift_guard_dropped(void);
/* relations a statement on relid also acts on: children, CASCADE's tables */
extern List *ss_reached_relations(Oid relid, SSRuleId rule);
/*
 * Does this XactEvent end the top transaction?  The guard's frames and the
 * approvals live in TopTransactionContext and go with it.
 */
extern bool ss_top_xact_ends(int event);

/* what the hook keeps of a guarded statement until it has run */
typedef struct SSGuardRecord
{
	char	   *findings;		/* JSON arrays for the audit log */
	char	   *approvals;
	TimestampTz start;
} SSGuardRecord;

extern SSGuardRecord *schemashift_guard_statement_done(bool from_hook);
extern void schemashift_guard_log(const char *tag, const char *statement,
								  SSGuardRecord *rec);
extern TimestampTz schemashift_hook_start_time;

/* ---------- findings and the analysis context (engine.c) ---------- */

typedef struct SSFinding
{
	SSRuleId	rule;
	SSLevel		level;
	int			location;		/* byte offset into the script, or -1 */
	const char *object;			/* object it concerns, or NULL */
	LOCKMODE	lock;			/* lock taken, NoLock if none */
	bool		rewrites;
	const char *message;
	const char *hint;
} SSFinding;

struct SSContext;
typedef void (*SSEmitFunc) (struct SSContext *cxt, const SSFinding *finding);

/* A constraint the script added or validated, and what it proves. */
typedef struct SSTrackedConstraint
{
	char		key[NAMEDATALEN * 2 + 2];	/* "table\0constraint" hash key */
	char		column[NAMEDATALEN];	/* column proved not null, or "" */
	bool		not_valid_in_tx;	/* added NOT VALID in the current tx */
	bool		validated;		/* validated (or added valid) */
	bool		is_foreign_key;
	bool		in_catalog_proofs;	/* listed in its table's catalog_proofs */
	Node	   *check;			/* a CHECK the script wrote: its expression,
								 * raw, or cooked once check_cooked */
	bool		check_cooked;
} SSTrackedConstraint;

/*
 * A relation the script created, dropped, or made the parent of another
 * one, by the schema it lives in and its name.  A relation counts as new
 * only while nothing that existed before the script sits below it
 * (inheritance child, partition, typed table): statements on it recurse.
 */
typedef enum SSScriptRelState
{
	SS_SCRIPT_CREATED,			/* created by the script */
	SS_SCRIPT_DROPPED,			/* dropped by the script, not created again */
	SS_SCRIPT_CATALOG			/* exists in the catalog; tracked for its
								 * children only */
} SSScriptRelState;

typedef struct SSScriptRelation
{
	char		nspname[NAMEDATALEN];	/* hash key: schema ... */
	char		relname[NAMEDATALEN];	/* ... and name */
	SSScriptRelState state;
	bool		reaches_existing;	/* an existing relation sits below it */
	bool		is_type;		/* a composite type: ONLY does not apply */
	List	   *parents;		/* SSScriptRelation above it */
	struct SSScriptRelation *moved_to;	/* where SET SCHEMA took it */
} SSScriptRelation;

/*
 * What the script did to one table, so that per-statement checks look at
 * that table only: a long script must not cost quadratic time.
 */
typedef struct SSTableState
{
	char		relname[NAMEDATALEN];	/* hash key, as written */
	HTAB	   *index_keys;		/* ss_column_set_key() of every leading-column
								 * prefix of the indexes the script made */
	List	   *catalog_proofs; /* validated CHECKs that are not plain
								 * "col IS NOT NULL": cooked on use */
	List	   *index_columns;	/* each index the script made: a List of its
								 * leading plain columns (String) */
	bool		has_foreign_key;	/* the script added one to the table */
} SSTableState;

typedef struct SSContext
{
	/* settings of this run */
	SSLevels	levels;
	bool		assume_in_transaction;
	bool		guard;			/* live guard: one statement at a time */
	SSLintProfile profile;		/* lint() only; the default elsewhere */

	/* where the current statement sits in the script */
	const char *script;
	int			stmt_number;	/* 1-based */
	int			stmt_offset;	/* byte offset of the statement's text */
	int			stmt_count;		/* statements in the whole script, if known */
	Node	   *stmt;			/* raw parse tree of the current statement */
	LOCKMODE	stmt_lock;		/* strongest lock on an existing relation */
	char	   *stmt_lock_object;
	const char *stmt_slow;		/* what a finding of the statement says makes
								 * it slow, or NULL (ss_note_finding) */
	/* the last lookup of this statement: rules ask several times */
	RangeVar   *memo_rv;
	Oid			memo_relid;
	struct SSScriptRelation *memo_script;	/* the script's relation, if it
											 * decided the name */
	int			memo_is_new;	/* -1 not known yet, else 0 or 1 */
	/* an ALTER TABLE's sub-commands: where each starts (lint only) */
	int		   *cmd_starts;		/* relative to stmt_offset, or NULL */
	int			ncmd_starts;
	int			cur_cmd;		/* the one the rules are at, or -1 */
	/* the statement's own text for its hints (hints.c), once looked up */
	bool		hint_text_known;
	char	   *hint_text;

	/* state carried from statement to statement */
	bool		in_transaction; /* inside BEGIN, or the assumed transaction */
	bool		explicit_transaction;	/* inside an explicit BEGIN */
	int			begin_location; /* location of the open BEGIN */
	bool		lock_timeout_set;
	bool		statement_timeout_set;
	bool		lock_timeout_chosen;	/* set to a value in effect, even 0 */
	bool		statement_timeout_chosen;
	bool		lock_timeout_reported;
	bool		statement_timeout_reported;
	HTAB	   *held_locks;		/* tables this transaction holds a lock on
								 * that blocks writes, by name (rules_tx.c) */
	struct SSLockedTable *held_strongest;	/* the strongest of them */
	HTAB	   *created_relations;	/* SSScriptRelation by schema and name */
	List	   *script_path;	/* schema names of the script's own SET
								 * search_path, or NIL: the session's */
	struct SSSettings *settings;	/* what the script set, per transaction
									 * (engine_phases.c) */
	bool		script_path_unknown;	/* set in a way lint cannot follow */
	HTAB	   *constraints;	/* SSTrackedConstraint by table+name */
	HTAB	   *columns;		/* what the script did to columns of existing
								 * tables, by table and column name now
								 * (rules_alter.c): one table for the script */
	HTAB	   *per_table;		/* SSTableState by table name */
	List	   *tx_not_valid;	/* SSTrackedConstraint added NOT VALID in the
								 * current transaction */
	HTAB	   *dropped_constraints;	/* names dropped IF EXISTS earlier */
	List	   *later_indexes;	/* the script's indexes, for a foreign key
								 * whose index follows it (rules_alter.c) */
	bool		later_indexes_read;
	HTAB	   *script_names;	/* other objects the script made, for IF
								 * EXISTS (rules_drop.c) */
	MemoryContext state_cxt;	/* lives as long as the script */

	/* output */
	SSEmitFunc	emit;
	void	   *emit_arg;
} SSContext;

extern SSTableState *ss_table_state(SSContext *cxt, const char *relname,
									bool create);
extern void schemashift_context_init(SSContext *cxt, bool assume_in_transaction,
									 bool guard);
extern void schemashift_analyze_statement(SSContext *cxt, Node *stmt,
										  int stmt_number, int stmt_offset);
extern void schemashift_finish_script(SSContext *cxt);

/* Reporting helpers for checkers. */
extern void ss_report(SSContext *cxt, SSRuleId rule, int location,
					  const char *object, const char *message);
extern void ss_report_full(SSContext *cxt, SSRuleId rule, int location,
						   const char *object, LOCKMODE lock, bool rewrites,
						   const char *message, const char *hint);
extern bool ss_rule_enabled(SSContext *cxt, SSRuleId rule);
/* a finding on a table under schemashift.min_table_size (table_size.c) */
extern void ss_judge_table_size(SSContext *cxt, SSFinding *f);
/* a table's rows: statistics, else its real size; -1 if not known */
extern double ss_table_rows(Oid relid);

/* ---------- catalog and script knowledge (catalog.c) ---------- */

extern char *ss_relation_name(RangeVar *rv);

/*
 * The whole lint of a script, statement by statement, for callers in C
 * (apply): the same splitting, ignore comments and findings as lint().
 */
typedef struct SSScriptFinding
{
	SSRuleId	rule;
	SSLevel		level;
	int			line;
	int			col;
	char	   *object;
	LOCKMODE	lock;
	char	   *message;
	char	   *hint;
} SSScriptFinding;

typedef struct SSScriptStatement
{
	int			number;			/* 1-based */
	int			start;			/* byte offsets into the script */
	int			end;
	int			line;			/* 1-based position of its first token */
	int			col;
	bool		syntax_error;
	LOCKMODE	lock;			/* strongest lock on an existing relation */
	List	   *findings;		/* SSScriptFinding */
	List	   *parsed;			/* its RawStmts: apply's planner parses no more */
} SSScriptStatement;

extern SSScriptStatement *schemashift_lint_statements(const char *script,
													  const char *rules_spec,
													  int *nstmts);
extern Oid	ss_lookup_relation(SSContext *cxt, RangeVar *rv);
extern char ss_relation_relkind(SSContext *cxt, RangeVar *rv);
extern bool ss_relation_is_new(SSContext *cxt, RangeVar *rv);
extern bool ss_relation_is_new_inh(SSContext *cxt, RangeVar *rv, bool inh);
extern bool ss_relid_is_new(Oid relid);
extern bool ss_relid_is_new_ext(Oid relid, bool recurse);
extern Oid	ss_first_existing_typed_table(Oid typrelid);
extern Oid	ss_lookup_type(TypeName *tn);
extern bool ss_type_is_checked_domain(TypeName *tn);
extern void ss_remember_relation(SSContext *cxt, RangeVar *rv);
extern void ss_remember_index(SSContext *cxt, RangeVar *table, const char *idxname);
extern void ss_forget_relation(SSContext *cxt, RangeVar *rv, ObjectType kind);
extern void ss_move_relation(SSContext *cxt, RangeVar *rv, ObjectType kind,
							 const char *newschema);
extern int	ss_schema_tables(const char *nspname, char **first);
extern Oid	ss_domain_column(Oid typid, char **object);
extern List *ss_type_change_rebuilt_indexes(Oid relid, const char *column,
											Oid newtyp, Oid newcoll,
											bool *collation_changes);
extern char *ss_name_list(List *names);
extern List *ss_table_index_names(Oid relid);
extern void ss_set_script_search_path(SSContext *cxt, const char *value,
									  bool made);
extern void ss_forget_search_path(SSContext *cxt);
extern void ss_remember_child(SSContext *cxt, RangeVar *child, RangeVar *parent,
							  bool parent_is_type);
extern int	ss_role_tables(Oid roleid, char **first);
extern Oid	ss_type_dependent_table(Oid typid, char **attname);
extern int	ss_tablespace_move_targets(AlterTableMoveAllStmt *s, char **first);
extern bool ss_relation_is_partitioned(Oid relid);
extern bool ss_expr_is_volatile(Node *raw_expr);
extern bool ss_calls_user_functions(Node *expr);
extern uint64 ss_column_set_key(const char **names, int n);
extern bool ss_column_is_not_null(Oid relid, AttrNumber attnum);
extern bool ss_not_null_implied(Oid relid, AttrNumber attnum, List *extra);
extern Node *ss_check_constraint_expr(Oid relid, const char *conname);
extern Node *ss_cook_check(Oid relid, Node *raw_expr);
extern Relation ss_open_nowait(Oid relid);
extern bool ss_columns_have_index(Oid relid, List *colnames);
extern bool ss_columns_fix_unique_key(Oid relid, List *colnames);
extern bool ss_where_fixes_key(Oid relid, Node *where);
extern List *ss_index_column_lists(Oid relid);
extern bool ss_relation_has_foreign_key(Oid relid);
extern char *ss_typename_last(TypeName *tn);
extern bool ss_type_is_serial(TypeName *tn);
/* Would ALTER COLUMN ... TYPE keep the data as it is (no rewrite)? */
extern bool ss_type_change_in_place(Oid relid, const char *col, TypeName *tn,
									Node *using_expr, char **why);
extern int	ss_location_of(Node *node, int fallback);
extern int	ss_expr_location(Node *raw_expr, int fallback);

/* ---------- rule families ---------- */

typedef void (*SSCheckFunc) (SSContext *cxt, Node *stmt);

typedef struct SSChecker
{
	NodeTag		tag;			/* T_Invalid: every statement */
	SSCheckFunc check;
} SSChecker;

extern const SSChecker schemashift_index_checkers[];
extern const SSChecker schemashift_alter_checkers[];
extern const SSChecker schemashift_types_checkers[];
extern const SSChecker schemashift_drop_checkers[];
extern const SSChecker schemashift_tx_checkers[];
extern const SSChecker schemashift_misc_checkers[];
extern const SSChecker schemashift_tx_after_checkers[];
/* every finding made, reported or not: is the statement slow? (rules_tx.c) */
extern void ss_note_finding(SSContext *cxt, SSRuleId rule);

/*
 * The engine's phases around the rules (engine_phases.c): before the rules,
 * the settings a statement makes (applied to the session while the rules
 * run); after them, its effect on the transaction and what it created.
 */
extern void ss_track_settings(SSContext *cxt, Node *stmt);
extern int	ss_apply_script_settings(SSContext *cxt);
extern void ss_restore_script_settings(int level);
extern void ss_track_transaction(SSContext *cxt, Node *stmt);
extern void ss_remember_created(SSContext *cxt, Node *stmt);

/* IF EXISTS of what is not there: a no-op (rules_drop.c) */
extern bool ss_statement_is_noop(SSContext *cxt, Node *stmt);
extern bool ss_drop_object_missing(SSContext *cxt, DropStmt *s, Node *object);
extern bool ss_drop_column_is_noop(SSContext *cxt, RangeVar *rel,
								   AlterTableCmd *cmd);

/* the CONCURRENTLY forms (rules_tx.c) */
extern bool ss_runs_concurrently(Node *stmt);

/* lock helpers (engine.c) */
extern LOCKMODE ss_statement_lock(SSContext *cxt, Node *stmt, RangeVar **target);
extern bool ss_drops_relation(ObjectType kind);
extern HTAB *ss_state_hash(SSContext *cxt, const char *name, Size keysize,
						   Size entrysize, bool string_keys);
extern const char *ss_lock_name(LOCKMODE mode);

#endif							/* SCHEMASHIFT_H */
