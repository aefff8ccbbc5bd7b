/* libFuzzer target for the worker's parsers of outside text: Retry-After and
 * rate-limit headers, templates, JSON pointers, response bodies. Build with
 * `make fuzz`; run: build/fuzz/fuzz_worker tests/fuzz/corpus/fuzz_worker */
#include "fuzz_worker_body.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	volatile long long sink = fuzz_worker_one(data, size);
	(void)sink;
	return 0;
}
