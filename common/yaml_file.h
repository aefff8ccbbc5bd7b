/* Reading a config file and resolving the paths written in it. */
#ifndef PSUP_YAML_FILE_H
#define PSUP_YAML_FILE_H

#include <stddef.h>

/* Config files are small; anything larger is refused, not read. */
#define YFILE_MAX (4 * 1024 * 1024)

/* Reads path whole into a malloc'd, NUL-terminated *buf. Returns 0, or -1
 * with *cause set ("cannot read PATH: why"; the caller frees). */
int yfile_read(const char *path, char **buf, size_t *len, char **cause);

/* path made absolute against base (itself absolute, or NULL for the
 * current directory), "." and ".." folded lexically, no trailing slash;
 * "~/" expands to $HOME. malloc'd. */
char *ypath_resolve(const char *base, const char *path);
/* The directory part of an absolute path ("/" for "/x"); malloc'd. */
char *ypath_dir(const char *path);

#endif
