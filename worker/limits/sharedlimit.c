/* Shared limits: one page per name, mapped by every worker using it. The
 * page is created whole (temp file, initialised, renamed into place) under
 * an flock of the directory, so no one ever maps a half-made page; a page
 * from an earlier boot (its mutex may name a thread that no longer exists)
 * is replaced the same way. */
#include "sharedlimit.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "procfs.h"
#include "xalloc.h"

#define PAGE_MAGIC 0x70737570u   /* "psup" */
/* The layout's version: 2 added what is learned of the API, 3 the cuts
 * that confirmed a limit, 4 the input and output token budgets, 5 the slow
 * start's round trip, 6 the holds left out of the rate measured, 7 the
 * holds left out of the curve after a cut, 8 the time of the last answer
 * (failures left out too). A page of
 * another version (or size) is replaced whole, as a stale one is. */
#define PAGE_VERSION 8u

struct page {
	uint32_t magic;
	uint32_t version;
	char boot_id[40];
	pthread_mutex_t mu;
	struct limit_state st;
};

struct sharedlimit {
	struct page *pg;
	char *path;
};

static int name_valid(const char *name)
{
	if (!*name || *name == '.' || strlen(name) > 100)
		return 0;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-'))
			return 0;
	return 1;
}

/* Makes dir (mode 0700) if missing and refuses one that another user owns
 * or others may write: in /tmp anyone could have made it first. */
