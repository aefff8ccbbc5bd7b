/* Test app: crasher [CODE [MS]]: prints its pid, waits MS ms (default 0),
 * exits with CODE (default 1). A negative CODE kills itself with that signal. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int code = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 1;
	long ms = argc > 2 ? strtol(argv[2], NULL, 10) : 0;
	printf("crasher %ld start\n", (long)getpid());
	fflush(stdout);
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
	printf("crasher %ld exit %d\n", (long)getpid(), code);
	fflush(stdout);
	if (code < 0) {
		signal(-code, SIG_DFL);
		raise(-code);
	}
	return code;
}
