/*-------------------------------------------------------------------------
 *
 * lint.c
 *		schemashift.lint(script, in_transaction, rules): lint a migration
 *		script without running it.
 *
 * The script is split into statements with the server's own scanner, so
 * strings, comments, dollar quotes and BEGIN ATOMIC bodies are respected
 * exactly as the server would; each statement is then parsed on its own,
 * so a syntax error in one is reported as a finding and the others are
 * still linted.  Each statement's parse tree lives in a memory context
 * reset after the statement: memory does not grow with the script.
 *
 * Ignore comments ("-- schemashift:ignore rule" for the next statement,
 * "-- schemashift:ignore-file rule" for the whole script, and squawk's
 * "squawk-ignore" spellings) are read from the gaps between tokens.
 *
 *-------------------------------------------------------------------------
 */
#include "schemashift.h"
#include "args.h"
#include "lint_blocks.h"
#include "procs.h"
#include "scan.h"

#include "access/xact.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/tuplestore.h"

PG_FUNCTION_INFO_V1(schemashift_lint);
PG_FUNCTION_INFO_V1(schemashift_statements);

#define LINT_NCOLS 10

/* A set of rules, as many as the registry holds. */
#define RULE_MASK_WORDS ((SS_NUM_RULES + 63) / 64)

typedef struct RuleMask
{
	uint64		w[RULE_MASK_WORDS];
} RuleMask;

static inline void
mask_add(RuleMask *m, SSRuleId r)
{
	m->w[r / 64] |= ((uint64) 1) << (r % 64);
}

static inline void
mask_merge(RuleMask *m, const RuleMask *other)
{
	int			i;

	for (i = 0; i < RULE_MASK_WORDS; i++)
		m->w[i] |= other->w[i];
}

static inline bool
mask_has(const RuleMask *m, SSRuleId r)
{
	return (m->w[r / 64] & (((uint64) 1) << (r % 64))) != 0;
}

typedef struct StmtSpan
{
	int			start;			/* offset of the first token */
	int			end;			/* offset just past the statement */
	int			gap_start;		/* where the text before it begins */
} StmtSpan;

typedef struct IgnoreDirective
{
	int			location;		/* offset of the comment */
	int			line;			/* 1-based line of the comment */
	bool		all;			/* no rule named: every rule */
	RuleMask	rules;
} IgnoreDirective;

typedef struct UnknownIgnore
{
	int			location;
	char	   *name;
	bool		eugene;			/* named as an eugene id */
	const char *none;			/* a known eugene id we have no rule for: why */
} UnknownIgnore;

typedef struct LongIdent
{
	int			location;
	int			bytes;
} LongIdent;

/* The ignore directives of one line, merged. */
typedef struct LineIgnore
{
	int			line;
	bool		all;
	RuleMask	rules;
} LineIgnore;

/*
 * A character count at a byte offset: columns are counted in characters,
 * and counting from the start of a long line for every finding would be
 * quadratic, so a mark every COL_MARK_STRIDE bytes bounds each count.
 */
typedef struct CharMark
{
	int			byte;			/* a character boundary */
	int			chars;			/* characters before it */
} CharMark;

#define COL_MARK_STRIDE 256

typedef struct LintState
{
	const char *script;
	int			script_len;
	int		   *line_starts;	/* offset where each line begins */
	int			nlines;
	CharMark   *marks;			/* NULL: one byte per character */
	int			nmarks;

	StmtSpan   *stmts;
	int			nstmts;

	/* ignore directives */
	bool		file_ignore_all;
	RuleMask	file_ignore;
	IgnoreDirective *ignores;	/* in script order */
	int			nignores;
	LineIgnore *line_ignores;	/* the same, merged per line */
	int			nline_ignores;
	int			gap_stmt;		/* statement gap_all/gap_rules are for */
	bool		gap_all;		/* directives in the comments before it */
	RuleMask	gap_rules;
	UnknownIgnore *unknown;
	int			nunknown;
	int			next_unknown;	/* next unknown-ignore finding to emit */
	bool		disable_assume_tx;

	/* identifiers the server will truncate, found while scanning */
	LongIdent  *long_idents;
	int			nlong_idents;
	int			next_long_ident;	/* first one not yet reported */

	/* the statement being analysed */
	int			cur_stmt;

	/* PL/pgSQL the script creates, and where a finding inside a block is */
	SSBlocks   *blocks;
	const char *block_where;

	/* findings of the current statement, sorted before output */
	SSFinding  *buf;
	int			nbuf;
	int			bufsize;

	Tuplestorestate *tupstore;
	TupleDesc	tupdesc;

	/* instead of a tuplestore: one SSScriptStatement per statement */
	SSScriptStatement *collect;

	MemoryContext cxt;			/* lives for the whole call: the arrays above */
} LintState;

/*
 * Grow one of LintState's arrays, always in the call's context.  The
 * capacity doubles (step, 2 step, 4 step, ...; step a power of two), so
 * filling an array costs linear time whatever the script holds.
 */
static void *
grow_array(LintState *st, void *array, int used, int step, Size elem)
{
	Assert((step & (step - 1)) == 0);
	if (array == NULL)
		return MemoryContextAlloc(st->cxt, elem * step);
	if (used < step || (used & (used - 1)) != 0)
		return array;
	return repalloc_huge(array, elem * used * 2);
}

