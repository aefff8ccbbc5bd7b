/* YAML nodes as JSON text (yaml_json.h). */
#include "yaml_json.h"

#include <string.h>

#include "jsonesc.h"

/* A JSON number, as written: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static int is_json_number(const char *s)
{
	if (*s == '-')
		s++;
	if (*s == '0')
		s++;
	else if (*s >= '1' && *s <= '9')
		while (*s >= '0' && *s <= '9')
			s++;
	else
		return 0;
	if (*s == '.') {
		if (!(*++s >= '0' && *s <= '9'))
			return 0;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (!(*s >= '0' && *s <= '9'))
			return 0;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	return *s == '\0';
}

static void json_str(struct buf *b, const char *s)
{
	size_t n = strlen(s);
	buf_reserve(b, JSON_ESCAPED_MAX(n) + 2);
	buf_addc(b, '"');
	b->len += json_escape(b->p + b->len, s, n);
	buf_addc(b, '"');
}

void ynode_json(struct buf *b, const struct ynode *n, int (*as_is)(const char *s))
{
	switch (n->kind) {
	case YNODE_MAP:
		buf_addc(b, '{');
		for (size_t i = 0; i < n->n; i++) {
			if (i)
				buf_addc(b, ',');
			json_str(b, YMAP_KEY(n, i)->str);
			buf_addc(b, ':');
			ynode_json(b, YMAP_VAL(n, i), as_is);
		}
		buf_addc(b, '}');
		return;
	case YNODE_SEQ:
		buf_addc(b, '[');
		for (size_t i = 0; i < n->n; i++) {
			if (i)
				buf_addc(b, ',');
			ynode_json(b, n->items[i], as_is);
		}
		buf_addc(b, ']');
		return;
	default:
		if (ynode_is_null(n))
			buf_puts(b, "null");
		else if (n->plain && (strcmp(n->str, "true") == 0 || strcmp(n->str, "false") == 0 ||
		    is_json_number(n->str)))
			buf_puts(b, n->str);
		else if (as_is && as_is(n->str))
			buf_puts(b, n->str);
		else
			json_str(b, n->str);
		return;
	}
}

