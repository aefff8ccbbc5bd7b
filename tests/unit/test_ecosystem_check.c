/* The cross-app checks of an ecosystem file, one table of small files:
 * names unique as written and after instance expansion, `after:` naming
 * known apps, groups or instances, and cycles in `after:` (through groups
 * too), each error at the FILE:LINE:COL of the name or `after:` value that
 * makes it. A name error hides `after:` errors; an unknown name skips the
 * cycle check. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecosystem_check.h"
#include "tap.h"

#define MAXAPPS 8
#define MAXSPECS 16
#define MAXERRS 4

static const struct {
	const char *name;
	/* a list of apps: name, after (a list or one name), and instances,
	 * which this test expands as the loader does (NAME-1..NAME-N) */
	const char *yaml;
	const char *errs[MAXERRS];       /* exactly these, in order */
} cases[] = {
	{ "unique names, no after",
	  "- name: a\n- name: b\n",
	  { NULL } },
	{ "a name written twice",
	  "- name: a\n- name: b\n- name: a\n",
	  { "eco.yaml:3:9: name: duplicate app name 'a' (first at line 1, column 9)" } },
	{ "a name written three times: both copies name the first",
	  "- name: a\n- name: a\n- name: a\n",
	  { "eco.yaml:2:9: name: duplicate app name 'a' (first at line 1, column 9)",
	    "eco.yaml:3:9: name: duplicate app name 'a' (first at line 1, column 9)" } },
	{ "an instance's name meets an app written later",
	  "- name: w\n  instances: 2\n- name: w-2\n",
	  { "eco.yaml:3:9: name: app name 'w-2' is also made by app 'w' "
	    "(line 1, column 9; instances are named NAME-1..NAME-N)" } },
	{ "an app's name meets the instance of a group written later",
	  "- name: w-1\n- name: w\n  instances: 2\n",
	  { "eco.yaml:2:9: name: app name 'w-1' is also made by app 'w-1' "
	    "(line 1, column 9; instances are named NAME-1..NAME-N)" } },
	{ "after an unknown name in a list",
	  "- name: a\n  after: [b, x]\n- name: b\n",
	  { "eco.yaml:2:14: after: no app or group named 'x' in this file" } },
	{ "after an unknown name given alone",
	  "- name: a\n  after: x\n",
	  { "eco.yaml:2:10: after: no app or group named 'x' in this file" } },
	{ "after a group and an instance",
	  "- name: a\n  after: [w, v-2]\n- name: w\n  instances: 2\n- name: v\n  instances: 3\n",
	  { NULL } },
	{ "a diamond is no cycle",
	  "- name: a\n  after: [b, c]\n- name: b\n  after: [d]\n- name: c\n  after: [d]\n- name: d\n",
	  { NULL } },
	{ "a cycle of two",
	  "- name: a\n  after: [b]\n- name: b\n  after: [a]\n",
	  { "eco.yaml:4:10: after: cycle: a -> b -> a" } },
	{ "an app after itself",
	  "- name: a\n  after: [a]\n",
	  { "eco.yaml:2:10: after: cycle: a -> a" } },
	{ "a cycle through an instance of a group",
	  "- name: a\n  after: [w-1]\n- name: w\n  instances: 2\n  after: [a]\n",
	  { "eco.yaml:5:10: after: cycle: a -> w -> a" } },
	{ "a cycle of three reached from outside it",
	  "- name: s\n  after: [a]\n- name: a\n  after: [b]\n- name: b\n  after: [c]\n"
	  "- name: c\n  after: [a]\n",
	  { "eco.yaml:8:10: after: cycle: a -> b -> c -> a" } },
	{ "two separate cycles",
	  "- name: a\n  after: [b]\n- name: b\n  after: [a]\n- name: c\n  after: [c]\n",
	  { "eco.yaml:4:10: after: cycle: a -> b -> a", "eco.yaml:6:10: after: cycle: c -> c" } },
	{ "a duplicate name hides an unknown after",
	  "- name: a\n  after: [x]\n- name: a\n",
	  { "eco.yaml:3:9: name: duplicate app name 'a' (first at line 1, column 9)" } },
	{ "an unknown name skips the cycle check",
	  "- name: a\n  after: [b, x]\n- name: b\n  after: [a]\n",
	  { "eco.yaml:2:14: after: no app or group named 'x' in this file" } },
};

/* What the loader hands eco_check, built from one case's file. */
struct input {
	struct eco_check_app apps[MAXAPPS];
	char *after[MAXAPPS][MAXAPPS];
	struct app_spec specs[MAXSPECS];
	char names[MAXSPECS][32];
	int origin[MAXSPECS];
	int n_apps, n_specs;
};

static int build(const struct ynode *root, struct input *in)
{
	memset(in, 0, sizeof *in);
	if (!root || root->kind != YNODE_SEQ || root->n > MAXAPPS)
		return -1;
	for (size_t i = 0; i < root->n; i++) {
		const struct ynode *app = root->items[i];
		const struct ynode *name = ymap_get(app, "name");
		const struct ynode *after = ymap_get(app, "after");
		const struct ynode *inst = ymap_get(app, "instances");
		struct eco_check_app *a = &in->apps[in->n_apps++];
		if (!name || name->kind != YNODE_SCALAR)
			return -1;
		a->name = name->str;
		a->name_node = name;
		if (after) {
			size_t n = after->kind == YNODE_SEQ ? after->n : 1;
			if (n >= MAXAPPS)
				return -1;
			for (size_t k = 0; k < n; k++)
				in->after[i][k] = after->kind == YNODE_SEQ ? after->items[k]->str : after->str;
			a->after = in->after[i];
			a->after_node = after;
		}
		int count = inst ? atoi(inst->str) : 1;
		for (int k = 1; k <= count; k++) {
			if (in->n_specs == MAXSPECS)
				return -1;
			char *nm = in->names[in->n_specs];
			if (count == 1)
				snprintf(nm, sizeof in->names[0], "%s", a->name);
			else
				snprintf(nm, sizeof in->names[0], "%s-%d", a->name, k);
			in->specs[in->n_specs].name = nm;
			in->origin[in->n_specs++] = (int)i;
		}
	}
	return 0;
}

int main(void)
{
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		struct ydoc doc = { 0 };
		struct ycx cx = { .file = "eco.yaml" };
		struct input in;
		if (ydoc_load("eco.yaml", cases[c].yaml, strlen(cases[c].yaml), &doc, &cx.errs) < 0 ||
		    build(doc.root, &in) < 0) {
			ok(0, "%s: the case's file is a list of apps", cases[c].name);
			ydoc_free(&doc);
			ycx_free(&cx);
			continue;
		}
		eco_check(&cx, in.apps, in.n_apps, in.specs, in.origin, in.n_specs);
		int want = 0;
		while (want < MAXERRS && cases[c].errs[want])
			want++;
		is_int(cx.errs.n, want, "%s: %d error(s)", cases[c].name, want);
		for (int i = 0; i < want && i < cx.errs.n; i++)
			is_str(cx.errs.v[i], cases[c].errs[i], "%s: error %d", cases[c].name, i + 1);
		for (int i = want; i < cx.errs.n; i++)
			diag("unexpected: %s", cx.errs.v[i]);
		ydoc_free(&doc);
		ycx_free(&cx);
	}
	return done_testing();
}
