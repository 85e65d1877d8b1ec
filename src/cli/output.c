/*-------------------------------------------------------------------------
 *
 * output.c
 *	  Findings as text, compact, json, sarif, github and gitlab; the GitHub
 *	  step summary; the rule listing.
 *
 *	  What a finding says comes partly from the SQL being linted (object
 *	  names, quoted in messages), so it can hold any byte.  Every format
 *	  escapes for its own syntax: the machine formats stay parseable
 *	  whatever the bytes, and the text formats never let a message move the
 *	  cursor or recolour the terminal.
 *
 *	  SARIF results and GitLab issues carry a fingerprint built from the
 *	  path, rule, object, message and how many identical findings came
 *	  before in the same file, but not the line: an alert keeps its identity
 *	  when unrelated edits move it.
 *
 *-------------------------------------------------------------------------
 */
#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SARIF_SCHEMA_URI	"https://json.schemastore.org/sarif-2.1.0.json"
#define INFORMATION_URI		"https://github.com/schemashift/schemashift"
#define FINGERPRINT_KEY		"schemashiftFinding/v1"

/* two 64-bit hashes in hex, and the terminator */
#define FINGERPRINT_LEN		33

/* the SGR sequences gcc uses for its diagnostics */
#define SGR_BOLD	"\033[1m"
#define SGR_ERROR	"\033[1;31m"
#define SGR_WARNING "\033[1;35m"
#define SGR_INFO	"\033[1;36m"
#define SGR_DIM		"\033[2m"
#define SGR_RESET	"\033[0m"

/*
 * Markdown punctuation that could start emphasis, code, links, HTML, math
 * or strike-through, or end a table cell.  CommonMark lets a backslash
 * escape any ASCII punctuation, so escaping these is always safe.
 */
#define MARKDOWN_SPECIAL	"\\`*_[]<>|~$&"


typedef struct Counts
{
	int			findings;
	int			errors;
	int			warnings;
	int			infos;
} Counts;


/* ---------------------------------------------------------------------
 * Small helpers
 * --------------------------------------------------------------------- */

/* ASCII-only, so that the locale (Turkish i) cannot change what matches */
static bool
name_equals(const char *a, const char *b)
{
	for (;; a++, b++)
	{
		unsigned char ca = (unsigned char) *a;
		unsigned char cb = (unsigned char) *b;

		if (ca >= 'A' && ca <= 'Z')
			ca += 'a' - 'A';
		if (cb >= 'A' && cb <= 'Z')
			cb += 'a' - 'A';
		if (ca != cb)
			return false;
		if (ca == '\0')
			return true;
	}
}

static bool
strings_equal(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* A level in each output's words, by Level. */
typedef struct LevelWords
{
	const char *name;			/* lint(), text, json */
	const char *sarif;
	const char *gitlab;
} LevelWords;

static const LevelWords level_words_of[] = {
	[LEVEL_OFF] = {"off", "none", "info"},
	[LEVEL_INFO] = {"info", "note", "info"},
	[LEVEL_WARNING] = {"warning", "warning", "minor"},
	[LEVEL_ERROR] = {"error", "error", "major"},
};

static const LevelWords *
level_words(Level level)
{
	if ((int) level < 0 || level > LEVEL_ERROR)
		level = LEVEL_OFF;
	return &level_words_of[level];
}

/* lint() never gives a NULL rule, path or message, but do not crash if so */
static const char *
nonnull(const char *s)
{
	return s ? s : "";
}

/* SARIF requires positions >= 1; the other machine formats expect it too */
static int
position(int v)
{
	return v < 1 ? 1 : v;
}

/*
 * The path CI systems should see: "./a.sql" and "a.sql" name the same file
 * in the repository, and neither GitHub nor GitLab resolves the first.
 */
static const char *
repo_path(const char *path)
{
	const char *p = nonnull(path);

	while (p[0] == '.' && p[1] == '/')
	{
		p += 2;
		while (*p == '/')
			p++;
	}
	return *p ? p : nonnull(path);
}

static void
count_findings(const Report *report, Counts *counts)
{
	memset(counts, 0, sizeof(Counts));
	for (int i = 0; i < report->nfiles; i++)
	{
		const LintedFile *file = &report->files[i];

		for (int j = 0; j < file->nfindings; j++)
		{
			counts->findings++;
			if (file->findings[j].level == LEVEL_ERROR)
				counts->errors++;
			else if (file->findings[j].level == LEVEL_WARNING)
				counts->warnings++;
			else if (file->findings[j].level == LEVEL_INFO)
				counts->infos++;
		}
	}
}

static const char *
plural(int n)
{
	return n == 1 ? "" : "s";
}

/*
 * Text for a terminal.  C0 and C1 control characters (but tab) are shown
 * as escapes: a newline would break the one-finding-a-line layout that
 * editors parse, and ESC or CSI could drive the terminal.
 */
static void
put_text(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *) nonnull(s);

	for (; *p; p++)
	{
		if (*p == '\n')
			fputs("\\n", out);
		else if (*p == '\r')
			fputs("\\r", out);
		else if ((*p < 0x20 && *p != '\t') || *p == 0x7F)
			fprintf(out, "\\x%02X", *p);
		else if (*p == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F)
		{
			fprintf(out, "\\u%04X", p[1]);
			p++;
		}
		else
			fputc(*p, out);
	}
}

