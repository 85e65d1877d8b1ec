/*-------------------------------------------------------------------------
 *
 * lint_blocks.c
 *		The SQL inside PL/pgSQL blocks of a script: a DO body, and a
 *		function or procedure the script creates and then calls (CALL p(),
 *		SELECT f(), PERFORM f() inside another block).
 *
 * A migration that hides its DDL in a DO block (to loop, to test the
 * catalog first) runs it like any other statement, and each tool that
 * lints the script's statements one by one misses it.  Here the block is
 * compiled with PL/pgSQL's own compiler, without running it, and each
 * static SQL statement in it, and each EXECUTE of a constant string, is
 * handed back to lint to analyse as if the script had it at that place,
 * with its position inside the block.  What a block builds at run time
 * (EXECUTE format(...)) cannot be seen; the guard sees it when it runs.
 *
 * The compiler is reached through PL/pgSQL's inline handler with an
 * instrumentation plugin (the "PLpgSQL_plugin" rendezvous variable, as
 * debuggers and profilers use it) whose first callback, called after the
 * block is compiled and before any of it runs, copies the statements out
 * and raises an error that ends the call.  plpgsql.so exports no compiler
 * of inline blocks from PostgreSQL 16 on, and the handler and the plugin
 * interface are the same in every supported version.
 *
 * A function body is compiled the way a DO body is; one that only compiles
 * as a function returning a value (RETURN x, RETURN QUERY) is passed over.
 * It is linted at its first call only (CREATE OR REPLACE makes it new).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_language.h"
#include "catalog/pg_proc.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "parser/parser.h"
#include "plpgsql.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

#include "compat.h"
#include "lint_blocks.h"
#include "scan.h"
#include "txn.h"

/* calls inside calls expanded at most this deep */
#define SS_BLOCK_MAX_DEPTH 4

typedef struct BlockFunction
{
	char	   *schema;			/* NULL: as the script named it */
	char	   *name;
	char	   *body;
	int			body_offset;	/* in the script, or -1: not verbatim there */
	bool		active;			/* being expanded: a call to itself is not */
	bool		expanded;		/* linted at its first call already */
} BlockFunction;

struct SSBlocks
{
	MemoryContext cxt;
	List	   *functions;		/* of BlockFunction */
	int			depth;
};

/* one block being walked */
typedef struct Walk
{
	SSBlocks   *blocks;
	const char *script;
	const char *body;
	int			body_offset;	/* -1: not verbatim in the script */
	int			fallback;		/* where its statements are reported then */
	const char *where;
	int			(*line_of) (void *arg, int offset);
	SSInnerStatementFn fn;
	void	   *arg;
} Walk;

/* what a block's compiled statement tells lint, copied out of the compiler */
typedef enum BlockItemKind
{
	BLOCK_SQL,					/* a static SQL statement */
	BLOCK_DYNAMIC,				/* EXECUTE expr */
	BLOCK_CALL					/* PERFORM or CALL: only its calls matter */
} BlockItemKind;

typedef struct BlockItem
{
	BlockItemKind kind;
	int			lineno;
	char	   *query;
	RawParseMode mode;
} BlockItem;

/* the collector of one compile: set while the inline handler runs */
static List *collected_items = NIL;
static MemoryContext collect_cxt = NULL;
static bool collected = false;

static void collect_statement(PLpgSQL_stmt *stmt);
static void collect_statements(List *stmts);
static void expand_call(Walk *outer, List *funcname, int offset);
static void follow_calls(Walk *w, Node *stmt, int offset);

SSBlocks *
ss_blocks_create(MemoryContext cxt)
{
	SSBlocks   *b = MemoryContextAllocZero(cxt, sizeof(SSBlocks));

	b->cxt = cxt;
	return b;
}

/* where text starts inside [from, from + len) of script, or -1 */
static int
find_text(const char *script, int from, int len, const char *text)
{
	int			n = strlen(text);
	int			i;

	for (i = from; i + n <= from + len; i++)
		if (memcmp(script + i, text, n) == 0)
			return i;
	return -1;
}

