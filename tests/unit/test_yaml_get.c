/* The typed getters over a loaded document: strings, numbers with ranges,
 * bools, durations, sizes, enums, lists (space- and shell-split), maps, and
 * defaults given as text, each refusal with its FILE:LINE:COL message. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "yaml_get.h"
#include "yaml_text.h"
#include "yaml_tree.h"

static struct ydoc doc;
static struct ycx cx;

static void load(const char *text)
{
	cx.file = "t.yaml";
	ydoc_load("t.yaml", text, strlen(text), &doc, &cx.errs);
}

static const char *err0(void)
{
	return cx.errs.n ? cx.errs.v[0] : "(no error)";
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
	strv_free(l);
	ok(yget_strlist(&cx, ymap_get(r, "w"), "w", YSPLIT_SPACES, &l, &n) == 0 && n == 3 &&
	    strcmp(l[2], "c") == 0, "space-separated string");
	strv_free(l);
	ok(yget_strlist(&cx, ymap_get(r, "sh"), "sh", YSPLIT_SHELL, &l, &n) == 0 && n == 3 &&
	    strcmp(l[1], "a b") == 0 && strcmp(l[2], "c d") == 0, "shell-split string");
	strv_free(l);
	ok(yget_strlist(&cx, ymap_get(r, "m"), "m", YSPLIT_SHELL, &l, &n) == -1, "map is not a list");
	is_str(err0(), "t.yaml:14:4: m: expected a list or a string, got a map", "list message");
	yerrs_free(&cx.errs);

	char **k = NULL, **vals = NULL;
	ok(yget_strmap(&cx, ymap_get(r, "m"), "m", &k, &vals, &n) == 0 && n == 3 &&
	    strcmp(k[1], "B") == 0 && strcmp(vals[1], "") == 0 && strcmp(vals[0], "1") == 0,
	    "map of strings, null as empty");
	strv_free(k);
	strv_free(vals);
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

int main(void)
{
	plan_no_plan();
	test_getters();
	ydoc_free(&doc);
	ycx_free(&cx);
	return done_testing();
}
