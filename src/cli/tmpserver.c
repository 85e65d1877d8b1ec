/*-------------------------------------------------------------------------
 *
 * tmpserver.c
 *	  The throw-away PostgreSQL server the command line starts when it is
 *	  given no database.
 *
 *	  initdb costs about a second, so it runs once: its result, with the
 *	  extension created and shut down cleanly, is kept as a template in the
 *	  user's cache directory, one per PostgreSQL and extension build.  A run
 *	  copies the template into a private temporary directory and starts the
 *	  postmaster itself (no pg_ctl), listening on a unix socket in that
 *	  directory only, with fsync off.  The server is tied to its parent:
 *	  PR_SET_PDEATHSIG stops it if the command line dies, even by SIGKILL,
 *	  and a directory such a death leaves behind is removed by the next run.
 *
 *-------------------------------------------------------------------------
 */
#define _GNU_SOURCE				/* copy_file_range */
#include "cli.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <linux/fs.h>
#endif

#include "libpq-fe.h"

#define RUN_PREFIX		"schemashift-run."
#define SERVER_PORT		"5432"

struct TmpServer
{
	char		dir[PATH_MAX];	/* private run directory */
	pid_t		pid;			/* the postmaster */
	char		conninfo[PATH_MAX + 64];
	double		startup;		/* seconds from start to accepting */
	bool		built_template; /* this run had to make the template */
};

/*
 * The PostgreSQL installation the server runs from: the one this program was
 * built with (or --pg-bindir's programs with its extension files), or the
 * one a pg_config names (--pg-config).
 */
typedef struct ServerDirs
{
	char		bindir[PATH_MAX];
	char		pkglibdir[PATH_MAX];
	char		sharedir[PATH_MAX];
} ServerDirs;

/* the running server, for the signal handlers in main.c */
static volatile pid_t running_postmaster = 0;

static double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static char *
format_message(const char *fmt,...) __attribute__((format(printf, 1, 2)));

static char *
format_message(const char *fmt,...)
{
	char		buf[2048];
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return pg_strdup_or_die(buf);
}

/* ---------- files ---------- */

static int
mkdir_p(const char *path, mode_t mode)
{
	char		buf[PATH_MAX];
	char	   *p;

	if (strlen(path) >= sizeof(buf))
		return -1;
	strcpy(buf, path);
	for (p = buf + 1; *p; p++)
	{
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, mode) != 0 && errno != EEXIST)
		return -1;
	return 0;
}

/* Remove a directory tree; it must be ours, so symbolic links are not followed. */
static void
remove_tree(const char *path)
{
	DIR		   *d = opendir(path);
	struct dirent *de;

	if (d != NULL)
	{
		while ((de = readdir(d)) != NULL)
		{
			char		child[PATH_MAX];
			struct stat st;

			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			if (snprintf(child, sizeof(child), "%s/%s", path, de->d_name) >= (int) sizeof(child))
				continue;
			if (lstat(child, &st) == 0 && S_ISDIR(st.st_mode))
				remove_tree(child);
			else
				unlink(child);
		}
		closedir(d);
	}
	rmdir(path);
}

static int
copy_file(const char *from, const char *to, mode_t mode)
{
	int			in;
	int			out;
	int			rc = 0;

	in = open(from, O_RDONLY);
	if (in < 0)
		return -1;
	out = open(to, O_WRONLY | O_CREAT | O_EXCL, mode & 07777);
	if (out < 0)
	{
		close(in);
		return -1;
	}
#ifdef FICLONE
	/* a reflink costs nothing where the file system has them */
	if (ioctl(out, FICLONE, in) == 0)
	{
		close(in);
		close(out);
		return 0;
	}
#endif
	for (;;)
	{
		ssize_t		n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);

		if (n == 0)
			break;
		if (n < 0)
		{
			char		buf[65536];
			ssize_t		r;

			if (errno != EXDEV && errno != ENOSYS && errno != EINVAL)
			{
				rc = -1;
				break;
			}
			/* a file system that cannot: plain copy */
			while ((r = read(in, buf, sizeof(buf))) > 0)
			{
				if (write(out, buf, r) != r)
				{
					rc = -1;
					break;
				}
			}
			if (r < 0)
				rc = -1;
			break;
		}
	}
	close(in);
	if (close(out) != 0)
		rc = -1;
	return rc;
}