/* the DefElem option's value of a DO or CREATE FUNCTION, or NULL */
static Node *
option_value(List *options, const char *name)
{
	ListCell   *lc;

	foreach(lc, options)
	{
		DefElem    *d = lfirst_node(DefElem, lc);

		if (strcmp(d->defname, name) == 0)
			return d->arg;
	}
	return NULL;
}

static bool
is_plpgsql(List *options, bool default_plpgsql)
{
	Node	   *lang = option_value(options, "language");

	if (lang == NULL)
		return default_plpgsql;
	return IsA(lang, String) && strcmp(strVal(lang), "plpgsql") == 0;
}

static void
collect(BlockItemKind kind, int lineno, const char *query, RawParseMode mode)
{
	BlockItem  *item = MemoryContextAlloc(collect_cxt, sizeof(BlockItem));

	item->kind = kind;
	item->lineno = lineno;
	item->query = MemoryContextStrdup(collect_cxt, query);
	item->mode = mode;
	collected_items = lappend(collected_items, item);
}

/*
 * The plugin's callback: the block is compiled, nothing of it has run yet
 * (func_setup comes before the local variables are initialised; func_beg
 * before the first statement).  Copy the statements out and stop here.
 */
static void
collect_and_stop(PLpgSQL_execstate *estate, PLpgSQL_function *func)
{
	MemoryContext old = MemoryContextSwitchTo(collect_cxt);

	if (func->action)
		collect_statement((PLpgSQL_stmt *) func->action);
	MemoryContextSwitchTo(old);
	collected = true;
	ereport(ERROR,
			(errcode(ERRCODE_INTERNAL_ERROR),
			 errmsg("schemashift: block compiled, not run")));
}

/* both callbacks stop it, whichever this PL/pgSQL calls first */
static PLpgSQL_plugin collector = {
	.func_setup = collect_and_stop,
	.func_beg = collect_and_stop,
};

/*
 * The inline handler of the language named plpgsql, when it is PL/pgSQL's
 * own: any other handler would run the block.
 */
static bool
plpgsql_inline_handler_of(Oid *handler, Oid *language, bool *trusted)
{
	HeapTuple	tup;
	bool		ours = false;

	tup = SearchSysCache1(LANGNAME, CStringGetDatum("plpgsql"));
	if (!HeapTupleIsValid(tup))
		return false;
	*handler = ((Form_pg_language) GETSTRUCT(tup))->laninline;
	*language = ((Form_pg_language) GETSTRUCT(tup))->oid;
	*trusted = ((Form_pg_language) GETSTRUCT(tup))->lanpltrusted;
	ReleaseSysCache(tup);

	tup = SearchSysCache1(PROCOID, ObjectIdGetDatum(*handler));
	if (HeapTupleIsValid(tup))
	{
		Form_pg_proc proc = (Form_pg_proc) GETSTRUCT(tup);
		bool		isnull;
		Datum		src = SysCacheGetAttr(PROCOID, tup, Anum_pg_proc_prosrc, &isnull);
		Datum		bin;
		bool		binnull;

		bin = SysCacheGetAttr(PROCOID, tup, Anum_pg_proc_probin, &binnull);
		ours = proc->prolang == ClanguageId && !isnull && !binnull &&
			strcmp(TextDatumGetCString(src), "plpgsql_inline_handler") == 0 &&
			strcmp(TextDatumGetCString(bin), "$libdir/plpgsql") == 0;
		ReleaseSysCache(tup);
	}
	return ours;
}

typedef struct Compile
{
	Oid			handler;
	InlineCodeBlock *block;
} Compile;

static void
compile_step(void *arg)
{
	Compile    *c = (Compile *) arg;
	PLpgSQL_plugin **plugin = (PLpgSQL_plugin **) find_rendezvous_variable("PLpgSQL_plugin");
	PLpgSQL_plugin *saved = *plugin;

	/* a debugger's or profiler's plugin must not see a block that never runs */
	*plugin = &collector;
	PG_TRY();
	{
		OidFunctionCall1(c->handler, PointerGetDatum(c->block));
	}
	PG_FINALLY();
	{
		*plugin = saved;
	}
	PG_END_TRY();
}