/* ---------- positions ---------- */

static void
build_line_index(LintState *st)
{
	int			n = 1;
	int			i;
	int			cap = 64;

	st->line_starts = palloc(sizeof(int) * cap);
	st->line_starts[0] = 0;
	for (i = 0; i < st->script_len; i++)
	{
		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
		if (st->script[i] == '\n')
		{
			if (n >= cap)
			{
				cap *= 2;
				st->line_starts = repalloc_huge(st->line_starts, sizeof(int) * cap);
			}
			st->line_starts[n++] = i + 1;
		}
	}
	st->nlines = n;

	st->marks = NULL;
	st->nmarks = 0;
	if (pg_database_encoding_max_length() > 1)
	{
		int			chars = 0;
		int			next = 0;

		st->nmarks = st->script_len / COL_MARK_STRIDE + 1;
		st->marks = palloc_extended(sizeof(CharMark) * st->nmarks, MCXT_ALLOC_HUGE);
		n = 0;
		for (i = 0; i < st->script_len; i += pg_mblen(st->script + i))
		{
			if (i >= next)
			{
				CHECK_FOR_INTERRUPTS();
				st->marks[n].byte = i;
				st->marks[n].chars = chars;
				n++;
				next += COL_MARK_STRIDE;
			}
			chars++;
		}
		if (n == 0)
		{
			st->marks[0].byte = 0;
			st->marks[0].chars = 0;
			n = 1;
		}
		st->nmarks = n;
	}
}

/* Characters before a byte offset (a character boundary). */
static int
chars_before(LintState *st, int offset)
{
	int			k;

	if (st->marks == NULL)
		return offset;
	/* mark k is at the first character boundary at or after k * stride */
	k = Min(offset / COL_MARK_STRIDE, st->nmarks - 1);
	while (k > 0 && st->marks[k].byte > offset)
		k--;
	return st->marks[k].chars +
		pg_mbstrlen_with_len(st->script + st->marks[k].byte,
							 offset - st->marks[k].byte);
}

