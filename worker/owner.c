/* Lease owners unique per process and host (see owner.h). */
#include "owner.h"
#include "store.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The length of s cut to at most max bytes, at a character's start, so
 * the store (PostgreSQL checks UTF-8) takes it. */
static size_t cut_utf8(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n <= max)
		return n;
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

char *owner_format(const char *name, const char *host, unsigned space, pid_t pid,
    unsigned long long start)
{
	return xasprintf("%.*s@%.*s/%08x/%ld-%llu", (int)cut_utf8(name, OWNER_PART_MAX), name,
	    (int)cut_utf8(host, OWNER_PART_MAX), host, space, (long)pid, start);
}

size_t owner_prefix_len(const char *owner)
{
	const char *slash = strrchr(owner, '/');
	return slash && strchr(owner, '@') ? (size_t)(slash - owner) + 1 : 0;
}

size_t owner_name_len(const char *owner)
{
	const char *at = strrchr(owner, '@');
	return at ? (size_t)(at - owner) : strlen(owner);
}

/* Reads "PID-START" (digits only) into *pid and *start. */
static int incarnation_parse(const char *s, pid_t *pid, unsigned long long *start)
{
	char *end;
	if (*s < '0' || *s > '9')
		return 0;
	errno = 0;
	long p = strtol(s, &end, 10);
	if (errno || *end != '-' || p <= 0 || end[1] < '0' || end[1] > '9')
		return 0;
	unsigned long long t = strtoull(end + 1, &end, 10);
	if (errno || *end)
		return 0;
	*pid = (pid_t)p;
	*start = t;
	return 1;
}

int owner_predecessor(const char *self, const char *other, pid_t *pid,
    unsigned long long *start)
{
	size_t k = owner_prefix_len(self);
	if (k == 0 || strncmp(self, other, k) != 0 || strcmp(self, other) == 0)
		return 0;
	return incarnation_parse(other + k, pid, start);
}

/* The start time and state letter of pid: 1, 0 when there is no such
 * process, -1 when /proc cannot tell (errno set). */
static int start_read(pid_t pid, unsigned long long *start, char *state)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == ESRCH ? 0 : -1;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	int e = errno;
	close(fd);
	if (n < 0) {
		errno = e;
		return e == ESRCH ? 0 : -1;
	}
	buf[n] = '\0';
	/* The command name may hold spaces and ')': fields count from the
	 * last ')'; the start time is field 22, the 20th after it. */
	char *p = strrchr(buf, ')');
	*state = p && p[1] == ' ' ? p[2] : '?';
	for (int field = 2; p && field < 22; field++)
		p = strchr(p + 1, ' ');
	if (!p || p[1] < '0' || p[1] > '9') {
		errno = EINVAL;
		return -1;
	}
	*start = strtoull(p + 1, NULL, 10);
	return 1;
}

int owner_alive(pid_t pid, unsigned long long start)
{
	unsigned long long now;
	char state;
	int r = start_read(pid, &now, &state);
	if (r <= 0)
		return r;
	/* A zombie has died: it renews and finishes nothing any more. */
	return now == start && state != 'Z' && state != 'X';
}

/* FNV-1a, 32 bits: text folded into h. */
static uint32_t hash_add(uint32_t h, const char *text)
{
	for (const unsigned char *p = (const unsigned char *)text; *p; p++)
		h = (h ^ *p) * 16777619u;
	return h;
}

/* The pid space: the boot id and the pid namespace, hashed (what cannot
 * be read adds nothing: the space then rests on what can). */
static unsigned space_id(void)
{
	char boot[64] = "", ns[64] = "";
	int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = read(fd, boot, sizeof boot - 1);
		boot[n > 0 ? n : 0] = '\0';
		close(fd);
	}
	ssize_t n = readlink("/proc/self/ns/pid", ns, sizeof ns - 1);
	ns[n > 0 ? n : 0] = '\0';
	return hash_add(hash_add(2166136261u, boot), ns);
}

char *owner_self(const char *name, char **cause)
{
	unsigned long long start;
	char state;
	pid_t pid = getpid();
	if (start_read(pid, &start, &state) != 1) {
		*cause = xasprintf("cannot read /proc/%ld/stat for the lease owner: %s",
		    (long)pid, strerror(errno));
		return NULL;
	}
	char host[256];
	const char *id = getenv("PSUP_WORKER_HOST_ID");
	if (id && *id) {
		snprintf(host, sizeof host, "%s", id);
	} else if (gethostname(host, sizeof host) < 0) {
		snprintf(host, sizeof host, "localhost");
	}
	host[sizeof host - 1] = '\0';
	return owner_format(name, host, space_id(), pid, start);
}

int owner_release_predecessors(struct store *s, const char *self, int *released,
    char **cause)
{
	char **owners = NULL;
	int n = 0, rc = 0;
	*released = 0;
	size_t k = owner_prefix_len(self);
	if (k == 0)
		return 0;
	char *prefix = xstrndup(self, k);
	if (store_owners(s, prefix, &owners, &n, cause) < 0)
		rc = -1;
	for (int i = 0; rc == 0 && i < n; i++) {
		pid_t pid;
		unsigned long long start;
		if (!owner_predecessor(self, owners[i], &pid, &start) ||
		    owner_alive(pid, start) != 0)
			continue;
		if (store_release(s, owners[i], NULL, 0, cause) < 0)
			rc = -1;
		else
			(*released)++;
	}
	store_owners_free(owners, n);
	free(prefix);
	return rc;
}
