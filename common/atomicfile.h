/* Whole-file writes that never leave a torn file: temp file, optional fsync,
 * rename over the target. */
#ifndef PSUP_ATOMICFILE_H
#define PSUP_ATOMICFILE_H

#include <stddef.h>

/* Writes buf to path atomically with the given mode. With durable set the
 * data and the directory entry are fsynced (for files the user cannot
 * recreate, like saved dumps); state that is rewritten on every change skips
 * it. Returns 0, or -1 with *cause set (caller frees). */
int atomicfile_write(const char *path, const void *buf, size_t len, int mode,
    int durable, char **cause);

/* Reads a whole file (at most max bytes) into a malloc'd NUL-terminated
 * buffer the caller frees. Returns 0, or -1 with errno kept and *cause set. */
int atomicfile_read(const char *path, size_t max, char **buf, size_t *len, char **cause);

#endif