/* 1-based line of a byte offset. */
static int
line_of(LintState *st, int offset)
{
	int			lo = 0;
	int			hi = st->nlines - 1;

	while (lo < hi)
	{
		int			mid = (lo + hi + 1) / 2;

		if (st->line_starts[mid] <= offset)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo + 1;
}

/* 1-based column, in characters, of a byte offset: at most two strides counted. */
static int
col_of(LintState *st, int offset, int line)
{
	int			start = st->line_starts[line - 1];

	return chars_before(st, offset) - chars_before(st, start) + 1;
}

/* Byte offset of a 1-based character position in a string. */
static int
char_to_byte(const char *s, int len, int charpos)
{
	int			off = 0;

	while (charpos > 1 && off < len)
	{
		off += pg_mblen(s + off);
		charpos--;
	}
	return Min(off, len);
}

/* ---------- ignore comments ---------- */

static const struct
{
	const char *prefix;
	bool		file;
	bool		eugene;			/* eugene's ids, after "ignore" */
}			ignore_prefixes[] = {
	/* longest first, so "-file" wins over the line form */
	{"schemashift:ignore-file", true},
	{"schemashift:ignore", false},
	{"squawk-ignore-file", true},
	{"squawk-ignore", false},
	/* eugene's "-- eugene: ignore E4, E5" is for the statement it precedes */
	{"eugene:", false, true},
};

static void
add_unknown_ignore(LintState *st, int location, const char *name, int len,
				   bool eugene, const char *none)
{
	UnknownIgnore *u;

	st->unknown = grow_array(st, st->unknown, st->nunknown, 16, sizeof(UnknownIgnore));
	u = &st->unknown[st->nunknown++];
	u->location = location;
	u->name = MemoryContextStrdup(st->cxt, pnstrdup(name, len));
	u->eugene = eugene;
	u->none = none;
}

/* After "eugene:": its one instruction, "ignore" and the ids, if any. */
static bool
eugene_ignore(const char *body, int len, int *i)
{
	while (*i < len && isspace((unsigned char) body[*i]))
		(*i)++;
	if (len - *i < 6 || strncmp(body + *i, "ignore", 6) != 0 ||
		(len - *i > 6 && !isspace((unsigned char) body[*i + 6])))
		return false;
	*i += 6;
	return true;
}

/* The rules a name in an ignore comment stands for, in ids[SS_EUGENE_MAX_RULES]. */
static int
ignored_rules(LintState *st, const char *name, int location, bool eugene,
			  SSRuleId *ids)
{
	const char *none;
	int			n;

	if (!eugene)
		n = schemashift_rule_expand(name, ids);
	else if ((n = schemashift_eugene_expand(name, ids, &none)) <= 0)
	{
		add_unknown_ignore(st, location, name, strlen(name), true, none);
		return 0;
	}
	if (n == 0)
		add_unknown_ignore(st, location, name, strlen(name), false, NULL);
	return n;
}

/*
 * The rule names of a directive, separated by commas, in body[p, end):
 * their rules go to *mask.  Does it name any?
 */
static bool
parse_rule_list(LintState *st, const char *body, int p, int end,
				int body_offset, bool eugene, RuleMask *mask)
{
	bool		any_name = false;

	while (p < end)
	{
		int			s = p;
		int			e;
		char		name[128];
		SSRuleId	ids[Max(2, SS_EUGENE_MAX_RULES)];
		int			n;
		int			k;

		while (p < end && body[p] != ',')
			p++;
		e = p;
		p++;					/* skip the comma */
		while (s < e && isspace((unsigned char) body[s]))
			s++;
		while (e > s && isspace((unsigned char) body[e - 1]))
			e--;
		if (e <= s)
			continue;
		any_name = true;
		n = 0;
		if (e - s < (int) sizeof(name))
		{
			memcpy(name, body + s, e - s);
			name[e - s] = '\0';
			n = ignored_rules(st, name, body_offset + s, eugene, ids);
		}
		else
			add_unknown_ignore(st, body_offset + s, body + s, e - s, eugene, NULL);
		for (k = 0; k < n; k++)
			mask_add(mask, ids[k]);
	}
	return any_name;
}

/*
 * Read one comment's body (without its delimiters) for a directive.
 * body_offset is where the body starts in the script.
 */
static void
parse_comment(LintState *st, const char *body, int len, int body_offset)
{
	int			i = 0;
	int			p;
	int			end;
	bool		file = false;
	bool		eugene = false;
	bool		matched = false;
	RuleMask	mask = {{0}};
	bool		any_name;

	while (i < len && isspace((unsigned char) body[i]))
		i++;

	if (len - i >= 36 &&
		(strncmp(body + i, "squawk-disable-assume-in-transaction", 36) == 0))
		st->disable_assume_tx = true;
	if (len - i >= 41 &&
		strncmp(body + i, "schemashift:disable-assume-in-transaction", 41) == 0)
		st->disable_assume_tx = true;

	for (p = 0; p < lengthof(ignore_prefixes); p++)
	{
		int			plen = strlen(ignore_prefixes[p].prefix);

		if (len - i >= plen &&
			strncmp(body + i, ignore_prefixes[p].prefix, plen) == 0 &&
			(len - i == plen || isspace((unsigned char) body[i + plen]) ||
			 body[i + plen] == ','))
		{
			file = ignore_prefixes[p].file;
			eugene = ignore_prefixes[p].eugene;
			i += plen;
			matched = true;
			break;
		}
	}
	if (!matched || (eugene && !eugene_ignore(body, len, &i)))
		return;

	/* a trailing "-- remark" is not part of the rule list */
	end = len;
	for (p = i; p + 1 < len; p++)
	{
		if (body[p] == '-' && body[p + 1] == '-')
		{
			end = p;
			break;
		}
	}

	any_name = parse_rule_list(st, body, i, end, body_offset, eugene, &mask);

	if (file)
	{
		if (!any_name)
			st->file_ignore_all = true;
		mask_merge(&st->file_ignore, &mask);
	}
	else
	{
		IgnoreDirective *d;

		st->ignores = grow_array(st, st->ignores, st->nignores, 16, sizeof(IgnoreDirective));
		d = &st->ignores[st->nignores++];
		d->location = body_offset;
		d->line = line_of(st, body_offset);
		d->all = !any_name;
		d->rules = mask;
	}
}

/* Find the comments in a stretch of text that holds only whitespace and comments. */
static void
scan_gap(LintState *st, int from, int to)
{
	const char *s = st->script;
	int			i = from;

	while (i < to)
	{
		if (s[i] == '-' && i + 1 < to && s[i + 1] == '-')
		{
			int			b = i + 2;

			i = b;
			while (i < to && s[i] != '\n' && s[i] != '\r')
				i++;
			parse_comment(st, s + b, i - b, b);
		}
		else if (s[i] == '/' && i + 1 < to && s[i + 1] == '*')
		{
			int			depth = 1;
			int			b = i + 2;

			i = b;
			while (i < to && depth > 0)
			{
				if (s[i] == '*' && i + 1 < to && s[i + 1] == '/')
				{
					depth--;
					i += 2;
				}
				else if (s[i] == '/' && i + 1 < to && s[i + 1] == '*')
				{
					depth++;
					i += 2;
				}
				else
					i++;
			}
			parse_comment(st, s + b, Max(i - 2 - b, 0), b);
		}
		else
			i++;
	}
}

/* ---------- splitting the script into statements ---------- */

/*
 * The scanner truncates long identifiers before any rule sees them, so
 * their length is measured here, on the token's text.
 */
static void
note_identifier_length(LintState *st, int start, int end)
{
	const char *s = st->script + start;
	int			bytes = end - start;

	if (*s == '"')
	{
		int			i;

		bytes = 0;
		for (i = 1; i < end - start - 1; i++)
		{
			if (s[i] == '"')
				i++;			/* a doubled quote is one character */
			bytes++;
		}
	}
	else if (*s == 'U' || *s == 'u')
		return;					/* U&"..." escapes: length not worth decoding */
	if (bytes < NAMEDATALEN)
		return;
	st->long_idents = grow_array(st, st->long_idents, st->nlong_idents, 16, sizeof(LongIdent));
	st->long_idents[st->nlong_idents].location = start;
	st->long_idents[st->nlong_idents].bytes = bytes;
	st->nlong_idents++;
}

static void
add_stmt(LintState *st, int start, int end, int gap_start, int *cap)
{
	if (st->nstmts >= *cap)
	{
		*cap *= 2;
		st->stmts = repalloc_huge(st->stmts, sizeof(StmtSpan) * (*cap));
	}
	st->stmts[st->nstmts].start = start;
	st->stmts[st->nstmts].end = end;
	st->stmts[st->nstmts].gap_start = gap_start;
	st->nstmts++;
}

/*
 * A semicolon inside the BEGIN ... END body of CREATE [OR REPLACE]
 * FUNCTION|PROCEDURE ends no statement.  *routine: 0 while unknown, 1 in
 * such a statement, -1 in any other; *depth: BEGIN/CASE ... END nesting.
 */
static void
track_routine_body(const SSToken *t, int ntok, int *routine, bool *saw_create,
				   int *depth)
{
	if (*routine == 0)
	{
		if (ntok == 1)
		{
			if (ss_is_keyword(t, "create"))
				*saw_create = true;
			else
				*routine = -1;
		}
		else if (*saw_create && (ss_is_keyword(t, "or") || ss_is_keyword(t, "replace")))
			 /* keep looking */ ;
		else if (*saw_create && (ss_is_keyword(t, "function") || ss_is_keyword(t, "procedure")))
			*routine = 1;
		else
			*routine = -1;
	}
	else if (*routine == 1)
	{
		if (ss_is_keyword(t, "begin") || ss_is_keyword(t, "case"))
			(*depth)++;
		else if (ss_is_keyword(t, "end") && *depth > 0)
			(*depth)--;
	}
}

/*
 * In a PG_CATCH block: the error, copied into cxt and taken off the error
 * stack; an error of a fatal class is raised again instead.
 */
static ErrorData *
caught_error(MemoryContext cxt)
{
	ErrorData  *edata;

	MemoryContextSwitchTo(cxt);
	edata = CopyErrorData();
	if (ss_error_is_fatal(edata->sqlerrcode))
		PG_RE_THROW();
	FlushErrorState();
	return edata;
}

/*
 * Split with the core scanner.  A semicolon ends a statement except inside
 * the BEGIN ... END body of CREATE FUNCTION/PROCEDURE (psql does the same).
 * A lexical error (an unterminated quote or comment) makes the rest of the
 * script one last statement, which then fails to parse and is reported.
 */
static void
split_script(LintState *st)
{
	MemoryContext scan_cxt;
	MemoryContext tok_cxt;
	MemoryContext oldcxt;
	SSScanner  *scanner;
	int			cap = 256;
	volatile int cur_start = -1;
	volatile int gap_start = 0;
	volatile int last_end = 0;

	st->stmts = palloc(sizeof(StmtSpan) * cap);

	/* token strings the scanner makes are garbage once we have the offsets */
	scan_cxt = AllocSetContextCreate(CurrentMemoryContext,
									 "schemashift scanner",
									 ALLOCSET_DEFAULT_SIZES);
	oldcxt = MemoryContextSwitchTo(scan_cxt);

	scanner = ss_scan_begin(st->script);

	/*
	 * The scanner's state was made above; the token values it makes from now
	 * on (identifier and literal copies) go to a context reset now and then.
	 */
	tok_cxt = AllocSetContextCreate(scan_cxt, "schemashift tokens",
									ALLOCSET_DEFAULT_SIZES);
	MemoryContextSwitchTo(tok_cxt);

	PG_TRY();
	{
		int			ntok = 0;	/* tokens in the current statement */
		int			since_reset = 0;
		int			routine = 0;	/* 0 unknown, 1 CREATE FUNCTION, -1 other */
		int			depth = 0;
		bool		saw_create = false;

		for (;;)
		{
			SSToken		t;

			CHECK_FOR_INTERRUPTS();
			if (!ss_scan_next(scanner, &t))
				break;

			if (t.kind == SS_TOK_IDENT)
				note_identifier_length(st, t.start, t.end);

			/* comments live in the gap before this token */
			scan_gap(st, last_end, t.start);
			last_end = t.end;

			if (t.tok == ';' && depth == 0)
			{
				if (cur_start >= 0)
					add_stmt(st, cur_start, t.start, gap_start, &cap);
				cur_start = -1;
				gap_start = t.end;
				since_reset += ntok;
				if (since_reset > 10000)
				{
					MemoryContextReset(tok_cxt);
					since_reset = 0;
				}
				ntok = 0;
				routine = 0;
				saw_create = false;
				continue;
			}

			if (cur_start < 0)
				cur_start = t.start;
			ntok++;

			track_routine_body(&t, ntok, &routine, &saw_create, &depth);
		}
		scan_gap(st, last_end, st->script_len);
		if (cur_start >= 0)
			add_stmt(st, cur_start, last_end, gap_start, &cap);
	}
	PG_CATCH();
	{
		FreeErrorData(caught_error(oldcxt));
		/* the rest of the script is one statement that will not parse */
		if (cur_start < 0)
		{
			int			p = last_end;

			while (p < st->script_len && isspace((unsigned char) st->script[p]))
				p++;
			cur_start = p;
		}
		if (cur_start < st->script_len)
			add_stmt(st, cur_start, st->script_len, gap_start, &cap);
	}
	PG_END_TRY();

	MemoryContextSwitchTo(oldcxt);
	MemoryContextDelete(scan_cxt);
}

/* ---------- output ---------- */

/*
 * Merge the ignore directives per line, once the script is split, so that a
 * finding looks at two entries (its line and the one before) however many
 * directives the script holds.
 */
static void
build_line_ignores(LintState *st)
{
	int			i;
	int			n = 0;

	st->gap_stmt = -1;
	if (st->nignores == 0)
		return;
	st->line_ignores = MemoryContextAlloc(st->cxt, sizeof(LineIgnore) * st->nignores);
	for (i = 0; i < st->nignores; i++)
	{
		IgnoreDirective *d = &st->ignores[i];

		if (n == 0 || st->line_ignores[n - 1].line != d->line)
		{
			st->line_ignores[n].line = d->line;
			st->line_ignores[n].all = false;
			memset(&st->line_ignores[n].rules, 0, sizeof(RuleMask));
			n++;
		}
		st->line_ignores[n - 1].all |= d->all;
		mask_merge(&st->line_ignores[n - 1].rules, &d->rules);
	}
	st->nline_ignores = n;
}

/* The directives in the comments right before the current statement, merged. */
static void
gap_ignores(LintState *st)
{
	StmtSpan   *span;
	int			lo = 0;
	int			hi = st->nignores;

	if (st->gap_stmt == st->cur_stmt)
		return;
	st->gap_stmt = st->cur_stmt;
	st->gap_all = false;
	memset(&st->gap_rules, 0, sizeof(RuleMask));
	if (st->cur_stmt < 0 || st->cur_stmt >= st->nstmts)
		return;
	span = &st->stmts[st->cur_stmt];
	/* the first directive at or after the gap; they are in script order */
	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (st->ignores[mid].location < span->gap_start)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < st->nignores && st->ignores[lo].location < span->start; lo++)
	{
		st->gap_all |= st->ignores[lo].all;
		mask_merge(&st->gap_rules, &st->ignores[lo].rules);
	}
}

