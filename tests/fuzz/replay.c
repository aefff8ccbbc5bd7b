/* Replays a fuzz target's saved inputs in a normal build, as a TAP test.
 * The Makefile links this main with each tests/fuzz/fuzz_NAME.c into
 * build/tests/fuzz_NAME, so every target with a corpus is replayed by
 * `make test` (release, then ASan+UBSan) without a line added anywhere.
 *
 *	build/tests/fuzz_NAME              every file of
 *	                                   $PSUP_SRC/tests/fuzz/corpus/fuzz_NAME/
 *	build/tests/fuzz_NAME FILE|DIR...  those inputs (to reproduce a crash)
 *
 * Each input runs in a child process: a crash, an abort (a target's own
 * check failing) or a sanitizer report fails that input's test and names
 * its file; the other inputs still run. */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "atomicfile.h"
#include "tap.h"
#include "xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REPLAY_MAX_INPUT (1 << 20)

/* One input, in a child: passes when the target returns 0 and the child
 * exits 0 (exit, not _exit, so LeakSanitizer checks the input too). name is
 * what the test line calls it. */
static void replay_file(const char *path, const char *name)
{
	char *buf, *cause;
	size_t len;
	if (atomicfile_read(path, REPLAY_MAX_INPUT, &buf, &len, &cause) < 0) {
		ok(0, "read %s", name);
		diag("%s", cause);
		free(cause);
		return;
	}
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		ok(0, "fork for %s", name);
		diag("fork: %s", strerror(errno));
		free(buf);
		return;
	}
	if (pid == 0) {
		int r = LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
		free(buf);
		exit(r == 0 ? 0 : 1);
	}
	free(buf);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s", name)) {
		if (WIFSIGNALED(st))
			diag("killed by signal %d (%s)", WTERMSIG(st), strsignal(WTERMSIG(st)));
		else
			diag("exit status %d", WEXITSTATUS(st));
	}
}

static int replay_no_dots(const struct dirent *de)
{
	return de->d_name[0] != '.';
}

/* Every file of dir, in name order; returns how many there were. */
static int replay_dir(const char *dir)
{
	struct dirent **names;
	int n = scandir(dir, &names, replay_no_dots, alphasort);
	if (n < 0) {
		ok(0, "corpus %s", dir);
		diag("scandir %s: %s", dir, strerror(errno));
		return 0;
	}
	for (int i = 0; i < n; i++) {
		char *path = xasprintf("%s/%s", dir, names[i]->d_name);
		const char *base = strrchr(dir, '/');
		char *name = xasprintf("%s/%s", base ? base + 1 : dir, names[i]->d_name);
		replay_file(path, name);
		free(name);
		free(path);
		free(names[i]);
	}
	free(names);
	return n;
}

int main(int argc, char **argv)
{
	plan_no_plan();
	if (argc > 1) {
		for (int i = 1; i < argc; i++) {
			struct stat sb;
			if (stat(argv[i], &sb) == 0 && S_ISDIR(sb.st_mode))
				replay_dir(argv[i]);
			else
				replay_file(argv[i], argv[i]);
		}
		return done_testing();
	}
	const char *src = getenv("PSUP_SRC");
	const char *slash = strrchr(argv[0], '/');
	char *dir = xasprintf("%s/tests/fuzz/corpus/%s", src ? src : ".", slash ? slash + 1 : argv[0]);
	int n = replay_dir(dir);
	ok(n > 0, "the corpus %s holds inputs (%d)", dir, n);
	free(dir);
	return done_testing();
}
