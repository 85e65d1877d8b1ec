/*-------------------------------------------------------------------------
 *
 * ledger.c
 *		The state machines of schemashift's state tables, in one place:
 *		their state words, where a new row starts, which moves are allowed,
 *		and schemashift.ledger_check(), which compares the words with the
 *		CHECK constraints the install script puts on the state columns.
 *
 * The tables are written by backfill.c (jobs), expand.c (changes and their
 * steps), apply.c (migrations and their steps) and lock_retries.c (lock
 * attempts); each takes the words it writes from here, after the move is
 * checked.  An illegal move or an unknown word is a bug, not a user error:
 * elog(ERROR).  docs/architecture.md draws the machines.
 *
 *-------------------------------------------------------------------------
 */
#include "ledger.h"

#include "catalog/pg_operator.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "nodes/primnodes.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/tuplestore.h"

PG_FUNCTION_INFO_V1(schemashift_ledger_check);

#define S(s)	SS_STATE(s)
#define ALL_STATES(m)	(SS_STATE((m)->nstates) - 1)

/*
 * A backfill job runs until its last batch (done), an error (failed) or a
 * cancel (canceled, also when its change is aborted).  A crash leaves it
 * running.  The same CALL resumes anything but done.
 */
static const char *const job_words[] = {"running", "done", "failed", "canceled"};
static const uint32 job_moves[] = {
	[SS_JOB_RUNNING] = S(SS_JOB_RUNNING) | S(SS_JOB_DONE) | S(SS_JOB_FAILED) | S(SS_JOB_CANCELED),
	[SS_JOB_DONE] = 0,
	[SS_JOB_FAILED] = S(SS_JOB_RUNNING) | S(SS_JOB_CANCELED),
	[SS_JOB_CANCELED] = S(SS_JOB_RUNNING) | S(SS_JOB_CANCELED),
};

/*
 * A change is planned expanding (or contracted at once when it needs no
 * rewrite), backfills, is ready once every expand step is done (calling
 * expand again finds it ready again), then is contracted or aborted.
 */
static const char *const change_words[] = {"expanding", "backfilling", "ready", "contracted", "aborted"};
static const uint32 change_moves[] = {
	[SS_CHANGE_EXPANDING] = S(SS_CHANGE_BACKFILLING) | S(SS_CHANGE_READY) | S(SS_CHANGE_ABORTED),
	[SS_CHANGE_BACKFILLING] = S(SS_CHANGE_READY) | S(SS_CHANGE_ABORTED),
	[SS_CHANGE_READY] = S(SS_CHANGE_READY) | S(SS_CHANGE_CONTRACTED) | S(SS_CHANGE_ABORTED),
	[SS_CHANGE_CONTRACTED] = 0,
	[SS_CHANGE_ABORTED] = 0,
};

static const char *const phase_words[] = {"expand", "contract", "abort"};

/*
 * A migration runs until all its steps are done, or one failed; a crash
 * leaves it running.  apply() with the same script resumes it.  A run
 * that failed or was interrupted can be reset (reset()), a done one
 * reverted (mark_reverted(), later also revert()); apply() then starts a
 * new run under the same id, perhaps with another script, and the ended
 * run moves to migration_history.  docs/apply.md has the table.
 */
static const char *const migration_words[] = {"running", "done", "failed", "reverted", "reset"};
static const uint32 migration_moves[] = {
	[SS_MIGRATION_RUNNING] = S(SS_MIGRATION_RUNNING) | S(SS_MIGRATION_DONE) | S(SS_MIGRATION_FAILED) | S(SS_MIGRATION_RESET),
	[SS_MIGRATION_DONE] = S(SS_MIGRATION_REVERTED),
	[SS_MIGRATION_FAILED] = S(SS_MIGRATION_RUNNING) | S(SS_MIGRATION_RESET),
	[SS_MIGRATION_REVERTED] = S(SS_MIGRATION_RUNNING),
	[SS_MIGRATION_RESET] = S(SS_MIGRATION_RUNNING),
};

