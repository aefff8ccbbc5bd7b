/* Lease owners on a shared store: two "hosts" (PSUP_WORKER_HOST_ID) run
 * workers of the same names; one host's worker dies. The survivor neither
 * renews nor releases the dead one's leases, and claims them once they
 * expire; a restart on the dead one's host releases them at once, but
 * never a live worker's. Runs on SQLite in a temp dir, or with
 * PSUP_TEST_STORE_URL (a postgresql:// URL) on that server. */
#include "owner.h"
#include "store.h"
#include "storefix.h"
#include "tap.h"
#include "xalloc.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define bail storefix_bail

/* A fresh store of 8 items a..h. */
static struct store *fresh(void)
{
	return storefix_loaded("{\"id\":\"a\"}\n{\"id\":\"b\"}\n{\"id\":\"c\"}\n{\"id\":\"d\"}\n"
	    "{\"id\":\"e\"}\n{\"id\":\"f\"}\n{\"id\":\"g\"}\n{\"id\":\"h\"}\n");
}

/* How many items owner claims of max. */
static int claim(struct store *s, const char *owner, int max, long long lease_ms)
{
	char *ids = storefix_claim(s, owner, max, lease_ms);
	int n = *ids != '\0';
	for (const char *p = ids; *p; p++)
		n += *p == ',';
	free(ids);
	return n;
}

static int release_predecessors(struct store *s, const char *self)
{
	int released = -1;
	char *cause = NULL;
	if (owner_release_predecessors(s, self, &released, &cause) < 0)
		bail("release", cause);
	return released;
}

static char *owner_on(const char *host, const char *name)
{
	char *cause = NULL;
	setenv("PSUP_WORKER_HOST_ID", host, 1);
	char *o = owner_self(name, &cause);
	unsetenv("PSUP_WORKER_HOST_ID");
	if (!o)
		bail("owner_self", cause);
	return o;
}

/* An owner of a process of ours that has died: a reaped child's pid. */
static char *dead_on(const char *host, const char *name)
{
	char *me = owner_on(host, name);
	pid_t child = fork();
	if (child == 0)
		_exit(0);
	waitpid(child, NULL, 0);
	char *o = xasprintf("%.*s%ld-12345", (int)owner_prefix_len(me), me, (long)child);
	free(me);
	return o;
}

/* Host A's chunk-1 crashed; host B's chunk-1 lives on. */
static void test_crashed_host(void)
{
	struct store *s = fresh();
	char *cause = NULL;
	char *a_dead = dead_on("hostA", "chunk-1");
	char *b = owner_on("hostB", "chunk-1");
	is_int(claim(s, a_dead, 3, 1500), 3, "host A's chunk-1 claims 3 (lease 1.5 s)");
	is_int(claim(s, b, 3, 60000), 3, "host B's chunk-1 claims 3");
	is_int(release_predecessors(s, b), 0,
	    "host B's start-up releases nothing of host A's chunk-1");
	is_int(storefix_counts(s).leased, 6, "all 6 still leased");
	storefix_pause_ms(1600);
	if (store_renew(s, b, 60000, &cause) < 0)
		bail("renew", cause);
	is_int((int)storefix_counts(s).expired, 3, "B's renewal does not renew A's leases: they expire");
	is_int(claim(s, b, 10, 60000), 5, "B claims the 2 pending and A's 3 expired items");
	struct store_counts c = storefix_counts(s);
	is_int((int)c.leased, 8, "B now holds 8");
	is_int((int)c.expired, 0, "none expired");
	free(a_dead);
	free(b);
	store_close(s);
}

/* chunk-1 restarts on host A: its dead predecessor's leases come back at
 * once; a live worker's of the same name (another process), another
 * name's, and host B's stay. */
static void test_restart(void)
{
	struct store *s = fresh();
	char *a_dead = dead_on("hostA", "chunk-1");
	char *a2_dead = dead_on("hostA", "chunk-2");
	char *b_dead = dead_on("hostB", "chunk-1");
	int fds[2];
	if (pipe(fds) < 0)
		bail("pipe", "");
	pid_t child = fork();
	if (child == 0) {
		char *o = owner_on("hostA", "chunk-1");
		ssize_t w = write(fds[1], o, strlen(o));
		close(fds[1]);
		pause();
		_exit(w > 0 ? 0 : 1);
	}
	close(fds[1]);
	char live[256];
	ssize_t n = read(fds[0], live, sizeof live - 1);
	live[n > 0 ? n : 0] = '\0';
	close(fds[0]);
	ok(n > 0, "a live chunk-1 on host A: %s", live);

	is_int(claim(s, a_dead, 2, 60000), 2, "dead chunk-1 on host A holds 2");
	is_int(claim(s, live, 2, 60000), 2, "live chunk-1 on host A holds 2");
	is_int(claim(s, a2_dead, 2, 60000), 2, "dead chunk-2 on host A holds 2");
	is_int(claim(s, b_dead, 2, 60000), 2, "dead chunk-1 on host B holds 2");
	char *me = owner_on("hostA", "chunk-1");
	is_int(release_predecessors(s, me), 1, "the restart releases one earlier incarnation");
	struct store_counts c = storefix_counts(s);
	is_int((int)c.pending, 2, "its 2 items are pending at once");
	is_int((int)c.leased, 6, "the live one's, chunk-2's and host B's stay leased");
	is_int(claim(s, me, 10, 60000), 2, "and the restart claims them");

	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	is_int(release_predecessors(s, me), 1, "once the other chunk-1 died, its leases are released");
	is_int((int)storefix_counts(s).pending, 2, "(2 more pending)");
	is_int(release_predecessors(s, me), 0, "our own leases are never released at start");
	free(me);
	free(a_dead);
	free(a2_dead);
	free(b_dead);
	store_close(s);
}

int main(void)
{
	storefix_begin("owner");
	test_crashed_host();
	test_restart();
	storefix_end();
	return done_testing();
}