/*
 * The statements of body as PL/pgSQL compiles it, without running any of
 * it; NIL when it does not compile as an inline block.  Errors are
 * contained in a subtransaction (the compiler reads the catalog); a cancel
 * is not.
 */
static List *
compile_block(const char *body)
{
	InlineCodeBlock *block = makeNode(InlineCodeBlock);
	Compile		c = {InvalidOid, block};
	ErrorData  *edata;
	List	   *items;

	if (!plpgsql_inline_handler_of(&c.handler, &block->langOid, &block->langIsTrusted))
		return NIL;
	block->source_text = pstrdup(body);
	block->atomic = true;

	collected_items = NIL;
	collected = false;
	collect_cxt = CurrentMemoryContext;
	edata = ss_try(compile_step, &c, true);
	items = collected_items;
	collected_items = NIL;
	/* ss_try re-throws a cancel and out-of-memory; a shutdown goes on too */
	if (edata && edata->sqlerrcode == ERRCODE_ADMIN_SHUTDOWN)
		ReThrowError(edata);
	return collected ? items : NIL;
}

/* byte offset of line (1-based) in the body */
static int
line_start(const char *body, int line)
{
	const char *p = body;

	while (--line > 0 && (p = strchr(p, '\n')) != NULL)
		p++;
	return p ? p - body : 0;
}

/* the script offset of a statement's text on its line of the block */
static int
locate(Walk *w, int lineno, const char *text)
{
	int			start;
	int			at;

	if (w->body_offset < 0)
		return w->fallback;
	start = line_start(w->body, lineno);
	at = find_text(w->body, start, strlen(w->body) - start, text);
	return w->body_offset + (at >= 0 ? at : start);
}

typedef struct QuietParse
{
	const char *text;
	RawParseMode mode;
	List	   *result;
} QuietParse;

static void
parse_it(void *arg)
{
	QuietParse *q = (QuietParse *) arg;

	q->result = raw_parser(q->text, q->mode);
}

/* the raw statements of text; NIL when it does not parse */
static List *
parse_quietly(const char *text, RawParseMode mode)
{
	QuietParse	q = {text, mode, NIL};

	return ss_quietly(parse_it, &q) ? q.result : NIL;
}

/* a call of a function the script made: its body runs here */
static void
follow_calls(Walk *w, Node *stmt, int offset)
{
	ListCell   *t;

	if (IsA(stmt, CallStmt))
		expand_call(w, ((CallStmt *) stmt)->funccall->funcname, offset);
	else if (IsA(stmt, SelectStmt))
		foreach(t, ((SelectStmt *) stmt)->targetList)
		{
			ResTarget  *rt = lfirst_node(ResTarget, t);

			if (rt->val && IsA(rt->val, FuncCall))
				expand_call(w, ((FuncCall *) rt->val)->funcname, offset);
		}
}

/* each statement of text, found at offset of the script */
static void
emit_sql(Walk *w, const char *text, int offset)
{
	ListCell   *lc;

	foreach(lc, parse_quietly(text, RAW_PARSE_DEFAULT))
	{
		RawStmt    *raw = lfirst_node(RawStmt, lc);

		w->fn(w->arg, raw->stmt, offset, w->where);
		follow_calls(w, raw->stmt, offset);
	}
}

/* EXECUTE 'constant': the string is a statement like any other */
static void
emit_dynamic(Walk *w, const char *expr, int lineno)
{
	List	   *parsed = parse_quietly(expr, RAW_PARSE_PLPGSQL_EXPR);
	SelectStmt *sel;
	ResTarget  *rt;
	char	   *sql;

	if (list_length(parsed) != 1)
		return;
	sel = (SelectStmt *) linitial_node(RawStmt, parsed)->stmt;
	if (!IsA(sel, SelectStmt) || list_length(sel->targetList) != 1)
		return;
	rt = linitial_node(ResTarget, sel->targetList);
	if (!IsA(rt->val, A_Const) || ((A_Const *) rt->val)->isnull ||
		!IsA(&((A_Const *) rt->val)->val, String))
		return;
	sql = strVal(&((A_Const *) rt->val)->val);
	emit_sql(w, sql, locate(w, lineno, sql));
}

