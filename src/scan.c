/*-------------------------------------------------------------------------
 *
 * scan.c
 *		The server's SQL scanner (scanner_init/core_yylex) behind one token
 *		API, the only place that sees its headers and token codes.
 *
 * The grammar's token codes (parser/gram.h) are not used: keywords are
 * known by name from the keyword list the scanner gets, one-character
 * tokens by their character, and the few other codes that matter
 * (identifier, ::, integer, parameter) are learnt once by scanning a
 * sample, so nothing here depends on headers a server may not install.
 *
 *-------------------------------------------------------------------------
 */
#include "scan.h"

#include "common/keywords.h"
#include "parser/scanner.h"

/*
 * flex generates these accessors for the core scanner and the server
 * exports them, but no header declares them.  The end of the last matched
 * text is the end of the token just returned, which gives the gaps that
 * hold comments.
 */
extern char *core_yyget_text(core_yyscan_t yyscanner);
extern int	core_yyget_leng(core_yyscan_t yyscanner);

struct SSScanner
{
	core_yy_extra_type yyext;
	core_yyscan_t scanner;
	int			depth;
};

/* token codes learnt from a sample: identifier, ::, integer, parameter */
#define SS_SAMPLE "x :: 1 $1"
enum
{
	CODE_IDENT, CODE_TYPECAST, CODE_ICONST, CODE_PARAM, N_CODES
};
static int	codes[N_CODES];
static bool codes_known = false;

static void
learn_codes(void)
{
	core_yy_extra_type yyext;
	core_yyscan_t scanner;
	core_YYSTYPE lval;
	int			loc;
	int			i;

	scanner = scanner_init(SS_SAMPLE, &yyext, &ScanKeywords, ScanKeywordTokens);
	for (i = 0; i < N_CODES; i++)
		codes[i] = core_yylex(&lval, &loc, scanner);
	scanner_finish(scanner);
	codes_known = true;
}

SSScanner *
ss_scan_begin(const char *sql)
{
	SSScanner  *sc = palloc0(sizeof(SSScanner));

	if (!codes_known)
		learn_codes();
	sc->scanner = scanner_init(sql, &sc->yyext, &ScanKeywords, ScanKeywordTokens);
	return sc;
}

/* what kind of token tok is, given what the scanner left in lval */
static void
classify(SSToken *t, int tok, core_YYSTYPE *lval)
{
	t->tok = 0;
	t->keyword = NULL;
	t->ident = NULL;
	if (tok < 256)
	{
		t->kind = SS_TOK_CHAR;
		t->tok = tok;
	}
	else if (tok == codes[CODE_IDENT])
	{
		t->kind = SS_TOK_IDENT;
		t->ident = lval->str;
	}
	else if (tok == codes[CODE_TYPECAST])
		t->kind = SS_TOK_TYPECAST;
	else
	{
		t->kind = SS_TOK_OTHER;
		if (tok != codes[CODE_ICONST] && tok != codes[CODE_PARAM] && lval->str)
		{
			/* a keyword token, not a literal spelled like one */
			int			kw = ScanKeywordLookup(lval->str, &ScanKeywords);

			if (kw >= 0 && ScanKeywordTokens[kw] == tok)
			{
				t->kind = SS_TOK_KEYWORD;
				t->keyword = GetScanKeyword(kw, &ScanKeywords);
			}
		}
	}
}

bool
ss_scan_next(SSScanner *sc, SSToken *t)
{
	core_YYSTYPE lval;
	int			loc;
	int			tok;

	lval.str = NULL;			/* punctuation leaves it alone */
	tok = core_yylex(&lval, &loc, sc->scanner);
	if (tok == 0)
		return false;
	classify(t, tok, &lval);
	t->start = loc;
	t->end = (int) (core_yyget_text(sc->scanner) - sc->yyext.scanbuf) +
		core_yyget_leng(sc->scanner);
	if (tok == ')' || tok == ']')
		sc->depth--;
	t->depth = sc->depth;
	if (tok == '(' || tok == '[')
		sc->depth++;
	return true;
}

void
ss_scan_end(SSScanner *sc)
{
	scanner_finish(sc->scanner);
	pfree(sc);
}

int
ss_scan_tokens(const char *sql, SSToken **tokens)
{
	SSScanner  *sc = ss_scan_begin(sql);
	int			n = 0;
	int			cap = 64;
	SSToken    *t = palloc(sizeof(SSToken) * cap);

	while (ss_scan_next(sc, &t[n]))
	{
		if (++n >= cap)
		{
			cap *= 2;
			t = repalloc(t, sizeof(SSToken) * cap);
		}
	}
	ss_scan_end(sc);
	*tokens = t;
	return n;
}

int
ss_find_keyword(const SSToken *t, int n, int from, const char *kw)
{
	int			i;

	for (i = Max(from, 0); i < n; i++)
		if (t[i].depth == 0 && ss_is_keyword(&t[i], kw))
			return i;
	return -1;
}

