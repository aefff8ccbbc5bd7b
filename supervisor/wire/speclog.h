/* The apps' specs of a home in one file, $PSUP_HOME/specs, that grows by a
 * record per change: a new or changed spec appends its packed form
 * (spec.h), a deleted app a tombstone, and the last record of a name wins.
 * A folder and a file per app cost two file creations on the way to each
 * launch, the dearest part of starting a thousand apps on a busy
 * filesystem; an append costs none. The daemon writes it (and rewrites it
 * whole when superseded records outweigh live ones); the CLI reads it when
 * no daemon runs.
 *
 * The file: the line "psup-specs 1", then records
 *   P <name length> <spec length> <FNV-1a of name and spec, 16 hex>\n
 *   <name><spec>\n
 *   D <name length> 0 <FNV-1a of name>\n<name>\n
 * A record cut short by a crash or a full disk, or garbage after the last
 * good record, ends the reading there: what follows is counted as torn. */
#ifndef PSUP_SPECLOG_H
#define PSUP_SPECLOG_H

#include <stddef.h>
#include <sys/types.h>

#define SPECLOG_NAME_MAX 4096
/* the largest file read: a thousand apps of 1 MiB specs, twice over */
#define SPECLOG_FILE_MAX (2048u << 20)
#define SPECLOG_MAGIC "psup-specs 1\n"

struct speclog {
	int fd;                     /* open for appending, -1 when closed */
	char *path;
	off_t size;                 /* where the next record starts */
};

/* One live spec: name and spec point into the set's buffer, not
 * NUL-terminated. */
struct speclog_rec {
	const char *name;
	size_t name_len;
	const char *spec;
	size_t spec_len;
	size_t bytes;               /* of its record in the file */
};

/* What speclog_read() found. */
struct speclog_set {
	char *buf;                  /* the file, owned */
	struct speclog_rec *recs;   /* live specs in the order of their last
	                             * write; owned */
	size_t n;
	size_t dead;                /* bytes of records a later one superseded */
	size_t torn;                /* bytes after the last good record */
	size_t torn_at;             /* its offset */
};

/* Reads path (at most max bytes) into *set (speclog_set_free() it).
 * Returns 0; -1 with errno ENOENT (and *cause set) when there is no file;
 * -1 with *cause naming the path and why, and errno, when it cannot be
 * read or is not a spec file (EINVAL). */
int speclog_read(const char *path, size_t max, struct speclog_set *set, char **cause);
/* The same for the len bytes at buf (malloc'd; the set takes it, freed
 * on failure too), path naming it in *cause. */
int speclog_parse(char *buf, size_t len, const char *path, struct speclog_set *set,
    char **cause);
void speclog_set_free(struct speclog_set *set);

/* Opens path for appending, made with its first line when missing. l is
 * the caller's; speclog_close() releases what this sets. 0 or -1 + *cause. */
int speclog_open(struct speclog *l, const char *path, char **cause);
void speclog_close(struct speclog *l);

/* Appends name's spec (put) or its tombstone (drop) in one write. Returns
 * the bytes the record takes, or -1 with *cause set: then nothing of the
 * record is left in the file (a partial write is cut off again). */
long speclog_put(struct speclog *l, const char *name, const char *spec, size_t spec_len,
    char **cause);
long speclog_drop(struct speclog *l, const char *name, char **cause);

/* Replaces path with a file holding just recs[0..n) (bytes set in each),
 * written whole beside it, synced and renamed over it, then has l (open or
 * closed) append to it. 0, or -1 with *cause set and the old file kept. */
int speclog_rewrite(struct speclog *l, const char *path, struct speclog_rec *recs, size_t n,
    char **cause);

#endif