static bool
finding_ignored(LintState *st, const SSFinding *f, int line)
{
	int			lo = 0;
	int			hi = st->nline_ignores;

	if (st->file_ignore_all || mask_has(&st->file_ignore, f->rule))
		return true;
	if (st->nignores == 0)
		return false;

	/* in the comments right before the statement: the whole statement */
	gap_ignores(st);
	if (st->gap_all || mask_has(&st->gap_rules, f->rule))
		return true;

	/* on the finding's line or the line before it */
	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (st->line_ignores[mid].line < line - 1)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < st->nline_ignores && st->line_ignores[lo].line <= line; lo++)
	{
		if (st->line_ignores[lo].all || mask_has(&st->line_ignores[lo].rules, f->rule))
			return true;
	}
	return false;
}

static void
lint_emit(SSContext *cxt, const SSFinding *f)
{
	LintState  *st = (LintState *) cxt->emit_arg;
	SSFinding  *copy;
	int			line = line_of(st, f->location);

	if (finding_ignored(st, f, line))
		return;
	if (st->nbuf >= st->bufsize)
	{
		st->bufsize = st->bufsize ? st->bufsize * 2 : 16;
		st->buf = st->buf ? repalloc(st->buf, sizeof(SSFinding) * st->bufsize)
			: MemoryContextAlloc(st->cxt, sizeof(SSFinding) * st->bufsize);
	}
	copy = &st->buf[st->nbuf++];
	*copy = *f;
	if (st->block_where && st->block_where[0])
		copy->message = MemoryContextStrdup(st->cxt, psprintf("%s (%s)", f->message,
															   st->block_where));
}