bool
ss_quietly(SSQuietFn fn, void *arg)
{
	MemoryContext cxt = CurrentMemoryContext;
	volatile bool ok = true;

	PG_TRY();
	{
		fn(arg);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		if (edata->sqlerrcode != ERRCODE_SYNTAX_ERROR)
			PG_RE_THROW();
		FlushErrorState();
		FreeErrorData(edata);
		ok = false;
	}
	PG_END_TRY();
	return ok;
}

/* A scan of sql by fn, for ss_quietly. */
typedef bool (*SSScanFn) (SSScanner *sc, void *arg);

typedef struct QuietScan
{
	const char *sql;
	SSScanFn	fn;
	void	   *arg;
	bool		answer;
} QuietScan;

static void
run_scan(void *arg)
{
	QuietScan  *q = (QuietScan *) arg;
	SSScanner  *sc = ss_scan_begin(q->sql);

	q->answer = q->fn(sc, q->arg);
	ss_scan_end(sc);
}

/*
 * Run fn over a scanner of sql.  A lexical error (the text ends inside a
 * quote or a comment: a statement that is not verbatim in its script) makes
 * it false instead of an error; fn's own answer otherwise.
 */
static bool
scan_quietly(const char *sql, SSScanFn fn, void *arg)
{
	QuietScan	q = {sql, fn, arg, false};

	return ss_quietly(run_scan, &q) && q.answer;
}

/* does t end the statement: a ; outside parentheses, or a ) closing one outside it? */
static inline bool
ends_statement(const SSToken *t)
{
	return t->depth < 0 || (t->depth == 0 && t->kind == SS_TOK_CHAR && t->tok == ';');
}

typedef struct CmdStarts
{
	int			rel_location;
	int			ncmds;
	int		   *starts;
} CmdStarts;

static bool
scan_cmd_starts(SSScanner *sc, void *arg)
{
	CmdStarts  *c = (CmdStarts *) arg;
	SSToken		t;
	int			n = 0;
	bool		more;
	bool		want_part = true;

	/* up to the relation's name */
	while ((more = ss_scan_next(sc, &t)) && t.start < c->rel_location)
		;
	/* the name (a.b.c) and an optional "*" */
	while (more)
	{
		if (want_part)
			want_part = false;
		else if (t.kind == SS_TOK_CHAR && t.tok == '.')
			want_part = true;
		else if (!(t.kind == SS_TOK_CHAR && t.tok == '*'))
			break;
		more = ss_scan_next(sc, &t);
	}
	/* t is the first sub-command's first token; a comma starts the next */
	if (!more || ends_statement(&t))
		return false;
	c->starts[n++] = t.start;
	while (ss_scan_next(sc, &t) && !ends_statement(&t))
	{
		if (t.depth == 0 && t.kind == SS_TOK_CHAR && t.tok == ',')
		{
			if (n >= c->ncmds || !ss_scan_next(sc, &t))
				return false;
			c->starts[n++] = t.start;
		}
	}
	return n == c->ncmds;
}

/*
 * Where each sub-command of an ALTER TABLE (INDEX, VIEW, SEQUENCE...)
 * starts in sql, whose relation name starts at rel_location: the token
 * after the name (and its "*"), then the token after each comma outside
 * parentheses, up to the statement's end.  PostgreSQL 15's AlterTableCmd
 * has no location of its own.  False, with starts untouched, when the text
 * there does not hold exactly ncmds sub-commands or does not scan (a
 * statement that came from an EXECUTE string is not verbatim in the
 * script): the statement's position is then the best there is.
 */
bool
ss_alter_cmd_starts(const char *sql, int rel_location, int ncmds, int *starts)
{
	CmdStarts	c = {rel_location, ncmds, palloc(sizeof(int) * ncmds)};
	bool		ok = scan_quietly(sql, scan_cmd_starts, &c);

	if (ok)
		memcpy(starts, c.starts, sizeof(int) * ncmds);
	pfree(c.starts);
	return ok;
}

typedef struct StatementEnd
{
	int			max;
	int			len;
} StatementEnd;

static bool
scan_statement_end(SSScanner *sc, void *arg)
{
	StatementEnd *e = (StatementEnd *) arg;
	SSToken		t;

	e->len = 0;
	while (ss_scan_next(sc, &t) && !ends_statement(&t))
	{
		if (t.end > e->max)
			return false;
		e->len = t.end;
	}
	return true;
}

/*
 * Bytes of the statement sql starts with, up to its last token before the
 * ; that ends it (or the end of sql); -1 when it does not scan or is longer
 * than max bytes (the scan stops there).
 */
int
ss_statement_length(const char *sql, int max)
{
	StatementEnd e = {max, 0};

	return scan_quietly(sql, scan_statement_end, &e) ? e.len : -1;
}
