/* `psup-worker run`: reads its options and the job file, then hands over to
 * the run loop (run.c). */
#include "cmd.h"
#include "jobfile.h"
#include "owner.h"
#include "run.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

static int run_usage(void)
{
	fprintf(stderr, "usage: psup-worker run --job STORE --config JOB.yaml [--name NAME]\n");
	return CMD_USAGE;
}

/* The lease owner (owner.h) for the worker's name: --name, else the psup
 * app's name, else "worker". NULL with the reason printed. */
static char *run_owner(const char *name)
{
	const char *app = getenv("PSUP_APP_NAME");
	if (!name)
		name = app && *app ? app : "worker";
	char *cause = NULL;
	char *owner = owner_self(name, &cause);
	if (!owner) {
		fprintf(stderr, "psup-worker: %s\n", cause);
		free(cause);
	}
	return owner;
}

/* Loads the job file, printing every error. Returns 0 or -1. */
static int job_load(const char *config, struct job_config *jc)
{
	char **errs = NULL;
	int n_errs = 0;
	int rc = jobfile_load(config, jc, &errs, &n_errs);
	if (rc < 0) {
		for (int i = 0; i < n_errs; i++)
			fprintf(stderr, "%s\n", errs[i]);
		if (n_errs == 0)
			fprintf(stderr, "psup-worker: %s: cannot load the job file\n", config);
		jobfile_free(jc);
	}
	jobfile_errors_free(errs, n_errs);
	return rc;
}

int cmd_run(int argc, char **argv)
{
	const char *job = NULL, *config = NULL, *name = NULL, *bad = NULL;
	const struct cmd_opt opts[] = {
		{ .name = "job", .value = &job, .required = "--job" },
		{ .name = "config", .value = &config, .required = "--config" },
		{ .name = "name", .value = &name, .empty = "--name must not be empty" },
		{ 0 },
	};
	switch (cmd_parse(argc, argv, opts, &bad)) {
	case CMD_PARSED:
		break;
	case CMD_PARSE_HELP:
		run_usage();
		return CMD_OK;
	case CMD_PARSE_NO_VALUE:
		fprintf(stderr, "psup-worker run: %s needs a value\n", bad);
		return run_usage();
	case CMD_PARSE_UNKNOWN:
	case CMD_PARSE_EXTRA:
		fprintf(stderr, "psup-worker run: unknown argument \"%s\"\n", bad);
		return run_usage();
	case CMD_PARSE_MISSING:
		return run_usage();
	case CMD_PARSE_EMPTY:
		fprintf(stderr, "psup-worker run: %s\n", bad);
		return run_usage();
	}
	/* Block the stop signals first: one that comes while we start up then
	 * waits in the signalfd and stops us cleanly, never half-way. */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigprocmask(SIG_BLOCK, &stop, NULL);

	struct job_config jc;
	if (job_load(config, &jc) < 0)
		return CMD_USAGE;
	char *owner = run_owner(name);
	if (!owner) {
		jobfile_free(&jc);
		return CMD_RUNTIME;
	}
	int code = run_job(job, config, &jc, owner);
	free(owner);
	return code;
}
