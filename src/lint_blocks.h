/*-------------------------------------------------------------------------
 *
 * lint_blocks.h
 *		The SQL inside PL/pgSQL blocks of a script: DO bodies, and the
 *		functions and procedures the script creates and then calls.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMASHIFT_LINT_BLOCKS_H
#define SCHEMASHIFT_LINT_BLOCKS_H

#include "nodes/parsenodes.h"

/* the PL/pgSQL functions a script has created so far */
typedef struct SSBlocks SSBlocks;

/*
 * Called for each statement found inside a block: its raw parse tree, the
 * byte offset in the script its node locations are relative to, and where
 * it is ("inside the DO block at line 3").
 */
typedef void (*SSInnerStatementFn) (void *arg, Node *stmt, int offset, const char *where);

extern SSBlocks *ss_blocks_create(MemoryContext cxt);

/*
 * After a script statement was analysed: remember the PL/pgSQL function it
 * creates, or pass fn the static statements of the DO block it is, or of
 * the remembered function it calls.  stmt_offset and stmt_len locate the
 * statement's text in script; line_of turns an offset into a line number.
 */
extern void ss_blocks_statement(SSBlocks *blocks, Node *stmt, const char *script,
								int stmt_offset, int stmt_len,
								int (*line_of) (void *arg, int offset),
								SSInnerStatementFn fn, void *arg);

#endif							/* SCHEMASHIFT_LINT_BLOCKS_H */
