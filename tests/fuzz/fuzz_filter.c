/* libFuzzer target for what psup-worker takes as subsets and masks
 * (worker/filter.c, worker/mask.c): any --where text, any tag, any header
 * value. Checked: what status shows of a parsed filter (filter_text)
 * parses back to the same condition, a refused one adds nothing and says
 * why, and a masked value ends in "****".
 * Build with `make fuzz`; run:
 * build/fuzz/fuzz_filter -max_total_time=60 tests/fuzz/corpus/fuzz_filter
 * A normal build replays the corpus (tests/fuzz/replay.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "filter.h"
#include "mask.h"
#include "xalloc.h"

static int same(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/* Returns 0, or -1 when a contract broke. */
static int fuzz_filter_one(const char *text)
{
	struct store_filter f = { 0 }, again = { 0 };
	char *cause = NULL;
	int rc = 0;
	if (filter_add(&f, text, &cause) == 0) {
		/* what status shows parses back to the same condition */
		char *back = filter_text(&f);
		if (f.n != 1 || cause || filter_add(&again, back, &cause) < 0 ||
		    !same(f.cond[0].field, again.cond[0].field) ||
		    !same(f.cond[0].value, again.cond[0].value))
			rc = -1;
		free(back);
	} else if (f.n != 0 || !cause) {
		rc = -1;
	}
	free(cause);
	cause = NULL;
	store_filter_free(&f);
	store_filter_free(&again);
	if (filter_tag_check(text, &cause) < 0 && !cause)
		rc = -1;
	free(cause);
	char *m = mask_value(text);
	size_t len = strlen(m);
	if (len < 4 || strcmp(m + len - 4, "****") != 0)
		rc = -1;
	free(m);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = xstrndup((const char *)data, size);
	int rc = fuzz_filter_one(text);
	free(text);
	/* a broken contract is a crash to libFuzzer and a failure to the replay */
	if (rc < 0)
		abort();
	return 0;
}
