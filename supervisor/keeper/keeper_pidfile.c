/* pid_file: the app's pid, written atomically when it starts and removed
 * when it exits, as pm2 keeps its pid files. */
#include "keeper.h"
#include "atomicfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void keeper_pidfile_write(struct keeper *k)
{
	if (!k->spec.pid_file || !k->pid)
		return;
	char num[32], *cause = NULL;
	int n = snprintf(num, sizeof num, "%ld\n", (long)k->pid);
	if (atomicfile_write(k->spec.pid_file, num, (size_t)n, 0644, 0, &cause) < 0) {
		keeper_warnx("%s: pid_file: %s", k->spec.name, cause);
		free(cause);
	}
}

void keeper_pidfile_remove(struct keeper *k)
{
	if (k->spec.pid_file && unlink(k->spec.pid_file) < 0 && errno != ENOENT)
		keeper_warnx("%s: pid_file: cannot remove %s: %s", k->spec.name, k->spec.pid_file,
		    strerror(errno));
}
