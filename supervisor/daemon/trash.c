/* Removing APPDIRs: renamed aside into apps/ at once, removed after the
 * loop pass (trash.h). */
#include "trash.h"
#include "xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TRASH_PREFIX ".gone-"

static void rm_dir(const char *dir)
{
	DIR *dp = opendir(dir);
	if (dp) {
		struct dirent *de;
		while ((de = readdir(dp))) {
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			char *p = xasprintf("%s/%s", dir, de->d_name);
			unlink(p);
			free(p);
		}
		closedir(dp);
	}
	if (rmdir(dir) < 0 && errno != ENOENT)
		dlog("cannot remove %s: %s", dir, strerror(errno));
}

void trash_put(struct daemon *d, const char *dir)
{
	/* a lost home has no apps/ to set it aside in (an app's runtime
	 * folder at the exit, homewatch.c) */
	if (d->home_lost) {
		rm_dir(dir);
		return;
	}
	char *to = xasprintf("%s/" TRASH_PREFIX "%ld-%u", d->apps_dir, (long)getpid(), d->trash_seq++);
	if (rename(dir, to) < 0) {
		free(to);
		if (errno != ENOENT)
			rm_dir(dir);
		return;
	}
	d->trash = xreallocarray(d->trash, (size_t)d->ntrash + 1, sizeof *d->trash);
	d->trash[d->ntrash++] = to;
}

/* Removes what trash_put() set aside, in a child the SIGCHLD
 * handler reaps (link_reaped() ignores a pid that is no keeper); by
 * itself when no child can be made. */
void trash_empty(struct daemon *d)
{
	if (!d->ntrash)
		return;
	/* a lost home's apps/ may be another daemon's: only the names go */
	if (!d->home_lost) {
		pid_t pid = fork();
		if (pid == 0) {
			for (int i = 0; i < d->ntrash; i++)
				rm_dir(d->trash[i]);
			_exit(0);
		}
		if (pid < 0)
			for (int i = 0; i < d->ntrash; i++)
				rm_dir(d->trash[i]);
	}
	for (int i = 0; i < d->ntrash; i++)
		free(d->trash[i]);
	free(d->trash);
	d->trash = NULL;
	d->ntrash = 0;
}

/* What a daemon that died left set aside. */
void trash_find(struct daemon *d)
{
	DIR *dp = opendir(d->apps_dir);
	if (!dp)
		return;
	struct dirent *de;
	while ((de = readdir(dp)))
		if (strncmp(de->d_name, TRASH_PREFIX, strlen(TRASH_PREFIX)) == 0) {
			d->trash = xreallocarray(d->trash, (size_t)d->ntrash + 1, sizeof *d->trash);
			d->trash[d->ntrash++] = xasprintf("%s/%s", d->apps_dir, de->d_name);
		}
	closedir(dp);
}