static int dir_ready(const char *dir, char **cause)
{
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return fail(cause, "cannot create %s: %s", dir, strerror(errno));
	struct stat st;
	if (lstat(dir, &st) < 0)
		return fail(cause, "cannot stat %s: %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return fail(cause, "%s is not a directory", dir);
	if (st.st_uid != getuid())
		return fail(cause, "%s belongs to uid %u, not to us", dir, (unsigned)st.st_uid);
	if (st.st_mode & 022)
		return fail(cause, "%s is writable by others (mode %o)", dir, (unsigned)(st.st_mode & 0777));
	return 0;
}

/* $PSUP_HOME/limits, with psup's default home ($HOME/.psup) when
 * PSUP_HOME is unset, so a worker run by hand shares with the ones psup
 * runs; /tmp/psup-limits-UID without any home. */
char *sharedlimit_dir(char **cause)
{
	const char *home = getenv("PSUP_HOME");
	char *base = NULL;
	if (home && *home) {
		base = xstrdup(home);
	} else {
		const char *h = getenv("HOME");
		if (!h || !*h) {
			struct passwd *pw = getpwuid(getuid());
			h = pw && pw->pw_dir && *pw->pw_dir ? pw->pw_dir : NULL;
		}
		if (h)
			base = xasprintf("%s/.psup", h);
	}
	char *dir;
	if (base) {
		if (dir_ready(base, cause) < 0) {
			free(base);
			return NULL;
		}
		dir = xasprintf("%s/limits", base);
		free(base);
	} else {
		dir = xasprintf("/tmp/psup-limits-%u", (unsigned)getuid());
	}
	if (dir_ready(dir, cause) < 0) {
		free(dir);
		return NULL;
	}
	return dir;
}

/* Writes a fresh page to a temp file and renames it over path. */
static int page_create(const char *path, const char *boot_id, char **cause)
{
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	int fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		fail(cause, "cannot create %s: %s", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	int rc = -1;
	struct page *pg = MAP_FAILED;
	if (ftruncate(fd, sizeof *pg) < 0) {
		fail(cause, "cannot size %s: %s", tmp, strerror(errno));
		goto out;
	}
	pg = mmap(NULL, sizeof *pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (pg == MAP_FAILED) {
		fail(cause, "cannot map %s: %s", tmp, strerror(errno));
		goto out;
	}
	memset(pg, 0, sizeof *pg);
	for (int b = 0; b < LEARN_N; b++)
		learn_init(&pg->st.learn[b]);
	pthread_mutexattr_t ma;
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
	pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST);
	int e = pthread_mutex_init(&pg->mu, &ma);
	pthread_mutexattr_destroy(&ma);
	if (e != 0) {
		fail(cause, "cannot initialise the lock in %s: %s", tmp, strerror(e));
		goto out;
	}
	memcpy(pg->boot_id, boot_id, sizeof pg->boot_id);
	pg->version = PAGE_VERSION;
	pg->magic = PAGE_MAGIC;
	if (rename(tmp, path) < 0) {
		fail(cause, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (pg != MAP_FAILED)
		munmap(pg, sizeof *pg);
	close(fd);
	if (rc < 0)
		unlink(tmp);
	free(tmp);
	return rc;
}

/* Maps path if it holds a page of this boot; 1 = mapped, 0 = missing or
 * stale, -1 = error. */
static int page_map(const char *path, const char *boot_id, struct page **out, char **cause)
{
	int fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		return fail(cause, "cannot open %s: %s", path, strerror(errno));
	}
	struct stat st;
	if (fstat(fd, &st) < 0) {
		fail(cause, "cannot stat %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_uid != getuid()) {
		close(fd);
		return fail(cause, "%s is not a regular file of ours", path);
	}
	if ((size_t)st.st_size != sizeof(struct page)) {
		close(fd);
		return 0;
	}
	struct page *pg = mmap(NULL, sizeof *pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (pg == MAP_FAILED)
		return fail(cause, "cannot map %s: %s", path, strerror(errno));
	if (pg->magic != PAGE_MAGIC || pg->version != PAGE_VERSION ||
	    memcmp(pg->boot_id, boot_id, sizeof pg->boot_id) != 0) {
		munmap(pg, sizeof *pg);
		return 0;
	}
	*out = pg;
	return 1;
}

int sharedlimit_open(const char *name, struct sharedlimit **out, char **cause)
{
	if (!name_valid(name))
		return fail(cause, "shared limit name \"%s\": use letters, digits, '.', '_' or '-'", name);
	char *dir = sharedlimit_dir(cause);
	if (!dir)
		return -1;
	char *path = xasprintf("%s/%s", dir, name);
	/* all NULs when it cannot be read, as the page then records */
	char boot_id[40];
	procfs_boot_id(boot_id, sizeof boot_id);

	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		fail(cause, "cannot open %s: %s", dir, strerror(errno));
		goto fail_path;
	}
	/* Creation and replacement are serialised; use needs no flock. */
	while (flock(dfd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			fail(cause, "cannot lock %s: %s", dir, strerror(errno));
			close(dfd);
			goto fail_path;
		}
	}
	struct page *pg = NULL;
	int r = page_map(path, boot_id, &pg, cause);
	if (r == 0 && page_create(path, boot_id, cause) == 0) {
		r = page_map(path, boot_id, &pg, cause);
		if (r == 0)
			r = fail(cause, "%s: the page just written does not read back", path);
	}
	close(dfd); /* drops the flock */
	if (r != 1)
		goto fail_path;
	struct sharedlimit *sl = xcalloc(1, sizeof *sl);
	sl->pg = pg;
	sl->path = path;
	free(dir);
	*out = sl;
	return 0;
fail_path:
	free(path);
	free(dir);
	return -1;
}

void sharedlimit_close(struct sharedlimit *sl)
{
	if (!sl)
		return;
	munmap(sl->pg, sizeof *sl->pg);
	free(sl->path);
	free(sl);
}

const char *sharedlimit_path(const struct sharedlimit *sl)
{
	return sl->path;
}

struct limit_state *sharedlimit_lock(struct sharedlimit *sl)
{
	int e = pthread_mutex_lock(&sl->pg->mu);
	if (e == EOWNERDEAD) {
		/* Its holder died mid-update. Every field is written whole and
		 * any mix of old and new values paces sanely (at worst one
		 * learned cut is lost), so the state is usable as it is. */
		pthread_mutex_consistent(&sl->pg->mu);
	} else if (e != 0) {
		fprintf(stderr, "psup-worker: cannot lock shared limit %s: %s\n", sl->path, strerror(e));
		abort();
	}
	return &sl->pg->st;
}

void sharedlimit_unlock(struct sharedlimit *sl)
{
	pthread_mutex_unlock(&sl->pg->mu);
}
