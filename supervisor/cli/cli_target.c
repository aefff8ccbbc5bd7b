/* Selectors, process files and the caller's environment in requests (see
 * cli_target.h). */
#include "cli_target.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "proto.h"
#include "xalloc.h"

extern char **environ;

int cli_is_config_file(const char *w)
{
	static const char *const marks[] = { ".json", ".yaml", ".yml", ".config.js", ".config.cjs",
		".config.mjs" };
	size_t l = strlen(w);
	for (size_t i = 0; i < sizeof marks / sizeof *marks; i++) {
		size_t m = strlen(marks[i]);
		if (l >= m && strcmp(w + l - m, marks[i]) == 0)
			return 1;
	}
	return 0;
}

/* A word with a '/' or a dot that names a file goes as its absolute path:
 * the apps of that process file, or the apps running that script. */
static cJSON *selector(const char *w)
{
	struct stat st;
	size_t l = strlen(w);
	int regex = l > 2 && w[0] == '/' && w[l - 1] == '/';
	if (!regex && (strchr(w, '/') || strchr(w, '.')) && stat(w, &st) == 0 &&
	    S_ISREG(st.st_mode)) {
		char *abs = realpath(w, NULL);
		if (abs) {
			cJSON *s = cJSON_CreateString(abs);
			free(abs);
			return s;
		}
	}
	return cJSON_CreateString(w);
}

void cli_target_add(cJSON *req, char *const *words, int n)
{
	if (n == 1) {
		cJSON_AddItemToObject(req, "target", selector(words[0]));
		return;
	}
	cJSON *arr = cJSON_AddArrayToObject(req, "target");
	for (int i = 0; i < n; i++)
		cJSON_AddItemToArray(arr, selector(words[i]));
}

void cli_env_add(cJSON *req)
{
	cJSON *env = cJSON_AddObjectToObject(req, "env");
	for (char **e = environ; e && *e; e++) {
		const char *eq = strchr(*e, '=');
		/* the protocol is UTF-8 text: a variable that is not cannot travel */
		if (!eq || eq == *e || !proto_utf8_valid(*e, strlen(*e)))
			continue;
		char *k = xstrndup(*e, (size_t)(eq - *e));
		/* the first of a repeated name wins, as getenv() finds it */
		if (!cJSON_GetObjectItemCaseSensitive(env, k))
			cJSON_AddStringToObject(env, k, eq + 1);
		free(k);
	}
}

void cli_only_add(cJSON *req, const char *list)
{
	cJSON *arr = cJSON_AddArrayToObject(req, "only");
	char *copy = xstrdup(list), *save = NULL;
	for (char *t = strtok_r(copy, ", ", &save); t; t = strtok_r(NULL, ", ", &save))
		cJSON_AddItemToArray(arr, cJSON_CreateString(t));
	free(copy);
}
