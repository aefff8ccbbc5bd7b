/* libFuzzer target: any bytes through the job file loader must load a
 * request URL with no error, or fail with messages and no URL; never crash,
 * leak or hang. `make fuzz` builds it; a normal build replays its corpus. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "jobfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct job_config jc;
	char **errors;
	int n;
	int r = jobfile_load_buffer("fuzz.yaml", (const char *)data, size, &jc, &errors, &n);
	if (!(r == 0 && n == 0 && jc.url) && !(r == -1 && n > 0 && !jc.url))
		abort();
	jobfile_errors_free(errors, n);
	jobfile_free(&jc);
	return 0;
}