static int
finding_cmp(const void *a, const void *b)
{
	const SSFinding *fa = (const SSFinding *) a;
	const SSFinding *fb = (const SSFinding *) b;

	if (fa->location != fb->location)
		return fa->location < fb->location ? -1 : 1;
	if (fa->rule != fb->rule)
		return fa->rule < fb->rule ? -1 : 1;
	return 0;
}

static void
put_finding(LintState *st, int stmt_number, const SSFinding *f)
{
	Datum		values[LINT_NCOLS];
	bool		nulls[LINT_NCOLS];
	int			line = line_of(st, f->location);
	const char *lock = ss_lock_name(f->lock);

	if (st->collect)
	{
		SSScriptStatement *s = &st->collect[stmt_number - 1];
		MemoryContext old = MemoryContextSwitchTo(st->cxt);
		SSScriptFinding *sf = palloc(sizeof(SSScriptFinding));

		sf->rule = f->rule;
		sf->level = f->level;
		sf->line = line;
		sf->col = col_of(st, f->location, line);
		sf->object = f->object ? pstrdup(f->object) : NULL;
		sf->lock = f->lock;
		sf->message = pstrdup(f->message);
		sf->hint = f->hint ? pstrdup(f->hint) : NULL;
		s->findings = lappend(s->findings, sf);
		MemoryContextSwitchTo(old);
		return;
	}
	memset(nulls, 0, sizeof(nulls));
	values[0] = Int32GetDatum(stmt_number);
	values[1] = Int32GetDatum(line);
	values[2] = Int32GetDatum(col_of(st, f->location, line));
	values[3] = CStringGetTextDatum(schemashift_rules[f->rule].id);
	values[4] = CStringGetTextDatum(schemashift_level_name(f->level));
	ss_text_or_null(f->object, &values[5], &nulls[5]);
	ss_text_or_null(lock, &values[6], &nulls[6]);
	values[7] = BoolGetDatum(f->rewrites);
	values[8] = CStringGetTextDatum(f->message);
	ss_text_or_null(f->hint, &values[9], &nulls[9]);
	tuplestore_putvalues(st->tupstore, st->tupdesc, values, nulls);
}

