/* Whole writes and queued output (see fdio.h). */
#include "fdio.h"

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

int fdio_write_all(int fd, const void *data, size_t n)
{
	const char *p = data;
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int fdio_send_queued(int fd, struct buf *b, size_t *off)
{
	while (*off < b->len) {
		ssize_t w = send(fd, b->p + *off, b->len - *off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return -1;
			/* full: drop what went once it is half the queue, so
			 * the buffer stays within twice what is pending */
			if (*off >= b->len / 2) {
				buf_consume(b, *off);
				*off = 0;
			}
			return 0;
		}
		*off += (size_t)w;
	}
	buf_clear(b);
	*off = 0;
	return 0;
}
