/*-------------------------------------------------------------------------
 *
 * files.c
 *	  Which migration files to lint, and in what order.
 *
 *	  Arguments are files, directories (searched recursively for *.sql),
 *	  globs (expanded here, so a quoted glob works the same on every shell)
 *	  or "-" for standard input.  Files are taken in version order, comparing
 *	  runs of digits as numbers, so V2__x.sql comes before V10__x.sql as
 *	  Flyway, Sqitch-style numbering and Rails timestamps expect.
 *
 *-------------------------------------------------------------------------
 */
#include "cli.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <glob.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

void
files_add(FileList *list, const char *path)
{
	if (list->npaths >= list->cap)
	{
		int			newcap = list->cap ? list->cap * 2 : 64;
		char	  **paths = pg_malloc_or_die(sizeof(char *) * newcap);

		if (list->npaths)
			memcpy(paths, list->paths, sizeof(char *) * list->npaths);
		free(list->paths);
		list->paths = paths;
		list->cap = newcap;
	}
	list->paths[list->npaths++] = pg_strdup_or_die(path);
}

static bool
has_sql_suffix(const char *name)
{
	size_t		len = strlen(name);

	return len > 4 && strcmp(name + len - 4, ".sql") == 0;
}

static char *
join_path(const char *dir, const char *name)
{
	size_t		dlen = strlen(dir);
	char	   *p = pg_malloc_or_die(dlen + strlen(name) + 2);

	if (dlen > 0 && dir[dlen - 1] == '/')
		sprintf(p, "%s%s", dir, name);
	else
		sprintf(p, "%s/%s", dir, name);
	return p;
}

