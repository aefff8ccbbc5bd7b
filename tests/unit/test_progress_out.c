/* Progress lines: JSON to the fd at most every 250 ms, repeats skipped,
 * force writes, a closed reader turns reporting off. */
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "progress_out.h"
#include "runstats.h"
#include "tap.h"

#define MS 1000000LL

static int read_all(int fd, char *buf, size_t n)
{
	ssize_t r = read(fd, buf, n - 1);
	buf[r > 0 ? r : 0] = '\0';
	return (int)r;
}

int main(void)
{
	int fds[2];
	char buf[1024];
	signal(SIGPIPE, SIG_IGN);
	if (pipe(fds) < 0)
		return 1;
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	struct progress_out p;
	progress_out_init_mode(&p, PROGRESS_FD, fds[1]);
	struct progress_counts c = { .done = 5, .total = 10, .failed = 1, .inflight = 2 };
	ok(progress_out_update(&p, 1000 * MS, &c, 0) == 1, "first update writes");
	read_all(fds[0], buf, sizeof buf);
	is_str(buf, "{\"done\":5,\"total\":10,\"failed\":1,\"inflight\":2}\n", "the JSON line");
	c.done = 6;
	ok(progress_out_update(&p, 1100 * MS, &c, 0) == 0, "100 ms later: too soon");
	ok(progress_out_update(&p, 1250 * MS, &c, 0) == 1, "250 ms later: written");
	ok(progress_out_update(&p, 1600 * MS, &c, 0) == 0, "unchanged counts are not repeated");
	c.done = 7;
	ok(progress_out_update(&p, 1601 * MS, &c, 1) == 1, "force writes at once");
	is_int(progress_out_next(&p), 1851 * MS, "next due 250 ms after the last");
	read_all(fds[0], buf, sizeof buf);
	is_str(buf, "{\"done\":6,\"total\":10,\"failed\":1,\"inflight\":2}\n"
	    "{\"done\":7,\"total\":10,\"failed\":1,\"inflight\":2}\n", "two more lines");
	c.done = 8;
	c.rpm = 1176;
	c.api_rpm = 1200;
	progress_out_update(&p, 2000 * MS, &c, 1);
	read_all(fds[0], buf, sizeof buf);
	is_str(buf, "{\"done\":8,\"total\":10,\"failed\":1,\"inflight\":2,\"rpm\":1176,\"api_rpm\":1200}\n",
	    "the pace and the API's limit, when known");
	/* this worker's requests, after the counts and before the pace */
	static struct runstats rs;
	struct outcome o = { .kind = OUTCOME_RETRY };
	runstats_note(&rs, 429, 120, &o);
	o = (struct outcome){ .kind = OUTCOME_DONE, .have_tokens = { [USAGE_ALL] = 1 },
	    .tokens = { [USAGE_ALL] = 300 } };
	runstats_note(&rs, 200, 80, &o);
	c.stats = &rs;
	progress_out_set_job(&p, "postgresql://h/db");
	progress_out_update(&p, 2500 * MS, &c, 1);
	read_all(fds[0], buf, sizeof buf);
	char want[512];
	snprintf(want, sizeof want, "{\"done\":8,\"total\":10,\"failed\":1,\"inflight\":2,\"job\":\"%s\","
	    "\"req_2xx\":1,\"req_4xx\":0,\"req_429\":1,\"req_5xx\":0,\"req_other\":0,\"retries\":1,"
	    "\"lat_sum_ms\":200,\"lat_p50_ms\":83,\"lat_p95_ms\":120,\"lat_p99_ms\":120,\"tokens\":300,"
	    "\"rpm\":1176,\"api_rpm\":1200}\n", p.job);
	is_str(buf, want, "request stats (p50: the middle of 80's bucket, 80..87) and the job's name");
	/* a halt goes after the stats, before the pace, and reads back */
	c.halt = "the API refuses the key: fix it, then restart";
	progress_out_update(&p, 2600 * MS, &c, 1);
	read_all(fds[0], buf, sizeof buf);
	ok(strstr(buf, "\"tokens\":300,\"halt\":\"the API refuses the key: fix it, then restart\","
	    "\"rpm\":1176") != NULL, "the halt, between the stats and the pace: %s", buf);
	struct progress back;
	char halt[PROGRESS_HALT_MAX];
	ok(progress_parse_halt(buf, strlen(buf) - 1, &back, halt) == 0 &&
	    strcmp(halt, c.halt) == 0 && back.done == 8, "and parses back");
	/* the longest halt escaped, with the stats: the line fits the reader */
	char longhalt[PROGRESS_HALT_MAX + 50];
	memset(longhalt, '"', sizeof longhalt - 1);
	longhalt[sizeof longhalt - 1] = '\0';
	c.halt = longhalt;
	progress_out_update(&p, 2700 * MS, &c, 1);
	char big[2 * PROGRESS_WIRE_MAX];
	read_all(fds[0], big, sizeof big);
	ok(strlen(big) <= PROGRESS_WIRE_MAX + 1 && progress_parse_halt(big, strlen(big) - 1, &back,
	    halt) == 0 && strlen(halt) == PROGRESS_HALT_MAX - 1 && back.stat_have,
	    "a halt of 200 quotes (400 bytes escaped) fits with the stats (%zu bytes)", strlen(big));
	c.halt = NULL;
	close(fds[0]);
	c.done = 9;
	progress_out_update(&p, 3000 * MS, &c, 1);
	is_int(p.fd, -1, "a gone reader turns reporting off");
	ok(progress_out_update(&p, 4000 * MS, &c, 1) == 0, "and nothing more is written");
	close(fds[1]);

	struct progress_out q;
	progress_out_init_mode(&q, PROGRESS_PLAIN, 2);
	is_int(q.interval_ns, 10000 * MS, "plain lines every 10 s");
	/* On a terminal: the pace, and the API's limit when the user's rpm
	 * leaves room below it. */
	int dup2err = dup(2);
	if (pipe(fds) < 0 || dup2err < 0 || dup2(fds[1], 2) < 0)
		return 1;
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	struct progress_counts lc = { .done = 1, .total = 2, .rpm = 600, .api_rpm = 1200 };
	progress_out_update(&q, 0, &lc, 1);
	lc.rpm = 1176;
	lc.done = 2;
	progress_out_update(&q, 0, &lc, 1);
	lc.note = "the API is down for 40 s (HTTP 503): one probe every 10 s";
	lc.rpm = 0;
	progress_out_update(&q, 0, &lc, 1);
	fflush(stderr);
	dup2(dup2err, 2);
	close(fds[1]);
	read_all(fds[0], buf, sizeof buf);
	is_str(buf, "psup-worker: progress: 1/2 done (50.0%), 0 failed, 0 in flight, 600 rpm (the API allows 1200)\n"
	    "psup-worker: progress: 2/2 done (100.0%), 0 failed, 0 in flight, 1176 rpm\n"
	    "psup-worker: progress: 2/2 done (100.0%), 0 failed, 0 in flight; the API is down "
	    "for 40 s (HTTP 503): one probe every 10 s\n",
	    "plain lines show the pace and what the API allows, then the note");
	close(fds[0]);
	return done_testing();
}
