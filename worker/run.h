/* `psup-worker run`: claim items, call the API, record results. */
#ifndef PSUP_RUN_H
#define PSUP_RUN_H

/* argv as after the command word ("run"). Returns the process exit code:
 * 0 when the job has no pending or leased item left, 1 on a runtime error,
 * 2 on bad usage or a bad job file. */
int run_main(int argc, char **argv);

#endif