static int
copy_tree(const char *from, const char *to)
{
	DIR		   *d;
	struct dirent *de;
	struct stat st;

	if (stat(from, &st) != 0 || mkdir(to, st.st_mode & 07777) != 0)
		return -1;
	d = opendir(from);
	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
	{
		char		src[PATH_MAX];
		char		dst[PATH_MAX];

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(src, sizeof(src), "%s/%s", from, de->d_name);
		snprintf(dst, sizeof(dst), "%s/%s", to, de->d_name);
		if (lstat(src, &st) != 0)
		{
			closedir(d);
			return -1;
		}
		if (S_ISDIR(st.st_mode) ? copy_tree(src, dst) != 0 :
			S_ISREG(st.st_mode) ? copy_file(src, dst, st.st_mode) != 0 : 0)
		{
			closedir(d);
			return -1;
		}
	}
	closedir(d);
	return 0;
}

static int
write_text(const char *path, const char *text, int flags)
{
	int			fd = open(path, O_WRONLY | O_CREAT | flags, 0600);
	size_t		len = strlen(text);
	int			rc = 0;

	if (fd < 0)
		return -1;
	if (write(fd, text, len) != (ssize_t) len)
		rc = -1;
	if (close(fd) != 0)
		rc = -1;
	return rc;
}

/* ---------- the postmaster ---------- */

static bool
is_pg_variable(const char *entry)
{
	return strncmp(entry, "PG", 2) == 0;
}

/*
 * Our own server must not see the caller's PGDATA, PGOPTIONS, PGPORT ...:
 * drop every PG* variable from the environment (main.c does the same for
 * the connection).
 */
void
tmpserver_clear_pg_environment(void)
{
	extern char **environ;
	int			i = 0;

	while (environ[i] != NULL)
	{
		if (is_pg_variable(environ[i]))
		{
			char		name[256];
			const char *eq = strchr(environ[i], '=');
			size_t		len = eq ? (size_t) (eq - environ[i]) : strlen(environ[i]);

			if (len < sizeof(name))
			{
				memcpy(name, environ[i], len);
				name[len] = '\0';
				unsetenv(name);
				continue;		/* the array shifted: look at index i again */
			}
		}
		i++;
	}
}

/*
 * Start a program with its output in logpath.  With tie_to_parent, it gets
 * SIGQUIT (immediate shutdown for a postmaster) when we die, and a session
 * of its own, so a Ctrl-C meant for us does not reach it half-way.
 */
static pid_t
spawn(char *const argv[], const char *logpath, bool tie_to_parent)
{
	pid_t		parent = getpid();
	pid_t		pid = fork();

	if (pid != 0)
		return pid;

	if (tie_to_parent)
	{
		setsid();
		if (prctl(PR_SET_PDEATHSIG, SIGQUIT) != 0 || getppid() != parent)
			_exit(1);
	}
	{
		int			devnull = open("/dev/null", O_RDONLY);
		int			log = open(logpath, O_WRONLY | O_CREAT | O_APPEND, 0600);

		if (devnull >= 0)
			dup2(devnull, 0);
		if (log >= 0)
		{
			dup2(log, 1);
			dup2(log, 2);
		}
	}
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	execv(argv[0], argv);
	fprintf(stderr, "could not execute \"%s\": %s\n", argv[0], strerror(errno));
	_exit(127);
}