/* the statements nested in a compiled one, in the order they appear */
static void
collect_statement(PLpgSQL_stmt *stmt)
{
	ListCell   *lc;

	switch (stmt->cmd_type)
	{
		case PLPGSQL_STMT_BLOCK:
			{
				PLpgSQL_stmt_block *b = (PLpgSQL_stmt_block *) stmt;

				collect_statements(b->body);
				if (b->exceptions)
					foreach(lc, b->exceptions->exc_list)
						collect_statements(((PLpgSQL_exception *) lfirst(lc))->action);
				break;
			}
		case PLPGSQL_STMT_IF:
			{
				PLpgSQL_stmt_if *s = (PLpgSQL_stmt_if *) stmt;

				collect_statements(s->then_body);
				foreach(lc, s->elsif_list)
					collect_statements(((PLpgSQL_if_elsif *) lfirst(lc))->stmts);
				collect_statements(s->else_body);
				break;
			}
		case PLPGSQL_STMT_CASE:
			{
				PLpgSQL_stmt_case *s = (PLpgSQL_stmt_case *) stmt;

				foreach(lc, s->case_when_list)
					collect_statements(((PLpgSQL_case_when *) lfirst(lc))->stmts);
				if (s->have_else)
					collect_statements(s->else_stmts);
				break;
			}
		case PLPGSQL_STMT_LOOP:
			collect_statements(((PLpgSQL_stmt_loop *) stmt)->body);
			break;
		case PLPGSQL_STMT_WHILE:
			collect_statements(((PLpgSQL_stmt_while *) stmt)->body);
			break;
		case PLPGSQL_STMT_FORI:
			collect_statements(((PLpgSQL_stmt_fori *) stmt)->body);
			break;
		case PLPGSQL_STMT_FORS:
			collect_statements(((PLpgSQL_stmt_fors *) stmt)->body);
			break;
		case PLPGSQL_STMT_FORC:
			collect_statements(((PLpgSQL_stmt_forc *) stmt)->body);
			break;
		case PLPGSQL_STMT_DYNFORS:
			collect_statements(((PLpgSQL_stmt_dynfors *) stmt)->body);
			break;
		case PLPGSQL_STMT_FOREACH_A:
			collect_statements(((PLpgSQL_stmt_foreach_a *) stmt)->body);
			break;
		case PLPGSQL_STMT_EXECSQL:
			collect(BLOCK_SQL, stmt->lineno,
					((PLpgSQL_stmt_execsql *) stmt)->sqlstmt->query, RAW_PARSE_DEFAULT);
			break;
		case PLPGSQL_STMT_DYNEXECUTE:
			collect(BLOCK_DYNAMIC, stmt->lineno,
					((PLpgSQL_stmt_dynexecute *) stmt)->query->query, RAW_PARSE_PLPGSQL_EXPR);
			break;
		case PLPGSQL_STMT_PERFORM:
		case PLPGSQL_STMT_CALL:
			{
				PLpgSQL_expr *e = stmt->cmd_type == PLPGSQL_STMT_CALL ?
				((PLpgSQL_stmt_call *) stmt)->expr :
				((PLpgSQL_stmt_perform *) stmt)->expr;

				collect(BLOCK_CALL, stmt->lineno, e->query, e->parseMode);
				break;
			}
		default:
			break;
	}
}

static void
collect_statements(List *stmts)
{
	ListCell   *lc;

	check_stack_depth();
	foreach(lc, stmts)
		collect_statement((PLpgSQL_stmt *) lfirst(lc));
}

static void
walk_body(Walk *w)
{
	ListCell   *lc;

	foreach(lc, compile_block(w->body))
	{
		BlockItem  *item = lfirst(lc);
		ListCell   *r;

		CHECK_FOR_INTERRUPTS();
		switch (item->kind)
		{
			case BLOCK_SQL:
				emit_sql(w, item->query, locate(w, item->lineno, item->query));
				break;
			case BLOCK_DYNAMIC:
				emit_dynamic(w, item->query, item->lineno);
				break;
			case BLOCK_CALL:
				/* only to follow calls into the script's own functions */
				foreach(r, parse_quietly(item->query, item->mode))
					follow_calls(w, lfirst_node(RawStmt, r)->stmt,
								 locate(w, item->lineno, item->query));
				break;
		}
	}
}

