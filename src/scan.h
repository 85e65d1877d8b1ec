/*-------------------------------------------------------------------------
 *
 * scan.h
 *		The server's SQL scanner, for the code that needs a statement's
 *		tokens and where they are: splitting a script, cutting a clause out
 *		of a statement the parser accepted (raw parse trees do not say where
 *		expressions begin or end), renaming column references in text.
 *
 * Only scan.c sees the scanner's own headers and token codes; a token here
 * is a character, a keyword (by name), an identifier, a :: or something
 * else (a constant, an operator, a parameter).
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMASHIFT_SCAN_H
#define SCHEMASHIFT_SCAN_H

#include "postgres.h"

typedef enum SSTokenKind
{
	SS_TOK_CHAR,				/* one character: ( ) [ ] , ; . = and the like */
	SS_TOK_KEYWORD,				/* a keyword (not an identifier spelled like one) */
	SS_TOK_IDENT,				/* an identifier, quoted or not */
	SS_TOK_TYPECAST,			/* :: */
	SS_TOK_OTHER				/* a constant, an operator, a parameter */
} SSTokenKind;

typedef struct SSToken
{
	SSTokenKind kind;
	int			tok;			/* SS_TOK_CHAR: the character; else 0 */
	int			start;			/* byte offset */
	int			end;			/* byte offset just past the token */
	int			depth;			/* ( and [ nesting before the token */
	const char *keyword;		/* SS_TOK_KEYWORD: lower-case keyword */
	const char *ident;			/* SS_TOK_IDENT: the name, as the scanner
								 * folded it */
} SSToken;

/*
 * Token by token, allocating nothing per token beyond what the scanner
 * itself makes (identifier and literal copies, in the current memory
 * context, which the caller may reset between tokens).  A lexical error (an
 * unterminated quote or comment) is raised by ss_scan_next().
 */
typedef struct SSScanner SSScanner;
extern SSScanner *ss_scan_begin(const char *sql);
extern bool ss_scan_next(SSScanner *sc, SSToken *t);
extern void ss_scan_end(SSScanner *sc);

/* every token of sql at once, in *tokens (palloc'd); returns how many */
extern int	ss_scan_tokens(const char *sql, SSToken **tokens);

/* is t the keyword kw (lower case)? */
static inline bool
ss_is_keyword(const SSToken *t, const char *kw)
{
	return t->keyword != NULL && strcmp(t->keyword, kw) == 0;
}

/* index of the first keyword kw at depth 0 from token i on, or -1 */
extern int	ss_find_keyword(const SSToken *t, int n, int from, const char *kw);

/*
 * Run fn(arg); false when it raised a syntax error (the scanner's or the
 * parser's), which is then swallowed.  Any other error propagates.
 */
typedef void (*SSQuietFn) (void *arg);
extern bool ss_quietly(SSQuietFn fn, void *arg);

/* where each of an ALTER TABLE's ncmds sub-commands starts in sql */
extern bool ss_alter_cmd_starts(const char *sql, int rel_location, int ncmds,
								int *starts);
/* bytes of the statement sql starts with, without its ;, or -1 (over max) */
extern int	ss_statement_length(const char *sql, int max);

#endif							/* SCHEMASHIFT_SCAN_H */
