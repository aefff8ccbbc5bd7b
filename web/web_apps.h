/* psup web's view of the apps: the daemon's latest list reply, each app's
 * compact JSON for the page (what changed since the last list is what the
 * live updates send), and each progress app's chart history. */
#ifndef PSUP_WEB_APPS_H
#define PSUP_WEB_APPS_H
#include <cjson/cJSON.h>
#include <stdint.h>
#include "buf.h"

struct hist;

struct app_ent {
	const cJSON *obj;       /* the app object, inside web_apps.root */
	const char *name;       /* its name, inside obj */
	char *json;             /* compact page JSON (HTML-safe), owned */
	struct hist *hist;      /* owned; NULL until the app reports progress */
};

struct web_apps {
	cJSON *root;            /* the last list reply, owned; NULL before one */
	int64_t at;             /* real ms when it came */
	char *error;            /* why the last list failed, or NULL */
	struct app_ent *ents;   /* in the daemon's order */
	int n;
	int *by_name;           /* indexes into ents, sorted by name */
};

/* Takes a list reply (owned from now on) received at real time now, and
 * writes into delta the live update to send: "" when nothing changed, else
 * one JSON object {"t":..,"full":false,"apps":[changed]} or, when apps came
 * or went or the order changed, the full snapshot (as apps_full()). */
void apps_update(struct web_apps *a, cJSON *reply, int64_t now, struct buf *delta);
/* Records that the daemon could not be asked (error is copied); the delta
 * is a full snapshot with the error when it is new, else "". */
void apps_error(struct web_apps *a, const char *error, struct buf *delta);
/* {"t":..,"full":true,"error":null|"..","apps":[every app]} (HTML-safe). */
void apps_full(const struct web_apps *a, struct buf *b);
/* The app named name, or NULL. */
const struct app_ent *apps_find(const struct web_apps *a, const char *name);
/* The "apps" array of the last list, or NULL. */
const cJSON *apps_array(const struct web_apps *a);
void apps_free(struct web_apps *a);
#endif
