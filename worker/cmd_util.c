/* What psup-worker's commands share: error lines and opening the store. */
#include "cmd.h"
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

int cmd_bad_option(const char *cmd, int opt, char **argv)
{
	const char *arg = argv[optind - 1];
	if (opt == ':')
		cmd_errorf(cmd, "option %s needs a value (see psup-worker %s --help)", arg, cmd);
	else
		cmd_errorf(cmd, "unknown option %s (see psup-worker %s --help)", arg, cmd);
	return CMD_USAGE;
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
