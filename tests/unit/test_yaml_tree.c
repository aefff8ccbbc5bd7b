/* The YAML tree: positions, plain vs quoted, nulls, refused documents
 * (duplicates, alias bombs, depth, second documents, syntax errors at
 * FILE:LINE:COL), anchors and merge keys. */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "yaml_errors.h"
#include "yaml_tree.h"

static struct ydoc doc;
static struct yerrs errs;

static int load(const char *text)
{
	ydoc_free(&doc);
	yerrs_free(&errs);
	return ydoc_load("t.yaml", text, strlen(text), &doc, &errs);
}

static const char *err0(void)
{
	return errs.n ? errs.v[0] : "(no error)";
}

static int starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static void test_tree(void)
{
	ok(load("a: 1\nb:\n  - x\n  - 'y'\nc: {d: e}\n") == 0, "loads a small document");
	const struct ynode *r = doc.root;
	ok(r && r->kind == YNODE_MAP && r->n == 3, "root is a map of 3");
	const struct ynode *b = ymap_get(r, "b");
	ok(b && b->kind == YNODE_SEQ && b->n == 2, "b is a list of 2");
	is_int(b->items[1]->line, 4, "item line");
	is_int(b->items[1]->col, 5, "item column (1-based, at the quote)");
	ok(b->items[0]->plain && !b->items[1]->plain, "plain vs quoted is kept");
	is_int(YMAP_KEY(r, 2)->line, 5, "key line");
	is_int(YMAP_KEY(r, 2)->col, 1, "key column");
	is_str(ymap_get(ymap_get(r, "c"), "d")->str, "e", "flow map value");
	ok(ymap_get(r, "zz") == NULL, "missing key is NULL");

	ok(load("") == 0 && doc.root == NULL, "empty document: no root");
	ydoc_free(&doc);
	ok(ydoc_load("t.yaml", NULL, 0, &doc, &errs) == 0 && doc.root == NULL,
	    "NULL buffer reads as empty");
	ok(load("# only a comment\n") == 0 && doc.root == NULL, "comment only: no root");
	ok(load("a: ~\nb:\nc: 'null'\n") == 0, "nulls load");
	ok(ynode_is_null(ymap_get(doc.root, "a")) && ynode_is_null(ymap_get(doc.root, "b")) &&
	    !ynode_is_null(ymap_get(doc.root, "c")), "~ and empty are null, 'null' is not");
}

static void test_refused(void)
{
	ok(load("a: 1\nb: 2\na: 3\n") == -1, "duplicate key refused");
	is_str(err0(), "t.yaml:3:1: a: duplicate key 'a' (first at line 1, column 1)",
	    "duplicate key message");
	ok(load("apps:\n  - name: x\n    script: y\n    name: z\n") == -1, "nested duplicate refused");
	is_str(err0(), "t.yaml:4:5: name: duplicate key 'name' (first at line 2, column 5)",
	    "nested duplicate position");

	ok(load("a: 1\n b: 2\n") == -1, "bad indentation refused");
	is_str(err0(), "t.yaml:2:3: yaml: mapping values are not allowed in this context",
	    "libyaml error with 1-based position");
	ok(load("a:\n\t- b\n") == -1, "tab refused");
	ok(strstr(err0(), "t.yaml:2:1: yaml: ") && strstr(err0(), "tabs cannot indent"),
	    "tab hint: %s", err0());
	ok(load("a: [1, 2\n") == -1, "unclosed flow list refused");
	ok(starts(err0(), "t.yaml:2:1: yaml: did not find expected ',' or ']'"),
	    "unclosed flow list message: %s", err0());
	ok(load("a: \"x\n") == -1, "unterminated quote refused");
	ok(starts(err0(), "t.yaml:2:1: yaml: found unexpected end of stream"),
	    "unterminated quote message: %s", err0());
	ok(load("a: 1\n---\nb: 2\n") == -1, "second document refused");
	is_str(err0(), "t.yaml:2:1: yaml: only one document per file (remove the second '---')",
	    "second document message");
	ok(load("? [a, b]\n: c\n") == -1, "complex key refused");
	is_str(err0(), "t.yaml:1:3: yaml: a key must be a plain value, not a list",
	    "complex key message");
	ok(load("a: *nope\n") == -1, "unknown alias refused");
	is_str(err0(), "t.yaml:1:4: yaml: unknown anchor 'nope' (an alias must follow its anchor)",
	    "unknown alias message");
	ok(load("a: \"x\\0y\"\n") == -1, "NUL in a value refused");
	is_str(err0(), "t.yaml:1:4: yaml: a value holds a NUL character", "NUL message");
	ok(load("a: \xff\xfe\n") == -1, "invalid UTF-8 refused");
	ok(starts(err0(), "t.yaml:1:4: yaml: invalid leading UTF-8 octet at byte 3"),
	    "invalid UTF-8 message: %s", err0());

	/* depth */
	char deep[400];
	size_t o = 0;
	for (int i = 0; i < 70; i++)
		deep[o++] = '[';
	for (int i = 0; i < 70; i++)
		deep[o++] = ']';
	deep[o] = '\0';
	ok(load(deep) == -1, "nesting past the limit refused");
	is_str(err0(), "t.yaml:1:65: yaml: nesting deeper than 64 levels", "depth message");

	/* billion laughs */
	const char *bomb =
	    "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	    "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
	    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
	    "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
	    "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
	    "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
	    "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
	    "h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]\n";
	ok(load(bomb) == -1, "alias bomb refused");
	ok(strstr(err0(), "yaml: document too large") != NULL, "bomb message: %s", err0());
}

static void test_aliases(void)
{
	ok(load("base: &b {x: 1, y: 2}\none:\n  <<: *b\n  y: 3\ntwo: *b\n") == 0,
	    "anchors and merge keys load");
	const struct ynode *one = ymap_get(doc.root, "one");
	is_int(one->n, 2, "merged map has x and y");
	is_str(ymap_get(one, "x")->str, "1", "merged value");
	is_str(ymap_get(one, "y")->str, "3", "own value wins over merged one");
	const struct ynode *two = ymap_get(doc.root, "two");
	is_int(two->line, 5, "alias copy sits at the alias line");
	is_int(two->col, 6, "alias copy sits at the alias column");
	ok(load("a: &a {x: 1}\nb: &b {y: 2}\nc:\n  <<: [*a, *b]\n") == 0, "merge of a list");
	is_int(ymap_get(doc.root, "c")->n, 2, "both maps merged");
	ok(load("a: &a 1\nb:\n  <<: *a\n") == -1, "merge of a scalar refused");
	is_str(err0(), "t.yaml:3:7: yaml: a merge key (<<) takes a map or a list of maps, not a string",
	    "merge of a scalar message");
	/* an anchor on a merge value that is dropped must stay usable */
	ok(load("a:\n  <<: &m {x: 1}\nb: *m\n") == 0, "anchor on a merged-away node stays valid");
	is_str(ymap_get(ymap_get(doc.root, "b"), "x")->str, "1", "its value");
}

int main(void)
{
	plan_no_plan();
	test_tree();
	test_refused();
	test_aliases();
	ydoc_free(&doc);
	yerrs_free(&errs);
	return done_testing();
}
