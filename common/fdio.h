/* Whole writes to blocking file descriptors. */
#ifndef PSUP_FDIO_H
#define PSUP_FDIO_H

#include <stddef.h>

/* Writes all n bytes, retrying short writes and EINTR. Returns 0, or -1 with
 * errno set by the failing write (EAGAIN on a non-blocking fd included). */
int fdio_write_all(int fd, const void *data, size_t n);

#endif
