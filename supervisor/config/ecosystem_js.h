/* Process files written in JavaScript, as pm2 reads them: an
 * ecosystem.config.js/.cjs/.mjs is evaluated by node (found in PATH) in a
 * child process with a timeout, and what it exports comes back as JSON
 * text for the loader. A .json file that only JavaScript accepts
 * (comments, trailing commas, unquoted keys: pm2 evaluates JSON files as
 * JavaScript) goes the same way. Internal to the loader. */
#ifndef PSUP_ECOSYSTEM_JS_H
#define PSUP_ECOSYSTEM_JS_H

#include <stddef.h>

/* A file that takes longer is killed (with what it started): a process
 * file that waits on the network must not hang `psup start`. */
#define ECO_JS_TIMEOUT_MS 10000
/* Its JSON and its error output are capped: a process file is small. */
#define ECO_JS_OUT_MAX (16 * 1024 * 1024)

enum eco_js_mode {
	ECO_JS_MODULE,   /* require() or import() the file; its export */
	ECO_JS_EXPR,     /* the file's text as one expression (pm2's JSON) */
};

/* 1 when path ends in .js, .cjs or .mjs. */
int eco_js_is_module(const char *path);

/* Evaluates path (absolute) with node, run in dir with env (NULL: this
 * process's environment; node is looked up in env's PATH), into JSON
 * pretty-printed one key per line. *json is malloc'd (the caller frees).
 * Returns 0, or -1 with *cause naming path and saying why (node missing,
 * the file's error as node reports it, the timeout). */
int eco_js_eval(const char *path, const char *dir, enum eco_js_mode mode, char *const *env,
    char **json, size_t *len, char **cause);

#endif
