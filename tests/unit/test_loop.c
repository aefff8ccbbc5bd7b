/* The event loop: bulk fds served in batches after the others, fd
 * dispatch with registration re-checks, hang-ups told from half-closes,
 * timers in order (ms and ns deadlines), cancelled and self-removing
 * timers, signals, and an idle loop that sleeps (also after a timer was
 * cancelled). */
#include "tap.h"
#include "loop.h"
#include "clock.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

static int pa[2], pb[2];
static int hits_a, hits_b, readded_hits;
static unsigned readded_ev;
static char order[16];
static int norder;

static void readded_cb(struct loop *l, int fd, unsigned ev, void *arg)
{
	(void)l; (void)fd; (void)arg;
	readded_hits++;
	readded_ev = ev;
}

/* a's callback removes b (whose event is in the same batch), closes it and
 * puts a fresh pipe on the same fd number: b's stale event must be dropped. */
static void a_cb(struct loop *l, int fd, unsigned ev, void *arg)
{
	(void)arg;
	char c;
	hits_a++;
	if (ev & LOOP_READ)
		(void)!read(fd, &c, 1);
	loop_fd_del(l, pb[0]);
	close(pb[0]);
	close(pb[1]);
	int p[2];
	if (pipe2(p, O_CLOEXEC) == 0) {
		if (p[0] != pb[0] && dup2(p[0], pb[0]) >= 0)
			close(p[0]);
		pb[1] = p[1];
		loop_fd_add(l, pb[0], LOOP_READ, readded_cb, NULL, NULL);
	}
}

static void b_cb(struct loop *l, int fd, unsigned ev, void *arg)
{
	(void)l; (void)fd; (void)ev; (void)arg;
	hits_b++;
}

static uint64_t t_cancel_me;

static void timer_cb(struct loop *l, uint64_t id, void *arg)
{
	(void)id;
	char c = (char)(long)arg;
	if (norder < (int)sizeof order - 1)
		order[norder++] = c;
	if (c == '1')
		loop_timer_del(l, t_cancel_me);
}

static int64_t ns_fired_at;
static void ns_timer_cb(struct loop *l, uint64_t id, void *arg)
{
	(void)l; (void)id; (void)arg;
	ns_fired_at = clock_mono_ns();
}

static int sig_seen;
static void sig_cb(struct loop *l, int signo, void *arg)
{
	(void)arg;
	sig_seen = signo;
	loop_stop(l);
}

static int sweeps;
static void sweep_cb(struct loop *l, void *arg)
{
	(void)l; (void)arg;
	sweeps++;
}

/* LOOP_BULK: a flood of bulk fds served in batches, after the others. */
#define NBULK 40
static int bulk_r[NBULK], bulk_w[NBULK];
static int bulk_hits[NBULK], bulk_pass_hits, plain_hits, plain_after_bulk;

static void bulk_cb(struct loop *l, int fd, unsigned ev, void *arg)
{
	(void)l; (void)ev;
	char c;
	(void)!read(fd, &c, 1);
	bulk_hits[(long)arg]++;
	bulk_pass_hits++;
}

static void plain_cb(struct loop *l, int fd, unsigned ev, void *arg)
{
	(void)l; (void)ev; (void)arg;
	char c;
	(void)!read(fd, &c, 1);
	plain_hits++;
	if (bulk_pass_hits)
		plain_after_bulk = 1;
}

static void bulk_timer_cb(struct loop *l, uint64_t id, void *arg)
{
	(void)l; (void)id; (void)arg;
}