static void
put_spaces(FILE *out, int n)
{
	for (; n > 0; n--)
		fputc(' ', out);
}


/* ---------------------------------------------------------------------
 * JSON
 * --------------------------------------------------------------------- */

/*
 * Length of the well-formed UTF-8 sequence at s, or 0 if none starts there
 * (overlong forms, surrogates and code points past U+10FFFF are not
 * well-formed).  A NUL is never a continuation byte, so this never reads
 * past the string's end.
 */
static int
utf8_sequence_length(const unsigned char *s)
{
	unsigned char lo = 0x80;
	unsigned char hi = 0xBF;
	int			len;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		len = 2;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
	{
		len = 3;
		if (s[0] == 0xE0)
			lo = 0xA0;
		else if (s[0] == 0xED)
			hi = 0x9F;
	}
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
	{
		len = 4;
		if (s[0] == 0xF0)
			lo = 0x90;
		else if (s[0] == 0xF4)
			hi = 0x8F;
	}
	else
		return 0;

	if (s[1] < lo || s[1] > hi)
		return 0;
	for (int i = 2; i < len; i++)
	{
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	}
	return len;
}

/*
 * The inside of a JSON string for the n bytes at s.  Bytes that are not
 * well-formed UTF-8 become U+FFFD, so the document is always valid JSON.
 */
/* The characters JSON escapes with a backslash and a letter, and the letters */
static const char json_escaped[] = "\"\\\n\r\t\b\f";
static const char json_escape_letters[] = "\"\\nrtbf";

static void
json_chunk(FILE *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *) s;
	const unsigned char *end = p + n;

	while (p < end)
	{
		const char *esc = *p ? strchr(json_escaped, *p) : NULL;
		int			len;

		if (esc)
		{
			fputc('\\', out);
			fputc(json_escape_letters[esc - json_escaped], out);
			p++;
			continue;
		}
		if (*p < 0x20)
		{
			fprintf(out, "\\u%04x", *p);
			p++;
			continue;
		}
		len = utf8_sequence_length(p);
		if (len == 0)
		{
			fputs("\xEF\xBF\xBD", out);
			p++;
			continue;
		}
		fwrite(p, 1, len, out);
		p += len;
	}
}

static void
json_part(FILE *out, const char *s)
{
	json_chunk(out, s, strlen(s));
}

/* a JSON string, or null */
static void
json_str(FILE *out, const char *s)
{
	if (s == NULL)
	{
		fputs("null", out);
		return;
	}
	fputc('"', out);
	json_part(out, s);
	fputc('"', out);
}

/* a boolean from 1/0, null when unknown */
static void json_tristate(FILE *out, int v);

/* ,"key":value, the value a JSON string (null for NULL) */
static void
json_field(FILE *out, const char *key, const char *value)
{
	fprintf(out, ",\"%s\":", key);
	json_str(out, value);
}

/* "lock":...,"rewrites":...: what each JSON output says of a lock */
static void
json_lock_fields(FILE *out, const char *lock, int rewrites)
{
	fputs("\"lock\":", out);
	json_str(out, lock);
	fputs(",\"rewrites\":", out);
	json_tristate(out, rewrites);
}

static void
json_tristate(FILE *out, int v)
{
	fputs(v == 1 ? "true" : v == 0 ? "false" : "null", out);
}

/* write as is, or as the inside of a JSON string */
static void
emit(FILE *out, const char *s, size_t n, bool json)
{
	if (json)
		json_chunk(out, s, n);
	else
		fwrite(s, 1, n, out);
}


