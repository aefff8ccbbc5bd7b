/* The keeper's name in ps: "psup: keep NAME". The kernel shows the argv
 * memory as the command line, so the title is written over it (as nginx
 * and s6 do), growing into the environment strings that follow when argv is
 * short; the environment is first copied elsewhere so it stays usable. */
#include "keeper.h"
#include "xalloc.h"

#include <string.h>
#include <sys/prctl.h>

extern char **environ;

void keeper_title_set(int argc, char **argv, const char *title)
{
	if (argc < 1 || !argv[0])
		return;
	char *start = argv[0];
	char *end = argv[0] + strlen(argv[0]) + 1;
	for (int i = 1; i < argc; i++)
		if (argv[i] == end)
			end = argv[i] + strlen(argv[i]) + 1;
	size_t title_len = strlen(title) + 1;
	if ((size_t)(end - start) < title_len && environ) {
		size_t n = 0;
		while (environ[n])
			n++;
		int contiguous = n > 0 && environ[0] == end;
		if (contiguous) {
			char **copy = xcalloc(n + 1, sizeof *copy);
			for (size_t i = 0; i < n; i++) {
				if (environ[i] == end)
					end = environ[i] + strlen(environ[i]) + 1;
				copy[i] = xstrdup(environ[i]);
			}
			/* kept for the life of the process, as environ itself */
			environ = copy;
		}
	}
	size_t room = (size_t)(end - start);
	size_t n = title_len <= room ? title_len - 1 : room - 1;
	memcpy(start, title, n);
	memset(start + n, '\0', room - n);
	for (int i = 1; i < argc; i++)
		argv[i] = NULL;
	/* the 15-byte comm name, for top and ps -o comm */
	prctl(PR_SET_NAME, title + (strncmp(title, "psup: ", 6) == 0 ? 6 : 0));
}
