/* `psup-worker init`: loads a JSONL file of items into a job store
 * (creating it), adding only ids it does not hold yet. */
#include "cmd.h"
#include "filter.h"
#include "store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

static const char init_usage[] =
	"usage: psup-worker init --job STORE --input FILE [--id-field F] [--priority-field F]\n"
	"                        [--tag NAME]\n"
	"\n"
	"Loads items, one JSON object per line, into the job store (created if\n"
	"missing). Each item keeps its input position. Ids already in the store are\n"
	"skipped, so loading the same file again adds nothing. A bad line (not JSON,\n"
	"not an object, no id, an id twice) fails the whole load: nothing is added.\n"
	"\n"
	"  --job STORE           sqlite:PATH, a plain path, or postgresql://...\n"
	"  --input FILE          the items ('-' reads standard input)\n"
	"  --id-field F          the field holding each item's id (default: id);\n"
	"                        a string or an integer, unique\n"
	"  --priority-field F    an integer field; higher is claimed first (default 0)\n"
	"  --tag NAME            tag every item this load adds, so that run, status\n"
	"                        and export can take them alone (--where tag=NAME);\n"
	"                        items already in the store keep their tag\n";

int cmd_init(int argc, char **argv)
{
	const char *job = NULL, *input = NULL, *id_field = "id", *prio = NULL, *tag = NULL;
	static const char no_field[] = "an empty field name is not a field";
	int code;
	const struct cmd_opt opts[] = {
		{ .name = "job", .letter = 'j', .value = &job, .required = "--job STORE" },
		{ .name = "input", .letter = 'i', .value = &input, .required = "--input FILE" },
		{ .name = "id-field", .letter = 'f', .value = &id_field, .empty = no_field },
		{ .name = "priority-field", .letter = 'p', .value = &prio, .empty = no_field },
		{ .name = "tag", .letter = 't', .value = &tag },
		{ 0 },
	};
	char *cause = NULL;
	if (cmd_args("init", init_usage, argc, argv, opts, &code) < 0)
		return code;
	if (tag && filter_tag_check(tag, &cause) < 0) {
		cmd_error("init", cause);
		free(cause);
		return CMD_USAGE;
	}
	struct store *s = NULL;
	if (cmd_open("init", job, 1, &s) < 0)
		return CMD_RUNTIME;
	long long added = 0, skipped = 0;
	int rc = CMD_OK;
	if (store_load_tagged(s, input, id_field, prio, tag, &added, &skipped, &cause) < 0) {
		rc = errno == EINVAL ? CMD_USAGE : CMD_RUNTIME;
		cmd_error("init", cause);
		free(cause);
	} else {
		char *shown = cmd_store_display(job);
		printf("loaded %lld new item%s from %s into %s%s%s (%lld already present)\n",
		    added, added == 1 ? "" : "s", input, shown, tag ? ", tagged " : "",
		    tag ? tag : "", skipped);
		free(shown);
	}
	store_close(s);
	return rc;
}