static void test_bulk(void)
{
	char *cause = NULL;
	struct loop *l = loop_create(&cause);
	int pp[2];
	ok(l && pipe2(pp, O_CLOEXEC) == 0, "a loop and a plain pipe");
	if (!l)
		return;
	int added = 0;
	for (int i = 0; i < NBULK; i++) {
		int p[2];
		if (pipe2(p, O_CLOEXEC) < 0)
			break;
		bulk_r[i] = p[0];
		bulk_w[i] = p[1];
		added += loop_fd_add(l, p[0], LOOP_READ | LOOP_BULK, bulk_cb, (void *)(long)i,
		    &cause) == 0;
	}
	is_int(added, NBULK, "bulk fds are registered");
	ok(loop_fd_add(l, pp[0], LOOP_READ, plain_cb, NULL, &cause) == 0, "a plain fd too");
	for (int i = 0; i < NBULK; i++)
		(void)!write(bulk_w[i], "x", 1);
	(void)!write(pp[1], "x", 1);

	bulk_pass_hits = 0;
	loop_once(l, 1000);
	is_int(plain_hits, 1, "the plain fd is served in the first pass");
	is_int(plain_after_bulk, 0, "before any bulk fd");
	is_int(bulk_pass_hits, LOOP_BULK_BUSY, "with a small batch of bulk fds beside it");
	int passes = 1, most = 0;
	while (passes < 100) {
		int left = 0;
		for (int i = 0; i < NBULK; i++)
			left += bulk_hits[i] == 0;
		if (!left)
			break;
		bulk_pass_hits = 0;
		loop_once(l, 1000);
		passes++;
		if (bulk_pass_hits > most)
			most = bulk_pass_hits;
	}
	is_int(most, LOOP_BULK_BATCH, "later passes serve a full batch each");
	int once = 1;
	for (int i = 0; i < NBULK; i++)
		once &= bulk_hits[i] == 1;
	ok(once, "every bulk fd is served once (in %d passes)", passes);
	is_int(passes, 1 + (NBULK - LOOP_BULK_BUSY + LOOP_BULK_BATCH - 1) / LOOP_BULK_BATCH,
	    "in as many passes as the batches take");

	/* the loop's own fds (a timer due) are not others to give way to */
	for (int i = 0; i < NBULK; i++)
		(void)!write(bulk_w[i], "x", 1);
	loop_timer_at(l, 0, bulk_timer_cb, NULL);
	bulk_pass_hits = 0;
	loop_once(l, 1000);
	is_int(bulk_pass_hits, LOOP_BULK_BATCH, "a timer in the pass leaves the batch full");
	for (int pass = 0; pass < 10; pass++)
		loop_once(l, 0);

	/* mod and del reach the bulk epoll */
	ok(loop_fd_mod(l, bulk_r[0], 0) == 0, "a bulk fd's events can be changed");
	(void)!write(bulk_w[0], "x", 1);
	loop_fd_del(l, bulk_r[1]);
	(void)!write(bulk_w[1], "x", 1);
	bulk_pass_hits = 0;
	is_int(loop_once(l, 50), 0, "a bulk fd asking for nothing or removed is not served");
	for (int i = 0; i < NBULK; i++) {
		close(bulk_r[i]);
		close(bulk_w[i]);
	}
	close(pp[0]);
	close(pp[1]);
	loop_free(l);
}

