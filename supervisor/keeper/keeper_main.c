/* psup-keeper APPDIR: the per-app keeper the daemon starts (see keeper.h). */
#include "keeper.h"

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	if (argc == 2 && (strcmp(argv[1], "--version") == 0)) {
		printf("psup-keeper %s\n", PSUP_VERSION);
		return 0;
	}
	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: psup-keeper APPDIR\n"
		    "  APPDIR is $PSUP_HOME/apps/<name>, holding the spec the daemon wrote\n");
		return 2;
	}
	return keeper_run(argv[1], argc, argv);
}