/* What an unknown id in an ignore comment is told. */
static void
unknown_ignore_text(UnknownIgnore *u, SSFinding *f)
{
	const char *s = u->eugene ? NULL : schemashift_rule_suggest(u->name);

	if (u->none)
	{
		f->message = psprintf("eugene rule \"%s\" in ignore comment has no schemashift rule: %s",
							  u->name, u->none);
		f->hint = "Remove the id from the comment: nothing it could silence is reported.";
	}
	else if (u->eugene)
	{
		f->message = psprintf("unknown eugene rule \"%s\" in ignore comment", u->name);
		f->hint = "eugene's ids are E1 to E11, W12 to W14 and E15; schemashift:ignore takes the ids listed by schemashift.rules().";
	}
	else
	{
		f->message = psprintf("unknown rule \"%s\" in ignore comment", u->name);
		f->hint = s ? psprintf("Did you mean \"%s\"?", s) :
			schemashift_rules[SS_UNUSED_IGNORE].hint;
	}
}

/* Unknown ids in ignore comments located before the given offset. */
static void
flush_unknown_ignores(LintState *st, SSContext *cxt, int before, int stmt_number)
{
	while (st->next_unknown < st->nunknown &&
		   st->unknown[st->next_unknown].location < before)
	{
		UnknownIgnore *u = &st->unknown[st->next_unknown++];
		SSFinding	f;

		CHECK_FOR_INTERRUPTS();
		if (!ss_rule_enabled(cxt, SS_UNUSED_IGNORE) || st->file_ignore_all ||
			mask_has(&st->file_ignore, SS_UNUSED_IGNORE))
			continue;
		f.rule = SS_UNUSED_IGNORE;
		f.level = cxt->levels.level[SS_UNUSED_IGNORE];
		f.location = u->location;
		f.object = u->name;
		f.lock = NoLock;
		f.rewrites = false;
		unknown_ignore_text(u, &f);
		put_finding(st, stmt_number, &f);
	}
}

static void
flush_findings(LintState *st, SSContext *cxt, int stmt_number)
{
	int			i;

	if (st->nbuf > 1)
		qsort(st->buf, st->nbuf, sizeof(SSFinding), finding_cmp);
	for (i = 0; i < st->nbuf; i++)
	{
		CHECK_FOR_INTERRUPTS();
		flush_unknown_ignores(st, cxt, st->buf[i].location, stmt_number);
		put_finding(st, stmt_number, &st->buf[i]);
	}
	st->nbuf = 0;
}

/* ---------- parsing and analysing each statement ---------- */

static void
report_syntax_error(SSContext *cxt, ErrorData *edata, const char *text, int len)
{
	int			pos = 0;

	if (edata->cursorpos > 0)
		pos = char_to_byte(text, len, edata->cursorpos);
	else if (edata->internalpos > 0)
		pos = char_to_byte(text, len, edata->internalpos);

	ss_report_full(cxt, SS_SYNTAX_ERROR, pos, NULL, NoLock, false,
				   edata->message, schemashift_rules[SS_SYNTAX_ERROR].hint);
}

/* The analysis of one statement's parse trees, run in ss_try(). */
typedef struct AnalyzeRun
{
	LintState  *st;
	SSContext  *cxt;
	int			n;
	List	   *parsetree;
} AnalyzeRun;

static int
inner_line_of(void *arg, int offset)
{
	return line_of(((AnalyzeRun *) arg)->st, offset);
}

/*
 * Where the sub-commands of an ALTER TABLE start, for the findings about
 * one of them.  text is the script from the statement on, len the
 * statement's length, or -1 when not known (a statement inside a block):
 * then at most SS_BLOCK_STATEMENT_SCAN bytes are read, since the scanner
 * copies what it is given.
 */
#define SS_BLOCK_STATEMENT_SCAN 65536

static void
note_alter_cmds(SSContext *cxt, Node *stmt, const char *text, int len)
{
	AlterTableStmt *s = (AlterTableStmt *) stmt;
	int			n;

	cxt->cmd_starts = NULL;
	cxt->ncmd_starts = 0;
	cxt->cur_cmd = -1;
	if (!IsA(stmt, AlterTableStmt) || s->relation == NULL ||
		(n = list_length(s->cmds)) < 2)
		return;
	cxt->cmd_starts = palloc(sizeof(int) * n);
	if (ss_alter_cmd_starts(pnstrdup(text, len >= 0 ? len : SS_BLOCK_STATEMENT_SCAN),
							s->relation->location, n, cxt->cmd_starts))
		cxt->ncmd_starts = n;
	else
		cxt->cmd_starts = NULL;
}

static void
note_lock(AnalyzeRun *run)
{
	if (run->st->collect && run->cxt->stmt_lock > run->st->collect[run->n].lock)
		run->st->collect[run->n].lock = run->cxt->stmt_lock;
}

