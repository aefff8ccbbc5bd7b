/* psup-keeper APPDIR [RUNDIR [CGROUP]]: the per-app keeper the daemon starts
 * (see keeper.h). */
#include "keeper.h"

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	if (argc == 2 && (strcmp(argv[1], "--version") == 0)) {
		printf("psup-keeper %s\n", PSUP_VERSION);
		return 0;
	}
	if (argc < 2 || argc > 4 || argv[1][0] == '-') {
		fprintf(stderr, "usage: psup-keeper APPDIR [RUNDIR [CGROUP]]\n"
		    "  APPDIR holds the spec the daemon wrote (its runtime folder, or\n"
		    "    $PSUP_HOME/apps/<name> in a home without one)\n"
		    "  RUNDIR is where keeper.pid, status and control.sock go (default APPDIR)\n"
		    "  CGROUP is the cgroup v2 directory the app's own cgroup goes in\n");
		return 2;
	}
	keeper_ctl_ready_take();
	return keeper_run(argv[1], argc >= 3 ? argv[2] : argv[1], argc == 4 ? argv[3] : NULL,
	    argc, argv);
}
