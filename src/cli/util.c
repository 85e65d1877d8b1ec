/*-------------------------------------------------------------------------
 *
 * util.c
 *	  The command-line program's small helpers, shared by every file of it:
 *	  memory that never comes back NULL, messages in the style of
 *	  PostgreSQL's client programs, and "did you mean".
 *
 *-------------------------------------------------------------------------
 */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *progname = "schemashift";

void *
pg_malloc_or_die(size_t size)
{
	void	   *p = malloc(size ? size : 1);

	if (p == NULL)
	{
		fprintf(stderr, "%s: error: out of memory\n", progname);
		exit(EXIT_USAGE);
	}
	return p;
}

char *
pg_strdup_or_die(const char *s)
{
	char	   *p = pg_malloc_or_die(strlen(s) + 1);

	strcpy(p, s);
	return p;
}

static void
message(const char *kind, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: %s: ", progname, kind);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void
cli_error(const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	message("error", fmt, ap);
	va_end(ap);
}

void
cli_hint(const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	message("hint", fmt, ap);
	va_end(ap);
}

/* Levenshtein distance, for "did you mean". */
static int
edit_distance(const char *a, const char *b)
{
	size_t		la = strlen(a);
	size_t		lb = strlen(b);
	int		   *row;
	size_t		i;
	size_t		j;
	int			d;

	if (la > 64 || lb > 64)
		return 99;
	row = pg_malloc_or_die(sizeof(int) * (lb + 1));
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++)
	{
		int			prev = row[0];

		row[0] = i;
		for (j = 1; j <= lb; j++)
		{
			int			cur = row[j];
			int			best = prev + (a[i - 1] != b[j - 1]);

			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = cur;
		}
	}
	d = row[lb];
	free(row);
	return d;
}

const char *
suggest(const char *word, const char *const *candidates)
{
	const char *best = NULL;
	int			best_d = 3;
	int			i;

	for (i = 0; candidates[i] != NULL; i++)
	{
		int			d = edit_distance(word, candidates[i]);

		if (d < best_d)
		{
			best_d = d;
			best = candidates[i];
		}
	}
	return best;
}