int main(void)
{
	test_bulk();
	char *cause = NULL;
	struct loop *l = loop_create(&cause);
	ok(l != NULL, "loop_create");
	if (!l)
		return done_testing();
	loop_set_sweep(l, sweep_cb, NULL);

	/* idle: nothing registered, no timers, a bounded wait returns nothing */
	is_int(loop_timer_count(l), 0, "a new loop has no timers");
	int64_t t0 = clock_mono_ms();
	is_int(loop_once(l, 30), 0, "an idle pass runs no callback");
	ok(clock_mono_ms() - t0 >= 25, "an idle pass waits for its bound");

	/* a cancelled timer costs no wake-up: the timerfd is re-armed (here:
	 * disarmed) when the timer it waited for goes */
	uint64_t cancelled = loop_timer_after(l, 20, ns_timer_cb, NULL);
	loop_timer_del(l, cancelled);
	t0 = clock_mono_ms();
	is_int(loop_once(l, 80), 0, "a pass after a cancelled timer runs no callback");
	ok(clock_mono_ms() - t0 >= 75, "and is not woken at the cancelled deadline");

	/* registration re-check */
	ok(pipe2(pa, O_CLOEXEC) == 0 && pipe2(pb, O_CLOEXEC) == 0, "pipes");
	ok(loop_fd_add(l, pa[0], LOOP_READ, a_cb, NULL, &cause) == 0, "add a");
	ok(loop_fd_add(l, pb[0], LOOP_READ, b_cb, NULL, &cause) == 0, "add b");
	ok(loop_fd_add(l, pb[0], LOOP_READ, b_cb, NULL, &cause) < 0, "a second registration of one fd is refused");
	ok(loop_fd_arg(l, pa[0], a_cb) == NULL, "loop_fd_arg: the arg a was registered with (NULL)");
	ok(loop_fd_arg(l, pa[0], b_cb) == NULL, "loop_fd_arg: NULL for another callback");
	ok(loop_fd_arg(l, 100000, a_cb) == NULL && loop_fd_arg(l, -1, a_cb) == NULL,
	    "loop_fd_arg: NULL for an fd never registered");
	free(cause);
	cause = NULL;
	(void)!write(pa[1], "x", 1); /* ready first: first in the batch */
	(void)!write(pb[1], "y", 1);
	loop_once(l, 1000);
	is_int(hits_a, 1, "a's callback ran");
	is_int(hits_b, 0, "b's event, removed by a's callback in the same pass, was dropped");
	is_int(readded_hits, 0, "the new registration on b's fd number did not get b's event");
	(void)!write(pb[1], "z", 1);
	loop_once(l, 1000);
	is_int(readded_hits, 1, "the new registration gets its own events");
	loop_fd_del(l, pa[0]);
	loop_fd_del(l, pb[0]);
	is_int(loop_fd_mod(l, pa[0], LOOP_WRITE), -1, "mod of an unregistered fd fails");
	ok(loop_fd_mod(l, pa[0], LOOP_READ) == -1 && loop_fd_add(l, pa[0], LOOP_READ, a_cb, &hits_a, NULL) == 0 &&
	    loop_fd_arg(l, pa[0], a_cb) == &hits_a, "loop_fd_arg: the arg of a registration");
	loop_fd_del(l, pa[0]);
	ok(loop_fd_arg(l, pa[0], a_cb) == NULL, "loop_fd_arg: NULL once unregistered");

	/* hang-up is reported */
	close(pa[1]);
	ok(loop_fd_add(l, pa[0], LOOP_READ, readded_cb, NULL, NULL) == 0, "add a again");
	readded_hits = 0;
	loop_once(l, 1000);
	is_int(readded_hits, 1, "EOF on a pipe wakes its reader");
	ok((readded_ev & (LOOP_HUP | LOOP_ERR)) == (LOOP_HUP | LOOP_ERR),
	    "a pipe's closed writer is a full hang-up (LOOP_HUP | LOOP_ERR)");
	loop_fd_del(l, pa[0]);
	close(pa[0]);

	/* a peer's half-close is LOOP_HUP without LOOP_ERR */
	int sp[2];
	ok(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == 0, "socketpair");
	ok(loop_fd_add(l, sp[0], LOOP_READ, readded_cb, NULL, NULL) == 0, "add a socket");
	shutdown(sp[1], SHUT_WR);
	readded_hits = 0;
	readded_ev = 0;
	loop_once(l, 1000);
	is_int(readded_hits, 1, "a half-close wakes the reader");
	ok((readded_ev & (LOOP_READ | LOOP_HUP)) == (LOOP_READ | LOOP_HUP) && !(readded_ev & LOOP_ERR),
	    "a half-close is LOOP_READ | LOOP_HUP, not LOOP_ERR");
	loop_fd_del(l, sp[0]);
	close(sp[0]);
	close(sp[1]);

	/* timers: order, cancel from an earlier timer of the same pass */
	int64_t now = clock_mono_ms();
	loop_timer_at(l, now + 20, timer_cb, (void *)(long)'2');
	loop_timer_at(l, now + 5, timer_cb, (void *)(long)'1');
	t_cancel_me = loop_timer_at(l, now + 20, timer_cb, (void *)(long)'X');
	uint64_t gone = loop_timer_at(l, now + 10, timer_cb, (void *)(long)'Y');
	loop_timer_del(l, gone);
	is_int(loop_timer_count(l), 3, "three live timers");
	int64_t deadline = now + 2000;
	while (loop_timer_count(l) > 0 && clock_mono_ms() < deadline)
		loop_once(l, 100);
	is_str(order, "12", "timers fire in deadline order; cancelled ones never");
	is_int(loop_timer_count(l), 0, "no timer left");
	ok(clock_mono_ms() - now >= 20, "the last timer did not fire early");

	/* ns deadlines: never early, even by the part under a millisecond */
	int64_t at_ns = clock_mono_ns() + 3 * 1000000 + 700000;
	loop_timer_at_ns(l, at_ns, ns_timer_cb, NULL);
	is_int(loop_timer_count(l), 1, "an ns timer is pending");
	deadline = clock_mono_ms() + 2000;
	while (loop_timer_count(l) > 0 && clock_mono_ms() < deadline)
		loop_once(l, 100);
	ok(ns_fired_at >= at_ns, "an ns timer does not fire before its deadline");
	ok(ns_fired_at - at_ns < 200 * 1000000LL, "an ns timer fires near its deadline (%lld us late)",
	    (long long)(ns_fired_at - at_ns) / 1000);
	/* ns and ms timers share the one timerfd: the earlier fires first,
	 * though added after the later one */
	norder = 0;
	memset(order, 0, sizeof order);
	now = clock_mono_ms();
	loop_timer_at(l, now + 10, timer_cb, (void *)(long)'m');
	loop_timer_at_ns(l, (now + 10) * 1000000 - 5500000, timer_cb, (void *)(long)'n');
	deadline = now + 2000;
	while (loop_timer_count(l) > 0 && clock_mono_ms() < deadline)
		loop_once(l, 100);
	is_str(order, "nm", "an ns timer and a later ms timer fire in deadline order");
	uint64_t gone_ns = loop_timer_at_ns(l, clock_mono_ns() + 1000000, timer_cb, (void *)(long)'Z');
	loop_timer_del(l, gone_ns);
	is_int(loop_timer_count(l), 0, "an ns timer can be cancelled");

	/* a timer in the past fires on the next pass */
	norder = 0;
	memset(order, 0, sizeof order);
	loop_timer_at(l, 0, timer_cb, (void *)(long)'p');
	loop_once(l, 1000);
	is_str(order, "p", "a timer in the past fires at once");

	/* signals */
	ok(loop_signal(l, SIGUSR1, sig_cb, NULL, &cause) == 0, "signalfd for SIGUSR1");
	kill(getpid(), SIGUSR1);
	loop_timer_after(l, 3000, timer_cb, (void *)(long)'T');
	loop_run(l);
	is_int(sig_seen, SIGUSR1, "the signal reached its callback and stopped the loop");
	ok(sweeps > 0, "the sweep hook runs after passes");

	loop_free(l);
	return done_testing();
}
