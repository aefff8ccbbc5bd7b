/* Subsets of a job's items (see filter.h). */
#include "filter.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

/* Tags and field names are short names; a kilobyte is far past any. */
#define NAME_MAX_LEN 1024

/* The first byte of s that a name may not hold: a control byte, or for
 * a field '"' and '\\' (the SQLite backend quotes the name in a JSON
 * path). NULL when there is none. */
static const char *bad_byte(const char *s, size_t len, int field)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f || (field && (c == '"' || c == '\\')))
			return s + i;
	}
	return NULL;
}

int filter_add(struct store_filter *f, const char *text, char **cause)
{
	const char *eq = strchr(text, '=');
	if (!eq)
		return fail(cause, "--where \"%s\": not FIELD=VALUE (e.g. tag=batch-1 or "
		    "lang=en)", text);
	const char *name = text;
	size_t len = (size_t)(eq - text);
	int tag = len == 3 && strncmp(name, "tag", 3) == 0;
	if (len > 5 && strncmp(name, "item.", 5) == 0) {
		name += 5;
		len -= 5;
	}
	if (len == 0 || (len == 5 && strncmp(name, "item.", 5) == 0))
		return fail(cause, "--where \"%s\": no field name before '='", text);
	if (len > NAME_MAX_LEN)
		return fail(cause, "--where: a field name of %zu bytes is too long "
		    "(at most %d)", len, NAME_MAX_LEN);
	if (bad_byte(name, len, 1))
		return fail(cause, "--where \"%s\": a field name cannot hold '\"', '\\' "
		    "or control characters", text);
	if (tag && !eq[1])
		return fail(cause, "--where \"%s\": a tag is never empty (name one: "
		    "tag=NAME)", text);
	f->cond = xreallocarray(f->cond, (size_t)f->n + 1, sizeof *f->cond);
	f->cond[f->n].field = tag ? NULL : xstrndup(name, len);
	f->cond[f->n].value = xstrdup(eq + 1);
	f->n++;
	return 0;
}

char *filter_text(const struct store_filter *f)
{
	if (f->n == 0)
		return xstrdup("all items");
	char *out = xstrdup("");
	for (int i = 0; i < f->n; i++) {
		const struct store_cond *c = &f->cond[i];
		/* a field that reads as the tag or as "item." shown as the user
		 * must write it */
		const char *prefix = c->field && (strcmp(c->field, "tag") == 0 ||
		    strncmp(c->field, "item.", 5) == 0) ? "item." : "";
		char *next = xasprintf("%s%s%s%s=%s", out, i ? " and " : "", prefix,
		    c->field ? c->field : "tag", c->value);
		free(out);
		out = next;
	}
	return out;
}

int filter_tag_check(const char *tag, char **cause)
{
	size_t len = strlen(tag);
	if (len == 0)
		return fail(cause, "--tag: a tag is never empty");
	if (len > NAME_MAX_LEN)
		return fail(cause, "--tag: a tag of %zu bytes is too long (at most %d)", len,
		    NAME_MAX_LEN);
	if (bad_byte(tag, len, 0))
		return fail(cause, "--tag: a tag cannot hold control characters");
	return 0;
}
