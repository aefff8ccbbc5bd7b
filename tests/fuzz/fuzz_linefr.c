/* libFuzzer target for the line framer (common/linefr.c): any stream, any
 * cap, any split into reads, checked against a model of its contract.
 * Build with `make fuzz`; run:
 * build/fuzz/fuzz_linefr -max_total_time=60 tests/fuzz/corpus/fuzz_linefr */
#include "fuzz_linefr_body.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a broken contract is a crash to libFuzzer */
	if (fuzz_linefr_one(data, size) < 0)
		abort();
	return 0;
}
