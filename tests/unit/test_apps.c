/* The daemon's app table without a loop: the environment an app is given
 * (the file's env, env_NAME over it with --env NAME, then psup's variables:
 * NODE_APP_INSTANCE or instance_var, increment_var counted up from env) and
 * selection by several selectors, /regex/ and path. */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "apps.h"
#include "ecosystem.h"
#include "xalloc.h"

static const char file[] =
	"apps:\n"
	"  - name: web\n"
	"    script: /bin/true\n"
	"    instances: 3\n"
	"    increment_var: PORT\n"
	"    env: {PORT: 3000, LEVEL: file, NODE_APP_INSTANCE: 9}\n"
	"    env_production: {LEVEL: production, EXTRA: yes}\n"
	"  - name: one\n"
	"    script: /bin/true\n"
	"    instance_var: INSTANCE_ID\n"
	"    env: {LEVEL: file}\n";

static void test_env(void)
{
	struct daemon d = { .home = (char *)"/h" };
	struct eco e;
	ok(eco_load_buffer_env("t.yaml", "/srv", file, sizeof file - 1, "production", &e) == 0,
	    "a file loads with --env production");
	is_int(e.n_apps, 4, "web-1..3 and one");
	for (int i = 0; i < e.n_apps; i++)
		app_spec_env(&d, &e.apps[i]);
	char *const *w2 = e.apps[1].env, *const *one = e.apps[3].env;
	is_str(app_env_get(w2, "LEVEL"), "production", "env_production over env");
	is_str(app_env_get(w2, "EXTRA"), "yes", "env_production adds");
	is_str(app_env_get(one, "LEVEL"), "file", "an app without env_production keeps env");
	is_int(e.n_warnings, 1, "and the file says so");
	is_str(e.n_warnings ? e.warnings[0] : "", "t.yaml:8:5: env_production: not in this app: "
	    "--env production sets only its env", "at that app, naming the key");
	is_str(app_env_get(e.apps[0].env, "NODE_APP_INSTANCE"), "0", "NODE_APP_INSTANCE from 0 (over env)");
	is_str(app_env_get(w2, "NODE_APP_INSTANCE"), "1", "then 1");
	is_str(app_env_get(e.apps[2].env, "PORT"), "3002", "increment_var counts up from env");
	is_str(app_env_get(e.apps[0].env, "PORT"), "3000", "from its env value");
	is_str(app_env_get(one, "INSTANCE_ID"), "0", "instance_var names the variable");
	ok(!app_env_get(one, "NODE_APP_INSTANCE"), "instead of NODE_APP_INSTANCE");
	is_str(app_env_get(w2, "PSUP_INSTANCE"), "2", "PSUP_INSTANCE from 1");
	is_str(app_env_get(w2, "PSUP_HOME"), "/h", "PSUP_HOME");
	eco_free(&e);

	ok(eco_load_buffer_env("t.yaml", "/srv", file, sizeof file - 1, NULL, &e) == 0,
	    "without --env");
	is_str(app_env_get(e.apps[0].env, "LEVEL"), "file", "env_NAME is not read");
	is_int(e.n_warnings, 0, "and no env_NAME warns");
	eco_free(&e);
}

static struct dapp *mk(struct daemon *d, int id, const char *name, const char *group,
    const char *source, const char *script)
{
	struct dapp *a = xcalloc(1, sizeof *a);
	a->d = d;
	a->id = id;
	a->name = xstrdup(name);
	spec_defaults(&a->spec);
	a->spec.group = xstrdup(group);
	a->spec.source = source ? xstrdup(source) : NULL;
	a->spec.argv = xcalloc(3, sizeof *a->spec.argv);
	a->spec.argv[0] = xstrdup("/usr/bin/node");
	a->spec.argv[1] = xstrdup(script);
	struct dapp **pp = &d->apps;
	while (*pp)
		pp = &(*pp)->next;
	*pp = a;
	return a;
}

static const char *names(struct dapp **v, int n)
{
	static char buf[256];
	buf[0] = '\0';
	for (int i = 0; i < n; i++) {
		strcat(buf, i ? "," : "");
		strcat(buf, v[i]->name);
	}
	return buf;
}

static void test_select(void)
{
	struct daemon d = { .home = (char *)"/h" };
	mk(&d, 0, "api-1", "api", "/srv/eco.yaml", "/srv/api.js");
	mk(&d, 1, "api-2", "api", "/srv/eco.yaml", "/srv/api.js");
	mk(&d, 2, "worker", "worker", "/srv/eco.yaml", "/srv/worker.js");
	mk(&d, 3, "cron", "cron", NULL, "/srv/cron.js")->spec.namespace = xstrdup("jobs");
	static const struct {
		const char *t[4];
		const char *want;        /* names, or NULL: an error */
		const char *err;
		int some;                /* selectors naming nothing passed over */
	} cases[] = {
		{ { "api", NULL }, "api-1,api-2", NULL, 0 },
		{ { "worker", "api-1", NULL }, "api-1,worker", NULL, 0 },       /* id order */
		{ { "api", "api-2", NULL }, "api-1,api-2", NULL, 0 },          /* each once */
		{ { "/^api-/", NULL }, "api-1,api-2", NULL, 0 },
		{ { "/o/", NULL }, "worker,cron", NULL, 0 },
		{ { "/srv/eco.yaml", NULL }, "api-1,api-2,worker", NULL, 0 },  /* a file's apps */
		{ { "/srv/cron.js", NULL }, "cron", NULL, 0 },                 /* a script's */
		{ { "3", "all", NULL }, "api-1,api-2,worker,cron", NULL, 0 },
		{ { "api", "ghost", NULL }, NULL, "no app named \"ghost\"", 0 },
		{ { "/(/", NULL }, NULL, "is not a regular expression", 0 },
		{ { "/nothing/", NULL }, NULL, "no app named", 0 },
		{ { "jobs", NULL }, "cron", NULL, 0 },                          /* a namespace */
		{ { "default", NULL }, "api-1,api-2,worker", NULL, 0 },        /* pm2's default one */
		/* some: the first said when none names an app; a bad regex still fails */
		{ { "/srv/other.yaml", "worker", "ghost", NULL }, "worker", NULL, 1 },
		{ { "ghost", "api", NULL }, "api-1,api-2", NULL, 1 },
		{ { "ghost", "phantom", NULL }, NULL, "no app named \"ghost\"", 1 },
		{ { "/(/", "api", NULL }, NULL, "is not a regular expression", 1 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		int n = 0;
		char *cause = NULL;
		struct dapp **v = apps_select_many(&d, (char *const *)cases[i].t, cases[i].some, &n,
		    &cause);
		if (cases[i].want)
			is_str(v ? names(v, n) : cause, cases[i].want, "select %zu", i);
		else
			ok(!v && n == 0 && cause && strstr(cause, cases[i].err), "select %zu: %s (%s)", i,
			    cases[i].err, cause ? cause : "none");
		free(v);
		free(cause);
	}
	while (d.apps) {
		struct dapp *a = d.apps;
		d.apps = a->next;
		spec_free(&a->spec);
		free(a->name);
		free(a);
	}
}

int main(void)
{
	plan_no_plan();
	test_env();
	test_select();
	return done_testing();
}
