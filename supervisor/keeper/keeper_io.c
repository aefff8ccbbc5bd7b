/* The app's pipes: stdout/stderr go to the log sink in big reads, the
 * progress pipe is cut into lines and each is validated and kept. Every
 * pipe is read to EOF, also after the app exited. */
#include "keeper.h"
#include "clock.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

/* At most this many reads per readiness, so one busy pipe cannot starve
 * the control socket or the other pipes. */
#define READS_PER_EVENT 8

static void progress_line(struct keeper *k, struct run *r, const char *line, size_t n)
{
	struct progress p;
	char halt[PROGRESS_HALT_MAX];
	if (progress_parse_halt(line, n, &p, halt) < 0) {
		k->progress_bad++;
	} else {
		/* the text is the keeper's own (k->halt): the daemon learns it
		 * as the reason of the exit it stops */
		p.have &= ~(unsigned)PROGRESS_HAVE_HALT;
		k->progress = p;
		k->has_progress = 1;
		k->progress_ms = clock_real_ms();
		/* a run that ended may still report (a child holds its pipe):
		 * only the current one's word counts */
		if (r == k->runs) {
			free(k->halt);
			k->halt = halt[0] ? xstrdup(halt) : NULL;
		}
	}
	/* many reports a second become one status write per interval */
	if (!k->status_flush_at)
		k->status_flush_at = clock_mono_ms() + KEEPER_STATUS_COALESCE_MS;
	k->status_dirty = 1;
}

/* Over-long reports are counted as bad ones and skipped. At EOF the last
 * report counts without its newline. */
static void progress_lines(struct keeper *k, struct run *r, int eof)
{
	const char *line;
	size_t len;
	int got;
	while ((got = eof ? linefr_rest(&r->prog, &line, &len) :
	    linefr_next(&r->prog, &line, &len)) != LINEFR_NONE) {
		if (got == LINEFR_LONG) {
			k->progress_bad++;
			linefr_skip(&r->prog);
		} else {
			progress_line(k, r, line, len);
		}
	}
}

static void progress_feed(struct keeper *k, struct run *r, const char *p, size_t n)
{
	/* a line's worth at a time: the framer never holds a whole read */
	while (n > 0) {
		size_t piece = n < KEEPER_PROGRESS_LINE_MAX ? n : KEEPER_PROGRESS_LINE_MAX;
		linefr_feed(&r->prog, p, piece);
		progress_lines(k, r, 0);
		p += piece;
		n -= piece;
	}
}

static void pipe_eof(struct keeper *k, struct run_pipe *rp)
{
	if (rp->which == PIPE_PROGRESS)
		progress_lines(k, rp->run, 1);
	else
		logsink_eof(&k->log, &rp->ll, rp->which == PIPE_OUT ? LOG_OUT : LOG_ERR,
		    clock_real_ms());
	loop_fd_del(k->loop, rp->fd);
	close(rp->fd);
	rp->fd = -1;
	rp->run->open--;
}

/* The pipe was full when read: the app writes faster than one pipe's worth
 * per wake-up, so give it room (fewer wake-ups, fewer blocked writes). */
static void pipe_grow(struct run_pipe *rp)
{
	int r = fcntl(rp->fd, F_SETPIPE_SZ, KEEPER_PIPE_SIZE);
	if (r < 0) /* over the user's pipe budget: try a smaller step */
		r = fcntl(rp->fd, F_SETPIPE_SZ, KEEPER_PIPE_SIZE / 4);
	/* failing both, stop trying for this pipe */
	rp->pipe_size = r > 0 ? r : KEEPER_PIPE_SIZE;
}

void keeper_io_trim(struct keeper *k)
{
	for (struct run *r = k->runs; r; r = r->next)
		for (int i = 0; i < 3; i++) {
			struct run_pipe *rp = &r->pipes[i];
			logline_trim(&rp->ll);
			if (rp->fd < 0 || rp->pipe_size <= KEEPER_PIPE_DEFAULT)
				continue;
			/* fails (EBUSY) while more than the default is queued */
			int sz = fcntl(rp->fd, F_SETPIPE_SZ, KEEPER_PIPE_DEFAULT);
			if (sz > 0)
				rp->pipe_size = sz;
		}
}

/* Reads up to max times; returns 1 at EOF, 0 when it would block (or, in
 * the loop, after a short read: the pipe is empty for now). A read lands
 * first in a small buffer on the stack, the rest in the big one: an app
 * that logs a line now and then never touches (and so never keeps) a
 * page of the big buffer, and a big read costs one small copy to make it
 * contiguous. */