/* ---------------------------------------------------------------------
 * Markdown
 * --------------------------------------------------------------------- */

/*
 * Plain text as Markdown.  In a table cell a newline would end the row, so
 * it becomes <br>; elsewhere it stays a (soft) line break.  Other control
 * characters but tab mean nothing in Markdown and are dropped.
 */
static void
markdown_text(FILE *out, const char *s, bool in_cell, bool json)
{
	const char *span = nonnull(s);
	const char *p;

	for (p = span; *p; p++)
	{
		unsigned char c = (unsigned char) *p;
		char		esc[2];

		if ((c < 0x20 && c != '\t' && (c != '\n' || in_cell)) || c == 0x7F)
		{
			emit(out, span, p - span, json);
			if (*p == '\n')
				emit(out, "<br>", 4, json);
			span = p + 1;
		}
		else if (strchr(MARKDOWN_SPECIAL, *p))
		{
			emit(out, span, p - span, json);
			esc[0] = '\\';
			esc[1] = *p;
			emit(out, esc, 2, json);
			span = p + 1;
		}
	}
	emit(out, span, p - span, json);
}

/* a fenced SQL block that no run of backticks in the code can close */
static void
markdown_code(FILE *out, const char *code, bool json)
{
	int			longest = 0;
	int			run = 0;
	int			fence;

	for (const char *p = code; *p; p++)
	{
		run = (*p == '`') ? run + 1 : 0;
		if (run > longest)
			longest = run;
	}
	fence = longest < 3 ? 3 : longest + 1;

	for (int i = 0; i < fence; i++)
		emit(out, "`", 1, json);
	emit(out, "sql\n", 4, json);
	emit(out, code, strlen(code), json);
	emit(out, "\n", 1, json);
	for (int i = 0; i < fence; i++)
		emit(out, "`", 1, json);
}


/* ---------------------------------------------------------------------
 * Fingerprints: 64-bit FNV-1a with two offset bases, 128 bits in all
 * --------------------------------------------------------------------- */

#define FNV_PRIME	UINT64_C(0x100000001b3)

typedef struct Hash128
{
	uint64_t	h[2];
} Hash128;

static void
hash_init(Hash128 *hash)
{
	/* FNV's own offset basis, and the first SHA-256 word as a second seed */
	hash->h[0] = UINT64_C(0xcbf29ce484222325);
	hash->h[1] = UINT64_C(0x6a09e667f3bcc908);
}

static void
hash_bytes(Hash128 *hash, const void *data, size_t n)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < n; i++)
	{
		for (int k = 0; k < 2; k++)
		{
			hash->h[k] ^= p[i];
			hash->h[k] *= FNV_PRIME;
		}
	}
}

/*
 * One field: a tag byte tells NULL from "", and the terminator keeps
 * ("ab","c") from hashing like ("a","bc").
 */
static void
hash_field(Hash128 *hash, const char *s)
{
	if (s == NULL)
	{
		hash_bytes(hash, "N", 1);
		return;
	}
	hash_bytes(hash, "S", 1);
	hash_bytes(hash, s, strlen(s) + 1);
}

static bool
same_finding(const Finding *a, const Finding *b)
{
	return strings_equal(a->rule, b->rule) &&
		strings_equal(a->object, b->object) &&
		strings_equal(a->message, b->message);
}

/*
 * The fingerprints of a file's findings, FINGERPRINT_LEN bytes each, or
 * NULL when it has none.  The caller frees the result.
 */
static char *
file_fingerprints(const LintedFile *file)
{
	int			n = file->nfindings;
	char	   *prints;
	uint64_t   *keys;

	if (n <= 0)
		return NULL;
	prints = pg_malloc_or_die((size_t) n * FINGERPRINT_LEN);

	/* a cheap key per finding, so counting earlier twins is not all strcmp */
	keys = pg_malloc_or_die((size_t) n * sizeof(uint64_t));
	for (int i = 0; i < n; i++)
	{
		Hash128		key;

		hash_init(&key);
		hash_field(&key, file->findings[i].rule);
		hash_field(&key, file->findings[i].object);
		hash_field(&key, file->findings[i].message);
		keys[i] = key.h[0];
	}

	for (int i = 0; i < n; i++)
	{
		const Finding *f = &file->findings[i];
		int			occurrence = 0;
		char		buf[32];
		Hash128		hash;

		for (int j = 0; j < i; j++)
		{
			if (keys[j] == keys[i] && same_finding(&file->findings[j], f))
				occurrence++;
		}

		hash_init(&hash);
		hash_field(&hash, repo_path(file->path));
		hash_field(&hash, f->rule);
		hash_field(&hash, f->object);
		hash_field(&hash, f->message);
		snprintf(buf, sizeof(buf), "%d", occurrence);
		hash_field(&hash, buf);
		snprintf(prints + (size_t) i * FINGERPRINT_LEN, FINGERPRINT_LEN,
				 "%016" PRIx64 "%016" PRIx64, hash.h[0], hash.h[1]);
	}

	free(keys);
	return prints;
}


