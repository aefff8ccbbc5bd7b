/* psup: the command line (and, as `psup daemon`, the daemon). */
#include "cli.h"

int main(int argc, char **argv)
{
	return cli_main(argc, argv);
}