static bool
names_match(BlockFunction *f, List *funcname)
{
	char	   *schema;
	char	   *name;

	DeconstructQualifiedName(funcname, &schema, &name);
	if (strcmp(f->name, name) != 0)
		return false;
	return schema == NULL || f->schema == NULL || strcmp(schema, f->schema) == 0;
}

/* the body of the function the script made that this calls, if any */
static void
expand_call(Walk *outer, List *funcname, int offset)
{
	SSBlocks   *b = outer->blocks;
	BlockFunction *found = NULL;
	ListCell   *lc;
	Walk		w;

	if (b->depth >= SS_BLOCK_MAX_DEPTH)
		return;
	foreach(lc, b->functions)
		if (names_match(lfirst(lc), funcname))
			found = lfirst(lc);
	/*
	 * Once, at the first call: a script calling a big function many times
	 * must not cost their product, and the findings would repeat.
	 */
	if (found == NULL || found->active || found->expanded)
		return;
	w = *outer;
	w.body = found->body;
	w.body_offset = found->body_offset;
	w.fallback = offset;
	w.where = psprintf("inside function %s, called at line %d", found->name,
					   outer->line_of(outer->arg, offset));
	b->depth++;
	found->active = true;
	found->expanded = true;
	PG_TRY();
	{
		walk_body(&w);
	}
	PG_FINALLY();
	{
		b->depth--;
		found->active = false;
	}
	PG_END_TRY();
}

/* CREATE FUNCTION/PROCEDURE ... LANGUAGE plpgsql: remember its body */
static void
remember_function(SSBlocks *b, CreateFunctionStmt *cf, const char *script,
				  int stmt_offset, int stmt_len)
{
	Node	   *as = option_value(cf->options, "as");
	BlockFunction *f;
	char	   *schema;
	char	   *name;
	MemoryContext old;

	if (cf->sql_body || !is_plpgsql(cf->options, false) || as == NULL ||
		!IsA(as, List) || list_length((List *) as) != 1)
		return;
	DeconstructQualifiedName(cf->funcname, &schema, &name);
	old = MemoryContextSwitchTo(b->cxt);
	f = palloc(sizeof(BlockFunction));
	f->schema = schema ? pstrdup(schema) : NULL;
	f->name = pstrdup(name);
	f->body = pstrdup(strVal(linitial((List *) as)));
	f->body_offset = find_text(script, stmt_offset, stmt_len, f->body);
	f->active = false;
	f->expanded = false;
	b->functions = lappend(b->functions, f);
	MemoryContextSwitchTo(old);
}

void
ss_blocks_statement(SSBlocks *blocks, Node *stmt, const char *script,
					int stmt_offset, int stmt_len,
					int (*line_of) (void *arg, int offset),
					SSInnerStatementFn fn, void *arg)
{
	Walk		w;

	memset(&w, 0, sizeof(w));
	w.blocks = blocks;
	w.script = script;
	w.fallback = stmt_offset;
	w.line_of = line_of;
	w.fn = fn;
	w.arg = arg;

	if (IsA(stmt, CreateFunctionStmt))
		remember_function(blocks, (CreateFunctionStmt *) stmt, script, stmt_offset, stmt_len);
	else if (IsA(stmt, DoStmt))
	{
		Node	   *as = option_value(((DoStmt *) stmt)->args, "as");

		if (as == NULL || !IsA(as, String) || !is_plpgsql(((DoStmt *) stmt)->args, true))
			return;
		w.body = strVal(as);
		w.body_offset = find_text(script, stmt_offset, stmt_len, w.body);
		w.where = psprintf("inside the DO block at line %d", line_of(arg, stmt_offset));
		walk_body(&w);
	}
	else
		follow_calls(&w, stmt, stmt_offset);
}
