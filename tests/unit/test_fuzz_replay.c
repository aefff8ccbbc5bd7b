/* Replays every saved fuzz input (tests/fuzz/corpus/TARGET/FILE) through
 * both config loaders, so a normal build exercises them: each must return
 * a result (0 with apps, or -1 with messages) without crashing; and the
 * line framer's inputs through its model check. Under ASan/UBSan this also
 * checks memory. PSUP_SRC points at the repo root. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "../fuzz/fuzz_linefr_body.h"
#include "ecosystem.h"
#include "jobfile.h"
#include "tap.h"
#include "xalloc.h"
#include "yaml_file.h"

static void replay(const char *path, const char *buf, size_t len)
{
	struct eco e;
	int r = eco_load_buffer("replay.yaml", "/nonexistent/psup-replay", buf, len, &e);
	ok((r == 0 && e.n_errors == 0 && e.n_apps > 0) || (r == -1 && e.n_errors > 0 &&
	    e.n_apps == 0), "ecosystem loader on %s: %s", path,
	    r == 0 ? "loads" : e.errors[0]);
	eco_free(&e);

	struct job_config jc;
	char **errors;
	int n;
	r = jobfile_load_buffer("replay.yaml", buf, len, &jc, &errors, &n);
	ok((r == 0 && n == 0 && jc.url) || (r == -1 && n > 0 && !jc.url), "job loader on %s: %s",
	    path, r == 0 ? "loads" : errors[0]);
	jobfile_errors_free(errors, n);
	jobfile_free(&jc);
}

static void replay_linefr(const char *path, const char *buf, size_t len)
{
	long long lines = fuzz_linefr_one((const uint8_t *)buf, len);
	ok(lines >= 0, "line framer on %s: %lld lines as the model cuts them", path, lines);
}

int main(void)
{
	static const char *const targets[] = { "fuzz_ecosystem", "fuzz_jobfile", "fuzz_linefr" };
	const char *src = getenv("PSUP_SRC");
	int files = 0;
	plan_no_plan();
	for (size_t t = 0; t < sizeof targets / sizeof *targets; t++) {
		char *dir = xasprintf("%s/tests/fuzz/corpus/%s", src ? src : ".", targets[t]);
		DIR *d = opendir(dir);
		ok(d != NULL, "corpus %s is there", dir);
		struct dirent *de;
		while (d && (de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			char *path = xasprintf("%s/%s", dir, de->d_name), *buf, *cause;
			size_t len;
			if (yfile_read(path, &buf, &len, &cause) < 0) {
				ok(0, "read %s", cause);
				free(cause);
			} else {
				const char *name = path + strlen(dir) - strlen(targets[t]);
				if (strcmp(targets[t], "fuzz_linefr") == 0)
					replay_linefr(name, buf, len);
				else
					replay(name, buf, len);
				free(buf);
				files++;
			}
			free(path);
		}
		if (d)
			closedir(d);
		free(dir);
	}
	ok(files >= 10, "replayed %d corpus files", files);
	return done_testing();
}