/* A step is planned pending; an approval step is done at once. */
static const char *const step_words[] = {"pending", "running", "done", "failed"};
static const uint32 step_moves[] = {
	[SS_STEP_PENDING] = S(SS_STEP_RUNNING) | S(SS_STEP_DONE),
	[SS_STEP_RUNNING] = S(SS_STEP_RUNNING) | S(SS_STEP_DONE) | S(SS_STEP_FAILED),
	[SS_STEP_DONE] = 0,
	[SS_STEP_FAILED] = S(SS_STEP_RUNNING),
};

static const char *const outcome_words[] = {"ok", "lock timeout", "deadlock", "serialization failure", "error"};

#define LEDGER(table, column, what, words, starts, moves) \
	{table, column, what, lengthof(words), words, starts, moves}

const SSLedgerColumn ss_ledger_jobs =
LEDGER("jobs", "status", "backfill job", job_words, S(SS_JOB_RUNNING), job_moves);
const SSLedgerColumn ss_ledger_changes =
LEDGER("changes", "state", "change", change_words,
	   S(SS_CHANGE_EXPANDING) | S(SS_CHANGE_CONTRACTED), change_moves);
const SSLedgerColumn ss_ledger_change_phases =
LEDGER("change_steps", "phase", "change step phase", phase_words, 0, NULL);
const SSLedgerColumn ss_ledger_migrations =
LEDGER("migrations", "status", "migration", migration_words, S(SS_MIGRATION_RUNNING), migration_moves);
const SSLedgerColumn ss_ledger_migration_steps =
LEDGER("migration_steps", "status", "migration step", step_words, S(SS_STEP_PENDING), step_moves);
const SSLedgerColumn ss_ledger_attempt_outcomes =
LEDGER("lock_attempts", "outcome", "lock attempt outcome", outcome_words, 0, NULL);

/* every state column the install script constrains, for ledger_check() */
static const SSLedgerColumn *const ledger_columns[] = {
	&ss_ledger_jobs, &ss_ledger_changes, &ss_ledger_change_phases,
	&ss_ledger_migrations, &ss_ledger_migration_steps, &ss_ledger_attempt_outcomes,
};

StaticAssertDecl(lengthof(job_moves) == lengthof(job_words), "a move set per job status");
StaticAssertDecl(lengthof(change_moves) == lengthof(change_words), "a move set per change state");
StaticAssertDecl(lengthof(migration_moves) == lengthof(migration_words), "a move set per migration status");
StaticAssertDecl(lengthof(step_moves) == lengthof(step_words), "a move set per step status");

static void
check_state(const SSLedgerColumn *m, int state)
{
	if (state < 0 || state >= m->nstates)
		elog(ERROR, "%d is not a state of schemashift.%s.%s", state, m->table, m->column);
}

/* The state a word read from the table stands for. */
int
ss_ledger_parse(const SSLedgerColumn *m, const char *word)
{
	int			i;

	for (i = 0; i < m->nstates; i++)
		if (strcmp(m->words[i], word) == 0)
			return i;
	elog(ERROR, "unknown %s state \"%s\" in schemashift.%s.%s", m->what, word, m->table, m->column);
	return -1;					/* keep the compiler quiet */
}

const char *
ss_ledger_word(const SSLedgerColumn *m, int state)
{
	check_state(m, state);
	return m->words[state];
}

/* The word of a new row's state, once it is checked to be a starting one. */
const char *
ss_ledger_start(const SSLedgerColumn *m, int state)
{
	check_state(m, state);
	if ((m->starts & SS_STATE(state)) == 0)
		elog(ERROR, "a schemashift %s cannot start %s", m->what, m->words[state]);
	return m->words[state];
}

/*
 * The one path of every state change: the word to write for a row moving
 * from one state to another, once the move is checked.
 */
const char *
ss_ledger_move(const SSLedgerColumn *m, int from, int to)
{
	check_state(m, from);
	check_state(m, to);
	if (m->moves == NULL || (m->moves[from] & SS_STATE(to)) == 0)
		elog(ERROR, "a schemashift %s cannot move from %s to %s",
			 m->what, m->words[from], m->words[to]);
	return m->words[to];
}

