/* Cross-app checks of an ecosystem file: unique names, and `after:` edges
 * that name known apps and form no cycle. */
#include "ecosystem_check.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

struct named {
	const char *name;
	int index;
};

static int named_cmp(const void *pa, const void *pb)
{
	const struct named *a = pa, *b = pb;
	int c = strcmp(a->name, b->name);
	return c ? c : (a->index > b->index) - (a->index < b->index);
}

static void check_names(struct ycx *cx, const struct eco_check_app *apps, int n_apps,
    const struct app_spec *specs, const int *origin, int n_specs)
{
	struct named *v = xcalloc((size_t)(n_apps > n_specs ? n_apps : n_specs) + 1, sizeof *v);
	int dup_written = 0;

	for (int i = 0; i < n_apps; i++)
		v[i] = (struct named){ apps[i].name, i };
	qsort(v, (size_t)n_apps, sizeof *v, named_cmp);
	/* sorted by name, then by place: each run of one name starts with
	 * its first occurrence, which every later one names */
	for (int i = 1, run = 0; i < n_apps; i++) {
		if (strcmp(v[run].name, v[i].name) != 0) {
			run = i;
			continue;
		}
		const struct ynode *first = apps[v[run].index].name_node;
		ycx_error(cx, apps[v[i].index].name_node, "name",
		    "duplicate app name '%s' (first at line %d, column %d)", v[i].name,
		    first->line, first->col);
		dup_written = 1;
	}
	if (dup_written) {
		free(v);
		return;
	}
	/* names made by instances may still meet another app's name */
	for (int i = 0; i < n_specs; i++)
		v[i] = (struct named){ specs[i].name, i };
	qsort(v, (size_t)n_specs, sizeof *v, named_cmp);
	for (int i = 1; i < n_specs; i++)
		if (strcmp(v[i - 1].name, v[i].name) == 0) {
			const struct eco_check_app *a = &apps[origin[v[i - 1].index]];
			const struct eco_check_app *b = &apps[origin[v[i].index]];
			/* report at the app written later in the file */
			if (b->name_node->line < a->name_node->line) {
				const struct eco_check_app *t = a;
				a = b;
				b = t;
			}
			ycx_error(cx, b->name_node, "name", "app name '%s' is also made by app '%s' "
			    "(line %d, column %d; instances are named NAME-1..NAME-N)", v[i].name,
			    a->name, a->name_node->line, a->name_node->col);
		}
	free(v);
}

/* Index of the written app that name refers to (a written name, which is
 * also an instances group, or an expanded instance name), or -1. */
static int find_target(const struct eco_check_app *apps, int n_apps,
    const struct app_spec *specs, const int *origin, int n_specs, const char *name)
{
	for (int i = 0; i < n_apps; i++)
		if (strcmp(apps[i].name, name) == 0)
			return i;
	for (int i = 0; i < n_specs; i++)
		if (strcmp(specs[i].name, name) == 0)
			return origin[i];
	return -1;
}

struct graph {
	int n;
	int **edges;             /* edges[i]: targets, -1 terminated */
	int *color;              /* 0 white, 1 on the path, 2 done */
	int *path;
	int depth;
	const struct eco_check_app *apps;
	struct ycx *cx;
};

static void report_cycle(struct graph *g, int from, int to)
{
	size_t len = 0;
	int start = 0;
	while (g->path[start] != to)
		start++;
	for (int i = start; i < g->depth; i++)
		len += strlen(g->apps[g->path[i]].name) + 4;
	len += strlen(g->apps[to].name) + 1;
	char *msg = xmalloc(len), *o = msg;
	for (int i = start; i < g->depth; i++) {
		size_t l = strlen(g->apps[g->path[i]].name);
		memcpy(o, g->apps[g->path[i]].name, l);
		memcpy(o + l, " -> ", 4);
		o += l + 4;
	}
	memcpy(o, g->apps[to].name, strlen(g->apps[to].name) + 1);
	ycx_error(g->cx, g->apps[from].after_node, "after", "cycle: %s", msg);
	free(msg);
}

static void visit(struct graph *g, int i)
{
	g->color[i] = 1;
	g->path[g->depth++] = i;
	for (int *t = g->edges[i]; t && *t >= 0; t++) {
		if (g->color[*t] == 1)
			report_cycle(g, i, *t);
		else if (g->color[*t] == 0)
			visit(g, *t);
	}
	g->depth--;
	g->color[i] = 2;
}

static void check_after(struct ycx *cx, const struct eco_check_app *apps, int n_apps,
    const struct app_spec *specs, const int *origin, int n_specs)
{
	struct graph g = { .n = n_apps, .apps = apps, .cx = cx };
	int bad = 0;
	g.edges = xcalloc((size_t)n_apps, sizeof *g.edges);
	for (int i = 0; i < n_apps; i++) {
		size_t n = 0;
		while (apps[i].after && apps[i].after[n])
			n++;
		if (!n)
			continue;
		g.edges[i] = xcalloc(n + 1, sizeof **g.edges);
		size_t k = 0;
		for (size_t j = 0; j < n; j++) {
			const char *name = apps[i].after[j];
			int t = find_target(apps, n_apps, specs, origin, n_specs, name);
			if (t < 0) {
				const struct ynode *at = apps[i].after_node;
				if (at->kind == YNODE_SEQ && at->n == n)
					at = at->items[j];
				ycx_error(cx, at, "after", "no app or group named '%s' in this file", name);
				bad = 1;
				continue;
			}
			g.edges[i][k++] = t;
		}
		g.edges[i][k] = -1;
	}
	if (!bad) {
		g.color = xcalloc((size_t)n_apps, sizeof *g.color);
		g.path = xcalloc((size_t)n_apps + 1, sizeof *g.path);
		for (int i = 0; i < n_apps; i++)
			if (g.color[i] == 0)
				visit(&g, i);
		free(g.color);
		free(g.path);
	}
	for (int i = 0; i < n_apps; i++)
		free(g.edges[i]);
	free(g.edges);
}

void eco_check(struct ycx *cx, const struct eco_check_app *apps, int n_apps,
    const struct app_spec *specs, const int *origin, int n_specs)
{
	int before = yerrs_count(&cx->errs);
	check_names(cx, apps, n_apps, specs, origin, n_specs);
	if (yerrs_count(&cx->errs) == before)
		check_after(cx, apps, n_apps, specs, origin, n_specs);
}