static int
wait_exit(pid_t pid)
{
	int			status;

	while (waitpid(pid, &status, 0) < 0)
	{
		if (errno != EINTR)
			return -1;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* The last lines of a log, to say why a server did not start. */
static char *
log_tail(const char *logpath)
{
	char		buf[1501];
	int			fd = open(logpath, O_RDONLY);
	off_t		size;
	ssize_t		n;

	if (fd < 0)
		return pg_strdup_or_die("");
	size = lseek(fd, 0, SEEK_END);
	lseek(fd, size > 1500 ? size - 1500 : 0, SEEK_SET);
	n = read(fd, buf, 1500);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return pg_strdup_or_die(buf);
}

/*
 * Wait until the postmaster says it accepts connections: line 8 of
 * postmaster.pid reads "ready" (what pg_ctl waits for too), or it exits.
 */
static int
wait_ready(pid_t pid, const char *datadir, double timeout)
{
	char		pidfile[PATH_MAX];
	double		deadline = now_seconds() + timeout;

	snprintf(pidfile, sizeof(pidfile), "%s/postmaster.pid", datadir);
	while (now_seconds() < deadline)
	{
		int			status;
		FILE	   *f;

		if (waitpid(pid, &status, WNOHANG) == pid)
			return -1;
		f = fopen(pidfile, "r");
		if (f != NULL)
		{
			char		line[256];
			int			n = 0;
			bool		ready = false;

			while (fgets(line, sizeof(line), f) != NULL)
			{
				if (++n == 8)
				{
					ready = strncmp(line, "ready", 5) == 0;
					break;
				}
			}
			fclose(f);
			if (ready)
				return 0;
		}
		usleep(1000);
	}
	return -2;
}

static pid_t
start_postmaster(const char *bindir, const char *datadir, const char *sockdir,
				 const char *logpath, char **errmsg)
{
	char		postgres[PATH_MAX];
	char		sockopt[PATH_MAX + 32];
	char	   *argv[16];
	int			n = 0;
	pid_t		pid;
	int			rc;

	snprintf(postgres, sizeof(postgres), "%s/postgres", bindir);
	snprintf(sockopt, sizeof(sockopt), "unix_socket_directories=%s", sockdir);
	argv[n++] = postgres;
	argv[n++] = "-D";
	argv[n++] = (char *) datadir;
	argv[n++] = "-p";
	argv[n++] = SERVER_PORT;
	argv[n++] = "-c";
	argv[n++] = sockopt;
	argv[n++] = NULL;

	pid = spawn(argv, logpath, true);
	if (pid < 0)
	{
		*errmsg = format_message("could not start the throw-away server: %s", strerror(errno));
		return -1;
	}
	running_postmaster = pid;
	rc = wait_ready(pid, datadir, 60.0);
	if (rc != 0)
	{
		char	   *tail = log_tail(logpath);

		if (rc == -2)
		{
			kill(pid, SIGQUIT);
			wait_exit(pid);
		}
		running_postmaster = 0;
		*errmsg = format_message("the throw-away server did not start%s\n%s",
								 rc == -2 ? " within 60 s" : "", tail);
		free(tail);
		return -1;
	}
	return pid;
}

static void
stop_postmaster(pid_t pid, int signo)
{
	if (pid <= 0)
		return;
	kill(pid, signo);
	wait_exit(pid);
	running_postmaster = 0;
}

/* For the signal handlers: stop the server at once (async-signal-safe). */
void
tmpserver_signal_stop(void)
{
	pid_t		pid = running_postmaster;

	if (pid > 0)
		kill(pid, SIGQUIT);
}

/* ---------- the template ---------- */

static const char *
cache_root(char *buf, size_t size)
{
	const char *v;

	if ((v = getenv("SCHEMASHIFT_CACHE_DIR")) != NULL && v[0])
		snprintf(buf, size, "%s", v);
	else if ((v = getenv("XDG_CACHE_HOME")) != NULL && v[0] == '/')
		snprintf(buf, size, "%s/schemashift", v);
	else if ((v = getenv("HOME")) != NULL && v[0] == '/')
		snprintf(buf, size, "%s/.cache/schemashift", v);
	else
		snprintf(buf, size, "%s/schemashift-cache-%d",
				 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int) getuid());
	return buf;
}

static uint64_t
fnv1a(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t		i;

	for (i = 0; i < len; i++)
	{
		h ^= p[i];
		h *= UINT64_C(1099511628211);
	}
	return h;
}

/*
 * The template's name: PostgreSQL's version and the identity of the
 * installed extension files, so installing another build makes a new one.
 */
static void
template_key(const ServerDirs *dirs, char *buf, size_t size)
{
	const char *bindir = dirs->bindir;
	char		files[3][PATH_MAX];
	uint64_t	h = UINT64_C(14695981039346656037);
	struct stat st;
	char		postgres[PATH_MAX];
	size_t		i;

	snprintf(files[0], PATH_MAX, "%s/schemashift.so", dirs->pkglibdir);
	snprintf(files[1], PATH_MAX, "%s/extension/schemashift.control", dirs->sharedir);
	snprintf(files[2], PATH_MAX, "%s/extension/schemashift--" SCHEMASHIFT_VERSION ".sql",
			 dirs->sharedir);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
	{
		if (stat(files[i], &st) == 0)
		{
			h = fnv1a(h, &st.st_size, sizeof(st.st_size));
			h = fnv1a(h, &st.st_mtim, sizeof(st.st_mtim));
			h = fnv1a(h, &st.st_ino, sizeof(st.st_ino));
		}
	}
	snprintf(postgres, sizeof(postgres), "%s/postgres", bindir);
	h = fnv1a(h, postgres, strlen(postgres));
	if (stat(postgres, &st) == 0)
	{
		h = fnv1a(h, &st.st_size, sizeof(st.st_size));
		h = fnv1a(h, &st.st_mtim, sizeof(st.st_mtim));
	}
	snprintf(buf, size, "template-pg%s-%s-%016llx", SCHEMASHIFT_PG_MAJOR,
			 SCHEMASHIFT_VERSION, (unsigned long long) h);
}

static const char template_conf[] =
"\n# schemashift: a throw-away server for linting\n"
"listen_addresses = ''\n"
"fsync = off\n"
"synchronous_commit = off\n"
"full_page_writes = off\n"
"wal_level = minimal\n"
"max_wal_senders = 0\n"
"max_connections = 20\n"
"shared_buffers = 32MB\n"
"autovacuum = off\n"
"logging_collector = off\n"
"log_min_messages = warning\n"
"jit = off\n"
"max_worker_processes = 16\n"
"timezone = 'UTC'\n";

/* Run one SQL statement on the server at sockdir; NULL or the error. */
static char *
run_sql(const char *sockdir, const char *sql)
{
	char		conninfo[PATH_MAX + 64];
	PGconn	   *conn;
	PGresult   *res;
	char	   *err = NULL;

	snprintf(conninfo, sizeof(conninfo),
			 "host=%s port=" SERVER_PORT " user=postgres dbname=postgres", sockdir);
	conn = PQconnectdb(conninfo);
	if (PQstatus(conn) != CONNECTION_OK)
	{
		err = pg_strdup_or_die(PQerrorMessage(conn));
		PQfinish(conn);
		return err;
	}
	res = PQexec(conn, sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK)
		err = pg_strdup_or_die(PQresultErrorMessage(res));
	PQclear(res);
	PQfinish(conn);
	return err;
}

static int
build_template(const char *bindir, const char *path, const char *sockdir,
			   char **errmsg)
{
	char		initdb[PATH_MAX];
	char		datadir[PATH_MAX];
	char		logpath[PATH_MAX];
	char		conf[PATH_MAX];
	char	   *argv[16];
	int			n = 0;
	pid_t		pid;
	char	   *err;

	if (mkdir(path, 0700) != 0)
	{
		*errmsg = format_message("could not create directory \"%s\": %s", path, strerror(errno));
		return -1;
	}
	snprintf(initdb, sizeof(initdb), "%s/initdb", bindir);
	snprintf(datadir, sizeof(datadir), "%s/data", path);
	snprintf(logpath, sizeof(logpath), "%s/log", path);
	argv[n++] = initdb;
	argv[n++] = "-D";
	argv[n++] = datadir;
	argv[n++] = "-U";
	argv[n++] = "postgres";
	argv[n++] = "-A";
	argv[n++] = "trust";
	argv[n++] = "-E";
	argv[n++] = "UTF8";
	argv[n++] = "--locale=C";
	argv[n++] = "--no-sync";
	argv[n++] = "--no-instructions";
	/* small WAL segments: less to copy per run */
	argv[n++] = "--wal-segsize=1";
	argv[n++] = NULL;
	pid = spawn(argv, logpath, false);
	if (pid < 0 || wait_exit(pid) != 0)
	{
		char	   *tail = log_tail(logpath);

		*errmsg = format_message("initdb of the throw-away server's template failed\n%s", tail);
		free(tail);
		return -1;
	}
	snprintf(conf, sizeof(conf), "%s/postgresql.conf", datadir);
	if (write_text(conf, template_conf, O_APPEND) != 0)
	{
		*errmsg = format_message("could not write \"%s\": %s", conf, strerror(errno));
		return -1;
	}
	pid = start_postmaster(bindir, datadir, sockdir, logpath, errmsg);
	if (pid < 0)
		return -1;
	err = run_sql(sockdir, "CREATE EXTENSION schemashift");
	/* a third less to copy per run; CREATE DATABASE still has template1 */
	if (err == NULL)
		err = run_sql(sockdir, "ALTER DATABASE template0 WITH IS_TEMPLATE false");
	if (err == NULL)
		err = run_sql(sockdir, "DROP DATABASE template0");
	if (err == NULL)
		err = run_sql(sockdir, "CHECKPOINT");
	/* a clean shutdown, so every copy starts without recovery */
	stop_postmaster(pid, SIGINT);
	if (err != NULL)
	{
		*errmsg = format_message("could not create the extension in the throw-away server: %s", err);
		free(err);
		return -1;
	}
	unlink(logpath);
	return 0;
}

/*
 * Under the template lock: remove build directories of runs that died, and
 * the templates that earlier installs of the same PostgreSQL and extension
 * versions left (each "make install" makes a new key).  A template is a few
 * milliseconds' copy away from being in use, so only those untouched for
 * ten minutes go.
 */
static void
remove_dead_builds(const char *root, const char *key)
{
	DIR		   *d = opendir(root);
	struct dirent *de;
	size_t		keylen = strlen(key);
	size_t		prefixlen = strrchr(key, '-') - key + 1;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL)
	{
		char		path[PATH_MAX];
		struct stat st;
		bool		dead_build;
		bool		old_template;

		dead_build = strncmp(de->d_name, key, keylen) == 0 &&
			strncmp(de->d_name + keylen, ".building.", 10) == 0;
		old_template = strncmp(de->d_name, key, prefixlen) == 0 &&
			strlen(de->d_name) == keylen && strcmp(de->d_name, key) != 0;
		if (!dead_build && !old_template)
			continue;
		snprintf(path, sizeof(path), "%s/%s", root, de->d_name);
		if (old_template &&
			(lstat(path, &st) != 0 || !S_ISDIR(st.st_mode) || time(NULL) - st.st_mtime < 600))
			continue;
		remove_tree(path);
	}
	closedir(d);
}

