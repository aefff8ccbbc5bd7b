/* Reading the kernel's /proc: one process's stat line, and the boot id.
 * Libc only and no allocation: the keeper, the daemon, the CLI and the
 * worker all use it. */
#ifndef PSUP_PROCFS_H
#define PSUP_PROCFS_H

#include <stddef.h>
#include <sys/types.h>

/* The fields psup uses from one /proc/PID/stat line. */
struct procfs_stat {
	pid_t pid;
	pid_t ppid;
	pid_t pgrp;
	char state;             /* 'R', 'S', 'D', 'Z' (zombie), 'X' (dead)... */
	int threads;
	long long ticks;        /* utime + stime, clock ticks */
	long long child_ticks;  /* cutime + cstime: its reaped children's */
	long long starttime;    /* clock ticks after boot */
	long long rss_pages;
	char comm[64];          /* the command name, cut to fit */
};

/* Parses a /proc/PID/stat line of len bytes (comm may hold spaces and
 * parentheses: fields count from the last ')'). Returns 0, or -1 for a
 * malformed line. Pure. */
int procfs_stat_parse(const char *buf, size_t len, struct procfs_stat *out);

/* 1 when a stat state letter says the process has died: a zombie ('Z',
 * not yet reaped) or dead ('X') runs nothing any more. */
int procfs_state_dead(char state);

/* Reads /proc/PID/WHAT (one read: a /proc file comes whole when buf has
 * room) into buf, NUL-terminated within n bytes. Returns its length, or -1
 * with errno. */
ssize_t procfs_read(pid_t pid, const char *what, char *buf, size_t n);

/* Reads and parses /proc/PID/stat. Returns 0, or -1 with errno: ENOENT or
 * ESRCH when there is no such process, EINVAL when the line is malformed,
 * EMFILE and the like when a resource ran short. */
int procfs_stat_read(pid_t pid, struct procfs_stat *out);

/* Reads a /proc file kept open (fd) again from its start into buf,
 * NUL-terminated within n bytes: the kernel makes its text afresh for each
 * read at offset 0, so one open serves any number of reads. An open
 * /proc/PID file stays bound to the process it was opened for: once that
 * process is reaped its reads fail with ESRCH, even when another process
 * has been given the same pid since. Returns the length, or -1 with errno. */
ssize_t procfs_pread(int fd, char *buf, size_t n);

/* procfs_stat_read() from a /proc/PID/stat file kept open: 0, or -1 with
 * errno (ESRCH once the process it was opened for is reaped). */
int procfs_stat_pread(int fd, struct procfs_stat *out);

/* The boot id (/proc/sys/kernel/random/boot_id) without its newline into
 * out[0..n), NUL-padded to n bytes so that it compares whole. Returns 0,
 * or -1 with errno and out all NULs when it cannot be read. */
#define PROCFS_BOOT_ID_SIZE 40
int procfs_boot_id(char *out, size_t n);

#endif
