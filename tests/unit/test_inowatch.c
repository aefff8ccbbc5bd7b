/* inowatch: inotify on the loop. Events of several watches reach the
 * callback one by one with their names, a burst is read to the end in
 * one wake-up, and closing frees what opening took (ASan checks). */
#include "tap.h"
#include "inowatch.h"
#include "clock.h"
#include "xalloc.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int nevents, nself, wd_a;
static char names[1024];

static void event_cb(const struct inotify_event *ev, void *arg)
{
	(void)arg;
	nevents++;
	if (ev->mask & IN_DELETE_SELF)
		nself++;
	if (ev->len && ev->wd == wd_a) {
		size_t n = strlen(names);
		snprintf(names + n, sizeof names - n, "%s|", ev->name);
	}
}

static void touch(const char *dir, const char *name)
{
	char *p = xasprintf("%s/%s", dir, name);
	int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd >= 0)
		close(fd);
	free(p);
}

/* Runs the loop until n events came or five seconds pass. */
static int spin(struct loop *l, int n)
{
	int64_t end = clock_mono_ms() + 5000;
	while (nevents < n && clock_mono_ms() < end)
		loop_once(l, 50);
	return nevents >= n;
}

int main(void)
{
	char dir[] = "/tmp/psup-inowatch-XXXXXX";
	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp");
		return done_testing();
	}
	char *a = xasprintf("%s/a", dir), *b = xasprintf("%s/b", dir), *cause = NULL;
	mkdir(a, 0700);
	mkdir(b, 0700);
	struct loop *l = loop_create(&cause);
	int fd = inowatch_open(l, event_cb, NULL, &cause);
	ok(fd >= 0, "opens: %s", fd >= 0 ? "ok" : cause);
	wd_a = inotify_add_watch(fd, a, IN_CREATE | IN_ONLYDIR);
	int wd_b = inotify_add_watch(fd, b, IN_DELETE_SELF | IN_ONLYDIR);
	ok(wd_a >= 0 && wd_b >= 0, "two watches on one descriptor");

	touch(a, "one");
	touch(a, "two");
	touch(a, "three");
	ok(spin(l, 3), "a burst of three creations: three events");
	is_str(names, "one|two|three|", "each with its name, in order");

	rmdir(b);
	ok(spin(l, 4) && nself == 1, "the other watch's folder removed: its own event");

	inowatch_close(l, fd);
	inowatch_close(l, -1);
	int before = nevents;
	touch(a, "four");
	loop_once(l, 50);
	is_int(nevents, before, "closed: no more events");

	loop_free(l);
	const char *files[] = { "one", "two", "three", "four" };
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		char *p = xasprintf("%s/%s", a, files[i]);
		unlink(p);
		free(p);
	}
	rmdir(a);
	rmdir(dir);
	free(a);
	free(b);
	return done_testing();
}
