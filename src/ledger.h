/*-------------------------------------------------------------------------
 *
 * ledger.h
 *		The state machines of schemashift's state tables: backfill jobs,
 *		expand/contract changes, migrations and their steps.
 *
 * Each machine is one SSLedgerColumn: its state words (indexed by the
 * enum below), the states a new row may start in and the moves allowed
 * from each state.  The C code never compares a state word: it turns the
 * word read from the table into the enum (ss_ledger_parse) and writes the
 * word that ss_ledger_start / ss_ledger_move return, which checks the
 * move first.  The install script repeats the words as CHECK constraints;
 * schemashift.ledger_check() compares them with these tables (a
 * regression test runs it).
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMASHIFT_LEDGER_H
#define SCHEMASHIFT_LEDGER_H

#include "postgres.h"

/* schemashift.jobs.status */
typedef enum SSJobStatus
{
	SS_JOB_RUNNING,
	SS_JOB_DONE,
	SS_JOB_FAILED,
	SS_JOB_CANCELED
} SSJobStatus;

/* schemashift.changes.state */
typedef enum SSChangeState
{
	SS_CHANGE_EXPANDING,
	SS_CHANGE_BACKFILLING,
	SS_CHANGE_READY,
	SS_CHANGE_CONTRACTED,
	SS_CHANGE_ABORTED
} SSChangeState;

/* schemashift.change_steps.phase (words, not a machine) */
typedef enum SSChangePhase
{
	SS_PHASE_EXPAND,
	SS_PHASE_CONTRACT,
	SS_PHASE_ABORT
} SSChangePhase;

/* schemashift.migrations.status */
typedef enum SSMigrationStatus
{
	SS_MIGRATION_RUNNING,
	SS_MIGRATION_DONE,
	SS_MIGRATION_FAILED,
	SS_MIGRATION_REVERTED,
	SS_MIGRATION_RESET
} SSMigrationStatus;

/* schemashift.migration_steps.status */
typedef enum SSStepStatus
{
	SS_STEP_PENDING,
	SS_STEP_RUNNING,
	SS_STEP_DONE,
	SS_STEP_FAILED
} SSStepStatus;

/* schemashift.lock_attempts.outcome (words, not a machine) */
typedef enum SSAttemptOutcome
{
	SS_ATTEMPT_OK,
	SS_ATTEMPT_LOCK_TIMEOUT,
	SS_ATTEMPT_DEADLOCK,
	SS_ATTEMPT_SERIALIZATION_FAILURE,
	SS_ATTEMPT_ERROR
} SSAttemptOutcome;

#define SS_STATE(s)		((uint32) 1 << (s))

typedef struct SSLedgerColumn
{
	const char *table;			/* in schema schemashift */
	const char *column;
	const char *what;			/* what a row is, for messages */
	int			nstates;
	const char *const *words;	/* indexed by the column's enum */
	uint32		starts;			/* the states a new row may start in */
	const uint32 *moves;		/* per state, where it may move; NULL: words only */
} SSLedgerColumn;

extern const SSLedgerColumn ss_ledger_jobs;
extern const SSLedgerColumn ss_ledger_changes;
extern const SSLedgerColumn ss_ledger_change_phases;
extern const SSLedgerColumn ss_ledger_migrations;
extern const SSLedgerColumn ss_ledger_migration_steps;
extern const SSLedgerColumn ss_ledger_attempt_outcomes;

extern int	ss_ledger_parse(const SSLedgerColumn *m, const char *word);
extern const char *ss_ledger_word(const SSLedgerColumn *m, int state);
extern const char *ss_ledger_start(const SSLedgerColumn *m, int state);
extern const char *ss_ledger_move(const SSLedgerColumn *m, int from, int to);
extern const char *ss_ledger_move_all(const SSLedgerColumn *m, uint32 from, int to);
extern uint32 ss_ledger_finals(const SSLedgerColumn *m);
extern bool ss_ledger_is_final(const SSLedgerColumn *m, int state);
extern char *ss_ledger_literal(const SSLedgerColumn *m, int state);
extern char *ss_ledger_array(const SSLedgerColumn *m, uint32 states);
extern char *ss_ledger_cancel_jobs_sql(const char *column);

#endif							/* SCHEMASHIFT_LEDGER_H */
