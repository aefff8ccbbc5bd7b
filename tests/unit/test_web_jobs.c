/* The job view finds a job's store in a psup-worker app's argv: relative
 * paths against the app's cwd, sqlite: prefixes, and never a PostgreSQL URL
 * (it may carry a password the page would show). */
#include "web_jobs.h"
#include "tap.h"

#include <stdlib.h>

static char *store(const char *argv, const char *cwd)
{
	cJSON *a = cJSON_Parse(argv);
	char *s = jobs_store_of(a, cwd);
	cJSON_Delete(a);
	return s;
}

int main(void)
{
	char *s = store("[\"/usr/bin/psup-worker\",\"run\",\"--job\",\"job.db\",\"--config\",\"j.yaml\"]", "/srv/x");
	is_str(s, "/srv/x/job.db", "store: a relative path against cwd");
	free(s);
	s = store("[\"psup-worker\",\"run\",\"--job=sqlite:/data/j.db\"]", "/srv");
	is_str(s, "/data/j.db", "store: --job=sqlite:PATH");
	free(s);
	s = store("[\"psup-worker\",\"run\",\"--job\",\"postgresql://u:pw@h/db\"]", "/srv");
	ok(s == NULL, "store: a PostgreSQL URL is not read (it may hold a password)");
	free(s);
	s = store("[\"psup-worker\",\"init\",\"--job\",\"job.db\"]", "/srv");
	ok(s == NULL, "store: only run commands");
	free(s);
	s = store("[\"/bin/other\",\"run\",\"--job\",\"job.db\"]", "/srv");
	ok(s == NULL, "store: only psup-worker");
	free(s);
	return done_testing();
}
