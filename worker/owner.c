/* Lease owners unique per process and host (see owner.h). */
#include "owner.h"
#include "procfs.h"
#include "store.h"
#include "xalloc.h"

#include <errno.h>
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

int owner_alive(pid_t pid, unsigned long long start)
{
	struct procfs_stat st;
	if (procfs_stat_read(pid, &st) < 0)
		return errno == ENOENT || errno == ESRCH ? 0 : -1;
	/* A zombie has died: it renews and finishes nothing any more. */
	return (unsigned long long)st.starttime == start && !procfs_state_dead(st.state);
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
	char boot[PROCFS_BOOT_ID_SIZE], ns[64] = "";
	uint32_t h = 2166136261u;
	/* hashed as the file reads, newline included, so that owners keep
	 * the space earlier versions gave them */
	if (procfs_boot_id(boot, sizeof boot) == 0 && *boot)
		h = hash_add(hash_add(h, boot), "\n");
	ssize_t n = readlink("/proc/self/ns/pid", ns, sizeof ns - 1);
	ns[n > 0 ? n : 0] = '\0';
	return hash_add(h, ns);
}

char *owner_self(const char *name, char **cause)
{
	struct procfs_stat st;
	pid_t pid = getpid();
	if (procfs_stat_read(pid, &st) < 0) {
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
	return owner_format(name, host, space_id(), pid, (unsigned long long)st.starttime);
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
		if (store_release(s, owners[i], NULL, NULL, 0, cause) < 0)
			rc = -1;
		else
			(*released)++;
	}
	store_owners_free(owners, n);
	free(prefix);
	return rc;
}
