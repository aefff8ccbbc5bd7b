/* psup describe's output from a canned app reply. */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "cli_describe.h"

static void test_describe(void)
{
	cJSON *app = cJSON_Parse("{\"id\":4,\"name\":\"w\",\"group\":\"w\",\"pid\":0,\"state\":\"errored\","
	    "\"reason\":\"script not found\",\"restarts\":0,\"unstable\":0,\"exit_code\":127,"
	    "\"exit_signal\":null,\"cpu\":0,\"memory\":0,\"progress\":null,"
	    "\"log_files\":{\"out\":\"/l/w-out.log\",\"error\":null,\"combined\":\"/l/w.log\"},"
	    "\"log_sizes\":{\"out\":2048,\"combined\":0},"
	    "\"exits\":[{\"at\":0,\"code\":null,\"signal\":9,\"runtime_ms\":65000}],"
	    "\"config\":{\"script\":\"/bin/w\",\"args\":[\"-x\",\"1\"],\"env\":{\"TOKEN\":\"****\"}}}");
	struct buf b = { 0 };
	cli_describe_format(app, 0, &b);
	ok(strstr(b.p, "│ state          │ errored ") != NULL, "describe: state row");
	ok(strstr(b.p, "│ reason         │ script not found") != NULL, "describe: reason");
	ok(strstr(b.p, "│ last exit      │ code 127") != NULL, "describe: last exit");
	ok(strstr(b.p, "/l/w-out.log (2K)") != NULL, "describe: log size");
	ok(strstr(b.p, "│ error log      │ - ") != NULL, "describe: a disabled log");
	ok(strstr(b.p, "signal 9 (SIGKILL) after 1m") != NULL, "describe: an exit by signal");
	ok(strstr(b.p, "│ args   │ -x 1") != NULL, "describe: config list joined");
	ok(strstr(b.p, "│ env    │ TOKEN=****") != NULL, "describe: env as sent (masked by the daemon)");
	buf_free(&b);
	cJSON_Delete(app);
}

/* A 1 MB value shows cut: describe's output stays small, the table no
 * wider than a cell. */
static void test_describe_huge(void)
{
	size_t n = 1024 * 1024;
	char *big = malloc(n + 1);
	memset(big, 'y', n);
	big[n] = 0;
	cJSON *app = cJSON_Parse("{\"id\":1,\"name\":\"w\",\"pid\":0,\"state\":\"stopped\","
	    "\"config\":{\"script\":\"/bin/w\",\"env\":{\"A\":\"1\",\"B\":\"2\"}}}");
	cJSON *env = cJSON_GetObjectItem(cJSON_GetObjectItem(app, "config"), "env");
	cJSON_AddStringToObject(env, "BIG", big);
	free(big);
	struct buf b = { 0 };
	cli_describe_format(app, 0, &b);
	ok(b.len < 16 * 1024, "describe of a 1 MB env value: %zu bytes of output", b.len);
	ok(strstr(b.p, "│ env    │ BIGyyyy") == NULL, "the value is not shown whole");
	ok(strstr(b.p, "BIG=yyyy") != NULL && strstr(b.p, "y… │") != NULL,
	    "it is shown cut, with an ellipsis");
	ok(strstr(b.p, "│ env    │ A=1 ") != NULL, "a short row is padded as before");
	buf_free(&b);
	cJSON_Delete(app);
}

int main(void)
{
	test_describe();
	test_describe_huge();
	return done_testing();
}
