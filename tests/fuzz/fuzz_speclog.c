/* libFuzzer target for the reading of the home's spec file
 * (supervisor/wire/speclog.c): any bytes. Each byte of the input is
 * accounted for exactly once (the first line, a live record, a superseded
 * one, or the torn tail, which is all of a file cut inside its first line), live records lie inside the input, in the order
 * of their offsets, each a different name; and writing the live records
 * again and reading that back gives the same specs with nothing dead or
 * torn.
 * Build with `make fuzz`; run:
 * build/fuzz/fuzz_speclog -max_total_time=60 tests/fuzz/corpus/fuzz_speclog
 * A normal build replays the corpus (tests/fuzz/replay.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "speclog.h"
#include "xalloc.h"

static int same_recs(const struct speclog_set *a, const struct speclog_set *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (a->recs[i].name_len != b->recs[i].name_len ||
		    a->recs[i].spec_len != b->recs[i].spec_len ||
		    memcmp(a->recs[i].name, b->recs[i].name, a->recs[i].name_len) != 0 ||
		    memcmp(a->recs[i].spec, b->recs[i].spec, a->recs[i].spec_len) != 0)
			return 0;
	return 1;
}

/* 0, or -1 when the reader broke its contract. */
static int fuzz_speclog_one(const uint8_t *data, size_t size)
{
	char *buf = xmalloc(size + 1);
	memcpy(buf, data, size);
	buf[size] = '\0';
	struct speclog_set set;
	char *cause = NULL;
	if (speclog_parse(buf, size, "fuzz", &set, &cause) < 0) {
		int bad = !cause;
		free(cause);
		return bad ? -1 : 0;
	}
	int bad = 0;
	size_t live = 0;
	for (size_t i = 0; i < set.n; i++) {
		const struct speclog_rec *r = &set.recs[i];
		live += r->bytes;
		bad |= r->name < set.buf || r->spec + r->spec_len > set.buf + size ||
		    r->name + r->name_len != r->spec || r->name_len == 0;
		if (i > 0)
			bad |= r->name <= set.recs[i - 1].name;
		for (size_t j = 0; j < i; j++)
			bad |= r->name_len == set.recs[j].name_len &&
			    memcmp(r->name, set.recs[j].name, r->name_len) == 0;
	}
	size_t ml = strlen(SPECLOG_MAGIC);
	bad |= (size < ml ? 0 : ml) + live + set.dead + set.torn != size;
	bad |= set.torn > 0 && set.torn_at + set.torn != size;

	/* the live records written again read back the same */
	char path[] = "/tmp/fuzz_speclog.XXXXXX";
	int fd = mkstemp(path);
	if (!bad && fd >= 0) {
		close(fd);
		struct speclog l = { .fd = -1 };
		struct speclog_set again;
		if (speclog_rewrite(&l, path, set.recs, set.n, NULL) < 0 ||
		    speclog_read(path, 1u << 30, &again, NULL) < 0) {
			bad = 1;
		} else {
			bad |= !same_recs(&set, &again) || again.dead || again.torn;
			speclog_set_free(&again);
		}
		speclog_close(&l);
	}
	if (fd >= 0)
		unlink(path);
	speclog_set_free(&set);
	return bad ? -1 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a broken contract is a crash to libFuzzer and a failure to the replay */
	if (fuzz_speclog_one(data, size) < 0)
		abort();
	return 0;
}
