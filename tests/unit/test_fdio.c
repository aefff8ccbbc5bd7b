/* Writing whole buffers to a descriptor, and queued output to a
 * non-blocking socket: a full socket keeps the rest queued (the sent front
 * dropped once it is half the queue), everything sent empties the queue, a
 * gone peer is an error and no SIGPIPE. */
#include "fdio.h"
#include "tap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static size_t drain(int fd)
{
	char tmp[65536];
	size_t got = 0;
	ssize_t r;
	while ((r = recv(fd, tmp, sizeof tmp, MSG_DONTWAIT)) > 0)
		got += (size_t)r;
	return got;
}

static void test_write_all(void)
{
	int fds[2];
	if (pipe(fds) < 0) {
		ok(0, "pipe: %s", strerror(errno));
		return;
	}
	is_int(fdio_write_all(fds[1], "hello", 5), 0, "write_all to a pipe");
	char got[8] = {0};
	ok(read(fds[0], got, sizeof got) == 5 && memcmp(got, "hello", 5) == 0, "all bytes arrive");
	close(fds[0]);
	is_int(fdio_write_all(-1, "x", 1), -1, "write_all to a bad fd fails");
	close(fds[1]);
}

int main(void)
{
	test_write_all();
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) {
		ok(0, "socketpair: %s", strerror(errno));
		return done_testing();
	}
	int small = 4096;
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small);

	struct buf b = { 0 };
	size_t off = 0, total = 1 << 20;
	char *data = calloc(1, total);
	buf_add(&b, data, total);
	is_int(fdio_send_queued(sv[0], &b, &off), 0, "a full socket is not an error");
	size_t queued = b.len - off;
	ok(queued > 0 && queued < total, "part went, the rest is queued (%zu left)", queued);

	size_t got = 0;
	int bounded = 1, calls = 0;
	for (int i = 0; i < 10000 && b.len; i++) {
		got += drain(sv[1]);
		if (fdio_send_queued(sv[0], &b, &off) < 0)
			break;
		calls++;
		if (off && off >= b.len / 2)
			bounded = 0;
	}
	got += drain(sv[1]);
	ok(bounded && calls > 2, "the sent front never stays half the queue (%d sends)", calls);
	ok(b.len == 0 && off == 0, "everything sent: the queue is empty");
	is_int(got, total, "and the peer got every byte");

	buf_add(&b, "x", 1);
	close(sv[1]);
	errno = 0;
	ok(fdio_send_queued(sv[0], &b, &off) < 0 && errno == EPIPE,
	    "a gone peer is an error (EPIPE), not a signal");
	close(sv[0]);
	buf_free(&b);
	free(data);
	return done_testing();
}
