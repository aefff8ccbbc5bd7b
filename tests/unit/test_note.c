/* note_pick: which fact is worded, and how, as a table. */
#include "tap.h"
#include "note.h"

#define S 1000000000LL

static const struct {
	const char *name;
	struct note_facts f;
	const char *want;
} cases[] = {
	{ "nothing to say", { .endpoints = 1 }, "" },
	{ "stopping with requests out", { .stopping = 1, .inflight = 3, .endpoints = 1,
	    .store_away_ns = 5 * S }, "stopping: 3 requests in flight to finish" },
	{ "one request", { .stopping = 1, .inflight = 1, .endpoints = 1 },
	    "stopping: 1 request in flight to finish" },
	{ "stopping with none out: nothing, whatever else holds", { .stopping = 1, .endpoints = 1,
	    .resting = 1, .down_ns = 50 * S }, "" },
	{ "the store away before the API", { .store_away_ns = 12 * S, .endpoints = 1, .resting = 1,
	    .down_ns = 50 * S }, "the job store is unreachable for 12 s: retrying" },
	{ "the only endpoint down, its status without the body", { .endpoints = 1, .resting = 1,
	    .down_ns = 40 * S, .down_why = "HTTP 503: upstream connect error", .probe_every_ns = 10 * S },
	    "the API is down for 40 s (HTTP 503): one probe every 10 s" },
	{ "other words as they are", { .endpoints = 1, .resting = 1, .down_ns = 40 * S,
	    .down_why = "transfer failed: Couldn't connect to server", .probe_every_ns = 10 * S },
	    "the API is down for 40 s (transfer failed: Couldn't connect to server): one probe every 10 s" },
	{ "down for minutes, no why", { .endpoints = 1, .resting = 1, .down_ns = 185 * S,
	    .probe_every_ns = 10 * S }, "the API is down for 3 min: one probe every 10 s" },
	{ "a long why is cut", { .endpoints = 1, .resting = 1, .down_ns = 2 * S, .probe_every_ns = 10 * S,
	    .down_why = "0123456789012345678901234567890123456789012345678901234567890" },
	    "the API is down for 2 s (01234567890123456789012345678901234567890123456789): "
	    "one probe every 10 s" },
	{ "every endpoint resting", { .endpoints = 3, .resting = 3, .probe_every_ns = 10 * S },
	    "all 3 endpoints are down: one probe each every 10 s" },
	{ "some resting", { .endpoints = 3, .resting = 1, .hold_ns = 5 * S },
	    "1 of 3 endpoints resting after failures: the others take the items" },
	{ "a hold, rounded up", { .endpoints = 1, .hold_ns = 24 * S + 1 },
	    "the API asked to wait (Retry-After): sending again in 25 s" },
	{ "idle", { .endpoints = 1, .idle = 1 },
	    "nothing to claim: the items left are leased by other workers" },
	{ "a hold before idle", { .endpoints = 1, .idle = 1, .hold_ns = 3 * S },
	    "the API asked to wait (Retry-After): sending again in 3 s" },
	{ "hours", { .endpoints = 1, .store_away_ns = 7300 * S }, "the job store is unreachable for 2 h: retrying" },
};

int main(void)
{
	char buf[121];
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		note_pick(&cases[i].f, buf, sizeof buf);
		is_str(buf, cases[i].want, "%s", cases[i].name);
	}
	char small[8];
	note_pick(&cases[1].f, small, sizeof small);
	is_str(small, "stoppin", "cut to the buffer");
	return done_testing();
}