/* Every *.sql file below dir; hidden entries are skipped. */
static int
collect_dir(FileList *list, const char *dir, int depth)
{
	DIR		   *d;
	struct dirent *de;
	int			found = 0;

	if (depth > 64)
	{
		cli_error("directory \"%s\" is nested too deeply (a symbolic link loop?)", dir);
		return -1;
	}
	d = opendir(dir);
	if (d == NULL)
	{
		cli_error("could not open directory \"%s\": %s", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL)
	{
		char	   *path;
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		path = join_path(dir, de->d_name);
		if (stat(path, &st) != 0)
		{
			/* a dangling symbolic link is not a migration */
			free(path);
			continue;
		}
		if (S_ISDIR(st.st_mode))
		{
			int			n = collect_dir(list, path, depth + 1);

			if (n < 0)
			{
				free(path);
				closedir(d);
				return -1;
			}
			found += n;
		}
		else if (S_ISREG(st.st_mode) && has_sql_suffix(de->d_name))
		{
			files_add(list, path);
			found++;
		}
		free(path);
	}
	closedir(d);
	return found;
}

static int
collect_existing(FileList *list, const char *path, const struct stat *st)
{
	if (S_ISDIR(st->st_mode))
		return collect_dir(list, path, 0);
	files_add(list, path);
	return 1;
}

/*
 * Add what one argument names.  Returns the number of files added, or -1
 * after reporting why nothing could be (a name that matches nothing is an
 * input error: a typo in CI must not pass as "no findings").
 */
int
files_collect(FileList *list, const char *arg, bool *used_stdin)
{
	struct stat st;
	glob_t		g;
	int			rc;
	int			found = 0;
	size_t		i;

	if (strcmp(arg, "-") == 0)
	{
		if (*used_stdin)
		{
			cli_error("standard input (-) can be named only once");
			return -1;
		}
		*used_stdin = true;
		files_add(list, "-");
		return 1;
	}
	if (stat(arg, &st) == 0)
	{
		int			n = collect_existing(list, arg, &st);

		if (n == 0)
			cli_error("directory \"%s\" holds no *.sql file", arg);
		return n > 0 ? n : -1;
	}
	if (strpbrk(arg, "*?[") == NULL)
	{
		cli_error("could not open \"%s\": %s", arg, strerror(errno));
		return -1;
	}

	rc = glob(arg, 0, NULL, &g);
	if (rc == GLOB_NOMATCH)
	{
		cli_error("no file matches \"%s\"", arg);
		return -1;
	}
	if (rc != 0)
	{
		cli_error("could not expand \"%s\"", arg);
		return -1;
	}
	for (i = 0; i < g.gl_pathc; i++)
	{
		int			n;

		if (stat(g.gl_pathv[i], &st) != 0)
			continue;
		n = collect_existing(list, g.gl_pathv[i], &st);
		if (n < 0)
		{
			globfree(&g);
			return -1;
		}
		found += n;
	}
	globfree(&g);
	if (found == 0)
	{
		cli_error("no *.sql file matches \"%s\"", arg);
		return -1;
	}
	return found;
}

/*
 * Compare two names the way migration tools order versions: runs of digits
 * compare as numbers (leading zeros aside, a longer run is a bigger number),
 * everything else byte by byte.  Ties between "01" and "1" fall back to the
 * plain byte order so the order is total.
 */
int
version_compare(const char *a, const char *b)
{
	const char *pa = a;
	const char *pb = b;

	while (*pa && *pb)
	{
		if (*pa >= '0' && *pa <= '9' && *pb >= '0' && *pb <= '9')
		{
			const char *sa;
			const char *sb;
			size_t		la;
			size_t		lb;
			int			c;

			while (*pa == '0' && pa[1] >= '0' && pa[1] <= '9')
				pa++;
			while (*pb == '0' && pb[1] >= '0' && pb[1] <= '9')
				pb++;
			sa = pa;
			sb = pb;
			while (*pa >= '0' && *pa <= '9')
				pa++;
			while (*pb >= '0' && *pb <= '9')
				pb++;
			la = pa - sa;
			lb = pb - sb;
			if (la != lb)
				return la < lb ? -1 : 1;
			c = memcmp(sa, sb, la);
			if (c != 0)
				return c;
			continue;
		}
		if (*pa != *pb)
			return (unsigned char) *pa < (unsigned char) *pb ? -1 : 1;
		pa++;
		pb++;
	}
	if (*pa || *pb)
		return *pa ? 1 : -1;
	return strcmp(a, b);
}

static const char *
base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/*
 * By file name first: migrations/sub/V3__y.sql comes before
 * migrations/V10__x.sql, as Flyway orders versions across its locations;
 * the whole path breaks ties.
 */
static int
path_cmp(const void *a, const void *b)
{
	const char *pa = *(char *const *) a;
	const char *pb = *(char *const *) b;
	int			c = version_compare(base_name(pa), base_name(pb));

	return c != 0 ? c : version_compare(pa, pb);
}

/* Sort into version order and drop a file named twice. */
void
files_sort_versions(FileList *list)
{
	int			i;
	int			n = 0;

	if (list->npaths == 0)
		return;
	qsort(list->paths, list->npaths, sizeof(char *), path_cmp);
	for (i = 0; i < list->npaths; i++)
	{
		if (n > 0 && strcmp(list->paths[n - 1], list->paths[i]) == 0)
		{
			free(list->paths[i]);
			continue;
		}
		list->paths[n++] = list->paths[i];
	}
	list->npaths = n;
}

/* The path without a leading "./", for matching. */
static const char *
strip_dot_slash(const char *path)
{
	while (path[0] == '.' && path[1] == '/')
		path += 2;
	return path;
}

/*
 * Drop files an --exclude glob matches: the glob is tried against the path
 * as given (without a leading ./) and against the file name alone, so both
 * "migrations/old/..." globs and "*_seed.sql" do what one expects.
 */
void
files_exclude(FileList *list, char **globs, int nglobs)
{
	int			i;
	int			n = 0;

	for (i = 0; i < list->npaths; i++)
	{
		const char *path = strip_dot_slash(list->paths[i]);
		const char *base = strrchr(path, '/');
		bool		excluded = false;
		int			j;

		base = base ? base + 1 : path;
		for (j = 0; j < nglobs && !excluded; j++)
			excluded = fnmatch(globs[j], path, 0) == 0 ||
				fnmatch(globs[j], base, 0) == 0;
		if (excluded && strcmp(list->paths[i], "-") != 0)
			free(list->paths[i]);
		else
			list->paths[n++] = list->paths[i];
	}
	list->npaths = n;
}

/*
 * Read fd to its end into a NUL-terminated buffer; returns the buffer and
 * its length in *len, or NULL with errno set.
 */
static char *
read_all(int fd, size_t *len)
{
	char	   *buf = NULL;
	size_t		used = 0;
	size_t		cap = 0;

	for (;;)
	{
		ssize_t		n;

		if (used + 65536 + 1 > cap)
		{
			size_t		newcap = cap ? cap * 2 : 131072;
			char	   *nbuf = pg_malloc_or_die(newcap);

			if (used)
				memcpy(nbuf, buf, used);
			free(buf);
			buf = nbuf;
			cap = newcap;
		}
		n = read(fd, buf + used, cap - used - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
		{
			int			save = errno;

			free(buf);
			errno = save;
			return NULL;
		}
		if (n == 0)
			break;
		used += n;
	}
	buf[used] = '\0';
	*len = used;
	return buf;
}

/*
 * Run git with argv (no shell) and return what it printed, NUL-separated
 * entries when -z was asked.  NULL, with the reason printed, on failure.
 */
static char *
run_git(char *const argv[], size_t *len, bool quiet_failure)
{
	int			out[2];
	pid_t		pid;
	char	   *buf;
	int			status;

	if (pipe(out) != 0)
	{
		cli_error("could not create a pipe: %s", strerror(errno));
		return NULL;
	}
	pid = fork();
	if (pid < 0)
	{
		cli_error("could not run git: %s", strerror(errno));
		close(out[0]);
		close(out[1]);
		return NULL;
	}
	if (pid == 0)
	{
		int			devnull = open("/dev/null", O_RDWR);

		dup2(out[1], 1);
		if (quiet_failure && devnull >= 0)
			dup2(devnull, 2);
		if (devnull >= 0)
			dup2(devnull, 0);
		close(out[0]);
		close(out[1]);
		execvp("git", argv);
		fprintf(stderr, "%s: could not run git: %s\n", progname, strerror(errno));
		_exit(127);
	}
	close(out[1]);
	buf = read_all(out[0], len);
	close(out[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (buf == NULL || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
	{
		free(buf);
		return NULL;
	}
	return buf;
}

/* The canonical absolute path of an existing file, or NULL. */
static char *
canonical(const char *path)
{
	char		resolved[PATH_MAX];

	if (realpath(path, resolved) == NULL)
		return NULL;
	return pg_strdup_or_die(resolved);
}

static void
add_git_entries(FileList *changed, const char *buf, size_t len)
{
	size_t		off = 0;

	while (off < len)
	{
		const char *entry = buf + off;
		size_t		elen = strlen(entry);
		char	   *abs;

		if (elen > 0 && (abs = canonical(entry)) != NULL)
		{
			files_add(changed, abs);
			free(abs);
		}
		off += elen + 1;
	}
}

/*
 * Keep only the files added or changed since ref: committed since it, staged,
 * modified in the work tree, or new and not ignored.  Returns 0, or -1 after
 * reporting a ref git does not know (an input error: a mistyped ref must not
 * silently lint nothing).
 */
int
files_changed_since(FileList *list, const char *ref)
{
	char	   *verify_ref;
	char	   *verify[] = {"git", "rev-parse", "--verify", "--quiet", NULL, NULL};
	char	   *diff[] = {"git", "-c", "core.quotepath=off", "diff", "--name-only", "-z",
	"--relative", "--diff-filter=ACMR", NULL, "--", NULL};
	char	   *untracked[] = {"git", "ls-files", "-z", "--others", "--exclude-standard", NULL};
	FileList	changed = {0};
	char	   *buf;
	size_t		len;
	int			i;
	int			n = 0;

	if (ref[0] == '-')
	{
		cli_error("invalid git ref \"%s\"", ref);
		return -1;
	}
	verify_ref = pg_malloc_or_die(strlen(ref) + sizeof("^{commit}"));
	sprintf(verify_ref, "%s^{commit}", ref);
	verify[4] = verify_ref;
	buf = run_git(verify, &len, false);
	free(verify_ref);
	if (buf == NULL)
	{
		cli_error("--changed-since: \"%s\" is not a commit git knows here", ref);
		return -1;
	}
	free(buf);

	diff[8] = (char *) ref;
	buf = run_git(diff, &len, false);
	if (buf == NULL)
	{
		cli_error("--changed-since: git diff against \"%s\" failed", ref);
		return -1;
	}
	add_git_entries(&changed, buf, len);
	free(buf);
	buf = run_git(untracked, &len, false);
	if (buf == NULL)
	{
		cli_error("--changed-since: git ls-files failed");
		return -1;
	}
	add_git_entries(&changed, buf, len);
	free(buf);

	for (i = 0; i < list->npaths; i++)
	{
		char	   *abs = strcmp(list->paths[i], "-") == 0 ? NULL : canonical(list->paths[i]);
		bool		keep = strcmp(list->paths[i], "-") == 0;
		int			j;

		for (j = 0; abs && j < changed.npaths && !keep; j++)
			keep = strcmp(abs, changed.paths[j]) == 0;
		free(abs);
		if (keep)
			list->paths[n++] = list->paths[i];
		else
			free(list->paths[i]);
	}
	list->npaths = n;
	for (i = 0; i < changed.npaths; i++)
		free(changed.paths[i]);
	free(changed.paths);
	return 0;
}

/*
 * Position (1-based line and byte column) of offset in buf, for messages
 * about bad bytes.
 */
static void
position_of(const char *buf, size_t offset, int *line, int *col)
{
	size_t		i;

	*line = 1;
	*col = 1;
	for (i = 0; i < offset; i++)
	{
		if (buf[i] == '\n')
		{
			(*line)++;
			*col = 1;
		}
		else if (((unsigned char) buf[i] & 0xC0) != 0x80)
			(*col)++;
	}
}

/* Length of the valid UTF-8 sequence at s, or 0. */
static int
utf8_sequence(const unsigned char *s, size_t left)
{
	int			n;
	int			i;
	unsigned int cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		n = 2, cp = s[0] & 0x1F;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		n = 3, cp = s[0] & 0x0F;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	if ((size_t) n > left)
		return 0;
	for (i = 1; i < n; i++)
	{
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
		(n == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
		return 0;
	return n;
}

/*
 * Read a whole file ("-" is standard input).  A migration must be text the
 * server can take: a NUL byte or bytes that are not UTF-8 are input errors
 * with their position.  A UTF-8 byte order mark is dropped, since the server
 * would take it for part of the first token.
 */
char *
read_file(const char *path, size_t *len, char **errmsg)
{
	int			fd;
	char	   *buf;
	size_t		used = 0;
	size_t		i;
	char		msg[512];

	*errmsg = NULL;
	fd = strcmp(path, "-") == 0 ? 0 : open(path, O_RDONLY);
	if (fd < 0)
	{
		snprintf(msg, sizeof(msg), "could not open \"%s\": %s", path, strerror(errno));
		*errmsg = pg_strdup_or_die(msg);
		return NULL;
	}
	buf = read_all(fd, &used);
	if (buf == NULL)
	{
		snprintf(msg, sizeof(msg), "could not read \"%s\": %s", path, strerror(errno));
		*errmsg = pg_strdup_or_die(msg);
		if (fd != 0)
			close(fd);
		return NULL;
	}
	if (fd != 0)
		close(fd);

	if (used >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
	{
		memmove(buf, buf + 3, used - 3 + 1);
		used -= 3;
	}
	for (i = 0; i < used;)
	{
		int			n;
		int			line;
		int			col;

		if (buf[i] == '\0')
		{
			position_of(buf, i, &line, &col);
			snprintf(msg, sizeof(msg), "%d:%d: error: the file contains a NUL byte", line, col);
			*errmsg = pg_strdup_or_die(msg);
			free(buf);
			return NULL;
		}
		n = utf8_sequence((const unsigned char *) buf + i, used - i);
		if (n == 0)
		{
			position_of(buf, i, &line, &col);
			snprintf(msg, sizeof(msg), "%d:%d: error: invalid UTF-8 byte 0x%02x", line, col,
					 (unsigned char) buf[i]);
			*errmsg = pg_strdup_or_die(msg);
			free(buf);
			return NULL;
		}
		i += n;
	}
	*len = used;
	return buf;
}
