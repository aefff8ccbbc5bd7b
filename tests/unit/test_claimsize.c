/* Claim sizing: the held items are topped up to the batch at first, then
 * to about 2 s of the measured pace of finished items, smoothed, never
 * below the in-flight window and by pace never above 4096; measures
 * shorter than a second wait for more, so a burst does not look like a
 * pace, except that a fast start (4 batches within 100 ms or more) holds
 * 250 ms of its pace until then. Near the end of the job, a worker holds
 * no more than its share (its pace over the job's) of what is left. Also
 * simulations of three workers sharing one paced job: none ever holds
 * much more than its two seconds, and workers of different speeds finish
 * within a second of each other. And the give-back at a job's end:
 * nothing while anything is pending; every unsent item when the API holds
 * the worker over half a second; else, once the paces are measured, what
 * is held beyond the worker's share (never below the window) when that
 * is over half a second of its pace, at most the unsent items. */
#include <stdint.h>

#include "claimsize.h"
#include "tap.h"

#define MS 1000000LL

int main(void)
{
	struct claimsize c = { 0 };
	int64_t t = 1000 * MS;
	is_int(claimsize_next(&c, t, 0, 0, 16, 32), 32, "first claim: the batch");
	is_int(claimsize_next(&c, t + 100 * MS, 0, 20, 16, 32), 12,
	    "100 ms later, 20 held: too soon to measure, topped up to the batch");
	is_int(claimsize_next(&c, t + 150 * MS, 0, 40, 16, 32), 0, "40 held: enough, claim nothing");
	is_int(claimsize_next(&c, t + 600 * MS, 75, 0, 16, 32), 32,
	    "a burst of 75 in 600 ms: not measured yet, the batch");
	/* 100 finished in the first second: 100/s, 2 s of it is 200. */
	is_int(claimsize_next(&c, t + 1000 * MS, 100, 16, 16, 32), 184,
	    "100 finished/s: topped up to 200 (2 s), 184 with 16 held");
	/* 5/s for the next second: halfway between, 52.5/s, 105. */
	is_int(claimsize_next(&c, t + 2000 * MS, 105, 0, 16, 32), 105, "pace falls to 5/s: halfway, 105");
	is_int(claimsize_next(&c, t + 3000 * MS, 110, 0, 16, 32), 58, "5/s again: 58");
	/* Held back (a 429's hold): nothing finished for 10 s. */
	is_int(claimsize_next(&c, t + 13000 * MS, 110, 0, 16, 32), 29, "nothing finished for 10 s: half again, 29");
	is_int(claimsize_next(&c, t + 23000 * MS, 110, 0, 16, 32), 16, "... 15, but never below the window of 16");
	is_int(claimsize_next(&c, t + 33000 * MS, 110, 0, 16, 32), 16, "... nor at 8");
	is_int(claimsize_next(&c, t + 43000 * MS, 110, 10, 16, 32), 6, "... topping 10 held up to it");

	/* One claim after the first, on a fresh pace. Slow answers (60 s):
	 * the pace is tiny, the window still fills. */
	static const struct {
		int64_t after;           /* ms after the first claim */
		long long finished;
		int held, window, first, want;
		const char *what;
	} seconds[] = {
		{ 60000, 16, 0, 16, 32, 16, "16 done a minute: the window, 16" },
		{ 60000, 0, 0, 1, 1, 1, "a pace of 0, window 1: 1 item, never 0 when none is held" },
		{ 1000, 100000, 0, 16, 32, CLAIMSIZE_MAX, "100,000 finished/s: capped at 4096" },
		{ 1000, 100000, 0, 10000, 20000, 10000, "a window of 10,000 beats the cap" },
		{ 400, 8000, 0, 64, 128, CLAIMSIZE_MAX, "8000 in 400 ms, 4 batches and more: capped at 4096" },
		{ 600, 240, 8, 8, 16, 92, "400/s with a batch of 16: 250 ms of it, not 2 s (92 with 8 held)" },
	};
	for (size_t i = 0; i < sizeof seconds / sizeof *seconds; i++) {
		struct claimsize c1 = { 0 };
		claimsize_next(&c1, t, 0, 0, seconds[i].window, seconds[i].first);
		is_int(claimsize_next(&c1, t + seconds[i].after * MS, seconds[i].finished, seconds[i].held,
		    seconds[i].window, seconds[i].first), seconds[i].want, "%s", seconds[i].what);
	}

	/* A fast API: within the first second, once 100 ms hold 4 batches
	 * finished, 250 ms of that pace; fewer are still the first claim's
	 * burst; a second in, the full measure takes over. */
	struct claimsize fast = { 0 };
	claimsize_next(&fast, t, 0, 0, 64, 128);
	is_int(claimsize_next(&fast, t + 50 * MS, 600, 64, 64, 128), 64,
	    "600 finished in 50 ms: too soon, topped up to the batch");
	is_int(claimsize_next(&fast, t + 100 * MS, 511, 64, 64, 128), 64,
	    "511 in 100 ms, under 4 batches: the batch");
	is_int(claimsize_next(&fast, t + 200 * MS, 1000, 64, 64, 128), 1186,
	    "1000 in 200 ms: 250 ms of 5000/s, 1250 (1186 with 64 held)");
	is_int(claimsize_next(&fast, t + 1000 * MS, 1000, 0, 64, 128), 2000,
	    "a second in: 2 s of the whole second's pace, 1000/s");

	/* Three workers share a job paced to 20 items/s in total (each gets
	 * a third; an item finishes when it is sent). Each asks for a claim
	 * whenever its queue is empty; record the most one worker holds. */
	struct claimsize w[3] = { { 0 } };
	long long done[3] = { 0 }, held[3] = { 0 }, most = 0, claimed = 0;
	for (int64_t now = t; now < t + 60000 * MS; now += 50 * MS) {
		int i = (int)((now / (50 * MS)) % 3);
		if (held[i] == 0) {
			int n = claimsize_next(&w[i], now, done[i], 0, 4, 32);
			held[i] += n;
			claimed += n;
		}
		for (int k = 0; k < 3; k++)
			if (held[k] > most)
				most = held[k];
		held[i]--;
		done[i]++;
	}
	ok(most <= 40, "three workers at 6.7 items/s each: at most %lld held at once (2 s is 14)", most);
	ok(claimed >= 1200, "... and they kept going: %lld claimed", claimed);

	/* The job's share: 100/s of ours, 300/s for the job. */
	static const struct {
		long long left;          /* pending + leased, job-wide */
		int want;
		const char *what;
	} ends[] = {
		{ 100000, 184, "plenty left: 2 s of our pace (200, 16 held)" },
		{ 1200, 184, "1200 left, a third is ours: 400, more than 2 s of our pace" },
		{ 450, 134, "450 left: a third, 150 (134 with 16 held)" },
		{ 90, 14, "90 left: a third, 30 (14 with 16 held)" },
		{ 30, 0, "30 left: 10, but never below the window of 16, held already" },
		{ 0, 0, "nothing left: the same" },
	};
	for (size_t i = 0; i < sizeof ends / sizeof *ends; i++) {
		struct claimsize e = { .job_known = 1 };
		claimsize_next(&e, t, 0, 0, 16, 32);
		e.job_finished = 300;
		e.job_left = ends[i].left;
		is_int(claimsize_next(&e, t + 1000 * MS, 100, 16, 16, 32), ends[i].want, "%s",
		    ends[i].what);
	}
	struct claimsize u = { 0 };
	claimsize_next(&u, t, 0, 0, 16, 32);
	u.job_left = 10;
	is_int(claimsize_next(&u, t + 1000 * MS, 100, 16, 16, 32), 184,
	    "job counts unknown: by our pace alone");

	/* Three workers of 10, 20 and 40 items/s on 6000 items. Each claims
	 * when its queue is empty; the job's counts are read every second.
	 * They finish within a second of each other, and the job's counts
	 * (the share above) never make it worse. */
	int64_t gap[2];
	for (int known = 0; known < 2; known++) {
		static const int speed[3] = { 10, 20, 40 };
		struct claimsize c3[3] = { { 0 } };
		long long fin[3] = { 0 }, hold[3] = { 0 }, pending = 6000, seen_fin = 0, seen_left = 6000;
		int64_t end[3] = { 0 };
		for (int64_t now = t; now < t + 600000 * MS; now += 5 * MS) {
			if ((now - t) % (1000 * MS) == 0) {
				seen_fin = fin[0] + fin[1] + fin[2];
				seen_left = pending + hold[0] + hold[1] + hold[2];
			}
			for (int i = 0; i < 3; i++) {
				if (hold[i] == 0 && pending > 0) {
					c3[i].job_known = known;
					c3[i].job_finished = seen_fin;
					c3[i].job_left = seen_left;
					long long n = claimsize_next(&c3[i], now, fin[i], 0, 1, 32);
					n = n < pending ? n : pending;
					hold[i] += n;
					pending -= n;
				}
				/* one item every 1000/speed ms */
				if (hold[i] > 0 && (now - t) % (1000 * MS / speed[i]) == 0) {
					hold[i]--;
					fin[i]++;
					end[i] = now;
				}
			}
		}
		int64_t lo = end[0], hi = end[0];
		for (int i = 1; i < 3; i++) {
			lo = end[i] < lo ? end[i] : lo;
			hi = end[i] > hi ? end[i] : hi;
		}
		gap[known] = hi - lo;
		if (known)
			ok(gap[1] <= 1000 * MS && gap[1] <= gap[0], "with the job's counts the three "
			    "finish within %lld ms (%lld %lld %lld items), without %lld ms apart",
			    (long long)(gap[1] / MS), fin[0], fin[1], fin[2], (long long)(gap[0] / MS));
	}

	/* Giving back at the job's end: a worker of 100 items/s in a job of
	 * 400/s (a quarter) holding 600 of the 640 the job has left, 40 of
	 * them in flight. Its share is 160, so 440 go back, of the 560 unsent. */
	static const struct {
		const char *name;
		int measured, job_measured;
		long long left, pending;
		int held, unsent, window, hold_ms, want;
	} give[] = {
		{ "nothing pending: beyond the share goes back", 1, 1, 640, 0, 600, 560, 40, 0, 440 },
		{ "something pending: the others claim that", 1, 1, 640, 1, 600, 560, 40, 0, 0 },
		{ "at most the unsent", 1, 1, 640, 0, 600, 300, 40, 0, 300 },
		/* share 160 is under the window of 200: 400 go back */
		{ "never below the window", 1, 1, 640, 0, 600, 560, 200, 0, 400 },
		/* 210 held, share 160: 50 over is under half a second (50 items) */
		{ "half a second over or less: kept", 1, 1, 640, 0, 210, 170, 40, 0, 0 },
		{ "51 over: given", 1, 1, 640, 0, 211, 171, 40, 0, 51 },
		{ "our pace not measured yet: kept", 0, 1, 640, 0, 600, 560, 40, 0, 0 },
		/* a hold of over half a second: everything unsent goes back */
		{ "held by the API: every unsent item", 1, 1, 640, 0, 600, 560, 40, 30000, 560 },
		{ "held, pace unmeasured: the same", 0, 0, 640, 0, 600, 560, 40, 501, 560 },
		{ "held half a second: by share", 1, 1, 640, 0, 600, 560, 40, 500, 440 },
		{ "held, but something pending: kept", 1, 1, 640, 5, 600, 560, 40, 30000, 0 },
		{ "the job's not measured yet: kept", 1, 0, 640, 0, 600, 560, 40, 0, 0 },
	};
	for (size_t i = 0; i < sizeof give / sizeof give[0]; i++) {
		struct claimsize g = { .job_known = 1, .job_left = give[i].left,
			.job_pending = give[i].pending, .rate = 100, .measured = give[i].measured,
			.job_rate = 400, .job_measured = give[i].job_measured };
		int got = claimsize_excess(&g, give[i].held, give[i].unsent, give[i].window,
		    give[i].hold_ms);
		is_int(got, give[i].want, "%s", give[i].name);
	}
	return done_testing();
}
