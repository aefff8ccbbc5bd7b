/* A new instance of a group, made from its first instance (see
 * instances.h). */
#include "instances.h"
#include "apps.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

/* path with the first old in its base name replaced by new; a copy of path
 * when its base name does not hold old (then the instances share it). */
static char *rename_base(const char *path, const char *old, const char *new)
{
	if (!path)
		return NULL;
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	const char *at = strstr(base, old);
	if (!at)
		return xstrdup(path);
	return xasprintf("%.*s%s%s", (int)(at - path), path, new, at + strlen(old));
}

void instances_spec(struct daemon *d, const struct app_spec *first, int i, int n,
    struct app_spec *out)
{
	spec_copy(out, first);
	const char *group = first->group ? first->group : first->name;
	free(out->name);
	out->name = xasprintf("%s-%d", group, i);
	free(out->group);
	out->group = xstrdup(group);
	out->instance = i;
	out->instances = n;
	out->stopped = 0;        /* a scale asks for them to run */
	char **logs[] = { &out->out_file, &out->err_file, &out->combined_file };
	for (size_t k = 0; k < sizeof logs / sizeof *logs; k++) {
		char *p = rename_base(*logs[k], first->name, out->name);
		free(*logs[k]);
		*logs[k] = p;
	}
	/* over first's values: increment_var counts on from instance 1's */
	app_spec_env(d, out);
}
