/* pm2's small look-ups: `pid [NAME]` prints the pids of running apps, one a
 * line (for `kill $(psup pid api)`), `id NAME` the ids of the apps a name
 * selects; `env ID` prints the environment an app's process runs with, as
 * the kernel holds it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_client.h"
#include "cli_fmt.h"
#include "atomicfile.h"
#include "xalloc.h"

int cli_cmd_pid(struct cli_args *a)
{
	char *pos[1];
	int id = strcmp(a->cmd, "id") == 0;
	int n = cli_split(a, pos, 1, NULL, NULL);
	if (n < 0)
		return CLI_USAGE;
	if (id && n == 0)
		return cli_usage_error(a, "id: which app?");
	cJSON *reply;
	const cJSON *apps, *app;
	int rc = cli_call_apps(n ? pos[0] : NULL, &reply, &apps);
	if (rc != CLI_OK)
		return rc;
	struct buf out = { 0 };
	/* a stopped app has no pid: printing 0 would make `kill $(psup pid x)`
	 * signal the caller's own process group */
	cJSON_ArrayForEach(app, apps) {
		double v = cli_json_num(app, id ? "id" : "pid", -1);
		if (id ? v >= 0 : v > 0)
			buf_printf(&out, "%.0f\n", v);
	}
	cJSON_Delete(reply);
	return cli_print(&out, id ? "the ids" : "the pids");
}

int cli_cmd_env(struct cli_args *a)
{
	const char *target;
	int rc = cli_one_app(a, &target);
	if (rc != CLI_OK)
		return rc;
	cJSON *reply;
	const cJSON *apps;
	rc = cli_call_apps(target, &reply, &apps);
	if (rc != CLI_OK)
		return rc;
	const cJSON *app = cJSON_GetArrayItem(apps, 0);
	double pid = cli_json_num(app, "pid", 0);
	char *name = xstrdup(cli_json_str(app, "name", target));
	int more = cJSON_GetArraySize(apps) > 1;
	cJSON_Delete(reply);
	if (more) {
		rc = cli_error(CLI_USAGE, "env: %s names several apps; give one (a name or an id)",
		    target);
		free(name);
		return rc;
	}
	if (pid <= 0) {
		rc = cli_error(CLI_FAIL, "env: %s is not running", name);
		free(name);
		return rc;
	}
	char path[64], *buf = NULL, *cause = NULL;
	size_t len;
	snprintf(path, sizeof path, "/proc/%.0f/environ", pid);
	if (atomicfile_read(path, 1 << 24, &buf, &len, &cause) < 0) {
		rc = cli_error(CLI_FAIL, "env: cannot read the environment of %s: %s", name, cause);
		free(cause);
		free(name);
		return rc;
	}
	free(name);
	struct buf out = { 0 };
	for (size_t i = 0; i < len; ) {
		size_t l = strnlen(buf + i, len - i);
		const char *e = buf + i, *eq = memchr(e, '=', l);
		if (eq)
			buf_printf(&out, "%.*s: %.*s\n", (int)(eq - e), e, (int)(l - (size_t)(eq - e) - 1),
			    eq + 1);
		i += l + 1;
	}
	free(buf);
	return cli_print(&out, "the environment");
}
