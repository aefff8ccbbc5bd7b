/* The commands' option parser (cmd_parse) over values, flags, repeatable
 * options, short letters, and each way argv can be wrong; and the store
 * URL shown without its password. */
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "tap.h"

struct got {
	const char *job, *output;
	int flag;
	char seen[64];           /* the --ids values, joined by ';' */
};

static void seen_add(char *value, void *arg)
{
	struct got *g = arg;
	strncat(g->seen, value, sizeof g->seen - strlen(g->seen) - 2);
	strcat(g->seen, ";");
}

/* Parses the space-separated words of line (after the command word). */
static enum cmd_parse_result parse(const char *line, struct got *g, const char **bad)
{
	static char text[256];
	char *argv[32];
	int argc = 0;
	memset(g, 0, sizeof *g);
	snprintf(text, sizeof text, "cmd %s", line);
	for (char *w = strtok(text, " "); w && argc < 31; w = strtok(NULL, " "))
		argv[argc++] = w;
	argv[argc] = NULL;
	const struct cmd_opt opts[] = {
		{ .name = "job", .letter = 'j', .value = &g->job, .required = "--job STORE" },
		{ .name = "output", .letter = 'o', .value = &g->output, .empty = "no output" },
		{ .name = "failed", .flag = &g->flag },
		{ .name = "ids", .add = seen_add, .arg = g },
		{ 0 },
	};
	*bad = NULL;
	return cmd_parse(argc, argv, opts, bad);
}

int main(void)
{
	static const struct {
		const char *line;
		enum cmd_parse_result want;
		const char *bad, *job, *output, *seen;
		int flag;
	} rows[] = {
		{ "--job a", CMD_PARSED, NULL, "a", NULL, "", 0 },
		{ "--job=a --failed", CMD_PARSED, NULL, "a", NULL, "", 1 },
		{ "-j a -o out", CMD_PARSED, NULL, "a", "out", "", 0 },
		{ "--output=x --job a", CMD_PARSED, NULL, "a", "x", "", 0 },
		{ "--job a --ids x,y --ids z", CMD_PARSED, NULL, "a", NULL, "x,y;z;", 0 },
		{ "--job a --job b", CMD_PARSED, NULL, "b", NULL, "", 0 },
		{ "--help", CMD_PARSE_HELP, NULL, NULL, NULL, "", 0 },
		{ "--job a -h", CMD_PARSE_HELP, NULL, "a", NULL, "", 0 },
		{ "--job", CMD_PARSE_NO_VALUE, "--job", NULL, NULL, "", 0 },
		{ "--job a -o", CMD_PARSE_NO_VALUE, "-o", "a", NULL, "", 0 },
		{ "--job a --bogus", CMD_PARSE_UNKNOWN, "--bogus", "a", NULL, "", 0 },
		{ "--job a -x", CMD_PARSE_UNKNOWN, "-x", "a", NULL, "", 0 },
		{ "--job a extra", CMD_PARSE_EXTRA, "extra", "a", NULL, "", 0 },
		{ "--failed", CMD_PARSE_MISSING, "--job STORE", NULL, NULL, "", 1 },
		{ "", CMD_PARSE_MISSING, "--job STORE", NULL, NULL, "", 0 },
		{ "--job a --output=", CMD_PARSE_EMPTY, "no output", "a", "", "", 0 },
		{ "--job= ", CMD_PARSED, NULL, "", NULL, "", 0 },
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct got g;
		const char *bad;
		enum cmd_parse_result rc = parse(rows[i].line, &g, &bad);
		is_int(rc, rows[i].want, "'%s': result", rows[i].line);
		is_str(bad, rows[i].bad, "'%s': what was wrong", rows[i].line);
		if (rc != CMD_PARSED)
			continue;
		is_str(g.job, rows[i].job, "'%s': --job", rows[i].line);
		is_str(g.output, rows[i].output, "'%s': --output", rows[i].line);
		is_str(g.seen, rows[i].seen, "'%s': --ids", rows[i].line);
		is_int(g.flag, rows[i].flag, "'%s': --failed", rows[i].line);
	}

	static const struct { const char *url, *shown; } urls[] = {
		{ "job.db", "job.db" },
		{ "sqlite:/tmp/job.db", "sqlite:/tmp/job.db" },
		{ "postgresql://u:secret@host/db", "postgresql://u:***@host/db" },
		{ "postgresql://u@host/db?password=secret&sslmode=require",
		  "postgresql://u@host/db?password=***&sslmode=require" },
		{ "sqlite:job.db", "sqlite:job.db" },
		{ "postgresql://u:secret@h:5432/db", "postgresql://u:***@h:5432/db" },
		{ "postgresql://u@h/db", "postgresql://u@h/db" },
		{ "postgres://h/db?user=u&password=secret&sslmode=require",
		  "postgres://h/db?user=u&password=***&sslmode=require" },
		{ "postgresql:///db?password=p1&x=1&password=p2", "postgresql:///db?password=***&x=1&password=***" },
		{ "postgresql:///db?application_name=mypassword=x", "postgresql:///db?application_name=mypassword=x" },
		{ "postgresql://h/db?a=b@c:d", "postgresql://h/db?a=b@c:d" },
	};
	for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++) {
		char *shown = cmd_store_display(urls[i].url);
		is_str(shown, urls[i].shown, "store shown as %s", urls[i].shown);
		free(shown);
	}
	return done_testing();
}
