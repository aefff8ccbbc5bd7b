/* RFC 6901 JSON pointer evaluation on cJSON: each step unescapes ~1 to '/'
 * and ~0 to '~', then names an object member or an array index. */
#include "jsonptr.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

/* Unescapes the step at s (up to the next '/' or the end) into a malloc'd
 * string; *end is set past it. Returns NULL for a bad '~' escape. */
static char *step_decode(const char *s, const char **end)
{
	size_t n = strcspn(s, "/");
	char *out = xmalloc(n + 1);
	size_t j = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '~') {
			out[j++] = s[i];
			continue;
		}
		if (i + 1 < n && s[i + 1] == '0')
			out[j++] = '~';
		else if (i + 1 < n && s[i + 1] == '1')
			out[j++] = '/';
		else {
			free(out);
			return NULL;
		}
		i++;
	}
	out[j] = '\0';
	*end = s + n;
	return out;
}

int jsonptr_check(const char *ptr, char **cause)
{
	if (*ptr == '\0')
		return 0;
	if (*ptr != '/')
		return fail(cause, "JSON pointer \"%s\" must be empty or start with '/'", ptr);
	const char *p = ptr;
	while (*p == '/') {
		const char *end;
		char *step = step_decode(p + 1, &end);
		if (!step)
			return fail(cause, "JSON pointer \"%s\": '~' must be followed by 0 or 1", ptr);
		free(step);
		p = end;
	}
	return 0;
}

/* Parses an RFC 6901 array index: "0" or digits without a leading zero. */
static int index_parse(const char *s, int *out)
{
	if (*s == '\0' || (s[0] == '0' && s[1] != '\0'))
		return -1;
	long long v = 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
		if (v > 0x7fffffff)
			return -1;
	}
	*out = (int)v;
	return 0;
}

const cJSON *jsonptr_get(const cJSON *root, const char *ptr, char **cause)
{
	if (jsonptr_check(ptr, cause) < 0)
		return NULL;
	const cJSON *cur = root;
	const char *p = ptr;
	while (*p == '/') {
		const char *end;
		char *step = step_decode(p + 1, &end);
		const cJSON *next = NULL;
		if (cJSON_IsObject(cur)) {
			/* Members are matched exactly: RFC 6901 is case-sensitive. */
			next = cJSON_GetObjectItemCaseSensitive(cur, step);
		} else if (cJSON_IsArray(cur)) {
			int idx;
			if (index_parse(step, &idx) == 0)
				next = cJSON_GetArrayItem(cur, idx);
		}
		if (!next) {
			fail(cause, "%.*s not found%s", (int)(end - ptr), ptr,
			    cJSON_IsObject(cur) || cJSON_IsArray(cur) ? "" :
			    " (not an object or array)");
			free(step);
			return NULL;
		}
		free(step);
		cur = next;
		p = end;
	}
	return cur;
}
