/* `psup-worker help [job [--markdown]]`: the commands, and the job file
 * options printed from the loader's own table (the README's job file
 * table is the --markdown form; tests/e2e/70-readme.t checks they agree). */
#include "cmd.h"
#include "jobfile_options.h"

#include <stdio.h>
#include <string.h>

static const char usage_text[] =
	"usage: psup-worker COMMAND [options]\n"
	"\n"
	"Processes a job (a queue of JSON items in a job store) against an HTTP API,\n"
	"with many workers sharing one job. Commands:\n"
	"\n"
	"  init   --job STORE --input FILE [--id-field F] [--priority-field F] [--tag NAME]\n"
	"         load items, one JSON object per line; loading again adds only new ids\n"
	"  run    --job STORE --config JOB.yaml [--name NAME] [--where FIELD=VALUE]...\n"
	"         claim items, call the API, record results; exit 0 when none is left\n"
	"  run    --job STORE --config JOB.yaml --dry-run [--limit N] [--where ...]\n"
	"         print the first requests (secrets masked) and an estimate; send nothing\n"
	"  status --job STORE [--where FIELD=VALUE]... [--json]\n"
	"         counts by state, attempts, error classes, throughput, tokens\n"
	"  export --job STORE [--where FIELD=VALUE]... [--failed] [--output FILE]\n"
	"         results as JSON lines in input order\n"
	"  retry  --job STORE [--ids ID,ID...]\n"
	"         failed items back to pending\n"
	"  help job [--markdown]\n"
	"         the job file's options\n"
	"\n"
	"STORE is sqlite:PATH, a plain path, or postgresql://USER@HOST/DB.\n"
	"--where takes tag=NAME (init --tag) or a top-level field of the items\n"
	"(lang=en); several are ANDed.\n"
	"'psup-worker COMMAND --help' shows a command's options.\n"
	"Exit codes: 0 ok, 1 runtime error, 2 bad usage or bad input; run only: 3 the API\n"
	"says the quota or money is used up, 4 the job file's budget is spent.\n";

void cmd_usage(FILE *f)
{
	fputs(usage_text, f);
}

/* The type column: bounds shown for numbers, where they are not obvious. */
static void type_text(const struct job_option *o, char *buf, size_t n)
{
	const char *name = jobfile_option_type_name(o->type);
	if (o->type == JOB_T_INT)
		snprintf(buf, n, "%s %lld..%lld", name, o->min, o->max);
	else
		snprintf(buf, n, "%s", name);
}

/* Writes s as a Markdown table cell: a '|' would end the cell. */
static void cell(FILE *f, const char *s)
{
	while (*s) {
		size_t plain = strcspn(s, "|");
		fwrite(s, 1, plain, f);
		s += plain;
		if (*s == '|') {
			fputs("\\|", f);
			s++;
		}
	}
}

/* "500ms", "1s", "60s": as a user writes them in the job file. */
static void delay_text(long long ms, char *buf, size_t n)
{
	if (ms % 1000 == 0)
		snprintf(buf, n, "%llds", ms / 1000);
	else
		snprintf(buf, n, "%lldms", ms);
}

/* The profiles as a table: Markdown, or aligned text. */
static void profiles_print(FILE *f, int markdown)
{
	size_t n;
	const struct job_profile *p = jobfile_profiles(&n);
	const char *row = markdown ? "| %s | %s | %s | %s | %s | %s |\n" :
	    "%-14s %-12s %-10s %-13s %-11s %s\n";
	fputs(markdown ? "\n" : "\nprofiles (what each sets; explicit keys win):\n", f);
	fprintf(f, row, "profile", "concurrency", "rpm", "max_attempts", "base_delay", "max_delay");
	if (markdown)
		fputs("|---|---|---|---|---|---|\n", f);
	for (size_t i = 0; i < n; i++) {
		char conc[16], rpm[32], att[16], base[32], max[32];
		snprintf(conc, sizeof conc, "%d", p[i].concurrency);
		if (p[i].rpm > 0)
			snprintf(rpm, sizeof rpm, "%.0f", p[i].rpm);
		else
			snprintf(rpm, sizeof rpm, "unlimited");
		snprintf(att, sizeof att, "%d", p[i].max_attempts);
		delay_text(p[i].base_delay_ms, base, sizeof base);
		delay_text(p[i].max_delay_ms, max, sizeof max);
		fprintf(f, row, p[i].name, conc, rpm, att, base, max);
	}
}

static void options_print(FILE *f, int markdown)
{
	size_t n;
	const struct job_option *t = jobfile_options(&n);
	if (markdown)
		fputs("| option | type | default | meaning |\n|---|---|---|---|\n", f);
	for (size_t i = 0; i < n; i++) {
		char type[64];
		type_text(&t[i], type, sizeof type);
		const char *def = t[i].required ? "required" : t[i].def;
		if (markdown) {
			fprintf(f, "| `%s` | %s | ", t[i].name, type);
			cell(f, def ? def : "");
			fputs(" | ", f);
			cell(f, t[i].help);
			fputs(" |\n", f);
			continue;
		}
		fprintf(f, "%-20s %s", t[i].name, type);
		if (def)
			fprintf(f, t[i].required ? ", %s" : ", default %s", def);
		fprintf(f, "\n    %s\n", t[i].help);
	}
	profiles_print(f, markdown);
}

int cmd_help(int argc, char **argv)
{
	if (argc < 2) {
		cmd_usage(stdout);
		return CMD_OK;
	}
	if (strcmp(argv[1], "job") != 0) {
		cmd_errorf("help", "no help on '%s' (try: psup-worker help job, or "
		    "psup-worker %s --help)", argv[1], argv[1]);
		return CMD_USAGE;
	}
	int markdown = argc == 3 && strcmp(argv[2], "--markdown") == 0;
	if (argc > 3 || (argc == 3 && !markdown)) {
		cmd_error("help", "usage: psup-worker help job [--markdown]");
		return CMD_USAGE;
	}
	options_print(stdout, markdown);
	if (fflush(stdout) != 0) {
		cmd_error("help", "cannot write to standard output");
		return CMD_RUNTIME;
	}
	return CMD_OK;
}
