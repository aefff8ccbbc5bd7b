/* Whole writes to blocking file descriptors, and queued output to
 * non-blocking sockets. */
#ifndef PSUP_FDIO_H
#define PSUP_FDIO_H

#include <stddef.h>

#include "buf.h"

/* Writes all n bytes, retrying short writes and EINTR. Returns 0, or -1 with
 * errno set by the failing write (EAGAIN on a non-blocking fd included). */
int fdio_write_all(int fd, const void *data, size_t n);

/* Sends the bytes of b past *off on a non-blocking socket, as many as it
 * takes now (MSG_NOSIGNAL: a gone peer is an error, not a signal); *off
 * counts what went, and once everything went b is emptied and *off is 0;
 * the sent part is dropped from the front only when it is half of b, so a
 * long queue is not moved after every partial send. Returns 0 (all
 * sent, or the socket is full: wait until it is writable), or -1 with
 * errno set when the peer cannot be written to. */
int fdio_send_queued(int fd, struct buf *b, size_t *off);

#endif