/*
 * The template directory, made once under a lock so that two runs starting
 * together do not both run initdb.
 */
static int
ensure_template(const ServerDirs *dirs, const char *sockdir, char *path, size_t size,
				bool *built, char **errmsg)
{
	char		root[PATH_MAX];
	char		key[128];
	char		lockpath[PATH_MAX];
	char		building[PATH_MAX];
	struct stat st;
	int			lockfd;
	int			rc = 0;

	cache_root(root, sizeof(root));
	if (strlen(root) > PATH_MAX - 256)
	{
		*errmsg = format_message("cache directory path \"%s\" is too long", root);
		return -1;
	}
	if (mkdir_p(root, 0700) != 0)
	{
		*errmsg = format_message("could not create cache directory \"%s\": %s", root, strerror(errno));
		return -1;
	}
	template_key(dirs, key, sizeof(key));
	snprintf(path, size, "%s/%s", root, key);
	if (stat(path, &st) == 0)
		return 0;

	snprintf(lockpath, sizeof(lockpath), "%s/%s.lock", root, key);
	lockfd = open(lockpath, O_RDWR | O_CREAT, 0600);
	if (lockfd < 0 || flock(lockfd, LOCK_EX) != 0)
	{
		*errmsg = format_message("could not lock \"%s\": %s", lockpath, strerror(errno));
		if (lockfd >= 0)
			close(lockfd);
		return -1;
	}
	if (stat(path, &st) != 0)
	{
		/* only the lock holder builds: any other build directory is a dead one's */
		remove_dead_builds(root, key);
		snprintf(building, sizeof(building), "%s/%s.building.%d", root, key, (int) getpid());
		rc = build_template(dirs->bindir, building, sockdir, errmsg);
		*built = rc == 0;
		if (rc == 0 && rename(building, path) != 0)
		{
			*errmsg = format_message("could not rename \"%s\": %s", building, strerror(errno));
			rc = -1;
		}
		if (rc != 0)
			remove_tree(building);
	}
	/* the lock file stays: unlinking it would let a third run lock a new one */
	close(lockfd);
	return rc;
}

