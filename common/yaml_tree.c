/* Builds a ynode tree from libyaml's event stream, iteratively (an explicit
 * stack bounded by YDOC_MAX_DEPTH), with positions on every node. */
#include "yaml_tree.h"

#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "xalloc.h"

struct anchor {
	char *name;
	const struct ynode *node;    /* owned by the tree */
};

struct builder {
	const char *file;
	const char *buf;
	size_t len;
	struct yerrs *errs;
	int failed;
	size_t nodes;                /* created so far, copies included */
	struct ynode *stack[YDOC_MAX_DEPTH + 1];
	char *stack_anchor[YDOC_MAX_DEPTH + 1];
	int depth;
	struct ynode *root;
	struct anchor *anchors;
	size_t n_anchors, cap_anchors;
	/* nodes taken out of the tree while it is built (merge pairs, bad
	 * keys): an anchor may still point at them, so they live until the end */
	struct ynode **dead;
	size_t n_dead, cap_dead;
};

static void node_free(struct ynode *n)
{
	if (!n)
		return;
	free(n->str);
	size_t count = n->kind == YNODE_MAP ? 2 * n->n : n->n;
	for (size_t i = 0; i < count; i++)
		node_free(n->items[i]);
	free(n->items);
	free(n);
}

static void error_at(struct builder *b, int line, int col, const char *fmt, const char *arg)
	__attribute__((format(printf, 4, 0)));
static void error_at(struct builder *b, int line, int col, const char *fmt, const char *arg)
{
	yerrs_add(b->errs, b->file, line, col, "yaml", fmt, arg);
	b->failed = 1;
}

static void discard(struct builder *b, struct ynode *n)
{
	if (b->n_dead == b->cap_dead) {
		b->cap_dead = b->cap_dead ? b->cap_dead * 2 : 8;
		b->dead = xreallocarray(b->dead, b->cap_dead, sizeof *b->dead);
	}
	b->dead[b->n_dead++] = n;
}

static int budget(struct builder *b, size_t more, int line, int col)
{
	if (more > YDOC_MAX_NODES || b->nodes + more > YDOC_MAX_NODES) {
		error_at(b, line, col, "document too large (over %s nodes, alias expansion included)",
		    "200000");
		return -1;
	}
	b->nodes += more;
	return 0;
}

/* A node starting at m, within the document's limits: a container past
 * YDOC_MAX_DEPTH or a node past the budget is an error (and NULL). */
static struct ynode *node_new(struct builder *b, enum ynode_kind kind, yaml_mark_t m)
{
	if (kind != YNODE_SCALAR && b->depth >= YDOC_MAX_DEPTH) {
		error_at(b, (int)m.line + 1, (int)m.column + 1, "nesting deeper than %s levels", "64");
		return NULL;
	}
	if (budget(b, 1, (int)m.line + 1, (int)m.column + 1) < 0)
		return NULL;
	struct ynode *n = xcalloc(1, sizeof *n);
	n->kind = kind;
	n->line = (int)m.line + 1;
	n->col = (int)m.column + 1;
	n->weight = 1;
	n->height = 1;
	return n;
}

/* Copies n (its weight was checked against the budget by the caller). */
static struct ynode *node_copy(const struct ynode *n)
{
	struct ynode *c = xmalloc(sizeof *c);
	*c = *n;
	c->str = n->str ? xstrndup(n->str, n->len) : NULL;
	size_t count = n->kind == YNODE_MAP ? 2 * n->n : n->n;
	c->items = count ? xcalloc(count, sizeof *c->items) : NULL;
	for (size_t i = 0; i < count; i++)
		c->items[i] = node_copy(n->items[i]);
	return c;
}

static void anchor_add(struct builder *b, char *name, const struct ynode *n)
{
	if (!name)
		return;
	/* a later anchor of the same name shadows the earlier one (YAML 1.2) */
	for (size_t i = 0; i < b->n_anchors; i++)
		if (strcmp(b->anchors[i].name, name) == 0) {
			free(name);
			b->anchors[i].node = n;
			return;
		}
	if (b->n_anchors == b->cap_anchors) {
		b->cap_anchors = b->cap_anchors ? b->cap_anchors * 2 : 8;
		b->anchors = xreallocarray(b->anchors, b->cap_anchors, sizeof *b->anchors);
	}
	b->anchors[b->n_anchors].name = name;
	b->anchors[b->n_anchors].node = n;
	b->n_anchors++;
}

