/* Signal names as users type them (see cli_signal.h). */
#include "cli_signal.h"

#include <signal.h>
#include <string.h>
#include <strings.h>

#include "cli_fmt.h"

int cli_signal_parse(const char *s)
{
	int n;
	if (cli_parse_uint(s, &n) == 0)
		return n >= 1 && n < NSIG ? n : -1;
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	if (!*s)
		return -1;
	for (int sig = 1; sig < NSIG; sig++) {
		const char *name = sigabbrev_np(sig);
		if (name && strcasecmp(name, s) == 0)
			return sig;
	}
	return -1;
}
