/* libFuzzer target for the line framer (common/linefr.c): any stream, any
 * cap, any split into reads, checked against a plain model of the contract.
 * The first two input bytes choose the cap and how reads are split; the rest
 * is the stream. Every line must come out whole and in order, over-long
 * lines are reported (then skipped), held bytes stay bounded.
 * Build with `make fuzz`; run:
 * build/fuzz/fuzz_linefr -max_total_time=60 tests/fuzz/corpus/fuzz_linefr
 * A normal build replays the corpus (tests/fuzz/replay.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "linefr.h"

#define fuzz_linefr_check(cond) do { \
	if (!(cond)) { \
		linefr_free(&f); \
		return -1; \
	} \
} while (0)

/* Returns the number of lines, or -1 when the framer broke its contract. */
static long long fuzz_linefr_one(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	size_t max = (size_t)data[0] % 64 + 1;
	size_t step = (size_t)data[1] % 17 + 1;
	const char *s = (const char *)data + 2;
	size_t n = size - 2;

	struct linefr f;
	linefr_init(&f, max);
	size_t pos = 0;             /* model: start of the next expected line */
	size_t fed = 0;
	long long lines = 0;
	for (;;) {
		const char *line;
		size_t len;
		int r = fed < n ? linefr_next(&f, &line, &len) : linefr_rest(&f, &line, &len);
		if (r == LINEFR_NONE) {
			fuzz_linefr_check(linefr_held(&f) < max);
			if (fed == n)
				break;
			size_t k = n - fed < step ? n - fed : step;
			linefr_feed(&f, s + fed, k);
			fed += k;
			step = step * 3 % 29 + 1;
			continue;
		}
		const char *nl = memchr(s + pos, '\n', n - pos);
		size_t end = nl ? (size_t)(nl - s) : n;
		if (r == LINEFR_LONG) {
			/* the model line is over max: its newline lies past max;
			 * the caller here skips it, as the link and progress do */
			fuzz_linefr_check(end - pos >= max);
			linefr_skip(&f);
			pos = nl ? end + 1 : n;
			continue;
		}
		fuzz_linefr_check(r == LINEFR_LINE && end - pos < max);
		size_t want = end - pos;
		if (want && s[pos + want - 1] == '\r')
			want--;
		fuzz_linefr_check(len == want && memcmp(line, s + pos, len) == 0 &&
		    line[len] == '\0');
		pos = nl ? end + 1 : n;
		lines++;
	}
	fuzz_linefr_check(pos == n && linefr_held(&f) == 0);
	linefr_free(&f);
	return lines;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a broken contract is a crash to libFuzzer and a failure to the replay */
	if (fuzz_linefr_one(data, size) < 0)
		abort();
	return 0;
}
