/* Pure formatting pieces of the CLI (see cli_fmt.h). */
#include "cli_fmt.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xalloc.h"

static void buf_reserve(struct cli_buf *b, size_t more)
{
	size_t need = b->len + more + 1;
	if (need <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 4096;
	while (cap < need)
		cap *= 2;
	b->p = xrealloc(b->p, cap);
	b->cap = cap;
}

void cli_buf_add(struct cli_buf *b, const char *s, size_t n)
{
	buf_reserve(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void cli_buf_puts(struct cli_buf *b, const char *s)
{
	cli_buf_add(b, s, strlen(s));
}

void cli_buf_printf(struct cli_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n <= 0)
		return;
	buf_reserve(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void cli_buf_pad(struct cli_buf *b, const char *s, size_t width)
{
	size_t w = cli_width(s);
	cli_buf_puts(b, s);
	if (w < width) {
		buf_reserve(b, width - w);
		memset(b->p + b->len, ' ', width - w);
		b->len += width - w;
		b->p[b->len] = '\0';
	}
}

void cli_buf_repeat(struct cli_buf *b, const char *s, size_t n)
{
	size_t l = strlen(s);
	buf_reserve(b, l * n);
	for (size_t i = 0; i < n; i++)
		cli_buf_add(b, s, l);
}

int cli_buf_write(const struct cli_buf *b, int fd)
{
	size_t off = 0;
	while (off < b->len) {
		ssize_t w = write(fd, b->p + off, b->len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		off += (size_t)w;
	}
	return 0;
}

void cli_buf_free(struct cli_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

const char *cli_state_color(const char *state)
{
	static const struct { const char *state, *color; } map[] = {
		{ "online", CLI_C_GREEN },
		{ "launching", CLI_C_YELLOW },
		{ "stopping", CLI_C_YELLOW },
		{ "waiting", CLI_C_YELLOW },
		{ "stopped", CLI_C_GREY },
		{ "errored", CLI_C_RED },
		{ "completed", CLI_C_CYAN },
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcmp(state, map[i].state) == 0)
			return map[i].color;
	return "";
}

size_t cli_width(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			w++;
	return w;
}

int cli_parse_uint(const char *s, int *out)
{
	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	char *end;
	long v = strtol(s, &end, 10);
	if (errno || *end || v > INT_MAX)
		return -1;
	*out = (int)v;
	return 0;
}

void cli_fmt_bar(struct cli_buf *b, double frac, int width)
{
	if (frac < 0 || frac != frac)
		frac = 0;
	if (frac > 1)
		frac = 1;
	int full = (int)(frac * width + 0.5);
	if (full == width && frac < 1)
		full = width - 1; /* a bar is full only when the job is */
	cli_buf_repeat(b, "█", (size_t)full);
	cli_buf_repeat(b, "░", (size_t)(width - full));
}

double cli_json_num(const cJSON *o, const char *key, double def)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsNumber(v) ? v->valuedouble : def;
}

const char *cli_json_str(const cJSON *o, const char *key, const char *def)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) && v->valuestring ? v->valuestring : def;
}

int cli_json_has(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return v && !cJSON_IsNull(v);
}
