/* libFuzzer target: any bytes through the job file loader must load or
 * fail with messages, never crash, leak or hang. `make fuzz` builds it. */
#include <stddef.h>
#include <stdint.h>

#include "jobfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct job_config jc;
	char **errors;
	int n;
	jobfile_load_buffer("fuzz.yaml", (const char *)data, size, &jc, &errors, &n);
	jobfile_errors_free(errors, n);
	jobfile_free(&jc);
	return 0;
}