static int key_cmp(const struct ynode *a, const struct ynode *k)
{
	if (a->len != k->len)
		return a->len < k->len ? -1 : 1;
	return memcmp(a->str, k->str, a->len);
}

/* While a MAP is built, n counts every item pushed (keys and values
 * alternate); finish_container turns it into a pair count. items grows to
 * 4, then doubles whenever the count reaches a power of two. */
static void append(struct ynode *parent, struct ynode *child)
{
	size_t used = parent->n;
	if (used == 0 || (used >= 4 && (used & (used - 1)) == 0))
		parent->items = xreallocarray(parent->items, used ? used * 2 : 4,
		    sizeof *parent->items);
	parent->items[used] = child;
	parent->n = used + 1;
	parent->weight += child->weight;
	if (child->height + 1 > parent->height)
		parent->height = child->height + 1;
}

static int sort_cmp(const void *pa, const void *pb)
{
	const struct ynode *const *a = pa, *const *b = pb;
	int c = key_cmp(*a, *b);
	if (c)
		return c;
	/* same key: keep document order so the later one is reported */
	if ((*a)->line != (*b)->line)
		return (*a)->line < (*b)->line ? -1 : 1;
	return (*a)->col < (*b)->col ? -1 : (*a)->col > (*b)->col;
}

static void check_duplicates(struct builder *b, struct ynode *m)
{
	if (m->n < 2)
		return;
	const struct ynode **keys = xcalloc(m->n, sizeof *keys);
	for (size_t i = 0; i < m->n; i++)
		keys[i] = YMAP_KEY(m, i);
	qsort(keys, m->n, sizeof *keys, sort_cmp);
	for (size_t i = 1; i < m->n; i++)
		if (key_cmp(keys[i - 1], keys[i]) == 0) {
			char *first = xasprintf("%s' (first at line %d, column %d)",
			    keys[i]->str, keys[i - 1]->line, keys[i - 1]->col);
			yerrs_add(b->errs, b->file, keys[i]->line, keys[i]->col, keys[i]->str,
			    "duplicate key '%s", first);
			b->failed = 1;
			free(first);
		}
	free(keys);
}

/* Applies "<<: map" and "<<: [map, ...]": keys of the merged maps that the
 * map does not set itself are copied in (YAML merge key type). */
static void apply_merges(struct builder *b, struct ynode *m)
{
	for (size_t i = 0; i < m->n; i++) {
		struct ynode *k = YMAP_KEY(m, i), *v = YMAP_VAL(m, i);
		if (!k->plain || strcmp(k->str, "<<") != 0)
			continue;
		const struct ynode *srcs[64];
		size_t nsrc = 0;
		if (v->kind == YNODE_MAP) {
			srcs[nsrc++] = v;
		} else if (v->kind == YNODE_SEQ && v->n > 64) {
			error_at(b, v->line, v->col, "a merge key (<<) takes at most %s maps", "64");
			return;
		} else if (v->kind == YNODE_SEQ) {
			for (size_t j = 0; j < v->n; j++) {
				if (v->items[j]->kind != YNODE_MAP) {
					error_at(b, v->items[j]->line, v->items[j]->col,
					    "a merge key (<<) takes maps, not %s", ynode_what(v->items[j]));
					return;
				}
				srcs[nsrc++] = v->items[j];
			}
		} else {
			error_at(b, v->line, v->col, "a merge key (<<) takes a map or a list of maps, not %s",
			    ynode_what(v));
			return;
		}
		/* take the pair out, then add what is missing */
		memmove(&m->items[2 * i], &m->items[2 * i + 2], (2 * (m->n - i - 1)) * sizeof *m->items);
		m->n--;
		m->weight -= k->weight + v->weight;
		size_t own = m->n;
		for (size_t s = 0; s < nsrc; s++)
			for (size_t j = 0; j < srcs[s]->n; j++) {
				const struct ynode *sk = YMAP_KEY(srcs[s], j), *sv = YMAP_VAL(srcs[s], j);
				int present = 0;
				for (size_t x = 0; x < own && !present; x++)
					present = key_cmp(YMAP_KEY(m, x), sk) == 0;
				for (size_t x = own; x < m->n && !present; x++)
					present = key_cmp(YMAP_KEY(m, x), sk) == 0;
				if (present)
					continue;
				if (budget(b, sk->weight + sv->weight, sk->line, sk->col) < 0)
					goto out;
				/* append() counts items; n counts pairs once a map is finished */
				m->n *= 2;
				append(m, node_copy(sk));
				append(m, node_copy(sv));
				m->n /= 2;
			}
out:
		discard(b, k);
		discard(b, v);
		i--;
		if (b->failed)
			return;
	}
}

