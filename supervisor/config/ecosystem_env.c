/* env: and env_file: of one app (ecosystem_env.h). */
#include "ecosystem_env.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dotenv.h"
#include "xalloc.h"
#include "yaml_file.h"
#include "yaml_json.h"

int eco_env_parse(struct eco_loader *L, struct eco_app *ra, const struct ynode *n,
    const char *key)
{
	if (ynode_is_null(n))
		return 0;
	if (n->kind != YNODE_MAP) {
		ycx_error(&L->cx, n, key, "expected a map of NAME: value, got %s", ynode_what(n));
		return -1;
	}
	int bad = 0;
	size_t room = (size_t)ra->n_env + n->n + 1;
	ra->env_keys = xreallocarray(ra->env_keys, room, sizeof *ra->env_keys);
	ra->env_vals = xreallocarray(ra->env_vals, room, sizeof *ra->env_vals);
	ra->env_keys[ra->n_env] = ra->env_vals[ra->n_env] = NULL;
	for (size_t i = 0; i < n->n; i++) {
		const struct ynode *k = YMAP_KEY(n, i), *v = YMAP_VAL(n, i);
		if (!k->str[0] || strchr(k->str, '=')) {
			ycx_error(&L->cx, k, key, "'%s' is not a variable name (empty or holds '=')",
			    k->str);
			bad = 1;
			continue;
		}
		struct buf b = { 0 };
		if (v->kind != YNODE_SCALAR)
			ynode_json(&b, v, NULL);
		else if (!ynode_is_null(v))
			buf_puts(&b, v->str);
		if (strlen(k->str) + 1 + b.len + 1 > ECO_ENV_ENTRY_MAX) {
			ycx_error(&L->cx, v, key, "%s: a value of %zu bytes: over the %d bytes the "
			    "kernel takes for one variable", k->str, b.len, ECO_ENV_ENTRY_MAX);
			buf_free(&b);
			bad = 1;
			continue;
		}
		ra->env_keys[ra->n_env] = xstrdup(k->str);
		ra->env_vals[ra->n_env++] = buf_take(&b, NULL);
		ra->env_keys[ra->n_env] = ra->env_vals[ra->n_env] = NULL;
	}
	return bad ? -1 : 0;
}

static void env_set(char ***env, int *n, const char *k, const char *v)
{
	size_t kl = strlen(k);
	for (int i = 0; i < *n; i++)
		if (strncmp((*env)[i], k, kl) == 0 && (*env)[i][kl] == '=') {
			free((*env)[i]);
			(*env)[i] = xasprintf("%s=%s", k, v);
			return;
		}
	*env = xreallocarray(*env, (size_t)*n + 2, sizeof **env);
	(*env)[(*n)++] = xasprintf("%s=%s", k, v);
	(*env)[*n] = NULL;
}

void eco_env_build(struct eco_loader *L, struct eco_app *ra)
{
	char **env = NULL;
	int n = 0;
	if (ra->env_file) {
		const struct ynode *at = ra->val[ECO_ID_ENV_FILE];
		char *path = ypath_resolve(ra->t.cwd, ra->env_file), *buf, *cause;
		size_t len;
		if (yfile_read(path, &buf, &len, &cause) < 0) {
			ycx_error(&L->cx, at, "env_file", "%s", cause);
			free(cause);
		} else {
			struct dotenv d;
			dotenv_parse(buf, len, &d);
			for (int i = 0; i < d.n; i++) {
				if (strlen(d.keys[i]) + strlen(d.vals[i]) + 2 > ECO_ENV_ENTRY_MAX)
					ycx_error(&L->cx, at, "env_file", "%s: %s: a value over the %d bytes "
					    "the kernel takes for one variable", path, d.keys[i],
					    ECO_ENV_ENTRY_MAX);
				else
					env_set(&env, &n, d.keys[i], d.vals[i]);
			}
			for (int i = 0; i < d.n_bad; i++)
				ycx_warn(&L->cx, at, "env_file", "%s:%d: not KEY=VALUE, skipped", path,
				    d.bad_lines[i]);
			dotenv_free(&d);
			free(buf);
		}
		free(path);
	}
	for (int i = 0; i < ra->n_env; i++)
		env_set(&env, &n, ra->env_keys[i], ra->env_vals[i]);
	ra->t.env = env;
}
