/* The allocation helpers and the -1 + cause convention: string copies cut
 * at n or at the NUL, zero-size requests still giving memory, growth
 * keeping the contents, an array size that overflows aborting with a
 * message (in a child), and fail() with and without a cause. */
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"
#include "xalloc.h"

static void test_strings(void)
{
	static const struct {
		const char *s;
		size_t n;
		const char *want;
	} t[] = {
		{ "hello", 3, "hel" },
		{ "hello", 5, "hello" },
		{ "hi", 10, "hi" },          /* n past the NUL: stops at the NUL */
		{ "abc", 0, "" },
		{ "", 4, "" },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		char *p = xstrndup(t[i].s, t[i].n);
		is_str(p, t[i].want, "xstrndup(\"%s\", %zu)", t[i].s, t[i].n);
		free(p);
	}
	char *p = xstrdup("copy");
	is_str(p, "copy", "xstrdup");
	free(p);
	p = xasprintf("%s-%d-%.1f", "a", 42, 0.5);
	is_str(p, "a-42-0.5", "xasprintf");
	free(p);
}

static void test_memory(void)
{
	void *z = xmalloc(0);
	ok(z != NULL, "xmalloc(0) gives memory");
	free(z);
	z = xcalloc(0, 8);
	ok(z != NULL, "xcalloc(0, 8) gives memory");
	free(z);
	unsigned char *c = xcalloc(64, 4);
	int zero = 1;
	for (int i = 0; i < 256; i++)
		zero &= c[i] == 0;
	ok(zero, "xcalloc zero-fills");
	for (int i = 0; i < 256; i++)
		c[i] = (unsigned char)i;
	c = xrealloc(c, 1 << 20);
	int kept = 1;
	for (int i = 0; i < 256; i++)
		kept &= c[i] == (unsigned char)i;
	ok(kept, "xrealloc keeps the contents");
	c = xreallocarray(c, 512, 2);
	kept = 1;
	for (int i = 0; i < 256; i++)
		kept &= c[i] == (unsigned char)i;
	ok(kept, "xreallocarray keeps the contents");
	free(c);
}

/* nmemb * size past SIZE_MAX must abort, not wrap to a small block. */
static void test_overflow(void)
{
	int err[2];
	if (pipe(err) < 0) {
		ok(0, "pipe");
		return;
	}
	pid_t pid = fork();
	if (pid == 0) {
		struct rlimit no_core = { 0, 0 };
		setrlimit(RLIMIT_CORE, &no_core);
		dup2(err[1], 2);
		close(err[0]);
		void *p = xreallocarray(NULL, SIZE_MAX / 2 + 2, 2);
		free(p);
		_exit(0);
	}
	close(err[1]);
	char msg[256] = { 0 };
	size_t got = 0;
	ssize_t r;
	while (got < sizeof msg - 1 && (r = read(err[0], msg + got, sizeof msg - 1 - got)) > 0)
		got += (size_t)r;
	close(err[0]);
	msg[strcspn(msg, "\n")] = '\0';
	int st = 0;
	ok(pid > 0 && waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT,
	    "an overflowing array size aborts");
	ok(strstr(msg, "psup: out of memory allocating") != NULL, "with a message: %s", msg);
}

static void test_fail(void)
{
	char *cause = NULL;
	is_int(fail(&cause, "cannot open %s: %s", "x", "gone"), -1, "fail returns -1");
	is_str(cause, "cannot open x: gone", "and sets the cause");
	free(cause);
	is_int(fail(NULL, "%s", "nobody asks"), -1, "fail without a cause returns -1");
}

int main(void)
{
	test_strings();
	test_memory();
	test_overflow();
	test_fail();
	return done_testing();
}