/* a statement inside a PL/pgSQL block: as if the script had it here */
static void
lint_inner_statement(void *arg, Node *stmt, int offset, const char *where)
{
	AnalyzeRun *run = (AnalyzeRun *) arg;
	const char *saved_where = run->st->block_where;
	bool		saved_tx = run->cxt->in_transaction;

	run->st->block_where = where;
	/* a block runs in one transaction */
	run->cxt->in_transaction = true;
	note_alter_cmds(run->cxt, stmt, run->st->script + offset, -1);
	schemashift_analyze_statement(run->cxt, stmt, run->n + 1, offset);
	run->cxt->in_transaction = saved_tx;
	run->st->block_where = saved_where;
	note_lock(run);
}

static void
analyze_parsetree(void *arg)
{
	AnalyzeRun *run = (AnalyzeRun *) arg;
	StmtSpan   *span = &run->st->stmts[run->n];
	int			len = span->end - span->start;
	ListCell   *lc;

	foreach(lc, run->parsetree)
	{
		RawStmt    *raw = lfirst_node(RawStmt, lc);

		note_alter_cmds(run->cxt, raw->stmt,
						run->st->script + span->start + raw->stmt_location,
						raw->stmt_len ? raw->stmt_len : len - raw->stmt_location);
		schemashift_analyze_statement(run->cxt, raw->stmt, run->n + 1,
									  span->start + raw->stmt_location);
		note_lock(run);
		ss_blocks_statement(run->st->blocks, raw->stmt, run->st->script,
							span->start + raw->stmt_location,
							raw->stmt_len ? raw->stmt_len : len - raw->stmt_location,
							inner_line_of, lint_inner_statement, run);
	}
}

static void
lint_statement(LintState *st, SSContext *cxt, int n)
{
	StmtSpan   *span = &st->stmts[n];
	int			len = span->end - span->start;
	char	   *text = pnstrdup(st->script + span->start, len);
	List	   *parsetree;
	MemoryContext parse_cxt = CurrentMemoryContext;
	AnalyzeRun	run = {st, cxt, n, NIL};
	ErrorData  *edata;

	cxt->stmt_offset = span->start;
	cxt->stmt_number = n + 1;

	/* collected: the tree outlives the statement, for apply's planner */
	if (st->collect)
		MemoryContextSwitchTo(st->cxt);
	parsetree = ss_try_parse(text, &edata);
	MemoryContextSwitchTo(parse_cxt);
	if (edata)
	{
		report_syntax_error(cxt, edata, text, len);
		if (st->collect)
			st->collect[n].syntax_error = true;
		return;
	}
	if (st->collect)
		st->collect[n].parsed = parsetree;

	/*
	 * A statement nested too deeply for the analysis (the walkers stop at
	 * max_stack_depth) is a finding like a parser limit, and the script goes
	 * on.  The analysis reads the catalog, so the error is caught in a
	 * subtransaction that releases whatever it held; any other error is
	 * raised again, as it would have been without the subtransaction.
	 */
	run.parsetree = parsetree;
	edata = ss_try(analyze_parsetree, &run, true);
	if (edata)
	{
		if (edata->sqlerrcode != ERRCODE_STATEMENT_TOO_COMPLEX)
			ReThrowError(edata);
		/* what the rules found before they gave up is not worth keeping */
		st->nbuf = 0;
		cxt->stmt_offset = span->start;
		ss_report_full(cxt, SS_SYNTAX_ERROR, 0, NULL, NoLock, false,
					   psprintf("statement is nested too deeply to be analysed: %s",
								edata->message),
					   schemashift_rules[SS_SYNTAX_ERROR].hint);
		if (st->collect)
			st->collect[n].syntax_error = true;
		return;
	}

	/* long identifiers are in script order, as are the statements */
	cxt->stmt_offset = span->start;
	for (; st->next_long_ident < st->nlong_idents; st->next_long_ident++)
	{
		LongIdent  *li = &st->long_idents[st->next_long_ident];

		CHECK_FOR_INTERRUPTS();
		if (li->location < span->start)
			continue;
		if (li->location >= span->end)
			break;
		ss_report_full(cxt, SS_IDENTIFIER_TOO_LONG, li->location - span->start,
					   NULL, NoLock, false,
					   psprintf("identifier is %d bytes long and will be truncated to %d bytes",
								li->bytes, NAMEDATALEN - 1),
					   NULL);
	}
}

/*
 * Lint the whole script: findings go to st->tupstore, or to st->collect.
 * The rules spec (NULL: the session's levels) is validated here; profile
 * is whose placement the timeout rules follow (SSLintProfile).
 */
