/* Pure formatting pieces of the CLI (see cli_fmt.h). */
#include "cli_fmt.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "fdio.h"
#include "xalloc.h"

void cli_buf_pad(struct buf *b, const char *s, size_t width)
{
	size_t w = cli_width(s);
	buf_puts(b, s);
	if (w < width)
		buf_printf(b, "%*s", (int)(width - w), "");
}

void cli_cell_copy(char *dst, size_t n, const char *s, size_t max_cols)
{
	static const char more[] = "…";
	size_t len = strlen(s);
	if (len < n && cli_width(s) <= max_cols) {
		memcpy(dst, s, len + 1);
		return;
	}
	/* the longest start of whole characters that leaves a column and the
	 * bytes for "…" */
	size_t room = n - sizeof more, keep = 0, cols = 0;
	while (keep < len && cols + 1 < max_cols) {
		size_t k = keep + 1;
		while (k < len && ((unsigned char)s[k] & 0xC0) == 0x80)
			k++;
		if (k > room)
			break;
		keep = k;
		cols++;
	}
	memcpy(dst, s, keep);
	memcpy(dst + keep, more, sizeof more);
}

char *cli_cell_take(char *s)
{
	if (cli_width(s) <= CLI_CELL_COLS)
		return s;
	size_t n = CLI_CELL_COLS * 4 + sizeof "…";
	char *cut = xmalloc(n);
	cli_cell_copy(cut, n, s, CLI_CELL_COLS);
	free(s);
	return cut;
}

void cli_buf_repeat(struct buf *b, const char *s, size_t n)
{
	size_t l = strlen(s);
	buf_reserve(b, l * n);
	for (size_t i = 0; i < n; i++)
		buf_add(b, s, l);
}

int cli_buf_write(const struct buf *b, int fd)
{
	return fdio_write_all(fd, b->p, b->len);
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

void cli_fmt_bar(struct buf *b, double frac, int width)
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

int cli_json_line(struct buf *out, const cJSON *j)
{
	char *s = cJSON_PrintUnformatted(j);
	if (!s)
		return -1;
	buf_puts(out, s);
	buf_addc(out, '\n');
	cJSON_free(s);
	return 0;
}