static int pipe_read(struct keeper *k, struct run_pipe *rp, int max, int drain)
{
	char small[KEEPER_SMALL_BUF];
	struct iovec iov[2] = {
		{ .iov_base = small, .iov_len = sizeof small },
		{ .iov_base = k->rbuf + sizeof small, .iov_len = KEEPER_READ_BUF - sizeof small },
	};
	for (int i = 0; i < max; i++) {
		ssize_t n = readv(rp->fd, iov, 2);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return 0;
			n = 0; /* a broken pipe is its end */
		}
		if (n == 0) {
			pipe_eof(k, rp);
			return 1;
		}
		if (rp->pipe_size > 0 && n >= rp->pipe_size && rp->pipe_size < KEEPER_PIPE_SIZE &&
		    rp->which != PIPE_PROGRESS)
			pipe_grow(rp);
		if ((size_t)n > KEEPER_SMALL_READ) {
			k->big_read_at = clock_mono_ms();
			if (!k->trim_at)
				k->trim_at = k->big_read_at + KEEPER_TRIM_MS;
		}
		const char *data = small;
		if ((size_t)n > sizeof small) {
			memcpy(k->rbuf, small, sizeof small);
			data = k->rbuf;
		}
		if (rp->which == PIPE_PROGRESS)
			progress_feed(k, rp->run, data, (size_t)n);
		else
			logsink_feed(&k->log, &rp->ll, rp->which == PIPE_OUT ? LOG_OUT : LOG_ERR,
			    data, (size_t)n, clock_real_ms());
		if ((size_t)n < KEEPER_READ_BUF && !drain)
			return 0; /* drained for now: back to the loop */
	}
	return 0;
}

static void pipe_cb(struct loop *l, int fd, unsigned events, void *arg)
{
	(void)l;
	(void)fd;
	(void)events;
	struct run_pipe *rp = arg;
	struct keeper *k = rp->run->k;
	if (rp->fd < 0)
		return; /* closed earlier in this pass */
	pipe_read(k, rp, READS_PER_EVENT, 0);
	long long counts = k->log.lines_dropped + k->log.lines_split + k->log.write_errors;
	if (counts != k->log_counts) {
		k->log_counts = counts;
		k->status_dirty = 1;
		if (!k->status_flush_at)
			k->status_flush_at = clock_mono_ms() + KEEPER_STATUS_COALESCE_MS;
	}
}

struct run *keeper_io_runs_add(struct keeper *k, int outfd, int errfd, int progfd)
{
	struct run *r = xcalloc(1, sizeof *r);
	r->k = k;
	/* a report of KEEPER_PROGRESS_LINE_MAX bytes, then its newline */
	linefr_init(&r->prog, KEEPER_PROGRESS_LINE_MAX + 1);
	int fds[3] = { outfd, errfd, progfd };
	for (int i = 0; i < 3; i++) {
		struct run_pipe *rp = &r->pipes[i];
		rp->run = r;
		rp->which = i;
		rp->fd = fds[i];
		rp->pipe_size = fcntl(rp->fd, F_GETPIPE_SZ);
		if (loop_fd_add(k->loop, rp->fd, LOOP_READ, pipe_cb, rp, NULL) < 0) {
			/* cannot watch it: close it rather than block the app */
			close(rp->fd);
			rp->fd = -1;
			continue;
		}
		r->open++;
	}
	r->next = k->runs;
	k->runs = r;
	free(k->halt);
	k->halt = NULL;
	return r;
}

/* Before the keeper exits: the app is gone, so every pipe ends; read what
 * is left in them. A pipe some stray process still holds open stops at
 * "would block" rather than hanging the exit. */
void keeper_io_drain_all(struct keeper *k)
{
	for (struct run *r = k->runs; r; r = r->next)
		for (int i = 0; i < 3; i++)
			if (r->pipes[i].fd >= 0)
				pipe_read(k, &r->pipes[i], 1 << 20, 1);
}

void keeper_io_progress_drain(struct keeper *k)
{
	struct run_pipe *rp = k->runs ? &k->runs->pipes[PIPE_PROGRESS] : NULL;
	if (rp && rp->fd >= 0)
		pipe_read(k, rp, READS_PER_EVENT, 1);
}

static void run_free(struct keeper *k, struct run *r)
{
	for (int i = 0; i < 3; i++) {
		if (r->pipes[i].fd >= 0) {
			loop_fd_del(k->loop, r->pipes[i].fd);
			close(r->pipes[i].fd);
		}
		logline_free(&r->pipes[i].ll);
	}
	linefr_free(&r->prog);
	free(r);
}

void keeper_io_runs_sweep(struct keeper *k)
{
	struct run **pp = &k->runs;
	while (*pp) {
		struct run *r = *pp;
		if (r->open == 0) {
			*pp = r->next;
			run_free(k, r);
		} else {
			pp = &r->next;
		}
	}
}

void keeper_io_runs_free(struct keeper *k)
{
	while (k->runs) {
		struct run *r = k->runs;
		k->runs = r->next;
		run_free(k, r);
	}
}
