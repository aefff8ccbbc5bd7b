/* inotify on the loop (inowatch.h). */
#include "inowatch.h"
#include "xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct inowatch {
	inowatch_cb *cb;
	void *arg;
};

static void io_cb(struct loop *l, int fd, unsigned events, void *arg)
{
	(void)l;
	(void)events;
	struct inowatch *w = arg;
	char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
	for (;;) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			return;
		}
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;
			p += sizeof *ev + ev->len;
			w->cb(ev, w->arg);
		}
	}
}

int inowatch_open(struct loop *l, inowatch_cb *cb, void *arg, char **cause)
{
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (fd < 0)
		return fail(cause, "inotify: %s", strerror(errno));
	struct inowatch *w = xmalloc(sizeof *w);
	w->cb = cb;
	w->arg = arg;
	if (loop_fd_add(l, fd, LOOP_READ, io_cb, w, cause) < 0) {
		close(fd);
		free(w);
		return -1;
	}
	return fd;
}

void inowatch_close(struct loop *l, int fd)
{
	if (fd < 0)
		return;
	free(loop_fd_arg(l, fd, io_cb));
	loop_fd_del(l, fd);
	close(fd);
}
