/* Finding the program an app runs: its path against cwd or PATH, and the
 * interpreter its extension implies. */
#include "ecosystem_program.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xalloc.h"
#include "yaml_file.h"

static int is_regular_exec(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

char *eco_program_which(const char *name, const char *path)
{
	if (!path)
		path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		const char *e = strchr(path, ':');
		size_t l = e ? (size_t)(e - path) : strlen(path);
		char *cand = l ? xasprintf("%.*s/%s", (int)l, path, name) : xasprintf("./%s", name);
		if (is_regular_exec(cand))
			return cand;
		free(cand);
		path += l;
		if (*path == ':')
			path++;
	}
	return NULL;
}

char *eco_program_resolve(const char *cwd, const char *prog, int look_in_cwd)
{
	if (strchr(prog, '/') || prog[0] == '~')
		return ypath_resolve(cwd, prog);
	if (look_in_cwd) {
		char *p = ypath_resolve(cwd, prog);
		struct stat st;
		if (stat(p, &st) == 0)
			return p;
		free(p);
	}
	char *w = eco_program_which(prog, NULL);
	return w ? w : xstrdup(prog);
}

const char *eco_program_interpreter(const char *script)
{
	const char *dot = strrchr(script, '.');
	if (!dot || strchr(dot, '/'))
		return NULL;
	if (strcmp(dot, ".js") == 0 || strcmp(dot, ".mjs") == 0 || strcmp(dot, ".cjs") == 0)
		return "node";
	if (strcmp(dot, ".py") == 0)
		return "python3";
	if (strcmp(dot, ".sh") == 0)
		return "bash";
	return NULL;
}