/* ---------------------------------------------------------------------
 * URIs
 * --------------------------------------------------------------------- */

/*
 * Percent-encode all but RFC 3986's unreserved characters and '/'.  The
 * result is plain ASCII with no quote or backslash, so it can go straight
 * into a JSON string.
 */
static void
put_uri_path(FILE *out, const char *s)
{
	for (const unsigned char *p = (const unsigned char *) s; *p; p++)
	{
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
			(*p >= '0' && *p <= '9') ||
			*p == '-' || *p == '.' || *p == '_' || *p == '~' || *p == '/')
			fputc(*p, out);
		else
			fprintf(out, "%%%02X", *p);
	}
}

/* the working directory, malloc'd, or NULL if it cannot be had */
static char *
current_directory(void)
{
	size_t		size = 256;

	for (;;)
	{
		char	   *buf = pg_malloc_or_die(size);

		if (getcwd(buf, size) != NULL)
		{
			/* Linux can answer "(unreachable)/..."; that is no file URI */
			if (buf[0] == '/')
				return buf;
			free(buf);
			return NULL;
		}
		free(buf);
		if (errno != ERANGE || size >= 1024 * 1024)
			return NULL;
		size *= 2;
	}
}


/* ---------------------------------------------------------------------
 * text and compact
 * --------------------------------------------------------------------- */

static void
output_text(FILE *out, const Report *report, bool color)
{
	for (int i = 0; i < report->nfiles; i++)
	{
		const LintedFile *file = &report->files[i];

		for (int j = 0; j < file->nfindings; j++)
		{
			const Finding *f = &file->findings[j];
			const char *level_color;

			if (f->level == LEVEL_ERROR)
				level_color = SGR_ERROR;
			else if (f->level == LEVEL_WARNING)
				level_color = SGR_WARNING;
			else if (f->level == LEVEL_INFO)
				level_color = SGR_INFO;
			else
				level_color = SGR_BOLD;

			if (color)
				fputs(SGR_BOLD, out);
			put_text(out, file->path);
			fprintf(out, ":%d:%d:", f->line, f->col);
			if (color)
				fputs(SGR_RESET, out);
			fputc(' ', out);

			if (color)
				fputs(level_color, out);
			fprintf(out, "%s:", level_name(f->level));
			if (color)
				fputs(SGR_RESET, out);
			fputc(' ', out);

			put_text(out, f->message);
			fputc(' ', out);
			if (color)
				fputs(SGR_DIM, out);
			fputc('[', out);
			put_text(out, f->rule);
			fputc(']', out);
			if (color)
				fputs(SGR_RESET, out);
			fputc('\n', out);

			/* an empty lock or hint says nothing, so it gets no line */
			if (f->lock && f->lock[0])
			{
				fputs("    lock: ", out);
				put_text(out, f->lock);
				if (f->rewrites == 1)
					fputs(", rewrites the table", out);
				fputc('\n', out);
			}
			if (f->hint && f->hint[0])
			{
				fputs("    hint: ", out);
				put_text(out, f->hint);
				fputc('\n', out);
			}
		}
	}
}

/* the formats of one line per finding (compact, github): each line by put */
static void
each_finding(FILE *out, const Report *report,
			 void (*put) (FILE *out, const LintedFile *file, const Finding *f))
{
	for (int i = 0; i < report->nfiles; i++)
	{
		const LintedFile *file = &report->files[i];

		for (int j = 0; j < file->nfindings; j++)
			put(out, file, &file->findings[j]);
	}
}

static void
put_compact(FILE *out, const LintedFile *file, const Finding *f)
{
	put_text(out, file->path);
	fprintf(out, ":%d:%d: %s [", f->line, f->col, level_name(f->level));
	put_text(out, f->rule);
	fputs("] ", out);
	put_text(out, f->message);
	fputc('\n', out);
}

