/* The job view finds a job's store in a psup-worker app's argv: relative
 * paths against the app's cwd, sqlite: prefixes, PostgreSQL URLs (shown
 * without their password or parameters), no other URL. */
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
	is_str(s, "postgresql://u:pw@h/db", "store: a PostgreSQL URL as given, for the worker");
	free(s);
	s = store("[\"psup-worker\",\"run\",\"--job\",\"https://h/db\"]", "/srv");
	ok(s == NULL, "store: no other URL");
	free(s);
	static const struct { const char *in, *out; } shown[] = {
		{ "postgresql://u:pw@h:5433/db?sslmode=require&password=x", "postgresql://u@h:5433/db" },
		{ "postgres://u@h/db", "postgres://u@h/db" },
		{ "postgresql://h/db#frag", "postgresql://h/db" },
		{ "postgresql://:pw@h", "postgresql://@h" },
		{ "postgresql:///db?host=/run/pg&password=x", "postgresql:///db" },
		{ "postgresql://u:p%40ss@h/db", "postgresql://u@h/db" },
		{ "postgresql://u:p@s:s@h/db", "postgresql://u@h/db" },
		{ "postgresql://u:p/s@h/db", "postgresql://u@h/db" },
		{ "/srv/x/job.db", "/srv/x/job.db" },
	};
	for (size_t i = 0; i < sizeof shown / sizeof shown[0]; i++) {
		s = jobs_store_shown(shown[i].in);
		is_str(s, shown[i].out, "shown: %s", shown[i].in);
		free(s);
	}
	ok(jobs_store_is_pg("postgres://x") && jobs_store_is_pg("postgresql://x") &&
	    !jobs_store_is_pg("/p/postgresql://x"), "which stores are PostgreSQL");
	s = store("[\"psup-worker\",\"init\",\"--job\",\"job.db\"]", "/srv");
	ok(s == NULL, "store: only run commands");
	free(s);
	s = store("[\"/bin/other\",\"run\",\"--job\",\"job.db\"]", "/srv");
	ok(s == NULL, "store: only psup-worker");
	free(s);
	return done_testing();
}
