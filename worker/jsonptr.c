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

static size_t ws_skip(const char *s, size_t i, size_t n)
{
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
		i++;
	return i;
}

/* One past the end of the value at s[i] (valid JSON: strings, containers
 * and scalars end where their syntax says). */
static size_t value_skip(const char *s, size_t i, size_t n)
{
	int depth = 0, in_string = 0;
	for (; i < n; i++) {
		char c = s[i];
		if (in_string) {
			if (c == '\\') {
				i++;
			} else if (c == '"') {
				in_string = 0;
				if (depth == 0)
					return i + 1;
			}
		} else if (c == '"') {
			in_string = 1;
		} else if (c == '{' || c == '[') {
			depth++;
		} else if (c == '}' || c == ']') {
			if (--depth <= 0)
				return depth < 0 ? i : i + 1; /* a scalar ends at its parent's close */
		} else if (depth == 0 && (c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r')) {
			return i;
		}
	}
	return n;
}

/* The next member or element after the value at s[i]: its start, or n when
 * the container ends. */
static size_t next_entry(const char *s, size_t i, size_t n)
{
	i = ws_skip(s, value_skip(s, i, n), n);
	return i < n && s[i] == ',' ? ws_skip(s, i + 1, n) : n;
}

/* Whether the key string at s[i..end) is step, as cJSON would read it. */
static int key_is(const char *s, size_t i, size_t end, const char *step)
{
	cJSON *k = cJSON_ParseWithLength(s + i, end - i);
	int is = k && cJSON_IsString(k) && strcmp(k->valuestring, step) == 0;
	cJSON_Delete(k);
	return is;
}

int jsonptr_span(const char *s, size_t n, const char *ptr, size_t *start, size_t *end)
{
	size_t i = n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
	i = ws_skip(s, i, n);
	const char *p = ptr;
	while (*p == '/') {
		const char *pend;
		char *step = step_decode(p + 1, &pend);
		int found = 0, idx;
		if (step && i < n && s[i] == '{') {
			for (i = ws_skip(s, i + 1, n); i < n && s[i] == '"'; i = next_entry(s, i, n)) {
				size_t key_end = value_skip(s, i, n);
				int match = key_is(s, i, key_end, step);
				i = ws_skip(s, ws_skip(s, key_end, n) + 1, n); /* past the ':' */
				if (match) {
					found = 1;
					break;
				}
			}
		} else if (step && i < n && s[i] == '[' && index_parse(step, &idx) == 0) {
			i = ws_skip(s, i + 1, n);
			for (int k = 0; i < n && s[i] != ']'; k++, i = next_entry(s, i, n)) {
				if (k == idx) {
					found = 1;
					break;
				}
			}
		}
		free(step);
		if (!found)
			return -1;
		p = pend;
	}
	if (i >= n)
		return -1;
	*start = i;
	*end = value_skip(s, i, n);
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
