/* `psup-worker retry`: failed items back to pending, all or by id. */
#include "cmd.h"
#include "store.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char retry_usage[] =
	"usage: psup-worker retry --job STORE [--ids ID,ID...] [--where FIELD=VALUE]...\n"
	"\n"
	"Puts failed items back to pending with their attempts reset, so the next\n"
	"'psup-worker run' processes them again. Without --ids, every failed item.\n"
	"\n"
	"  --job STORE     sqlite:PATH, a plain path, or postgresql://...\n"
	"  --ids ID,...    only these items (may be given more than once)\n"
	"  --where FIELD=VALUE\n"
	"                  only the items whose tag (tag=NAME) or top-level field\n"
	"                  has that value; several are ANDed\n";

/* The ids given with --ids (pointers into argv). */
struct id_list {
	char **v;
	int n, cap;
	int given;               /* --ids came, even if it named none */
};

/* Appends the comma-separated ids of list to the id_list arg. */
static void ids_add(char *list, void *arg)
{
	struct id_list *l = arg;
	char *p = list;
	l->given = 1;
	for (;;) {
		char *comma = strchr(p, ',');
		if (comma)
			*comma = '\0';
		if (*p) {
			if (l->n == l->cap) {
				l->cap = l->cap ? 2 * l->cap : 8;
				l->v = xreallocarray(l->v, (size_t)l->cap, sizeof *l->v);
			}
			l->v[l->n++] = p;
		}
		if (!comma)
			break;
		p = comma + 1;
	}
}

int cmd_retry(int argc, char **argv)
{
	const char *job = NULL;
	struct id_list ids = { 0 };
	struct cmd_where where = { 0 };
	int rc;
	const struct cmd_opt opts[] = {
		{ .name = "job", .letter = 'j', .value = &job, .required = "--job STORE" },
		{ .name = "ids", .letter = 'i', .add = ids_add, .arg = &ids },
		{ .name = "where", .letter = 'w', .add = cmd_where_add, .arg = &where },
		{ 0 },
	};
	struct store *s = NULL;
	if (cmd_start("retry", retry_usage, argc, argv, opts, &where, 0, &s, &rc) < 0)
		goto out;
	if (ids.given && ids.n == 0) {
		cmd_error("retry", "--ids names no id");
		store_close(s);
		rc = CMD_USAGE;
		goto out;
	}
	rc = CMD_RUNTIME;
	char *cause = NULL;
	long long moved = 0;
	if (store_retry(s, (const char *const *)ids.v, ids.given ? ids.n : 0, &moved, &cause) < 0) {
		cmd_error("retry", cause);
		free(cause);
	} else {
		printf("%lld failed item%s back to pending\n", moved, moved == 1 ? "" : "s");
		if (ids.given && moved < ids.n)
			fprintf(stderr, "psup-worker: retry: %lld of the %d ids given %s "
			    "(unknown, pending, leased or done): left alone\n",
			    (long long)ids.n - moved, ids.n,
			    ids.n - moved == 1 ? "is not a failed item" : "are not failed items");
		rc = CMD_OK;
	}
	store_close(s);
out:
	cmd_where_free(&where);
	free(ids.v);
	return rc;
}
