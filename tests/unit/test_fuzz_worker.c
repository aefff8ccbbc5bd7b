/* Replays the saved inputs of the worker's fuzz target
 * (tests/fuzz/corpus/fuzz_worker/) so a normal build exercises them; under
 * ASan/UBSan this also checks memory. PSUP_SRC points at the repo root. */
#include <dirent.h>
#include <stdio.h>

#include "../fuzz/fuzz_worker_body.h"
#include "atomicfile.h"
#include "tap.h"

int main(void)
{
	const char *src = getenv("PSUP_SRC");
	char *dir = xasprintf("%s/tests/fuzz/corpus/fuzz_worker", src ? src : ".");
	DIR *d = opendir(dir);
	ok(d != NULL, "corpus %s is there", dir);
	int files = 0;
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char *path = xasprintf("%s/%s", dir, de->d_name), *buf, *cause;
		size_t len;
		if (atomicfile_read(path, 1 << 20, &buf, &len, &cause) < 0) {
			ok(0, "read %s", cause);
			free(cause);
		} else {
			fuzz_worker_one((const uint8_t *)buf, len);
			free(buf);
			files++;
		}
		free(path);
	}
	if (d)
		closedir(d);
	free(dir);
	ok(files >= 10, "replayed %d corpus files without a crash", files);
	return done_testing();
}