/* Attaches a finished node to the container on top of the stack (or makes
 * it the root). Takes ownership of n. */
static void attach(struct builder *b, struct ynode *n)
{
	if (b->depth == 0) {
		b->root = n;
		return;
	}
	struct ynode *parent = b->stack[b->depth - 1];
	if (parent->kind == YNODE_MAP && (parent->n % 2) == 0 && n->kind != YNODE_SCALAR) {
		error_at(b, n->line, n->col, "a key must be a plain value, not %s", ynode_what(n));
		discard(b, n);
		return;
	}
	append(parent, n);
}

static void finish_container(struct builder *b)
{
	struct ynode *n = b->stack[--b->depth];
	char *anchor = b->stack_anchor[b->depth];
	b->stack_anchor[b->depth] = NULL;
	if (n->kind == YNODE_MAP) {
		if (n->n % 2) {
			/* cannot happen with libyaml (a key always gets a value) */
			error_at(b, n->line, n->col, "%s", "a key has no value");
		}
		n->n /= 2;
		apply_merges(b, n);
		check_duplicates(b, n);
	}
	anchor_add(b, anchor, n);
	attach(b, n);
}

static char *mark_text(const char *fmt, yaml_mark_t m)
{
	return xasprintf(fmt, (int)m.line + 1, (int)m.column + 1);
}

static void parse_error(struct builder *b, const yaml_parser_t *p)
{
	const char *problem = p->problem ? p->problem : "cannot parse";
	int line = (int)p->problem_mark.line + 1, col = (int)p->problem_mark.column + 1;
	char *ctx = NULL, *msg;
	if (p->context)
		ctx = mark_text(" (started at %d:%d)", p->context_mark);
	const char *hint = "";
	if (p->problem_mark.index < b->len && b->buf[p->problem_mark.index] == '\t')
		hint = "; tabs cannot indent YAML, use spaces";
	if (p->error == YAML_READER_ERROR) {
		/* reader errors carry an offset, not a line */
		msg = xasprintf("%s at byte %zu (the file must be UTF-8 text)", problem, p->problem_offset);
		line = 1;
		col = 1;
		/* find the line of the offset for a useful position */
		for (size_t i = 0; i < p->problem_offset && i < b->len; i++) {
			if (b->buf[i] == '\n') {
				line++;
				col = 1;
			} else {
				col++;
			}
		}
	} else {
		msg = xasprintf("%s%s%s%s%s", problem, p->context ? ", " : "",
		    p->context ? p->context : "", ctx ? ctx : "", hint);
	}
	yerrs_add(b->errs, b->file, line, col, "yaml", "%s", msg);
	b->failed = 1;
	free(ctx);
	free(msg);
}

static char *take_anchor(const unsigned char *a)
{
	return a ? xstrdup((const char *)a) : NULL;
}

static void on_scalar(struct builder *b, const yaml_event_t *ev)
{
	const char *v = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length;
	if (memchr(v, '\0', len)) {
		error_at(b, (int)ev->start_mark.line + 1, (int)ev->start_mark.column + 1,
		    "%s", "a value holds a NUL character");
		return;
	}
	struct ynode *n = node_new(b, YNODE_SCALAR, ev->start_mark);
	if (!n)
		return;
	n->str = xstrndup(v, len);
	n->len = len;
	n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !ev->data.scalar.tag;
	anchor_add(b, take_anchor(ev->data.scalar.anchor), n);
	attach(b, n);
}

