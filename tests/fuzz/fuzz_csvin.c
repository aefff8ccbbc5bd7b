/* libFuzzer target for the CSV/TSV reader (worker/store/csvin.c): any
 * bytes, with either separator. Whatever it reads must read back the same
 * when written out again as RFC 4180 writes it (every field quoted, quotes
 * doubled), and it must never read past its input or loop.
 * Build with `make fuzz`; run:
 * build/fuzz/fuzz_csvin -max_total_time=60 tests/fuzz/corpus/fuzz_csvin
 * A normal build replays the corpus (tests/fuzz/replay.c). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "csvin.h"

/* The records of data, each as "N:" (its count of fields) and its fields,
 * each ended by a NUL (fields hold none: the reader refuses one); *bad
 * when reading stopped on a fault. */
static void read_all(const char *data, size_t size, char sep, struct buf *out, int *bad)
{
	FILE *f = fmemopen((void *)data, size, "r");
	if (!f)
		abort();
	struct csvin c;
	char *why = NULL;
	int r;
	csvin_init(&c, f, sep);
	while ((r = csvin_next(&c, &why)) == 1) {
		buf_printf(out, "%d:", c.n);
		for (int i = 0; i < c.n; i++) {
			buf_puts(out, csvin_field(&c, i));
			buf_addc(out, '\0');
		}
	}
	*bad = r < 0;
	free(why);
	csvin_free(&c);
	fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	char sep = data[0] & 1 ? '\t' : ',';
	struct buf first = { 0 }, again = { 0 }, text = { 0 };
	int bad, bad2;
	read_all((const char *)data + 1, size - 1, sep, &first, &bad);
	if (!bad) {
		/* written out again with every field quoted (a byte order
		 * mark, a quote or a separator is then data) */
		const char *p = first.p ? first.p : "", *end = p + first.len;
		while (p < end) {
			char *colon;
			long n = strtol(p, &colon, 10);
			p = colon + 1;
			for (long k = 0; k < n; k++) {
				size_t len = strlen(p);
				if (k)
					buf_addc(&text, sep);
				buf_addc(&text, '"');
				for (size_t i = 0; i < len; i++) {
					if (p[i] == '"')
						buf_addc(&text, '"');
					buf_addc(&text, p[i]);
				}
				buf_addc(&text, '"');
				p += len + 1;
			}
			buf_addc(&text, '\n');
		}
		read_all(text.p ? text.p : "", text.len, sep, &again, &bad2);
		/* a record of one empty field reads back as "" (one record), as
		 * it was read: the same */
		if (bad2 || again.len != first.len || (first.len && memcmp(again.p, first.p, first.len)))
			abort();
	}
	buf_free(&first);
	buf_free(&again);
	buf_free(&text);
	return 0;
}
