/* A worker's lease owner: unique per process and per host with no
 * configuration, and readable ("chunk-1@hostA/5c1f0e9a/12345-987654").
 *
 * The form is NAME@HOST/SPACE/PID-START: NAME is the worker's name (the
 * psup app's, or --name), HOST the host name, SPACE a hash of the boot id
 * and the pid namespace (so two boots, or two containers with one host
 * name, never mix), PID-START the process and its start time (field 22 of
 * /proc/PID/stat, clock ticks after boot), which no other process of that
 * pid space can share while it lives, nor later. Two live workers never
 * share an owner, even with one name on many hosts.
 *
 * Everything up to the last '/' is the owner's incarnation prefix: the
 * owners sharing ours are earlier runs of this worker on this host and
 * boot, and only those whose process is proven gone are released at start.
 *
 * PSUP_WORKER_HOST_ID, for tests only, replaces the host name, so that one
 * machine can play several hosts. */
#ifndef PSUP_OWNER_H
#define PSUP_OWNER_H

#include <sys/types.h>

struct store;

/* The longest NAME and HOST kept (cut at a UTF-8 character's start). */
#define OWNER_PART_MAX 64

/* NAME@HOST/SPACE/PID-START, malloc'd (the caller frees it). Pure. */
char *owner_format(const char *name, const char *host, unsigned space, pid_t pid,
    unsigned long long start);

/* This process's owner under name (the caller frees it). Returns NULL with
 * *cause set (the caller frees it) when /proc cannot tell our start time. */
char *owner_self(const char *name, char **cause);

/* The length of owner's incarnation prefix (through its last '/'), or 0
 * when owner is not of our form. Pure. */
size_t owner_prefix_len(const char *owner);

/* The length of the worker's name in owner (before its last '@'; a host
 * name holds none), or all of it when owner is not of our form. Pure. */
size_t owner_name_len(const char *owner);

/* 1 when other is an earlier incarnation of self (the same prefix, another
 * PID-START), with its pid and start time; else 0. Pure. */
int owner_predecessor(const char *self, const char *other, pid_t *pid,
    unsigned long long *start);

/* 1 when process pid started at start lives, 0 when it is proven gone (no
 * such pid, another start time, or a zombie), -1 when /proc cannot tell. */
int owner_alive(pid_t pid, unsigned long long start);

/* Puts back to pending the leases of self's earlier incarnations whose
 * process is proven gone; live ones, and ones that cannot be told, are
 * left to their leases. *released counts the owners released. */
int owner_release_predecessors(struct store *s, const char *self, int *released,
    char **cause);

#endif