static void
lint_script(LintState *st, bool in_transaction, const char *rules_spec,
			SSLintProfile profile)
{
	SSContext	cxt;
	MemoryContext stmt_cxt;
	MemoryContext oldcxt;
	int			i;
	int			guc_nestlevel;

	st->script_len = strlen(st->script);
	st->cur_stmt = -1;
	st->cxt = CurrentMemoryContext;
	st->blocks = ss_blocks_create(st->cxt);

	schemashift_context_init(&cxt, in_transaction, false);
	cxt.profile = profile;
	if (rules_spec)
	{
		char	   *msg;
		char	   *hint;

		if (!schemashift_parse_levels(rules_spec, &cxt.levels, &msg, &hint))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s", msg),
					 errhint("%s", hint)));
	}
	cxt.emit = lint_emit;
	cxt.emit_arg = st;
	cxt.script = st->script;

	/*
	 * The scanner's "identifier will be truncated" NOTICEs talk about a
	 * script that is not being run, twice (splitting, then parsing);
	 * identifier-too-long reports them properly.  The setting reverts when
	 * the function ends, also on error.
	 */
	guc_nestlevel = NewGUCNestLevel();
	(void) set_config_option("client_min_messages", "warning", PGC_USERSET,
							 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);

	build_line_index(st);
	split_script(st);
	build_line_ignores(st);
	cxt.stmt_count = st->nstmts;
	if (st->disable_assume_tx)
	{
		cxt.assume_in_transaction = false;
		cxt.in_transaction = false;
	}
	if (st->collect == NULL && st->tupstore == NULL)
	{
		st->collect = palloc0(sizeof(SSScriptStatement) * Max(st->nstmts, 1));
		for (i = 0; i < st->nstmts; i++)
		{
			SSScriptStatement *s = &st->collect[i];
			int			start = st->stmts[i].start;

			s->number = i + 1;
			s->start = start;
			s->end = st->stmts[i].end;
			s->line = line_of(st, start);
			s->col = col_of(st, start, s->line);
			s->lock = NoLock;
		}
	}

	stmt_cxt = AllocSetContextCreate(CurrentMemoryContext,
									 "schemashift statement",
									 ALLOCSET_DEFAULT_SIZES);
	for (i = 0; i < st->nstmts; i++)
	{
		CHECK_FOR_INTERRUPTS();
		oldcxt = MemoryContextSwitchTo(stmt_cxt);
		st->cur_stmt = i;
		lint_statement(st, &cxt, i);
		flush_unknown_ignores(st, &cxt, st->stmts[i].start, i + 1);
		flush_findings(st, &cxt, i + 1);
		MemoryContextSwitchTo(oldcxt);
		MemoryContextReset(stmt_cxt);
	}

	/* findings that need the whole script: an open BEGIN */
	oldcxt = MemoryContextSwitchTo(stmt_cxt);
	st->cur_stmt = st->nstmts - 1;
	if (st->nstmts > 0)
		cxt.stmt_offset = 0;
	schemashift_finish_script(&cxt);
	if (st->nstmts > 0 || st->tupstore)
	{
		flush_unknown_ignores(st, &cxt, INT_MAX, st->nstmts);
		flush_findings(st, &cxt, st->nstmts);
	}
	MemoryContextSwitchTo(oldcxt);
	MemoryContextDelete(stmt_cxt);
	MemoryContextDelete(cxt.state_cxt);
	AtEOXact_GUC(true, guc_nestlevel);
}

Datum
schemashift_lint(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	LintState	st;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("script must not be null"),
				 errhint("Pass the migration script as text; an empty string lints nothing.")));

	schemashift_init_srf(fcinfo);

	memset(&st, 0, sizeof(st));
	st.script = text_to_cstring(PG_GETARG_TEXT_PP(0));
	st.tupstore = rsinfo->setResult;
	st.tupdesc = rsinfo->setDesc;
	lint_script(&st, PG_ARGISNULL(1) ? false : PG_GETARG_BOOL(1),
				PG_ARGISNULL(2) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(2)),
				(SSLintProfile) schemashift_lint_profile);
	return (Datum) 0;
}

/*
 * The statements of a script as the server splits them, with their
 * positions, without parsing or linting them: what a client needs to run a
 * script statement by statement (CREATE INDEX CONCURRENTLY cannot run in the
 * implicit transaction of a multi-statement query).
 */
Datum
schemashift_statements(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	LintState	st;
	int			guc_nestlevel;
	int			i;

	/* STRICT: never called with a null script */
	schemashift_init_srf(fcinfo);

	memset(&st, 0, sizeof(st));
	st.script = text_to_cstring(PG_GETARG_TEXT_PP(0));
	st.script_len = strlen(st.script);
	st.cur_stmt = -1;
	st.cxt = CurrentMemoryContext;

	/* the scanner's truncation NOTICEs are about a script not being run */
	guc_nestlevel = NewGUCNestLevel();
	(void) set_config_option("client_min_messages", "warning", PGC_USERSET,
							 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	build_line_index(&st);
	split_script(&st);
	AtEOXact_GUC(true, guc_nestlevel);

	for (i = 0; i < st.nstmts; i++)
	{
		int			start = st.stmts[i].start;
		int			line = line_of(&st, start);
		Datum		values[4];
		bool		nulls[4] = {false, false, false, false};

		CHECK_FOR_INTERRUPTS();
		values[0] = Int32GetDatum(i + 1);
		values[1] = Int32GetDatum(line);
		values[2] = Int32GetDatum(col_of(&st, start, line));
		values[3] = PointerGetDatum(cstring_to_text_with_len(st.script + start,
															 st.stmts[i].end - start));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

SSScriptStatement *
schemashift_lint_statements(const char *script, const char *rules_spec,
							int *nstmts)
{
	LintState	st;

	memset(&st, 0, sizeof(st));
	st.script = script;
	/* plan() and apply() judge by the default profile, whatever the session's */
	lint_script(&st, false, rules_spec, SS_PROFILE_SCHEMASHIFT);
	*nstmts = st.nstmts;
	return st.collect;
}