/* ss_ledger_move for rows in any of the states "from" (a bulk UPDATE). */
const char *
ss_ledger_move_all(const SSLedgerColumn *m, uint32 from, int to)
{
	int			i;

	for (i = 0; i < m->nstates; i++)
		if (from & SS_STATE(i))
			(void) ss_ledger_move(m, i, to);
	return m->words[to];
}

/*
 * The statement that cancels the unfinished backfill jobs whose column
 * (change_id, migration_id) is $1: a change aborted, a migration run ended.
 */
char *
ss_ledger_cancel_jobs_sql(const char *column)
{
	uint32		finals = ss_ledger_finals(&ss_ledger_jobs);

	return psprintf("UPDATE schemashift.jobs SET status = %s, "
					"updated_at = pg_catalog.clock_timestamp() "
					"WHERE %s OPERATOR(pg_catalog.=) $1 AND status OPERATOR(pg_catalog.<>) ALL (%s)",
					quote_literal_cstr(ss_ledger_move_all(&ss_ledger_jobs, ~finals, SS_JOB_CANCELED)),
					column, ss_ledger_array(&ss_ledger_jobs, finals));
}

/* The states a row never leaves: what "unfinished" excludes. */
uint32
ss_ledger_finals(const SSLedgerColumn *m)
{
	uint32		finals = 0;
	int			i;

	for (i = 0; i < m->nstates; i++)
		if (m->moves && m->moves[i] == 0)
			finals |= SS_STATE(i);
	return finals;
}

bool
ss_ledger_is_final(const SSLedgerColumn *m, int state)
{
	check_state(m, state);
	return (ss_ledger_finals(m) & SS_STATE(state)) != 0;
}

/* A state word as an SQL literal, for statements built with it. */
char *
ss_ledger_literal(const SSLedgerColumn *m, int state)
{
	return quote_literal_cstr(ss_ledger_word(m, state));
}

/* ARRAY['a', 'b'] of the words of some states, for statements built with it. */
char *
ss_ledger_array(const SSLedgerColumn *m, uint32 states)
{
	StringInfoData s;
	int			i;

	initStringInfo(&s);
	appendStringInfoString(&s, "ARRAY[");
	for (i = 0; i < m->nstates; i++)
		if (states & SS_STATE(i))
			appendStringInfo(&s, "%s%s", s.data[s.len - 1] == '[' ? "" : ", ",
							 quote_literal_cstr(m->words[i]));
	appendStringInfoChar(&s, ']');
	return s.data;
}

/* ---------- schemashift.ledger_check() ---------- */

/*
 * The words a CHECK (column = ANY (ARRAY[...])) accepts, in its order; NIL
 * when the constraint has another shape.
 */
static List *
check_words(Node *expr)
{
	ScalarArrayOpExpr *saop = (ScalarArrayOpExpr *) expr;
	Node	   *array;
	List	   *words = NIL;
	ListCell   *lc;

	if (!IsA(expr, ScalarArrayOpExpr) || !saop->useOr ||
		saop->opno != TextEqualOperator || list_length(saop->args) != 2 ||
		!IsA(linitial(saop->args), Var))
		return NIL;
	array = lsecond(saop->args);
	if (IsA(array, ArrayExpr))
	{
		foreach(lc, ((ArrayExpr *) array)->elements)
		{
			Const	   *c = lfirst(lc);

			if (!IsA(c, Const) || c->consttype != TEXTOID || c->constisnull)
				return NIL;
			words = lappend(words, TextDatumGetCString(c->constvalue));
		}
	}
	else if (IsA(array, Const) && !((Const *) array)->constisnull &&
			 ((Const *) array)->consttype == TEXTARRAYOID)
	{
		Datum	   *elems;
		bool	   *nulls;
		int			n;
		int			i;

		deconstruct_array(DatumGetArrayTypeP(((Const *) array)->constvalue), TEXTOID, -1, false,
						  TYPALIGN_INT, &elems, &nulls, &n);
		for (i = 0; i < n; i++)
		{
			if (nulls[i])
				return NIL;
			words = lappend(words, TextDatumGetCString(elems[i]));
		}
	}
	return words;
}

