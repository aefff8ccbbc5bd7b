/* What the verbs that act on apps share: telling a process file from a
 * script or a name (pm2's rule), selectors as a request's target, and the
 * caller's environment, which pm2's start and --update-env send. */
#ifndef PSUP_CLI_TARGET_H
#define PSUP_CLI_TARGET_H

#include <cjson/cJSON.h>

/* 1 when word names a process file as pm2 tells one: .json, .yaml, .yml,
 * or .config.js/.cjs/.mjs (ecosystem.config.js). */
int cli_is_config_file(const char *word);
/* Adds "target" to req: words[0..n) as one selector or a list. A word that
 * names an existing file is sent as its absolute path (a process file's
 * apps, or the apps running that script). */
void cli_target_add(cJSON *req, char *const *words, int n);
/* pm2's `-`: a JSON process file on stdin ({"apps":[...]}, a list of apps
 * or one app), as an array of app objects, each with its name (from its
 * script when it has none); the caller frees it. NULL with *rc the exit
 * code, after saying why. */
cJSON *cli_stdin_apps(int *rc);
/* Adds "env", the caller's whole environment, to req. */
void cli_env_add(cJSON *req);
/* Adds "only", the names of a comma-separated list, to req. */
void cli_only_add(cJSON *req, const char *list);

/* A start request for the process file path (its absolute path, env_NAME
 * and --only when not NULL, the caller's environment), or NULL after
 * printing why the file cannot be named. */
cJSON *cli_file_req(const char *path, const char *env_name, const char *only);
/* Sends a start request (consumed); prints its warnings and the names it
 * started and restarted, adding how many to *named (may be NULL). CLI_OK
 * with *reply (the caller frees it), or the exit code after printing every
 * error (bad_code when the load failed). */
int cli_start_send(cJSON *req, int bad_code, cJSON **reply, int *named);

#endif