static void
output_compact(FILE *out, const Report *report, bool color)
{
	each_finding(out, report, put_compact);
}


/* ---------------------------------------------------------------------
 * json
 * --------------------------------------------------------------------- */

static void
output_json(FILE *out, const Report *report, bool color)
{
	Counts		counts;

	count_findings(report, &counts);

	fputs("{\"schema\":\"schemashift-lint\",\"version\":1,"
		  "\"tool\":{\"name\":\"schemashift\",\"version\":", out);
	json_str(out, report->tool_version);
	fputs("},\"server_version\":", out);
	json_str(out, report->server_version);
	fprintf(out, ",\"fail_on\":\"%s\",\"files\":[", level_name(report->fail_on));

	for (int i = 0; i < report->nfiles; i++)
	{
		const LintedFile *file = &report->files[i];

		if (i > 0)
			fputc(',', out);
		fputs("{\"path\":", out);
		json_str(out, nonnull(file->path));
		fputs(",\"findings\":[", out);
		for (int j = 0; j < file->nfindings; j++)
		{
			const Finding *f = &file->findings[j];

			if (j > 0)
				fputc(',', out);
			fprintf(out, "{\"statement\":%d,\"line\":%d,\"col\":%d,\"rule\":",
					f->statement, f->line, f->col);
			json_str(out, nonnull(f->rule));
			fprintf(out, ",\"level\":\"%s\",\"object\":", level_name(f->level));
			json_str(out, f->object);
			fputc(',', out);
			json_lock_fields(out, f->lock, f->rewrites);
			json_field(out, "message", nonnull(f->message));
			json_field(out, "hint", f->hint);
			fputc('}', out);
		}
		fputs("]}", out);
	}

	fprintf(out, "],\"summary\":{\"files\":%d,\"findings\":%d,"
			"\"errors\":%d,\"warnings\":%d,\"infos\":%d}}\n",
			report->nfiles, counts.findings, counts.errors, counts.warnings,
			counts.infos);
}


/* ---------------------------------------------------------------------
 * sarif
 * --------------------------------------------------------------------- */

static const char *
sarif_level(Level level)
{
	return level_words(level)->sarif;
}

/*
 * SARIF wants name to be a readable identifier, conventionally PascalCase:
 * "adding-field-with-default" becomes "AddingFieldWithDefault".
 */