static char *
words_text(List *words)
{
	StringInfoData s;
	ListCell   *lc;

	initStringInfo(&s);
	foreach(lc, words)
		appendStringInfo(&s, "%s%s", s.len > 0 ? ", " : "", (char *) lfirst(lc));
	return s.data;
}

static int
word_count(List *words, const char *word)
{
	ListCell   *lc;
	int			n = 0;

	foreach(lc, words)
		n += strcmp(lfirst(lc), word) == 0;
	return n;
}

static List *
ledger_words(const SSLedgerColumn *m, uint32 states)
{
	List	   *words = NIL;
	int			i;

	for (i = 0; i < m->nstates; i++)
		if (states & SS_STATE(i))
			words = lappend(words, (char *) m->words[i]);
	return words;
}

/* Refuse unless the column's one CHECK accepts exactly the words of m. */
static void
compare_check(const SSLedgerColumn *m)
{
	char	   *name = psprintf("schemashift.%s.%s", m->table, m->column);
	Oid			types[2] = {TEXTOID, TEXTOID};
	Datum		values[2];
	List	   *have;
	List	   *want = ledger_words(m, ALL_STATES(m));
	ListCell   *lc;
	bool		same;

	values[0] = CStringGetTextDatum(psprintf("schemashift.%s", m->table));
	values[1] = CStringGetTextDatum(m->column);
	if (SPI_execute_with_args("SELECT c.conbin FROM pg_catalog.pg_constraint c "
							  "JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) c.conrelid "
							  "AND c.conkey OPERATOR(pg_catalog.=) ARRAY[a.attnum] "
							  "WHERE c.conrelid OPERATOR(pg_catalog.=) pg_catalog.to_regclass($1) "
							  "AND c.contype OPERATOR(pg_catalog.=) 'c' AND a.attname OPERATOR(pg_catalog.=) $2",
							  2, types, values, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the CHECK constraints of %s", name);
	if (SPI_processed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("%s has %llu CHECK constraints, not one", name,
						(unsigned long long) SPI_processed),
				 errhint("Install the extension's script and library of the same version.")));
	have = check_words(stringToNode(SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1)));
	/* as many words, each of ours once on both sides: the same words */
	same = list_length(have) == list_length(want);
	foreach(lc, want)
		same = same && word_count(have, lfirst(lc)) == 1 && word_count(want, lfirst(lc)) == 1;
	if (!same)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the CHECK constraint of %s does not match the states schemashift knows", name),
				 errdetail("The constraint accepts %s; the library writes %s.",
						   have ? words_text(have) : "an expression other than a list of words",
						   words_text(want)),
				 errhint("Install the extension's script and library of the same version.")));
}

/* "from -> to, to; ..." for a machine, NULL for words only */
static char *
moves_text(const SSLedgerColumn *m)
{
	StringInfoData s;
	int			i;

	if (m->moves == NULL)
		return NULL;
	initStringInfo(&s);
	appendStringInfo(&s, "start -> %s", words_text(ledger_words(m, m->starts)));
	for (i = 0; i < m->nstates; i++)
		if (m->moves[i])
			appendStringInfo(&s, "; %s -> %s", m->words[i],
							 words_text(ledger_words(m, m->moves[i])));
	return s.data;
}

/*
 * schemashift.ledger_check(): each state column, its states and moves,
 * once its CHECK constraint is found to accept exactly those states.
 */
Datum
schemashift_ledger_check(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			i;

	InitMaterializedSRF(fcinfo, 0);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	for (i = 0; i < (int) lengthof(ledger_columns); i++)
	{
		const SSLedgerColumn *m = ledger_columns[i];
		Datum		values[3];
		bool		nulls[3] = {false, false, false};
		char	   *moves = moves_text(m);

		compare_check(m);
		values[0] = CStringGetTextDatum(psprintf("schemashift.%s.%s", m->table, m->column));
		values[1] = CStringGetTextDatum(words_text(ledger_words(m, ALL_STATES(m))));
		values[2] = moves ? CStringGetTextDatum(moves) : (Datum) 0;
		nulls[2] = moves == NULL;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	SPI_finish();
	return (Datum) 0;
}
