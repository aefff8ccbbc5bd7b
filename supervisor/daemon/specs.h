/* The apps' specs on disk (specs.c): the home's spec file (speclog.h),
 * which the daemon loads at start-up and appends to on every change; the
 * copy each keeper reads, in its app's runtime folder; and the apps/NAME
 * folders of homes from before the spec file, converted on load. */
#ifndef PSUP_SPECS_H
#define PSUP_SPECS_H

struct daemon;
struct dapp;

/* Adds the apps of the home's spec file to the table (or, in a home
 * without one, of its apps/NAME/spec files), then has the file ready for
 * appending: rewritten when it was converted, cut short, or mostly
 * superseded records. Apps whose spec cannot be read are skipped, said in
 * the daemon's log. */
void specs_load(struct daemon *d);
/* Rewrites the file from the table when the load asked for it (a home
 * converted, ids given) or superseded records outweigh live ones: at once
 * when they do so several times over or no app is left, else a second
 * later (a timer on the loop), after the command that added them. */
void specs_tidy(struct daemon *d);
void specs_close(struct daemon *d);

/* Records a's spec (its id in it): the keeper's copy when its runtime
 * folder exists (a reload reads it), the apps/NAME/spec of an older home
 * when that exists (a keeper from before the upgrade reads that), then the
 * spec file. 0, or -1 with *cause set. */
int specs_write(struct dapp *a, char **cause);
/* Records how a was left (its spec's `stopped`: 0, SPEC_STOPPED or
 * SPEC_CRON_DONE) in the spec file, so that it is loaded so after a reboot
 * or a resurrect; nothing when it is recorded so already. The keeper's
 * copy is left as it is (a keeper started later gets a fresh one). A
 * failure to write is logged: a reboot would then start it. */
void specs_set_stopped(struct dapp *a, int stopped);
/* Follows the state a's keeper reported: an app that completed is recorded
 * so, and a reboot does not run a one-shot again (pm2 keeps it stopped
 * too), nor a cron job before its next time; once it runs again without a
 * command (watch, cron), that record is undone. */
void specs_follow_state(struct dapp *a);
/* Writes the copy of a's spec its keeper reads, in a->dir (made). 0, or
 * -1 with *cause set. */
int specs_keeper_copy(struct dapp *a, char **cause);
/* Records that a is gone (nothing when it was never recorded). */
void specs_drop(struct dapp *a);

#endif
