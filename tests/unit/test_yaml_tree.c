/* The YAML helper: positions, refused documents (duplicates, alias bombs,
 * depth, second documents, syntax errors at FILE:LINE:COL), typed getters
 * with their messages, word splitting, suggestions and paths. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "yaml_file.h"
#include "yaml_get.h"
#include "yaml_text.h"
#include "yaml_tree.h"

static struct ydoc doc;
static struct ycx cx;

static int load(const char *text)
{
	ydoc_free(&doc);
	ycx_free(&cx);
	cx.file = "t.yaml";
	return ydoc_load("t.yaml", text, strlen(text), &doc, &cx.errs);
}

static const char *err0(void)
{
	return cx.errs.n ? cx.errs.v[0] : "(no error)";
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
	ok(ydoc_load("t.yaml", NULL, 0, &doc, &cx.errs) == 0 && doc.root == NULL,
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

static void test_getters(void)
{
	load("s: hello\nn: 42\nneg: -3\nbig: 99999999999999999999\nf: 2.5\nt: yes\nT: 'On'\n"
	     "bad: maybe\nd: 2s\nz: 1G\nl: [a, b]\nw: 'a  b c'\nsh: \"-x 'a b' c\\\\ d\"\n"
	     "m: {A: 1, B: , C: x}\nmbad: {A: [1]}\nnul: ~\n");
	ok(doc.root != NULL, "getter document loads: %s", err0());
	const struct ynode *r = doc.root;
	char *s = NULL;
	ok(yget_str(&cx, ymap_get(r, "n"), "n", &s) == 0 && strcmp(s, "42") == 0, "number as string");
	free(s);
	ok(yget_str(&cx, ymap_get(r, "l"), "l", &s) == -1, "list is not a string");
	is_str(err0(), "t.yaml:11:4: l: expected a string, got a list", "string type error");
	yerrs_free(&cx.errs);
	ok(yget_str(&cx, ymap_get(r, "nul"), "nul", &s) == -1, "null is not a string");
	is_str(err0(), "t.yaml:16:6: nul: expected a string, got nothing (null)", "null message");
	yerrs_free(&cx.errs);

	long long v = 0;
	ok(yget_int(&cx, ymap_get(r, "n"), "n", 1, 100, &v) == 0 && v == 42, "int");
	ok(yget_int(&cx, ymap_get(r, "neg"), "neg", 0, 100, &v) == -1, "int below min");
	is_str(err0(), "t.yaml:3:6: neg: -3 is out of range (0 to 100)", "range message");
	yerrs_free(&cx.errs);
	ok(yget_int(&cx, ymap_get(r, "big"), "big", 0, LLONG_MAX, &v) == -1, "int overflow");
	is_str(err0(), "t.yaml:4:6: big: 99999999999999999999 is out of range (at least 0)",
	    "overflow message");
	yerrs_free(&cx.errs);
	ok(yget_int(&cx, ymap_get(r, "f"), "f", 0, 10, &v) == -1, "fraction is not an int");
	is_str(err0(), "t.yaml:5:4: f: expected a whole number, got '2.5'", "int message");
	yerrs_free(&cx.errs);
	double dv = 0;
	ok(yget_double(&cx, ymap_get(r, "f"), "f", 0, 10, &dv) == 0 && dv == 2.5, "double");
	ok(yget_double(&cx, ymap_get(r, "s"), "s", 0, 10, &dv) == -1, "word is not a double");
	yerrs_free(&cx.errs);

	int b = -1;
	ok(yget_bool(&cx, ymap_get(r, "t"), "t", &b) == 0 && b == 1, "yes is true");
	ok(yget_bool(&cx, ymap_get(r, "T"), "T", &b) == 0 && b == 1, "quoted On is true");
	ok(yget_bool(&cx, ymap_get(r, "bad"), "bad", &b) == -1, "maybe is not a bool");
	is_str(err0(), "t.yaml:8:6: bad: expected true or false, got 'maybe'", "bool message");
	yerrs_free(&cx.errs);

	ok(yget_duration(&cx, ymap_get(r, "d"), "d", 0, LLONG_MAX, &v) == 0 && v == 2000, "duration");
	ok(yget_duration(&cx, ymap_get(r, "s"), "d", 0, LLONG_MAX, &v) == -1, "bad duration");
	is_str(err0(), "t.yaml:1:4: d: bad duration 'hello': missing number "
	    "(e.g. 500ms, 2s, 5m, 1h or milliseconds)", "duration message");
	yerrs_free(&cx.errs);
	ok(yget_duration(&cx, ymap_get(r, "d"), "d", 5000, 10000, &v) == -1, "duration below min");
	is_str(err0(), "t.yaml:9:4: d: 2s is out of range (5000ms to 10000ms)", "duration range");
	yerrs_free(&cx.errs);
	ok(yget_size(&cx, ymap_get(r, "z"), "z", 0, LLONG_MAX, &v) == 0 && v == 1073741824, "size");
	ok(yget_size(&cx, ymap_get(r, "d"), "z", 0, LLONG_MAX, &v) == -1, "bad size");
	is_str(err0(), "t.yaml:9:4: z: bad size '2s': unknown unit (use B, K, M, G or T) "
	    "(e.g. 512K, 200M, 1G or bytes)", "size message");
	yerrs_free(&cx.errs);

	static const char *const names[] = { "fork", "cluster" };
	int idx = -1;
	ok(yget_enum(&cx, ymap_get(r, "s"), "mode", names, 2, &idx) == -1, "enum refuses others");
	is_str(err0(), "t.yaml:1:4: mode: 'hello' is not one of: fork, cluster", "enum message");
	yerrs_free(&cx.errs);

	char **l = NULL;
	int n = 0;
	ok(yget_strlist(&cx, ymap_get(r, "l"), "l", YSPLIT_SPACES, &l, &n) == 0 && n == 2 &&
	    strcmp(l[1], "b") == 0 && l[2] == NULL, "list of strings");
	ystrv_free(l);
	ok(yget_strlist(&cx, ymap_get(r, "w"), "w", YSPLIT_SPACES, &l, &n) == 0 && n == 3 &&
	    strcmp(l[2], "c") == 0, "space-separated string");
	ystrv_free(l);
	ok(yget_strlist(&cx, ymap_get(r, "sh"), "sh", YSPLIT_SHELL, &l, &n) == 0 && n == 3 &&
	    strcmp(l[1], "a b") == 0 && strcmp(l[2], "c d") == 0, "shell-split string");
	ystrv_free(l);
	ok(yget_strlist(&cx, ymap_get(r, "m"), "m", YSPLIT_SHELL, &l, &n) == -1, "map is not a list");
	is_str(err0(), "t.yaml:14:4: m: expected a list or a string, got a map", "list message");
	yerrs_free(&cx.errs);

	char **k = NULL, **vals = NULL;
	ok(yget_strmap(&cx, ymap_get(r, "m"), "m", &k, &vals, &n) == 0 && n == 3 &&
	    strcmp(k[1], "B") == 0 && strcmp(vals[1], "") == 0 && strcmp(vals[0], "1") == 0,
	    "map of strings, null as empty");
	ystrv_free(k);
	ystrv_free(vals);
	ok(yget_strmap(&cx, ymap_get(r, "mbad"), "env", &k, &vals, &n) == -1, "nested value refused");
	is_str(err0(), "t.yaml:15:11: env.A: expected a string, got a list", "map value message");
	yerrs_free(&cx.errs);

	struct ynode def;
	const struct ynode *dn = yget_default_node(&def, "1600");
	ok(dn == &def && dn->kind == YNODE_SCALAR && dn->plain && dn->len == 4,
	    "a default's text makes a plain scalar");
	ok(yget_duration(&cx, dn, "kill_timeout", 0, LLONG_MAX, &v) == 0 && v == 1600,
	    "a default reads through the getters");
	ok(!ynode_is_null(yget_default_node(&def, "false")) &&
	    yget_bool(&cx, &def, "time", &b) == 0 && b == 0, "a default bool");
	ok(ynode_is_null(yget_default_node(&def, "")), "an empty default is null, as in a file");
}

static void test_text(void)
{
	const char *why = NULL;
	int n = 0;
	char **w = ytext_split("  a 'b c' \"d \\\"e\\\"\" f\\ g '' ", 1, &n, &why);
	ok(w && n == 5, "shell split count %d", n);
	if (w && n == 5) {
		is_str(w[1], "b c", "single quotes");
		is_str(w[2], "d \"e\"", "double quotes with escapes");
		is_str(w[3], "f g", "backslash space");
		is_str(w[4], "", "empty quoted word kept");
	}
	ystrv_free(w);
	ok(ytext_split("a 'b", 1, &n, &why) == NULL && strcmp(why, "unterminated quote") == 0,
	    "unterminated quote");
	ok(ytext_split("a \\", 1, &n, &why) == NULL && strcmp(why, "trailing backslash") == 0,
	    "trailing backslash");
	w = ytext_split("", 1, &n, &why);
	ok(w && n == 0 && w[0] == NULL, "empty string: no words");
	ystrv_free(w);

	static const char *const c[] = { "autorestart", "autostart", "time", "instances", "env" };
	is_str(ytext_suggest("autorestrat", c, 5), "autorestart", "transposition suggested");
	is_str(ytext_suggest("tiem", c, 5), "time", "short typo suggested");
	is_str(ytext_suggest("instance", c, 5), "instances", "missing letter suggested");
	ok(ytext_suggest("foo", c, 5) == NULL, "nothing close: no suggestion");
	ok(ytext_suggest("evn", c, 5) == NULL, "3-letter words get no guess");

	char *s = ytext_subst_instance("--chunk {instance} of {instance}{x}", 12);
	is_str(s, "--chunk 12 of 12{x}", "instance substitution");
	free(s);
	s = ytext_subst_instance("", 3);
	is_str(s, "", "substitution in an empty string");
	free(s);
	s = ytext_subst_instance("{instance", 3);
	is_str(s, "{instance", "a cut pattern stays as written");
	free(s);
}

static void test_paths(void)
{
	char *p = ypath_resolve("/a/b", "c/../d/./e/");
	is_str(p, "/a/b/d/e", "relative folded");
	free(p);
	p = ypath_resolve("/a/b", "/x/../../y");
	is_str(p, "/y", "absolute folded, .. stops at root");
	free(p);
	p = ypath_resolve("/a", ".");
	is_str(p, "/a", "dot");
	free(p);
	p = ypath_dir("/a/b/c.yaml");
	is_str(p, "/a/b", "dir");
	free(p);
	p = ypath_dir("/c.yaml");
	is_str(p, "/", "dir of a root file");
	free(p);

	char *buf = NULL, *cause = NULL;
	size_t len;
	ok(yfile_read("/nonexistent/x.yaml", &buf, &len, &cause) == -1 && cause &&
	    strstr(cause, "cannot open /nonexistent/x.yaml: No such file"), "read error: %s",
	    cause ? cause : "");
	free(cause);
	cause = NULL;
	ok(yfile_read("/", &buf, &len, &cause) == -1 && strstr(cause, "is a directory"),
	    "directory refused");
	free(cause);
	cause = NULL;

	/* the size limit: a file of YFILE_MAX bytes reads whole, one more is refused */
	char path[] = "/tmp/psup-test-yaml-XXXXXX";
	int fd = mkstemp(path);
	char *big = calloc(1, (size_t)YFILE_MAX + 1);
	memset(big, '#', (size_t)YFILE_MAX + 1);
	ok(fd >= 0 && big && write(fd, big, YFILE_MAX) == YFILE_MAX, "a file at the limit written");
	ok(yfile_read(path, &buf, &len, &cause) == 0 && len == YFILE_MAX && buf[len] == '\0' &&
	    buf[len - 1] == '#', "a file at the limit reads whole, NUL-terminated");
	free(buf);
	ok(write(fd, big, 1) == 1, "one byte more written");
	ok(yfile_read(path, &buf, &len, &cause) == -1 && cause && strstr(cause, "larger than"),
	    "a file past the limit is refused: %s", cause ? cause : "");
	free(cause);
	cause = NULL;
	ok(yfile_read("/dev/null", &buf, &len, &cause) == 0 && len == 0 && buf[0] == '\0',
	    "an empty file reads as an empty string");
	free(buf);
	free(big);
	if (fd >= 0)
		close(fd);
	unlink(path);
}

int main(void)
{
	plan_no_plan();
	test_tree();
	test_refused();
	test_aliases();
	test_getters();
	test_text();
	test_paths();
	ydoc_free(&doc);
	ycx_free(&cx);
	return done_testing();
}
