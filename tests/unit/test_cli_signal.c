/* Signal names and numbers as psup signal takes them. */
#include <signal.h>

#include "tap.h"
#include "cli_signal.h"

static void test_signal(void)
{
	is_int(cli_signal_parse("SIGUSR1"), SIGUSR1, "SIGUSR1");
	is_int(cli_signal_parse("USR2"), SIGUSR2, "USR2");
	is_int(cli_signal_parse("term"), SIGTERM, "term (any case)");
	is_int(cli_signal_parse("9"), 9, "a number");
	is_int(cli_signal_parse("SIG"), -1, "SIG alone");
	is_int(cli_signal_parse("NOPE"), -1, "unknown name");
	is_int(cli_signal_parse("0"), -1, "0 is no signal");
	is_int(cli_signal_parse("999"), -1, "out of range");
}

int main(void)
{
	test_signal();
	return done_testing();
}
