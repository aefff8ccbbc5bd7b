/* What psup-worker's commands share: error lines, the option parser,
 * opening the store. */
#include "cmd.h"
#include "filter.h"
#include "store.h"
#include "xalloc.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cmd_error(const char *what, const char *why)
{
	fprintf(stderr, "psup-worker: %s: %s\n", what, why);
}

void cmd_errorf(const char *what, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "psup-worker: %s: ", what);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

enum cmd_parse_result cmd_parse(int argc, char **argv, const struct cmd_opt *opts,
    const char **bad)
{
	size_t n = 0;
	while (opts[n].name)
		n++;
	/* getopt_long's table, help last; val says which entry matched. */
	struct option *lo = xcalloc(n + 2, sizeof *lo);
	char shortopts[64] = ":h";
	size_t sl = 2;
	for (size_t i = 0; i < n; i++) {
		int has_arg = opts[i].flag ? no_argument : required_argument;
		lo[i] = (struct option){ opts[i].name, has_arg, NULL, 256 + (int)i };
		if (opts[i].letter && sl + 3 < sizeof shortopts) {
			shortopts[sl++] = opts[i].letter;
			if (has_arg == required_argument)
				shortopts[sl++] = ':';
		}
	}
	shortopts[sl] = '\0';
	lo[n] = (struct option){ "help", no_argument, NULL, 'h' };
	enum cmd_parse_result rc = CMD_PARSED;
	int c;
	opterr = 0;
	optind = 0;              /* glibc: a fresh scan, whatever was parsed before */
	while (rc == CMD_PARSED && (c = getopt_long(argc, argv, shortopts, lo, NULL)) != -1) {
		const struct cmd_opt *o = NULL;
		if (c >= 256)
			o = &opts[c - 256];
		for (size_t i = 0; !o && c < 256 && c != 'h' && i < n; i++)
			if (opts[i].letter == c)
				o = &opts[i];
		if (c == 'h')
			rc = CMD_PARSE_HELP;
		else if (c == ':' || c == '?')
			rc = c == ':' ? CMD_PARSE_NO_VALUE : CMD_PARSE_UNKNOWN;
		else if (o->flag)
			*o->flag = 1;
		else if (o->add)
			o->add(optarg, o->arg);
		else
			*o->value = optarg;
		if (rc == CMD_PARSE_NO_VALUE || rc == CMD_PARSE_UNKNOWN)
			*bad = argv[optind - 1];
	}
	free(lo);
	if (rc == CMD_PARSED && optind < argc) {
		*bad = argv[optind];
		rc = CMD_PARSE_EXTRA;
	}
	for (size_t i = 0; rc == CMD_PARSED && i < n; i++)
		if (opts[i].required && !*opts[i].value) {
			*bad = opts[i].required;
			rc = CMD_PARSE_MISSING;
		}
	for (size_t i = 0; rc == CMD_PARSED && i < n; i++)
		if (opts[i].empty && *opts[i].value && !**opts[i].value) {
			*bad = opts[i].empty;
			rc = CMD_PARSE_EMPTY;
		}
	return rc;
}

int cmd_args(const char *cmd, const char *help, int argc, char **argv,
    const struct cmd_opt *opts, int *code)
{
	const char *bad = NULL;
	static const char *const what[] = {
		[CMD_PARSE_NO_VALUE] = "option %s needs a value",
		[CMD_PARSE_UNKNOWN] = "unknown option %s",
		[CMD_PARSE_EXTRA] = "unexpected argument '%s'",
		[CMD_PARSE_MISSING] = "%s is required",
	};
	enum cmd_parse_result rc = cmd_parse(argc, argv, opts, &bad);
	if (rc == CMD_PARSED)
		return 0;
	if (rc == CMD_PARSE_HELP) {
		fputs(help, stdout);
		*code = CMD_OK;
		return -1;
	}
	if (rc == CMD_PARSE_EMPTY) {
		cmd_error(cmd, bad);
		*code = CMD_USAGE;
		return -1;
	}
	char *msg = xasprintf(what[rc], bad);
	cmd_errorf(cmd, "%s (see psup-worker %s --help)", msg, cmd);
	free(msg);
	*code = CMD_USAGE;
	return -1;
}

int cmd_start(const char *cmd, const char *help, int argc, char **argv,
    const struct cmd_opt *opts, const struct cmd_where *where, int create,
    struct store **s, int *code)
{
	if (cmd_args(cmd, help, argc, argv, opts, code) < 0)
		return -1;
	if (where && where->error) {
		cmd_error(cmd, where->error);
		*code = CMD_USAGE;
		return -1;
	}
	const struct cmd_opt *job = opts;
	while (strcmp(job->name, "job") != 0)
		job++;
	if (cmd_open(cmd, *job->value, create, s) < 0) {
		*code = CMD_RUNTIME;
		return -1;
	}
	if (where)
		store_where(*s, &where->f);
	return 0;
}

void cmd_where_add(char *value, void *arg)
{
	struct cmd_where *w = arg;
	char *cause = NULL;
	if (filter_add(&w->f, value, &cause) < 0) {
		if (!w->error)
			w->error = cause;
		else
			free(cause);
	}
}

void cmd_where_free(struct cmd_where *w)
{
	store_filter_free(&w->f);
	free(w->error);
	w->error = NULL;
}

int cmd_open(const char *cmd, const char *url, int create, struct store **s)
{
	char *cause = NULL;
	int rc = create ? store_open(url, s, &cause) : store_open_existing(url, s, &cause);
	if (rc < 0) {
		cmd_error(cmd, cause);
		free(cause);
		return -1;
	}
	return 0;
}

/* Appends s[0..n) to the growing string *out. */
static void append(char **out, const char *s, size_t n)
{
	char *next = xasprintf("%s%.*s", *out, (int)n, s);
	free(*out);
	*out = next;
}

int cmd_format(const char *cmd, const char *word, enum store_format *fmt)
{
	static const struct { const char *name; enum store_format fmt; } formats[] = {
		{ "jsonl", STORE_FMT_JSONL }, { "csv", STORE_FMT_CSV }, { "tsv", STORE_FMT_TSV },
	};
	for (size_t i = 0; i < sizeof formats / sizeof *formats; i++)
		if (strcmp(word, formats[i].name) == 0) {
			*fmt = formats[i].fmt;
			return 0;
		}
	cmd_errorf(cmd, "--format wants jsonl, csv or tsv, not '%s'", word);
	return -1;
}

char *cmd_store_display(const char *url)
{
	const char *scheme = strstr(url, "://");
	if (!scheme)
		return xstrdup(url);
	char *out = xstrdup("");
	const char *auth = scheme + 3;
	size_t auth_len = strcspn(auth, "/?#");
	const char *at = memchr(auth, '@', auth_len);
	const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
	const char *p = url;
	if (colon) {
		append(&out, p, (size_t)(colon + 1 - p));
		append(&out, "***", 3);
		p = at;
	}
	/* Query parameters: password=... up to the next '&'. */
	const char *pw;
	while ((pw = strstr(p, "password=")) != NULL) {
		int param = pw[-1] == '?' || pw[-1] == '&';
		append(&out, p, (size_t)(pw + 9 - p));
		p = pw + 9;
		if (param) {
			append(&out, "***", 3);
			p += strcspn(p, "&#");
		}
	}
	append(&out, p, strlen(p));
	return out;
}
