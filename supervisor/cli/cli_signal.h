/* Signal names as users type them: "SIGUSR1", "USR1", "usr1" or a number. */
#ifndef PSUP_CLI_SIGNAL_H
#define PSUP_CLI_SIGNAL_H

/* Returns the signal number, or -1 when s names no signal. */
int cli_signal_parse(const char *s);

#endif