static void
sarif_rule_name(FILE *out, const char *id)
{
	char	   *name = pg_malloc_or_die(strlen(id) + 1);
	char	   *q = name;
	bool		word_start = true;

	for (const char *p = id; *p; p++)
	{
		unsigned char c = (unsigned char) *p;
		bool		word_char = c >= 0x80 ||
			(c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			(c >= '0' && c <= '9');

		if (!word_char)
		{
			word_start = true;
			continue;
		}
		if (word_start && c >= 'a' && c <= 'z')
			c -= 'a' - 'A';
		*q++ = (char) c;
		word_start = false;
	}
	*q = '\0';

	json_str(out, name[0] ? name : id);
	free(name);
}

/* One "Bad:"/"Good:" example of a rule's help, after a blank line. */
static void
sarif_help_example(FILE *out, const char *label, const char *example,
				   bool markdown, bool *any)
{
	if (example == NULL)
		return;
	if (*any)
		json_part(out, "\n\n");
	json_part(out, markdown ? "**" : "");
	json_part(out, label);
	json_part(out, markdown ? ":**\n\n" : ":\n");
	if (markdown)
		markdown_code(out, example, true);
	else
		json_part(out, example);
	*any = true;
}

/*
 * Rule help.  Code scanning shows the help as the rule's documentation, in
 * place of fullDescription, so the help repeats the why.
 */
static void
sarif_help(FILE *out, const RuleInfo *rule, bool markdown)
{
	const char *sep = "\n\n";
	bool		any = false;

	if (rule->hint)
	{
		if (markdown)
			markdown_text(out, rule->hint, false, true);
		else
			json_part(out, rule->hint);
		any = true;
	}
	if (rule->why)
	{
		if (any)
			json_part(out, sep);
		if (markdown)
			markdown_text(out, rule->why, false, true);
		else
			json_part(out, rule->why);
		any = true;
	}
	sarif_help_example(out, "Bad", rule->bad_example, markdown, &any);
	sarif_help_example(out, "Good", rule->good_example, markdown, &any);
}

static void
sarif_rule(FILE *out, const RuleInfo *rule)
{
	const char *id = nonnull(rule->id);

	fputs("{\"id\":", out);
	json_str(out, id);
	fputs(",\"name\":", out);
	sarif_rule_name(out, id);
	if (rule->summary)
	{
		fputs(",\"shortDescription\":{\"text\":", out);
		json_str(out, rule->summary);
		fputc('}', out);
	}
	if (rule->why)
	{
		fputs(",\"fullDescription\":{\"text\":", out);
		json_str(out, rule->why);
		fputc('}', out);
	}
	if (rule->hint || rule->why || rule->bad_example || rule->good_example)
	{
		fputs(",\"help\":{\"text\":\"", out);
		sarif_help(out, rule, false);
		fputs("\",\"markdown\":\"", out);
		sarif_help(out, rule, true);
		fputs("\"}", out);
	}
	fprintf(out, ",\"defaultConfiguration\":{\"level\":\"%s\"}",
			sarif_level(rule->default_level));
	fputs(",\"properties\":{", out);
	json_lock_fields(out, rule->lock, rule->rewrites);
	fputs("}}", out);
}

static int
rule_index(const Report *report, const char *id)
{
	if (id == NULL)
		return -1;
	for (int i = 0; i < report->nrules; i++)
	{
		if (strings_equal(report->rules[i].id, id))
			return i;
	}
	return -1;
}

static void
sarif_result(FILE *out, const Report *report, const LintedFile *file,
			 const Finding *f, const char *fingerprint)
{
	const char *path = repo_path(file->path);
	int			index = rule_index(report, f->rule);

	fputs("{\"ruleId\":", out);
	json_str(out, nonnull(f->rule));
	if (index >= 0)
		fprintf(out, ",\"ruleIndex\":%d", index);
	fprintf(out, ",\"level\":\"%s\",\"message\":{\"text\":\"",
			sarif_level(f->level));
	json_part(out, nonnull(f->message));
	if (f->hint && f->hint[0])
	{
		json_part(out, " Hint: ");
		json_part(out, f->hint);
	}
	fputs("\"},\"locations\":[{\"physicalLocation\":{\"artifactLocation\":"
		  "{\"uri\":\"", out);
	if (path[0] == '/')
	{
		fputs("file://", out);
		put_uri_path(out, path);
		fputs("\"}", out);
	}
	else
	{
		put_uri_path(out, path);
		fputs("\",\"uriBaseId\":\"%SRCROOT%\"}", out);
	}
	fprintf(out, ",\"region\":{\"startLine\":%d,\"startColumn\":%d}}}]",
			position(f->line), position(f->col));
	fprintf(out, ",\"partialFingerprints\":{\"" FINGERPRINT_KEY "\":\"%s\"}",
			fingerprint);
	fprintf(out, ",\"properties\":{\"statement\":%d,\"object\":", f->statement);
	json_str(out, f->object);
	fputc(',', out);
	json_lock_fields(out, f->lock, f->rewrites);
	fputs("}}", out);
}

static void
output_sarif(FILE *out, const Report *report, bool color)
{
	char	   *cwd = current_directory();
	bool		first = true;

	fputs("{\"$schema\":\"" SARIF_SCHEMA_URI "\",\"version\":\"2.1.0\","
		  "\"runs\":[{\"tool\":{\"driver\":{\"name\":\"schemashift\"", out);
	if (report->tool_version)
	{
		fputs(",\"version\":", out);
		json_str(out, report->tool_version);
		fputs(",\"semanticVersion\":", out);
		json_str(out, report->tool_version);
	}
	fputs(",\"informationUri\":\"" INFORMATION_URI "\",\"rules\":[", out);
	for (int i = 0; i < report->nrules; i++)
	{
		if (i > 0)
			fputc(',', out);
		sarif_rule(out, &report->rules[i]);
	}
	fputs("]}},\"results\":[", out);

	for (int i = 0; i < report->nfiles; i++)
	{
		const LintedFile *file = &report->files[i];
		char	   *prints = file_fingerprints(file);

		for (int j = 0; j < file->nfindings; j++)
		{
			if (!first)
				fputc(',', out);
			first = false;
			sarif_result(out, report, file, &file->findings[j],
						 prints + (size_t) j * FINGERPRINT_LEN);
		}
		free(prints);
	}
	fputs("],\"columnKind\":\"unicodeCodePoints\"", out);

	/* where relative URIs start, so a viewer away from CI can open them */
	if (cwd)
	{
		fputs(",\"originalUriBaseIds\":{\"%SRCROOT%\":{\"uri\":\"file://", out);
		put_uri_path(out, cwd);
		if (cwd[strlen(cwd) - 1] != '/')
			fputc('/', out);
		fputs("\"}}", out);
		free(cwd);
	}
	fputs("}]}\n", out);
}


/* ---------------------------------------------------------------------
 * github: workflow commands, escaped as @actions/core escapes them
 * --------------------------------------------------------------------- */

static void
github_escape(FILE *out, const char *s, bool property)
{
	for (const char *p = nonnull(s); *p; p++)
	{
		if (*p == '%')
			fputs("%25", out);
		else if (*p == '\r')
			fputs("%0D", out);
		else if (*p == '\n')
			fputs("%0A", out);
		else if (property && *p == ':')
			fputs("%3A", out);
		else if (property && *p == ',')
			fputs("%2C", out);
		else
			fputc(*p, out);
	}
}

static void
put_github(FILE *out, const LintedFile *file, const Finding *f)
{
	/* GitHub's mildest annotation, notice, stands for info */
	fprintf(out, "::%s file=",
			f->level == LEVEL_ERROR ? "error" :
			f->level == LEVEL_WARNING ? "warning" : "notice");
	github_escape(out, repo_path(file->path), true);
	fprintf(out, ",line=%d,col=%d,title=", position(f->line),
			position(f->col));
	github_escape(out, f->rule, true);
	fputs("::", out);
	github_escape(out, f->message, false);
	if (f->hint && f->hint[0])
	{
		fputs("%0AHint: ", out);
		github_escape(out, f->hint, false);
	}
	fputc('\n', out);
}

static void
output_github(FILE *out, const Report *report, bool color)
{
	each_finding(out, report, put_github);
}


/* ---------------------------------------------------------------------
 * gitlab: Code Quality report
 * --------------------------------------------------------------------- */

static const char *
gitlab_severity(Level level)
{
	return level_words(level)->gitlab;
}

static void
output_gitlab(FILE *out, const Report *report, bool color)
{
	bool		first = true;

	fputc('[', out);
	for (int i = 0; i < report->nfiles; i++)
	{
		const LintedFile *file = &report->files[i];
		char	   *prints = file_fingerprints(file);

		for (int j = 0; j < file->nfindings; j++)
		{
			const Finding *f = &file->findings[j];

			if (!first)
				fputc(',', out);
			first = false;
			fputs("{\"description\":", out);
			json_str(out, nonnull(f->message));
			fputs(",\"check_name\":", out);
			json_str(out, nonnull(f->rule));
			fprintf(out, ",\"fingerprint\":\"%s\",\"severity\":\"%s\","
					"\"location\":{\"path\":",
					prints + (size_t) j * FINGERPRINT_LEN,
					gitlab_severity(f->level));
			json_str(out, repo_path(file->path));
			fprintf(out, ",\"lines\":{\"begin\":%d}}}", position(f->line));
		}
		free(prints);
	}
	fputs("]\n", out);
}


/* ---------------------------------------------------------------------
 * Exported
 * --------------------------------------------------------------------- */

const char *
level_name(Level level)
{
	return level_words(level)->name;
}

bool
level_from_name(const char *name, Level *level)
{
	static const Level levels[] = {LEVEL_OFF, LEVEL_INFO, LEVEL_WARNING, LEVEL_ERROR};

	if (name == NULL)
		return false;
	for (int i = 0; i < (int) (sizeof(levels) / sizeof(levels[0])); i++)
	{
		if (name_equals(name, level_name(levels[i])))
		{
			*level = levels[i];
			return true;
		}
	}
	return false;
}

/*
 * The formats: a new one is its writer above and a row here (and its
 * name in OutputFormat, cli.h).
 */
typedef void (*FormatWriter) (FILE *out, const Report *report, bool color);

static const struct
{
	const char *name;
	FormatWriter write;
}			formats[] = {
	[FORMAT_TEXT] = {"text", output_text},
	[FORMAT_COMPACT] = {"compact", output_compact},
	[FORMAT_JSON] = {"json", output_json},
	[FORMAT_SARIF] = {"sarif", output_sarif},
	[FORMAT_GITHUB] = {"github", output_github},
	[FORMAT_GITLAB] = {"gitlab", output_gitlab},
};

#define NUM_FORMATS ((int) (sizeof(formats) / sizeof(formats[0])))

bool
output_format_from_name(const char *name, OutputFormat *fmt)
{
	if (name == NULL)
		return false;
	for (int i = 0; i < NUM_FORMATS; i++)
	{
		if (name_equals(name, formats[i].name))
		{
			*fmt = (OutputFormat) i;
			return true;
		}
	}
	return false;
}

/* the formats' names, NULL-terminated, for suggestions and hints */
const char *const *
output_format_names(void)
{
	static const char *names[sizeof(formats) / sizeof(formats[0]) + 1];

	for (int i = 0; i < NUM_FORMATS; i++)
		names[i] = formats[i].name;
	names[NUM_FORMATS] = NULL;
	return names;
}

void
output_report(FILE *out, OutputFormat fmt, const Report *report, bool color)
{
	formats[fmt].write(out, report, color);
}

void
output_github_summary(FILE *out, const Report *report)
{
	Counts		counts;

	count_findings(report, &counts);

	fputs("## schemashift lint\n\n", out);
	if (counts.findings == 0)
	{
		fprintf(out, "Linted %d file%s.\n\nNo findings.\n",
				report->nfiles, plural(report->nfiles));
		return;
	}

	fprintf(out, "Linted %d file%s: %d finding%s (%d error%s, %d warning%s",
			report->nfiles, plural(report->nfiles),
			counts.findings, plural(counts.findings),
			counts.errors, plural(counts.errors),
			counts.warnings, plural(counts.warnings));
	if (counts.infos > 0)
		fprintf(out, ", %d info%s", counts.infos, plural(counts.infos));
	fputs(").\n\n", out);
	fputs("| File | Line | Level | Rule | Message |\n"
		  "| --- | --- | --- | --- | --- |\n", out);

	for (int i = 0; i < report->nfiles; i++)
	{
		const LintedFile *file = &report->files[i];

		for (int j = 0; j < file->nfindings; j++)
		{
			const Finding *f = &file->findings[j];

			fputs("| ", out);
			markdown_text(out, file->path, true, false);
			fprintf(out, " | %d | %s | ", f->line, level_name(f->level));
			markdown_text(out, f->rule, true, false);
			fputs(" | ", out);
			markdown_text(out, f->message, true, false);
			if (f->hint && f->hint[0])
			{
				fputs("<br>Hint: ", out);
				markdown_text(out, f->hint, true, false);
			}
			fputs(" |\n", out);
		}
	}
}

void
output_rules(FILE *out, bool json, const RuleInfo *rules, int nrules)
{
	if (json)
	{
		fputs("{\"schema\":\"schemashift-rules\",\"version\":1,\"rules\":[", out);
		for (int i = 0; i < nrules; i++)
		{
			const RuleInfo *r = &rules[i];

			if (i > 0)
				fputc(',', out);
			fputs("{\"id\":", out);
			json_str(out, nonnull(r->id));
			fprintf(out, ",\"level\":\"%s\",\"default_level\":\"%s\",",
					level_name(r->level), level_name(r->default_level));
			json_lock_fields(out, r->lock, r->rewrites);
			json_field(out, "summary", r->summary);
			json_field(out, "message", r->message);
			json_field(out, "hint", r->hint);
			json_field(out, "why", r->why);
			json_field(out, "bad_example", r->bad_example);
			json_field(out, "good_example", r->good_example);
			fputc('}', out);
		}
		fputs("]}\n", out);
	}
	else
	{
		int			id_width = (int) strlen("RULE");
		int			level_width = (int) strlen("LEVEL");

		for (int i = 0; i < nrules; i++)
		{
			int			w = (int) strlen(nonnull(rules[i].id));
			int			lw = (int) strlen(level_name(rules[i].level));

			if (w > id_width)
				id_width = w;
			if (lw > level_width)
				level_width = lw;
		}

		fprintf(out, "%-*s  %-*s  SUMMARY\n", id_width, "RULE",
				level_width, "LEVEL");
		for (int i = 0; i < nrules; i++)
		{
			const char *id = nonnull(rules[i].id);

			put_text(out, id);
			put_spaces(out, id_width - (int) strlen(id) + 2);
			if (rules[i].summary && rules[i].summary[0])
			{
				fprintf(out, "%-*s  ", level_width, level_name(rules[i].level));
				put_text(out, rules[i].summary);
			}
			else
				fputs(level_name(rules[i].level), out);
			fputc('\n', out);
		}
	}
}