static void on_alias(struct builder *b, const yaml_event_t *ev)
{
	const char *name = (const char *)ev->data.alias.anchor;
	int line = (int)ev->start_mark.line + 1, col = (int)ev->start_mark.column + 1;
	const struct ynode *target = NULL;
	for (size_t i = 0; i < b->n_anchors; i++)
		if (strcmp(b->anchors[i].name, name) == 0)
			target = b->anchors[i].node;
	if (!target) {
		error_at(b, line, col, "unknown anchor '%s' (an alias must follow its anchor)", name);
		return;
	}
	if (b->depth + target->height > YDOC_MAX_DEPTH) {
		error_at(b, line, col, "alias '%s' nests too deep", name);
		return;
	}
	if (budget(b, target->weight, line, col) < 0)
		return;
	struct ynode *n = node_copy(target);
	/* the copy sits where the alias is written: errors about it should
	 * point there, not at the anchor */
	n->line = line;
	n->col = col;
	attach(b, n);
}

static void on_start(struct builder *b, const yaml_event_t *ev, enum ynode_kind kind,
    const unsigned char *anchor)
{
	struct ynode *n = node_new(b, kind, ev->start_mark);
	if (!n)
		return;
	b->stack[b->depth] = n;
	b->stack_anchor[b->depth] = take_anchor(anchor);
	b->depth++;
}

int ydoc_load(const char *file, const char *buf, size_t len, struct ydoc *doc,
    struct yerrs *errs)
{
	struct builder b = { .file = file, .buf = buf, .len = len, .errs = errs };
	yaml_parser_t p;
	yaml_event_t ev;
	int docs = 0, done = 0;

	doc->root = NULL;
	if (!yaml_parser_initialize(&p)) {
		yerrs_add(errs, file, 0, 0, NULL, "cannot initialise the YAML parser");
		return -1;
	}
	/* libyaml asserts on a NULL input, even of length 0 */
	yaml_parser_set_input_string(&p, (const unsigned char *)(buf ? buf : ""), buf ? len : 0);
	while (!done && !b.failed) {
		if (!yaml_parser_parse(&p, &ev)) {
			parse_error(&b, &p);
			break;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1)
				error_at(&b, (int)ev.start_mark.line + 1, (int)ev.start_mark.column + 1,
				    "%s", "only one document per file (remove the second '---')");
			break;
		case YAML_SCALAR_EVENT:
			on_scalar(&b, &ev);
			break;
		case YAML_ALIAS_EVENT:
			on_alias(&b, &ev);
			break;
		case YAML_SEQUENCE_START_EVENT:
			on_start(&b, &ev, YNODE_SEQ, ev.data.sequence_start.anchor);
			break;
		case YAML_MAPPING_START_EVENT:
			on_start(&b, &ev, YNODE_MAP, ev.data.mapping_start.anchor);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			if (b.depth > 0)
				finish_container(&b);
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);

	while (b.depth > 0) {
		b.depth--;
		free(b.stack_anchor[b.depth]);
		/* an unfinished MAP still counts items, not pairs */
		if (b.stack[b.depth]->kind == YNODE_MAP) {
			struct ynode *m = b.stack[b.depth];
			for (size_t i = 0; i < m->n; i++)
				node_free(m->items[i]);
			m->n = 0;
		}
		node_free(b.stack[b.depth]);
	}
	for (size_t i = 0; i < b.n_dead; i++)
		node_free(b.dead[i]);
	free(b.dead);
	for (size_t i = 0; i < b.n_anchors; i++)
		free(b.anchors[i].name);
	free(b.anchors);
	if (b.failed) {
		node_free(b.root);
		return -1;
	}
	doc->root = b.root;
	return 0;
}

void ydoc_free(struct ydoc *doc)
{
	node_free(doc->root);
	doc->root = NULL;
}

const struct ynode *ymap_get(const struct ynode *map, const char *key)
{
	if (!map || map->kind != YNODE_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i++)
		if (strcmp(YMAP_KEY(map, i)->str, key) == 0)
			return YMAP_VAL(map, i);
	return NULL;
}

int ynode_is_null(const struct ynode *n)
{
	if (!n || n->kind != YNODE_SCALAR || !n->plain)
		return 0;
	return n->len == 0 || strcmp(n->str, "~") == 0 || strcmp(n->str, "null") == 0 ||
	    strcmp(n->str, "Null") == 0 || strcmp(n->str, "NULL") == 0;
}

const char *ynode_what(const struct ynode *n)
{
	if (!n || ynode_is_null(n))
		return "nothing (null)";
	switch (n->kind) {
	case YNODE_SEQ:
		return "a list";
	case YNODE_MAP:
		return "a map";
	default:
		return "a string";
	}
}
