/* `psup-worker run`: reads its options and the job file, then hands over to
 * the run loop (run.c), or with --dry-run to run_dryrun.c. */
#include "cmd.h"
#include "jobfile.h"
#include "owner.h"
#include "run.h"
#include "run_dryrun.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

static const char run_help[] =
	"usage: psup-worker run --job STORE --config JOB.yaml [--name NAME]\n"
	"                       [--where FIELD=VALUE]... [--dry-run [--limit N]]\n"
	"\n"
	"Claims items, calls the API as the job file says, records the results;\n"
	"exits 0 when no item is left.\n"
	"\n"
	"  --job STORE          sqlite:PATH, a plain path, or postgresql://...\n"
	"  --config JOB.yaml    the job file (psup-worker help job)\n"
	"  --name NAME          the worker's name in leases (default: the psup app's)\n"
	"  --where FIELD=VALUE  only the items whose tag (tag=NAME, from init --tag)\n"
	"                       or top-level field has that value; several are ANDed;\n"
	"                       the run ends when those are finished\n"
	"  --dry-run            send nothing, claim nothing: print the first requests\n"
	"                       as they would be sent (secrets masked) and an estimate\n"
	"                       of tokens and time for the whole job\n"
	"  --limit N            requests --dry-run prints (default 3)\n";

static int run_usage(void)
{
	fprintf(stderr, "usage: psup-worker run --job STORE --config JOB.yaml [--name NAME]\n"
	    "       [--where FIELD=VALUE]... [--dry-run [--limit N]] (see psup-worker run --help)\n");
	return CMD_USAGE;
}

/* --limit: 1 to 1000 requests. Returns it, or -1 when it is not one. */
static int dryrun_limit(const char *text)
{
	char *end = NULL;
	long n = strtol(text, &end, 10);
	if (end == text || *end || n < 1 || n > 1000)
		return -1;
	return (int)n;
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

/* Reads the options into opts. Returns -1 to go on, or the exit code. */
static int run_options(int argc, char **argv, const struct cmd_opt *opts,
    const struct cmd_where *where)
{
	const char *bad = NULL;
	switch (cmd_parse(argc, argv, opts, &bad)) {
	case CMD_PARSED:
		break;
	case CMD_PARSE_HELP:
		fputs(run_help, stdout);
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
	if (where->error) {
		fprintf(stderr, "psup-worker run: %s\n", where->error);
		return CMD_USAGE;
	}
	return -1;
}

int cmd_run(int argc, char **argv)
{
	const char *job = NULL, *config = NULL, *name = NULL, *limit_text = NULL;
	int dry_run = 0;
	struct cmd_where where = { 0 };
	const struct cmd_opt opts[] = {
		{ .name = "job", .value = &job, .required = "--job" },
		{ .name = "config", .value = &config, .required = "--config" },
		{ .name = "name", .value = &name, .empty = "--name must not be empty" },
		{ .name = "where", .add = cmd_where_add, .arg = &where },
		{ .name = "dry-run", .flag = &dry_run },
		{ .name = "limit", .value = &limit_text },
		{ 0 },
	};
	int code = run_options(argc, argv, opts, &where);
	if (code >= 0) {
		cmd_where_free(&where);
		return code;
	}
	if (limit_text && !dry_run) {
		fprintf(stderr, "psup-worker run: --limit goes with --dry-run (a run takes every "
		    "item; --where takes a part)\n");
		cmd_where_free(&where);
		return CMD_USAGE;
	}
	int limit = limit_text ? dryrun_limit(limit_text) : 3;
	if (limit < 0) {
		fprintf(stderr, "psup-worker run: --limit takes a number of requests from 1 to "
		    "1000, not \"%s\"\n", limit_text);
		cmd_where_free(&where);
		return CMD_USAGE;
	}
	/* Block the stop signals first: one that comes while we start up then
	 * waits in the signalfd and stops us cleanly, never half-way. */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	if (!dry_run)
		sigprocmask(SIG_BLOCK, &stop, NULL);

	struct job_config jc;
	if (job_load(config, &jc) < 0) {
		code = CMD_USAGE;
	} else if (dry_run) {
		code = run_dryrun(job, config, &jc, &where.f, limit, stdout);
	} else {
		char *owner = run_owner(name);
		if (!owner) {
			jobfile_free(&jc);
			code = CMD_RUNTIME;
		} else {
			code = run_job(job, config, &jc, owner, &where.f);
			free(owner);
		}
	}
	cmd_where_free(&where);
	return code;
}
