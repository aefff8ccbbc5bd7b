/* Lease owners (owner.c): the form, what counts as an earlier incarnation,
 * the liveness proof, and owners unique per process. */
#include "owner.h"
#include "tap.h"
#include "xalloc.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void test_format(void)
{
	char *o = owner_format("chunk-1", "hostA", 0x5c1f0e9au, 12345, 987654);
	is_str(o, "chunk-1@hostA/5c1f0e9a/12345-987654", "NAME@HOST/SPACE/PID-START");
	is_int((int)owner_prefix_len(o), (int)strlen("chunk-1@hostA/5c1f0e9a/"),
	    "the prefix ends at the last '/'");
	is_int((int)owner_name_len(o), 7, "the name is what comes before the last '@'");
	free(o);
	o = owner_format("me@work", "hostA", 1, 2, 3);
	is_int((int)owner_name_len(o), 7, "a name holding '@' stays whole");
	free(o);
	is_int((int)owner_name_len("chunk-1"), 7, "an old owner is all name");
	is_int((int)owner_prefix_len("chunk-1"), 0, "an old owner (a bare name) has no prefix");

	/* A long name is cut at a character's start: "é" is 2 bytes. */
	char name[80];
	memset(name, 'x', 63);
	strcpy(name + 63, "\xc3\xa9tail");
	o = owner_format(name, "h", 1, 2, 3);
	is_int((int)(strchr(o, '@') - o), 63, "a 66-byte name is cut to 63 bytes, not mid-character");
	free(o);
	char host[200];
	memset(host, 'h', sizeof host - 1);
	host[sizeof host - 1] = '\0';
	o = owner_format("n", host, 1, 2, 3);
	ok(strlen(o) < 2 + OWNER_PART_MAX + 40, "a long host is cut too (%zu bytes)", strlen(o));
	free(o);
}

static void test_predecessor(void)
{
	const char *self = "chunk-1@hostA/0000abcd/200-5000";
	pid_t pid = 0;
	unsigned long long start = 0;
	ok(owner_predecessor(self, "chunk-1@hostA/0000abcd/100-4000", &pid, &start),
	    "same name, host and space, another process: an earlier incarnation");
	is_int(pid, 100, "its pid");
	ok(start == 4000, "its start time");
	ok(!owner_predecessor(self, self, &pid, &start), "we are not our own predecessor");
	ok(!owner_predecessor(self, "chunk-1@hostB/0000abcd/100-4000", &pid, &start),
	    "another host's worker of the same name is not");
	ok(!owner_predecessor(self, "chunk-1@hostA/0000abce/100-4000", &pid, &start),
	    "nor one of another boot or pid namespace");
	ok(!owner_predecessor(self, "chunk-2@hostA/0000abcd/100-4000", &pid, &start),
	    "nor another name");
	ok(!owner_predecessor(self, "chunk-1", &pid, &start), "nor an old bare-name owner");
	ok(!owner_predecessor(self, "chunk-1@hostA/0000abcd/100-4000@x/1/2-3", &pid, &start),
	    "nor a longer name that starts like our owner");
	ok(!owner_predecessor(self, "chunk-1@hostA/0000abcd/100-", &pid, &start),
	    "nor a cut incarnation");
	ok(!owner_predecessor("chunk-1", "chunk-1", &pid, &start), "a bare name has none");
}

/* Forks a child that says its owner of name and exits; returns the child
 * (not reaped) and its owner in buf ("" when it said none). */
static pid_t child_owner(const char *name, char *buf, size_t n)
{
	int fds[2];
	if (pipe(fds) < 0) {
		printf("Bail out! pipe\n");
		exit(1);
	}
	pid_t child = fork();
	if (child == 0) {
		char *cause = NULL;
		char *o = owner_self(name, &cause);
		ssize_t w = o ? write(fds[1], o, strlen(o)) : -1;
		_exit(w > 0 ? 0 : 1);
	}
	close(fds[1]);
	ssize_t r = read(fds[0], buf, n - 1);
	buf[r > 0 ? r : 0] = '\0';
	close(fds[0]);
	return child;
}

static void test_alive(void)
{
	char *cause = NULL;
	char *me = owner_self("w", &cause);
	ok(me != NULL, "our own owner: %s", me ? me : cause);
	pid_t pid;
	unsigned long long start;
	char *other = xasprintf("%.*s1-1", (int)owner_prefix_len(me), me);
	ok(owner_predecessor(other, me, &pid, &start), "our owner parses back");
	is_int(owner_alive(pid, start), 1, "we are alive");
	is_int(owner_alive(pid, start + 1), 0, "our pid with another start time is gone (a reused pid)");
	pid_t child = fork();
	if (child == 0)
		_exit(0);
	waitpid(child, NULL, 0);
	is_int(owner_alive(child, start), 0, "a reaped process is gone");

	/* A child that has exited but is not reaped yet is a zombie: gone. */
	char buf[256];
	child = child_owner("w", buf, sizeof buf);
	ok(owner_predecessor(other, buf, &pid, &start), "the child's owner parses: %s", buf);
	int alive = 1;
	for (int i = 0; i < 500 && alive; i++) {
		alive = owner_alive(pid, start);
		usleep(10000);
	}
	is_int(alive, 0, "an exited child not yet reaped (a zombie) is gone");
	waitpid(child, NULL, 0);
	free(other);
	free(me);
}

/* Two live processes of one name on one host never share an owner. */
static void test_unique(void)
{
	char *cause = NULL;
	setenv("PSUP_WORKER_HOST_ID", "hostA", 1);
	char *me = owner_self("chunk-1", &cause);
	char *again = owner_self("chunk-1", &cause);
	is_str(again, me, "one process has one owner");
	ok(strncmp(me, "chunk-1@hostA/", 14) == 0, "PSUP_WORKER_HOST_ID names the host: %s", me);
	char buf[256];
	pid_t child = child_owner("chunk-1", buf, sizeof buf);
	waitpid(child, NULL, 0);
	ok(*buf && strcmp(buf, me) != 0, "another process of that name has another owner: %s", buf);
	is_int((int)owner_prefix_len(buf), (int)owner_prefix_len(me), "with the same prefix");
	ok(strncmp(buf, me, owner_prefix_len(me)) == 0, "(the same host and space)");
	setenv("PSUP_WORKER_HOST_ID", "hostB", 1);
	char *b = owner_self("chunk-1", &cause);
	ok(strncmp(b, "chunk-1@hostB/", 14) == 0 && strcmp(b, me) != 0,
	    "the same name on another host is another owner: %s", b);
	unsetenv("PSUP_WORKER_HOST_ID");
	free(b);
	free(again);
	free(me);
}

int main(void)
{
	test_format();
	test_predecessor();
	test_alive();
	test_unique();
	return done_testing();
}