/* ---------- run directories ---------- */

static bool
pid_alive(pid_t pid)
{
	return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM);
}

static pid_t
read_pid(const char *path)
{
	FILE	   *f = fopen(path, "r");
	long		pid = 0;

	if (f == NULL)
		return 0;
	if (fscanf(f, "%ld", &pid) != 1)
		pid = 0;
	fclose(f);
	return (pid_t) pid;
}

/*
 * Remove run directories of ours whose owner and server are both gone: a
 * run killed by SIGKILL cannot clean up after itself.
 */
static void
remove_stale_runs(const char *tmpdir)
{
	DIR		   *d = opendir(tmpdir);
	struct dirent *de;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL)
	{
		char		path[PATH_MAX];
		char		file[PATH_MAX];
		struct stat st;
		pid_t		owner;

		if (strncmp(de->d_name, RUN_PREFIX, strlen(RUN_PREFIX)) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", tmpdir, de->d_name);
		if (lstat(path, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != getuid())
			continue;
		snprintf(file, sizeof(file), "%s/owner.pid", path);
		owner = read_pid(file);
		/* a run that is only starting has not written its pid yet */
		if (owner == 0 && time(NULL) - st.st_mtime < 60)
			continue;
		if (pid_alive(owner))
			continue;
		snprintf(file, sizeof(file), "%s/data/postmaster.pid", path);
		if (pid_alive(read_pid(file)))
			continue;
		remove_tree(path);
	}
	closedir(d);
}

/*
 * One line of what pg_config prints for option (--bindir, ...), or -1 with
 * errmsg set.
 */
static int
pg_config_value(const char *pg_config, const char *option, char *buf, size_t size,
				char **errmsg)
{
	int			fds[2];
	pid_t		pid;
	ssize_t		n = 0;
	ssize_t		r;
	int			status;

	if (pipe(fds) != 0)
	{
		*errmsg = format_message("could not create a pipe: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid == 0)
	{
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execl(pg_config, pg_config, option, (char *) NULL);
		_exit(127);
	}
	close(fds[1]);
	while (pid > 0 && (size_t) n < size - 1)
	{
		r = read(fds[0], buf + n, size - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += r;
	}
	close(fds[0]);
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	status = pid > 0 ? wait_exit(pid) : -1;
	if (status != 0 || buf[0] != '/')
	{
		*errmsg = format_message("could not run \"%s %s\"", pg_config, option);
		return -1;
	}
	return 0;
}

/* the installation: pg_config's when one is given (see ServerDirs) */
static int
server_dirs(ServerDirs *dirs, const char *bindir, const char *pg_config, char **errmsg)
{
	if (pg_config == NULL)
	{
		snprintf(dirs->bindir, PATH_MAX, "%s", bindir);
		snprintf(dirs->pkglibdir, PATH_MAX, "%s", SCHEMASHIFT_PKGLIBDIR);
		snprintf(dirs->sharedir, PATH_MAX, "%s", SCHEMASHIFT_SHAREDIR);
		return 0;
	}
	if (pg_config_value(pg_config, "--bindir", dirs->bindir, PATH_MAX, errmsg) != 0 ||
		pg_config_value(pg_config, "--pkglibdir", dirs->pkglibdir, PATH_MAX, errmsg) != 0 ||
		pg_config_value(pg_config, "--sharedir", dirs->sharedir, PATH_MAX, errmsg) != 0)
		return -1;
	return 0;
}

TmpServer *
tmpserver_start(const char *bindir, const char *pg_config, char **errmsg)
{
	ServerDirs	dirs;
	TmpServer  *server;
	char		template[PATH_MAX];
	char		src[PATH_MAX];
	char		datadir[PATH_MAX];
	char		logpath[PATH_MAX];
	char		pidtext[32];
	const char *tmpdir = getenv("TMPDIR");
	double		start = now_seconds();
	struct stat st;

	*errmsg = NULL;
	if (server_dirs(&dirs, bindir, pg_config, errmsg) != 0)
		return NULL;
	bindir = dirs.bindir;
	/* without a TMPDIR, memory beats a journaling file system by 5x here */
	if (tmpdir == NULL || tmpdir[0] != '/')
		tmpdir = (stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) &&
				  access("/dev/shm", W_OK | X_OK) == 0) ? "/dev/shm" : "/tmp";
	/* room for the run directory's own paths, and a unix socket path */
	if (strlen(tmpdir) > 70)
	{
		*errmsg = format_message("TMPDIR \"%s\" is too long for a unix socket path", tmpdir);
		return NULL;
	}

	remove_stale_runs(tmpdir);

	server = pg_malloc_or_die(sizeof(TmpServer));
	memset(server, 0, sizeof(TmpServer));
	snprintf(server->dir, sizeof(server->dir), "%s/" RUN_PREFIX "XXXXXX", tmpdir);
	if (mkdtemp(server->dir) == NULL)
	{
		*errmsg = format_message("could not create a directory in \"%s\": %s", tmpdir, strerror(errno));
		free(server);
		return NULL;
	}
	snprintf(src, sizeof(src), "%s/owner.pid", server->dir);
	snprintf(pidtext, sizeof(pidtext), "%d\n", (int) getpid());
	write_text(src, pidtext, O_TRUNC);

	/* the run directory doubles as the socket directory of a template build */
	if (ensure_template(&dirs, server->dir, template, sizeof(template),
						&server->built_template, errmsg) != 0)
	{
		remove_tree(server->dir);
		free(server);
		return NULL;
	}

	snprintf(src, sizeof(src), "%s/data", template);
	snprintf(datadir, sizeof(datadir), "%s/data", server->dir);
	snprintf(logpath, sizeof(logpath), "%s/log", server->dir);
	if (copy_tree(src, datadir) != 0)
	{
		*errmsg = format_message("could not copy the template \"%s\": %s", src, strerror(errno));
		remove_tree(server->dir);
		free(server);
		return NULL;
	}
	server->pid = start_postmaster(bindir, datadir, server->dir, logpath, errmsg);
	if (server->pid < 0)
	{
		remove_tree(server->dir);
		free(server);
		return NULL;
	}
	snprintf(server->conninfo, sizeof(server->conninfo),
			 "host=%s port=" SERVER_PORT " user=postgres dbname=postgres "
			 "application_name=schemashift", server->dir);
	server->startup = now_seconds() - start;
	return server;
}

const char *
tmpserver_conninfo(TmpServer *server)
{
	return server->conninfo;
}

double
tmpserver_startup_seconds(TmpServer *server)
{
	return server->startup;
}

bool
tmpserver_built_template(TmpServer *server)
{
	return server->built_template;
}

/* Stop at once (nothing in it is worth a checkpoint) and remove it all. */
void
tmpserver_stop(TmpServer *server)
{
	if (server == NULL)
		return;
	stop_postmaster(server->pid, SIGQUIT);
	remove_tree(server->dir);
	free(server);
}
